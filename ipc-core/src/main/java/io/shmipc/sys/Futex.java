package io.shmipc.sys;

/**
 * Shared (not process-private) futex waits and wakes on a 32-bit word of a shared mapping: a thread sleeps in the
 * kernel until another thread, in any process mapping the same file, wakes it. Unsupported on this JDK (see the JDK
 * 22+ version), where waiters back off instead ({@code docs/FORMAT.md}).
 */
public final class Futex
{
    private Futex()
    {
    }

    /** @return whether futex calls can be made: never on this JDK. */
    public static boolean isSupported()
    {
        return false;
    }

    /**
     * Sleeps while the 32-bit word at {@code address} equals {@code expected}, for at most {@code timeoutNanos};
     * returns on a wake, a timeout, a signal, or at once if the word differs. Callers re-check their condition.
     */
    public static void await(final long address, final int expected, final long timeoutNanos)
    {
        throw new UnsupportedOperationException("futex needs JDK 22+");
    }

    /** Wakes every thread sleeping on the word at {@code address}. */
    public static void wakeAll(final long address)
    {
        throw new UnsupportedOperationException("futex needs JDK 22+");
    }
}
