package io.shmipc.replication.status;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * A child process for {@link StatusSegmentClaimTest}: claims the replica status segment of {@code NAME} in {@code DIR},
 * publishes a status that stays fresh for an hour (so that only the lease, never the status's age, can free the
 * claim), prints {@code CLAIMED}, and waits to be killed.
 */
public final class StatusClaimChild
{
    private StatusClaimChild()
    {
    }

    /** @param args DIR NAME */
    public static void main(final String[] args) throws InterruptedException
    {
        final StatusSegment status = StatusSegment.claim(Path.of(args[0]), args[1], StatusRole.REPLICA);
        final StatusBoard board = new StatusBoard(StatusRole.REPLICA);
        board.state(io.shmipc.replication.ReplicationState.SYNCED);
        final ReplicationStatus now = board.snapshot();
        final long[] values = new long[StatusField.values().length];
        for (final StatusField field : StatusField.values())
        {
            values[field.ordinal()] = now.get(field);
        }
        values[StatusField.UPDATED_AT.ordinal()] = StatusClock.epochNanos() + TimeUnit.HOURS.toNanos(1);
        status.publish(new ReplicationStatus(StatusRole.REPLICA, values, null));
        System.out.println("CLAIMED pid=" + ProcessHandle.current().pid());
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }
}
