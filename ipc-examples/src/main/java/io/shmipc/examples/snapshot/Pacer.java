package io.shmipc.examples.snapshot;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/** Spaces operations evenly at a target rate, parking in between; a rate of 0 means as fast as possible. */
final class Pacer
{
    private static final long MAX_LAG_NANOS = TimeUnit.SECONDS.toNanos(1);
    private static final long MIN_PARK_NANOS = 20_000;

    private final long periodNanos;
    private long next;

    /** @param perSecond operations per second, 0 for no limit. */
    Pacer(final long perSecond)
    {
        if (perSecond < 0)
        {
            throw new IllegalArgumentException("rate " + perSecond + " is negative");
        }
        this.periodNanos = perSecond == 0 ? 0 : Math.max(1, TimeUnit.SECONDS.toNanos(1) / perSecond);
        this.next = System.nanoTime();
    }

    /** Returns when the next operation is due. Falling more than a second behind drops the backlog. */
    void awaitNext()
    {
        if (periodNanos == 0)
        {
            return;
        }
        next += periodNanos;
        final long now = System.nanoTime();
        final long ahead = next - now;
        if (ahead >= MIN_PARK_NANOS)
        {
            LockSupport.parkNanos(ahead);
        }
        else if (-ahead > MAX_LAG_NANOS)
        {
            next = now;
        }
    }
}
