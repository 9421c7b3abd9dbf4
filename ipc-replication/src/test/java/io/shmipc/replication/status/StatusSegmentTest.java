package io.shmipc.replication.status;

import io.shmipc.replication.ReplicationState;
import io.shmipc.replication.testing.Dirs;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * An owner's close removes only its own status segment: never a successor's that took the same file or created a new
 * one under the name, and a successor waiting for it to stop ends up with the file under the name.
 */
class StatusSegmentTest
{
    private static final String NAME = "owned";

    private final Path dir = Dirs.create("status");

    @AfterEach
    void cleanUp()
    {
        Dirs.delete(dir);
    }

    @Test
    void closingLeavesTheStatusSegmentOfASuccessorThatClaimedTheFileAfterThisOwnerWentStale()
    {
        final StatusSegment first = StatusSegment.claim(dir, NAME, StatusRole.REPLICA);
        first.publish(status(ReplicationState.SYNCED, 1, StatusClock.epochNanos() - TimeUnit.SECONDS.toNanos(5)));
        try (StatusSegment second = StatusSegment.claim(dir, NAME, StatusRole.REPLICA))
        {
            second.publish(status(ReplicationState.SYNCED, 2, StatusClock.epochNanos()));
            first.close(); // the stale owner wakes up and stops

            final ReplicationStatus seen = StatusSegment.read(dir, NAME, StatusRole.REPLICA);
            assertNotNull(seen, "the successor's status segment is still there");
            assertEquals(2, seen.get(StatusField.STARTED_AT));
        }
        assertNull(StatusSegment.read(dir, NAME, StatusRole.REPLICA), "the successor removed it on close");
    }

    @Test
    void aSuccessorWaitingForTheOwnerToStopKeepsItsStatusInTheSegmentUnderTheName() throws Exception
    {
        final StatusSegment first = StatusSegment.claim(dir, NAME, StatusRole.REPLICA);
        first.publish(status(ReplicationState.SYNCED, 1, StatusClock.epochNanos()));
        final CompletableFuture<StatusSegment> waiting = CompletableFuture.supplyAsync(
            () -> StatusSegment.claim(dir, NAME, StatusRole.REPLICA));
        Thread.sleep(120);
        assertFalse(waiting.isDone(), "the second claim waits for the running owner");
        first.close(status(ReplicationState.STOPPED, 1, StatusClock.epochNanos()));

        try (StatusSegment second = waiting.get(10, TimeUnit.SECONDS))
        {
            second.publish(status(ReplicationState.SYNCED, 2, StatusClock.epochNanos()));
            final ReplicationStatus seen = StatusSegment.read(dir, NAME, StatusRole.REPLICA);
            assertNotNull(seen, "the successor's status is under the name");
            assertEquals(2, seen.get(StatusField.STARTED_AT));
        }
    }

    private static ReplicationStatus status(final ReplicationState state, final long startedAt, final long updatedAt)
    {
        final StatusBoard board = new StatusBoard(StatusRole.REPLICA);
        board.state(state);
        final ReplicationStatus now = board.snapshot();
        final long[] values = new long[StatusField.values().length];
        for (final StatusField field : StatusField.values())
        {
            values[field.ordinal()] = now.get(field);
        }
        values[StatusField.STARTED_AT.ordinal()] = startedAt;
        values[StatusField.UPDATED_AT.ordinal()] = updatedAt;
        return new ReplicationStatus(StatusRole.REPLICA, values, null);
    }
}
