package io.shmipc.lock;

/**
 * Test-only hook that makes "a writer dies inside its critical section" deterministic: with the system property
 * {@value #PAUSE_PROPERTY} set to a number of milliseconds, every write pauses for that long right after taking its
 * page locks, after printing {@value #PAUSED_MARKER} on standard output. A test kills the process (or lets it
 * continue) while it holds the locks.
 *
 * <p>The flag is a {@code static final} read once at class initialisation, so when the property is absent the JIT
 * folds the check away and the hot path pays nothing. Package-private: not part of the library's API; tests name the
 * property and the marker by their values.
 */
final class TestHooks
{
    /** System property: milliseconds each write pauses while holding its page locks; absent or 0 for none. */
    static final String PAUSE_PROPERTY = "shmipc.test.pauseInWriteMillis";
    /** Line printed on standard output when a write starts its pause. */
    static final String PAUSED_MARKER = "SHMIPC-PAUSED-IN-WRITE";

    /** Milliseconds each write pauses while holding its locks; 0 when disabled. */
    static final long PAUSE_IN_WRITE_MILLIS = Long.getLong(PAUSE_PROPERTY, 0L);
    /**
     * System property: the same pause, in sole writes only ({@link SoleWrites}: not in the takes by compare-and-swap
     * that grant a lease before them).
     */
    static final String SOLE_PAUSE_PROPERTY = "shmipc.test.pauseInSoleWriteMillis";
    /** Milliseconds each sole write pauses while holding its pages; 0 when disabled. */
    static final long PAUSE_IN_SOLE_WRITE_MILLIS = Long.getLong(SOLE_PAUSE_PROPERTY, 0L);

    private TestHooks()
    {
    }

    /** Called by a writer that holds its page locks, only when {@link #PAUSE_IN_WRITE_MILLIS} is positive. */
    static void pauseInWrite()
    {
        pause(PAUSE_IN_WRITE_MILLIS);
    }

    /** Called by a sole writer that holds its pages, only when {@link #PAUSE_IN_SOLE_WRITE_MILLIS} is positive. */
    static void pauseInSoleWrite()
    {
        pause(PAUSE_IN_SOLE_WRITE_MILLIS);
    }

    private static void pause(final long millis)
    {
        System.out.println(PAUSED_MARKER);
        System.out.flush();
        try
        {
            Thread.sleep(millis);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
    }
}
