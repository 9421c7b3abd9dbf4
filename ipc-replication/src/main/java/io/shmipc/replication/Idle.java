package io.shmipc.replication;

import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;

import java.util.concurrent.TimeUnit;

/** How publisher and replica threads idle by default: a few spins and yields, then parks growing to 1 ms. */
final class Idle
{
    static final long MAX_PARK_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

    private Idle()
    {
    }

    static IdleStrategy defaultStrategy()
    {
        return new BackoffIdleStrategy(100, 10, 1_000, MAX_PARK_NANOS);
    }
}
