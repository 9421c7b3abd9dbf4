package io.shmipc.lock;

import io.shmipc.layout.LockWord;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The free word the last release of a page left, remembered for one thread of the process, so that its next write of
 * that page can take it by a compare-and-swap from the word it expects, without loading the word first
 * ({@code docs/FORMAT.md} 7.1, "taking a page from a remembered word"). A one-page write released by a store records
 * the word before its copy, the word its release is about to store ({@link StoreRelease#wordAhead}), so that no
 * load of these fields follows the copy; a write that then fails leaves a wrong guess, which costs what a stale one
 * costs.
 *
 * <p>Why: a page's lock word is read by other processes between two writes (a reader spinning on its version, in
 * {@code awaitChange}). Such a read can leave the line in the reader's cache alone, so a load before the CAS fetches
 * the line once to read it and the CAS fetches it again to own it, where a CAS from the expected word fetches it once.
 * Measured on the cross-process round trip: 1.77x the cache-line floor with the load, 1.37x without (the harness's
 * one-line experiment); the {@code SharedMemory} round trip went from 1.7-1.9x to 1.2-1.5x, under Agrona's rings.
 *
 * <p>A hint is only a guess: the CAS succeeds only if the word is exactly the hinted free word, so it takes the page
 * exactly as a CAS after a load would have; a failed one (another process or thread wrote the page since, a waiter
 * set W) costs one locked instruction, after which the line is this core's and the take goes on with a load.
 * Where pages have lease words, such a take needs no lease check ({@link PageLocks}' algorithmic notes), which also
 * keeps it from loading the lease word's line, the lock word's, before its CAS.
 *
 * <p>One thread per handle, one page: the first thread that releases a page through the handle claims the hint, and
 * only it records and uses one. A process's publisher thread, writing one page after another process read it, is the
 * case it is for. Other threads take pages as before and never write the hint's fields, so writers on several threads
 * do not pass its cache line between their cores.
 *
 * <p>Cost: none measurable across processes, where it saves a fetch; in-process, where the line never leaves the
 * writer's cache, a write measured 0-4 ns slower in JMH and 4-13 ns slower in a plain loop (docs/BENCHMARKS.md). A
 * process whose writes no other process polls can turn hints off with {@code -Dshmipc.write.takeHints=false}.
 * (A table of hints per page, tried first, cost 5-9 ns per write in-process.)
 */
final class TakeHints
{
    /**
     * System property: {@code false} turns take hints off (every take loads the word first, as before they existed),
     * for a process whose writes are never polled by another process's reader. Default {@code true}.
     */
    public static final String PROPERTY = "shmipc.write.takeHints";
    /** Whether hints are recorded and used in this JVM ({@link #PROPERTY}; a constant, so off costs nothing). */
    static final boolean ENABLED = !"false".equalsIgnoreCase(System.getProperty(PROPERTY, "true"));
    /** What {@link #get} returns when there is no hint: a held word, which a take never starts from. */
    static final long NONE = -1L;
    private static final VarHandle THREAD;

    static
    {
        try
        {
            THREAD = MethodHandles.lookup().findVarHandle(TakeHints.class, "thread", Thread.class);
        }
        catch (final ReflectiveOperationException ex)
        {
            throw new ExceptionInInitializerError(ex);
        }
    }

    /** The thread whose releases and takes use the hint; {@code null} until one claims it (by CAS; read plainly). */
    private Thread thread;
    private int page = -1;
    private long word = NONE;

    /**
     * @return the free word the calling thread's last release of {@code page} left, or {@link #NONE}: only the
     * claiming thread has hints, and it reads only what it wrote itself, so the pair is never torn.
     */
    long get(final int page)
    {
        return ENABLED && thread == Thread.currentThread() && this.page == page ? word : NONE;
    }

    /** Remembers {@code free}, the free word the calling thread's release just stored on {@code page}. */
    void put(final int page, final long free)
    {
        if (!ENABLED || thread != Thread.currentThread() && !claim())
        {
            return; // another thread's hint
        }
        this.word = free;
        this.page = page;
    }

    /** @return whether the calling thread claimed the hint, which no thread had (once per handle: off the hot path). */
    private boolean claim()
    {
        return thread == null && THREAD.compareAndSet(this, null, Thread.currentThread());
    }

    /** @return whether {@code hint} is one a take may start from: a free word. */
    static boolean usable(final long hint)
    {
        return (hint & LockWord.HELD_BIT) == 0;
    }
}
