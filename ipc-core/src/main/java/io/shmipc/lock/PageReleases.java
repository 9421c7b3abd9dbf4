package io.shmipc.lock;

import io.shmipc.OwnershipLostException;
import io.shmipc.layout.CounterId;
import io.shmipc.layout.LockWord;
import io.shmipc.sys.Futex;
import org.agrona.UnsafeApi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The release side of {@link PageLocks}: how a write gives its pages back. Normally by one compare-and-swap per page
 * from exactly the word its take set (kept per thread for a multi-page write), or, for a process whose owner slot
 * cannot be lost while it lives, by a release store of the word the CAS would have set ({@link #releasePlain});
 * either wakes sleepers if W was on that word, and remembers the free word it stored for the next take
 * ({@link TakeHints}). And,
 * when a write could not finish, by the releases that never overwrite a page another process took over: unchanged
 * for a write abandoned by a close, torn for one that failed after taking its pages. A page found no longer this
 * write's is counted and reported ({@link OwnershipLostException}). The protocol is in {@link PageLocks}' notes and
 * {@code docs/FORMAT.md} section 7.1.
 */
final class PageReleases
{
    private static final Logger LOG = LoggerFactory.getLogger(PageReleases.class);
    /**
     * The words a thread's multi-page write set, one per page, so that its release can compare-and-swap each from
     * exactly that value: grown on demand, then reused (no allocation per write). A write locks and releases in one
     * thread, with no other write of that thread in between.
     */
    static final ThreadLocal<long[]> HELD_WORDS = ThreadLocal.withInitial(() -> new long[8]);

    /** Always {@code null}: the lock words are off-heap (see {@link PageLocks}). */
    private static final Object OFF_HEAP = null;

    private final PageLocks locks;
    private final long addressOffset;
    private final String segmentName;

    PageReleases(final PageLocks locks, final long addressOffset)
    {
        this.locks = locks;
        this.addressOffset = addressOffset;
        this.segmentName = locks.segmentName;
    }

    /**
     * Releases, without reporting anything, the pages {@code first..last} that a writer took but must not write
     * because its handle was closed meanwhile: those still held by {@code owner} are released unchanged; any other
     * (the mapping may already be replaced by the close) is left alone.
     */
    void abandonClosed(final int first, final int last, final int owner)
    {
        for (int page = first; page <= last; page++)
        {
            release(page, owner, -1, false);
        }
    }

    /**
     * Releases pages {@code first..last} that the caller took with {@link PageLocks#lock} but never wrote: their bytes, and
     * their torn marks, are unchanged.
     *
     * @throws OwnershipLostException if some page was no longer held by this writer (after releasing the others).
     */
    void abandon(final int first, final int last, final int owner, final long held)
    {
        if (first == last)
        {
            if (releaseFrom(wordAddress(first), first, owner, held, false) == PageLocks.NOT_RELEASED)
            {
                lost(first, first, 1);
            }
            return;
        }
        releaseAll(first, last, owner, held, Integer.MAX_VALUE, Integer.MIN_VALUE);
    }

    /**
     * Releases the pages of a multi-page write, each by a compare-and-swap from exactly the word this thread's
     * {@link PageLocks#lock} set on it (kept in {@link #HELD_WORDS}; {@code held} is their sequences' sum, as a check that they
     * are this write's).
     */
    boolean releaseAll(
        final int first, final int last, final int owner, final long held, final int wholeFirst, final int wholeLast)
    {
        final long[] words = heldWords(first, last, held);
        int lostCount = 0;
        int lostPage = -1;
        boolean waiters = false;
        for (int page = first; page <= last; page++)
        {
            final long released = releaseFrom(wordAddress(page), page, owner, words[page - first],
                page >= wholeFirst && page <= wholeLast);
            if (released == PageLocks.NOT_RELEASED)
            {
                lostCount++;
                lostPage = lostPage < 0 ? page : lostPage;
            }
            else
            {
                waiters |= (released & LockWord.WAITERS_BIT) != 0;
            }
        }
        if (lostCount > 0)
        {
            lost(lostPage, last, lostCount);
        }
        return waiters;
    }

    /**
     * {@link PageLocks#unlockPlain}: releases pages {@code first..last} by a release store of each page's next even
     * word, computed from the exact word this write set.
     *
     * @return whether sleepers were woken.
     */
    boolean releasePlain(final int first, final int last, final long held, final int wholeFirst, final int wholeLast)
    {
        if (first == last)
        {
            return releasePlain(wordAddress(first), first, held, first >= wholeFirst && first <= wholeLast);
        }
        final long[] words = heldWords(first, last, held);
        boolean waiters = false;
        for (int page = first; page <= last; page++)
        {
            waiters |= releasePlain(wordAddress(page), page, words[page - first],
                page >= wholeFirst && page <= wholeLast);
        }
        return waiters;
    }

    /** Releases {@code page}, whose lock word is at {@code address}, by a release store of the word after {@code held}. */
    boolean releasePlain(final long address, final int page, final long held, final boolean clearTorn)
    {
        final long released = releasedWord(held, clearTorn);
        locks.hints.put(page, released); // this thread's guess, before or after the store alike
        return StoreRelease.store(address, held, released);
    }

    /**
     * @return the words this thread's {@link PageLocks#lock} of pages {@code first..last} set, checked against {@code held},
     * their sequences' sum.
     * @throws IllegalStateException if they are not (another thread took the pages, or a write in between).
     */
    long[] heldWords(final int first, final int last, final long held)
    {
        final long[] words = HELD_WORDS.get();
        long sum = 0;
        for (int page = first; page <= last && page - first < words.length; page++)
        {
            sum += words[page - first] >>> LockWord.SEQUENCE_SHIFT;
        }
        if (words.length < last - first + 1 || sum != held)
        {
            throw new IllegalStateException("pages " + first + ".." + last + " of segment '" + segmentName + "' are " +
                "released by another thread than the one that took them, or out of order");
        }
        return words;
    }

    static long[] heldWords(final int pages)
    {
        long[] words = HELD_WORDS.get();
        if (words.length < pages)
        {
            words = new long[Math.max(pages, words.length * 2)];
            HELD_WORDS.set(words);
        }
        return words;
    }

    /**
     * Releases one held page by one compare-and-swap from {@code held}, the exact word this writer set (no load
     * first: the word is on the writer's own cache line, and the CAS checks it anyway); if that fails, because a
     * waiter added W or the page was lost, {@link #release} looks at the word and decides.
     *
     * @return as {@link #release}.
     */
    long releaseFrom(final long address, final int page, final int owner, final long held, final boolean clearTorn)
    {
        final long released = releasedWord(held, clearTorn);
        // seq_cst CAS: every data store of the write becomes visible before the even sequence.
        if (UnsafeApi.compareAndSetLong(OFF_HEAP, address, held, released))
        {
            locks.hints.put(page, released);
            if (PageLocks.FUTEX && (held & LockWord.WAITERS_BIT) != 0)
            {
                Futex.wakeAll(address);
            }
            return held;
        }
        return release(page, owner, held >>> LockWord.SEQUENCE_SHIFT, clearTorn);
    }

    /**
     * Releases one held page by CAS from its current value, provided that value is still this writer's (held, owned
     * by {@code owner}, and with sequence {@code heldSequence} unless that is -1); retries if only W was added.
     *
     * @return the word it released (with W if sleepers were to be woken), or {@link PageLocks#NOT_RELEASED} if the page was no
     * longer this writer's (nothing stored).
     */
    private long release(
        final int page, final int owner, final long heldSequence, final boolean clearTorn)
    {
        // UnsafeApi directly, not through the buffer: a release goes less deep than the take before it.
        final long address = addressOffset + PageLocks.lockWordOffset(page);
        long word = UnsafeApi.getLongVolatile(OFF_HEAP, address);
        while (true)
        {
            if ((word & LockWord.HELD_BIT) == 0 || LockWord.owner(word) != owner ||
                (heldSequence != -1 && word >>> LockWord.SEQUENCE_SHIFT != heldSequence))
            {
                return PageLocks.NOT_RELEASED;
            }
            final long released = releasedWord(word, clearTorn);
            // seq_cst CAS: every data store of the write becomes visible before the even sequence.
            if (UnsafeApi.compareAndSetLong(OFF_HEAP, address, word, released))
            {
                locks.hints.put(page, released);
                if (PageLocks.FUTEX && (word & LockWord.WAITERS_BIT) != 0)
                {
                    Futex.wakeAll(address);
                }
                return word;
            }
            word = UnsafeApi.getLongVolatile(OFF_HEAP, address);
        }
    }

    /**
     * @return the word that releases {@code held}: the next even sequence, owner cleared, W cleared by a releaser that
     * wakes (kept by one that cannot, JDK 17 to 21), T kept unless the write covered the page whole.
     */
    static long releasedWord(final long held, final boolean clearTorn)
    {
        final long released = PageLocks.FUTEX ? LockWord.released(held) : LockWord.releasedKeepingWaiters(held);
        return clearTorn ? released & ~LockWord.TORN_BIT : released;
    }

    private long wordAddress(final int page)
    {
        return PageLocks.wordAddress(addressOffset, page);
    }

    void lost(final int page, final int last, final int count)
    {
        for (int i = 0; i < count; i++)
        {
            locks.increment(CounterId.LOST_OWNERSHIPS);
        }
        final String message = "segment '" + segmentName + "': " + count + " page(s) of a write to pages " + page +
            ".." + last + " were no longer held by it when it released them: another process took them over as a " +
            "dead writer's (this process's owner slot lock was lost); they stay marked torn until rewritten whole";
        LOG.error(message);
        throw new OwnershipLostException(message);
    }
}
