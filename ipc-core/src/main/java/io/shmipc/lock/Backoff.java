package io.shmipc.lock;

import java.util.concurrent.locks.LockSupport;

/**
 * How a thread waits for shared memory to change: spin first (the other side is usually a few hundred nanoseconds
 * away), then yield (the other side may need this core), then park briefly (the other side is slow or gone).
 * Allocation-free and monitor-free, so it can sit on every hot path.
 */
public final class Backoff
{
    /** Iterations spent in {@link Thread#onSpinWait()} before yielding. */
    public static final int SPIN_ITERATIONS = 2_000;
    /** Iterations spent in {@link Thread#yield()} after spinning, before parking. */
    public static final int YIELD_ITERATIONS = 200;
    /** Park duration once spinning and yielding are over. */
    public static final long PARK_NANOS = 50_000;

    private Backoff()
    {
    }

    /**
     * Waits a little; call in a loop with an increasing {@code iteration} starting at 0.
     *
     * @param iteration how many times the caller has waited already.
     */
    public static void idle(final int iteration)
    {
        if (iteration < SPIN_ITERATIONS)
        {
            Thread.onSpinWait();
        }
        else if (iteration < SPIN_ITERATIONS + YIELD_ITERATIONS)
        {
            Thread.yield();
        }
        else
        {
            LockSupport.parkNanos(PARK_NANOS);
        }
    }
}
