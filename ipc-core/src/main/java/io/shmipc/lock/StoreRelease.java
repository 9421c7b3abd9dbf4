package io.shmipc.lock;

import io.shmipc.layout.LockWord;
import io.shmipc.sys.Futex;
import org.agrona.UnsafeApi;

/**
 * A one-page write's release by a store ({@link PageLocks#unlockPagePlain}: a process whose owner slot is an OFD
 * lock, JDK 22+), split in two halves around the copy: {@link #wordAhead} before it, {@link #store} after it. The
 * protocol is {@link PageLocks}' and {@code docs/FORMAT.md} 7.1; only the order of this process's own bookkeeping
 * changes.
 *
 * <p>Why before the copy: the take hint's bookkeeping is a chain of dependent loads (the hint's object, its thread),
 * and after a 4 KiB copy that chain cost 10-13 ns, where the protocol by hand, which makes no such loads, paid nothing
 * over the raw copy (likely each load waiting for the copy's store to the same low 12 address bits to leave the store
 * buffer: 4K aliasing; this VM has no counters to show it). Before the copy, the take's compare-and-swap has just
 * drained the store buffer. Measured paired (docs/BENCHMARKS.md, "Paired in-process ratios"): a 4 KiB write from
 * 1.42x to 1.20x the raw copy, a 64-byte write 0.3-0.9 ns faster.
 *
 * <p>A hint recorded for a release that then does not happen (the copy failed, the page is released torn) is only a
 * wrong guess: the next take's compare-and-swap from it fails and that take loads the word.
 */
public final class StoreRelease
{
    /** Always {@code null}: the lock words are off-heap (see {@link PageLocks}). */
    private static final Object OFF_HEAP = null;

    private StoreRelease()
    {
    }

    /**
     * The first half, before the copy: computes the word the release will store and records it now as the calling
     * thread's take hint ({@link TakeHints}).
     *
     * @param locks the segment's page locks.
     * @param page  the page, taken by {@link PageLocks#lockPage} in this thread.
     * @param held  the word the take set.
     * @param whole whether the write covers the page from its first byte to its last (its torn mark is cleared).
     * @return the word to pass to {@link #store}.
     */
    public static long wordAhead(final PageLocks locks, final int page, final long held, final boolean whole)
    {
        final long released = PageReleases.releasedWord(held, whole);
        locks.hints.put(page, released);
        return released;
    }

    /**
     * The second half, after the copy: one release store of {@code released}, then a wake if W was on the free word
     * the take started from. It loads nothing, not even a field of an object. {@link PageReleases#releasePlain} ends
     * with it too.
     *
     * @param wordAddress the page's lock word ({@link PageLocks#wordAddress}).
     * @param held        the word the take set.
     * @param released    what {@link #wordAhead} returned.
     * @return whether sleepers were woken.
     */
    public static boolean store(final long wordAddress, final long held, final long released)
    {
        // release store: every data store of the write becomes visible before the even sequence.
        UnsafeApi.putLongRelease(OFF_HEAP, wordAddress, released);
        if (PageLocks.FUTEX && (held & LockWord.WAITERS_BIT) != 0)
        {
            Futex.wakeAll(wordAddress); // W was on the free word this write took: someone sleeps on the page
            return true;
        }
        return false;
    }
}
