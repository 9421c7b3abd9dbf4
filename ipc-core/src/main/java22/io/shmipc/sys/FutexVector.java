package io.shmipc.sys;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Sleeping on several futex words at once ({@code futex_waitv}, Linux 5.16+), through the FFM API: the thread wakes
 * when any of them is woken, changes, or the timeout passes. The words are shared futexes (no
 * {@code FUTEX2_PRIVATE}), so a {@code FUTEX_WAKE} from any process mapping the file wakes the sleeper. The native
 * vector is allocated once per instance: a sleep allocates nothing.
 */
public final class FutexVector
{
    /** Most words one vector holds (the kernel's limit). */
    public static final int MAX_WORDS = 128;

    private static final long ENTRY = 24; // struct futex_waitv { u64 val; u64 uaddr; u32 flags; u32 reserved; }
    private static final int FUTEX2_SIZE_U32 = 0x02;
    private static final int CLOCK_MONOTONIC = 1;
    private static final long NANOS_PER_SECOND = 1_000_000_000L;

    private final MemorySegment entries;
    private final MemorySegment deadline;
    private final MemorySegment callState;

    /**
     * @param capacity how many words the vector holds, 1 to {@value #MAX_WORDS}.
     */
    public FutexVector(final int capacity)
    {
        if (capacity < 1 || capacity > MAX_WORDS)
        {
            throw new IllegalArgumentException("capacity " + capacity + " is outside 1.." + MAX_WORDS);
        }
        final Arena arena = Arena.ofAuto();
        this.entries = arena.allocate(ENTRY * capacity, 8);
        this.deadline = arena.allocate(16, 8);
        this.callState = Syscalls.AVAILABLE ? arena.allocate(Syscalls.CALL_STATE) : null;
    }

    /** @return whether vectors can be slept on: native calls available and a kernel with futex_waitv. */
    public static boolean isSupported()
    {
        return Syscalls.FUTEX_WAITV_AVAILABLE;
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
        final long at = index * ENTRY;
        entries.set(ValueLayout.JAVA_LONG, at, expected & 0xFFFF_FFFFL);
        entries.set(ValueLayout.JAVA_LONG, at + 8, address);
        entries.set(ValueLayout.JAVA_INT, at + 16, FUTEX2_SIZE_U32);
        entries.set(ValueLayout.JAVA_INT, at + 20, 0);
    }

    /**
     * Sleeps while each of the first {@code count} words has its expected value, for at most {@code timeoutNanos}.
     * The timeout is turned into an absolute {@code CLOCK_MONOTONIC} deadline, the clock of {@link System#nanoTime()}
     * on Linux.
     *
     * @param count        how many entries to use.
     * @param timeoutNanos the longest sleep.
     */
    public void await(final int count, final long timeoutNanos)
    {
        final long until = System.nanoTime() + Math.max(0, timeoutNanos);
        deadline.set(ValueLayout.JAVA_LONG, 0, until / NANOS_PER_SECOND);
        deadline.set(ValueLayout.JAVA_LONG, 8, until % NANOS_PER_SECOND);
        try
        {
            final long ignored = (long)Syscalls.FUTEX_WAITV.invokeExact(callState,
                Syscalls.SYS_FUTEX_WAITV, entries.address(), count, 0, deadline.address(), CLOCK_MONOTONIC);
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
