package io.shmipc;

import io.shmipc.lock.PageLocks;

import java.time.Duration;
import java.util.Objects;

/** Converts the {@link Duration}s callers give into the nanoseconds the lock protocol counts, saturating. */
final class Timeouts
{
    private Timeouts()
    {
    }

    /**
     * @param timeout a duration, zero or positive; {@link java.time.temporal.ChronoUnit#FOREVER}'s duration and
     *                anything longer than 292 years mean "no limit".
     * @param what    its name, for messages.
     * @return the duration in nanoseconds, {@link PageLocks#NO_TIMEOUT} if longer than {@link Long#MAX_VALUE} ns.
     * @throws IllegalArgumentException if it is negative.
     */
    static long nanos(final Duration timeout, final String what)
    {
        Objects.requireNonNull(timeout, what);
        if (timeout.isNegative())
        {
            throw new IllegalArgumentException(what + " " + timeout + " is negative");
        }
        try
        {
            return timeout.toNanos();
        }
        catch (final ArithmeticException tooLong)
        {
            return PageLocks.NO_TIMEOUT;
        }
    }
}
