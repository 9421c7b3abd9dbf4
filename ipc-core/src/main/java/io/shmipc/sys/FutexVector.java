package io.shmipc.sys;

/**
 * Sleeping on several futex words at once ({@code futex_waitv}, Linux 5.16+): the thread wakes when any of them is
 * woken, changes, or the timeout passes. Unsupported on this JDK (see the JDK 22+ version), where a wait on several
 * pages backs off instead.
 */
public final class FutexVector
{
    /** Most words one vector holds (the kernel's limit). */
    public static final int MAX_WORDS = 128;

    /**
     * @param capacity how many words the vector holds, 1 to {@value #MAX_WORDS}.
     */
    public FutexVector(final int capacity)
    {
        if (capacity < 1 || capacity > MAX_WORDS)
        {
            throw new IllegalArgumentException("capacity " + capacity + " is outside 1.." + MAX_WORDS);
        }
    }

    /** @return whether vectors can be slept on: never on this JDK. */
    public static boolean isSupported()
    {
        return false;
    }

    /**
     * Sets word {@code index}: sleep while the 32-bit word at {@code address} equals {@code expected}.
     *
     * @param index    which entry, 0 to capacity - 1.
     * @param address  the word's address in a shared mapping.
     * @param expected the value it must still have for the thread to sleep.
     */
    public void set(final int index, final long address, final int expected)
    {
        throw new UnsupportedOperationException("futex_waitv needs JDK 22+");
    }

    /**
     * Sleeps while each of the first {@code count} words has its expected value, for at most {@code timeoutNanos}.
     *
     * @param count        how many entries to use.
     * @param timeoutNanos the longest sleep.
     */
    public void await(final int count, final long timeoutNanos)
    {
        throw new UnsupportedOperationException("futex_waitv needs JDK 22+");
    }
}
