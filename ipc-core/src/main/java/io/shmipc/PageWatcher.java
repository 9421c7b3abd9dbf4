package io.shmipc;

import io.shmipc.lock.PageLocks;
import io.shmipc.sys.FutexVector;

import java.time.Duration;

/**
 * Waits for any of several pages of a {@link SharedMemory} to change, for services that watch many keys: obtained
 * from {@link SharedMemory#watch(int...)}, it remembers the version it last saw of each page. Waiting spins briefly,
 * then sleeps on all the pages at once: on JDK 22+ on Linux 5.16+ in {@code futex_waitv}, woken by the next write to
 * any of them in any process (at most {@value io.shmipc.sys.FutexVector#MAX_WORDS} pages; larger sets, and JDK 17,
 * back off between checks instead). Allocation-free and monitor-free per call; not thread-safe: give each thread its
 * own.
 *
 * <pre>{@code
 * PageWatcher watcher = shm.watch(3, 7, 12);
 * while (running) {
 *     int i = watcher.awaitAny(Duration.ofSeconds(1));
 *     if (i >= 0) {
 *         int page = watcher.page(i);             // its new version is watcher.seenVersion(i)
 *         shm.read(page * shm.pageSize(), dst);   // then read it
 *     }
 * }
 * }</pre>
 */
public final class PageWatcher
{
    private final SharedMemory shm;
    private final int[] pages;
    private final int[] offsets;
    private final long[] seen;
    private final FutexVector vector;
    private int next;

    PageWatcher(final SharedMemory shm, final int[] pages)
    {
        if (pages.length == 0)
        {
            throw new IllegalArgumentException("no page to watch");
        }
        this.shm = shm;
        this.pages = pages;
        this.offsets = new int[pages.length];
        this.seen = new long[pages.length];
        for (int i = 0; i < pages.length; i++)
        {
            Bounds.checkPage(pages[i], shm.pageCount());
            offsets[i] = PageLocks.wordOffset(pages[i]);
        }
        this.vector = FutexVector.isSupported() && pages.length <= FutexVector.MAX_WORDS ?
            new FutexVector(pages.length) : null;
        markAllSeen();
    }

    /** @return how many pages are watched. */
    public int size()
    {
        return pages.length;
    }

    /**
     * @param index 0 to {@link #size()} - 1.
     * @return the page watched at {@code index}.
     */
    public int page(final int index)
    {
        return pages[index];
    }

    /**
     * @param index 0 to {@link #size()} - 1.
     * @return the version of the page at {@code index} that this watcher last saw.
     */
    public long seenVersion(final int index)
    {
        return seen[index];
    }

    /** Takes every page's current version as seen: the next wait reports only changes after this call. */
    public void markAllSeen()
    {
        for (int i = 0; i < pages.length; i++)
        {
            seen[i] = shm.version(pages[i]);
        }
    }

    /**
     * Waits until one of the pages' versions differs from the one this watcher last saw, and takes its new version as
     * seen.
     *
     * @param timeout how long to wait at most.
     * @return the index (0 to {@link #size()} - 1) of a page that changed, or -1 if the timeout passed first.
     * @throws IllegalStateException     if the segment is closed, before or during the wait.
     * @throws WaitInterruptedException if the thread is interrupted while waiting (its interrupt status is kept).
     */
    public int awaitAny(final Duration timeout)
    {
        return awaitAny(java.util.Objects.requireNonNull(timeout, "timeout").isNegative() ? 0 :
            Timeouts.nanos(timeout, "timeout"));
    }

    /**
     * As {@link #awaitAny(Duration)}, with the timeout in nanoseconds.
     *
     * @param timeoutNanos how long to wait at most.
     * @return the index of a page that changed, or -1 if the timeout passed first.
     */
    public int awaitAny(final long timeoutNanos)
    {
        final int index = shm.awaitAnyChange(pages, offsets, seen, next, Math.max(0, timeoutNanos), vector);
        if (index >= 0)
        {
            seen[index] = shm.version(pages[index]);
            next = index + 1 == pages.length ? 0 : index + 1;
        }
        return index;
    }
}
