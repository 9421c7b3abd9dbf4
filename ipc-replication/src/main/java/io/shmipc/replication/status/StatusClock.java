package io.shmipc.replication.status;

import org.agrona.concurrent.EpochNanoClock;
import org.agrona.concurrent.SystemEpochNanoClock;

/** The wall clock that stamps messages and statuses, in nanoseconds since 1970. */
public final class StatusClock
{
    private static final EpochNanoClock CLOCK = new SystemEpochNanoClock();

    private StatusClock()
    {
    }

    /** @return the wall clock now, ns since 1970 (allocation-free). */
    public static long epochNanos()
    {
        return CLOCK.nanoTime();
    }
}
