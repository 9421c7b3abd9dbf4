package io.shmipc.replication.status;

import io.shmipc.replication.ReplicationState;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The live counters of one publisher or replica: written by its agent thread, read by any thread. Allocation-free.
 */
public final class StatusBoard
{
    private final StatusRole role;
    private final AtomicLongArray values = new AtomicLongArray(StatusField.values().length);
    private volatile String error;

    /** @param role whose counters these are. */
    public StatusBoard(final StatusRole role)
    {
        this.role = role;
        set(StatusField.PID, ProcessHandle.current().pid());
        set(StatusField.STARTED_AT, StatusClock.epochNanos());
        state(ReplicationState.STARTING);
    }

    public StatusRole role()
    {
        return role;
    }

    public void set(final StatusField field, final long value)
    {
        values.lazySet(field.ordinal(), value);
    }

    public void add(final StatusField field, final long delta)
    {
        values.lazySet(field.ordinal(), values.get(field.ordinal()) + delta);
    }

    public void max(final StatusField field, final long value)
    {
        if (value > values.get(field.ordinal()))
        {
            values.lazySet(field.ordinal(), value);
        }
    }

    public long get(final StatusField field)
    {
        return values.get(field.ordinal());
    }

    public void state(final ReplicationState state)
    {
        set(StatusField.STATE, state.ordinal());
    }

    public ReplicationState state()
    {
        return ReplicationState.of(get(StatusField.STATE));
    }

    /** Records why the state is {@link ReplicationState#ERROR}, or clears it with {@code null}. */
    public void error(final String message)
    {
        this.error = message;
    }

    /** @return the current error, or {@code null}. */
    public String error()
    {
        return error;
    }

    /** @return a copy of every counter now, stamped with the current time. */
    public ReplicationStatus snapshot()
    {
        final long[] copy = new long[values.length()];
        for (int i = 0; i < copy.length; i++)
        {
            copy[i] = values.get(i);
        }
        copy[StatusField.UPDATED_AT.ordinal()] = StatusClock.epochNanos();
        return new ReplicationStatus(role, copy, error);
    }
}
