package io.shmipc.replication.status;

import io.shmipc.replication.ReplicationException;
import io.shmipc.replication.ReplicationState;
import io.shmipc.replication.testing.ChildJvm;
import io.shmipc.replication.testing.Dirs;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One owner per status segment, decided by the lease on its page: a live owner in another process is refused to
 * every other claimer, whatever its status says; a killed owner's lease is void, so the next claim succeeds at once
 * even though the status it left still looks fresh.
 */
class StatusSegmentClaimTest
{
    private static final String NAME = "claimed";

    private final Path dir = Dirs.create("status");

    @AfterEach
    void cleanUp()
    {
        Dirs.delete(dir);
    }

    @Test
    void aLiveOwnerInAnotherProcessIsRefusedAndAKilledOnesClaimIsVoid()
    {
        final ChildJvm owner = ChildJvm.start(StatusClaimChild.class, List.of(), dir.toString(), NAME);
        try
        {
            final long pid = Long.parseLong(owner.awaitValue("CLAIMED", "pid", 60));
            final ReplicationException refused = assertThrows(ReplicationException.class,
                () -> StatusSegment.claim(dir, NAME, StatusRole.REPLICA));
            assertTrue(refused.getMessage().contains("already has a running replica in another process (pid " + pid),
                refused.getMessage());

            owner.kill();
            final ReplicationStatus left = StatusSegment.read(dir, NAME, StatusRole.REPLICA);
            assertEquals(ReplicationState.SYNCED, left.state());
            assertFalse(StatusSegment.isStale(left), "the dead owner's status still looks fresh: only the lease can tell");
            try (StatusSegment claimed = StatusSegment.claim(dir, NAME, StatusRole.REPLICA))
            {
                final StatusBoard board = new StatusBoard(StatusRole.REPLICA);
                claimed.publish(board.snapshot());
                final ReplicationStatus mine = StatusSegment.read(dir, NAME, StatusRole.REPLICA);
                assertEquals(ProcessHandle.current().pid(), mine.get(StatusField.PID));
                assertEquals(ReplicationState.STARTING, mine.state());
            }
        }
        finally
        {
            owner.close();
        }
    }

    @Test
    void aSecondClaimInTheSameJvmIsRefused()
    {
        try (StatusSegment first = StatusSegment.claim(dir, NAME, StatusRole.REPLICA))
        {
            first.publish(new StatusBoard(StatusRole.REPLICA).snapshot());
            final ReplicationException refused = assertThrows(ReplicationException.class,
                () -> StatusSegment.claim(dir, NAME, StatusRole.REPLICA));
            assertTrue(refused.getMessage().contains("already has a running replica in this JVM"),
                refused.getMessage());
        }
        try (StatusSegment again = StatusSegment.claim(dir, NAME, StatusRole.REPLICA))
        {
            again.publish(new StatusBoard(StatusRole.REPLICA).snapshot());
        }
    }
}
