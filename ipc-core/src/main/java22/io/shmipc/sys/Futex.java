package io.shmipc.sys;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Shared (not process-private) futex waits and wakes on a 32-bit word of a shared mapping, through the FFM API: a
 * thread sleeps in the kernel until another thread, in any process mapping the same file, wakes it. The futex key of
 * a shared mapping is the file's page and offset, so processes, and containers sharing {@code /dev/shm}, meet on it.
 */
public final class Futex
{
    private static final int FUTEX_WAIT = 0;
    private static final int FUTEX_WAKE = 1;
    private static final long NANOS_PER_SECOND = 1_000_000_000L;
    /** A {@code struct timespec} per thread that sleeps, so a sleep allocates nothing after the first. */
    private static final ThreadLocal<MemorySegment> TIMESPEC =
        ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(16, 8));

    private Futex()
    {
    }

    /** @return whether futex calls can be made. */
    public static boolean isSupported()
    {
        return Syscalls.AVAILABLE;
    }

    /**
     * Sleeps while the 32-bit word at {@code address} equals {@code expected}, for at most {@code timeoutNanos};
     * returns on a wake, a timeout, a signal, or at once if the word differs. Callers re-check their condition.
     */
    public static void await(final long address, final int expected, final long timeoutNanos)
    {
        final MemorySegment timespec = TIMESPEC.get();
        final long nanos = Math.max(0, timeoutNanos);
        timespec.set(ValueLayout.JAVA_LONG, 0, nanos / NANOS_PER_SECOND);
        timespec.set(ValueLayout.JAVA_LONG, 8, nanos % NANOS_PER_SECOND);
        try
        {
            final long ignored = (long)Syscalls.FUTEX.invokeExact(
                Syscalls.SYS_FUTEX, address, FUTEX_WAIT, expected, timespec.address(), 0L, 0);
        }
        catch (final RuntimeException | Error ex)
        {
            throw ex;
        }
        catch (final Throwable ex)
        {
            throw new IllegalStateException(ex);
        }
    }

    /** Wakes every thread sleeping on the word at {@code address}. */
    public static void wakeAll(final long address)
    {
        try
        {
            final long ignored = (long)Syscalls.FUTEX_WAKE_CALL.invokeExact(
                Syscalls.SYS_FUTEX, address, FUTEX_WAKE, Integer.MAX_VALUE, 0L, 0L, 0);
        }
        catch (final RuntimeException | Error ex)
        {
            throw ex;
        }
        catch (final Throwable ex)
        {
            throw new IllegalStateException(ex);
        }
    }
}
