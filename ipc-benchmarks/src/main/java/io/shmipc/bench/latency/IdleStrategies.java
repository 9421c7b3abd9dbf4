package io.shmipc.bench.latency;

import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.BusySpinIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.NoOpIdleStrategy;
import org.agrona.concurrent.YieldingIdleStrategy;

/** The idle strategies the harness can wait with, by name. */
public final class IdleStrategies
{
    /** Names accepted by {@link #of(String)}. */
    public static final String NAMES = "busy, noop, yield, backoff";

    private IdleStrategies()
    {
    }

    /** @return a new idle strategy for {@code name} (one of {@link #NAMES}). */
    public static IdleStrategy of(final String name)
    {
        switch (name)
        {
            case "busy":
                return new BusySpinIdleStrategy();
            case "noop":
                return new NoOpIdleStrategy();
            case "yield":
                return new YieldingIdleStrategy();
            case "backoff":
                return new BackoffIdleStrategy();
            default:
                throw new IllegalArgumentException("unknown idle strategy '" + name + "'; known: " + NAMES);
        }
    }
}
