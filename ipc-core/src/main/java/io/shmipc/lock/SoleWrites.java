package io.shmipc.lock;

import io.shmipc.layout.LockWord;
import io.shmipc.sys.Futex;
import org.agrona.UnsafeApi;

import java.lang.invoke.VarHandle;

/**
 * Takes and releases of a sole writer ({@code docs/FORMAT.md} 7.7, layout version 4): the holder of a page's lease,
 * whose owner slot is an open-file-description lock and which is the only writer of its slot to the page, takes it
 * with a plain store of the odd word and frees it with a release store of the next even word: no compare-and-swap,
 * so no locked instruction holds the writer until it owns the line that the other process's reader keeps reading.
 *
 * <p>The caller keeps each page's word in {@code words} (index {@code page - base}): the even word its last release
 * stored, between writes; the odd word it stored, during one. Nothing else changes a leased page's word while its
 * leaseholder lives (7.7, "Why the plain take is exclusive"), so the word in the file is always the one kept here.
 *
 * <p>Ordering: the odd words are stored before a store-store fence and the data after it, so a reader that sees a
 * byte of this write sees an odd or a later word on its second load (as with the CAS of 7.1, which orders as a full
 * fence); the even words are release stores after the data. After them a full fence orders the release stores before
 * the loads of the sleepers words ({@link PageSleepers}).
 */
public final class SoleWrites
{
    private static final Object OFF_HEAP = null;

    private SoleWrites()
    {
    }

    /**
     * Takes pages {@code first..last}, whose free words are in {@code words}, for {@code owner}; leaves the odd words
     * in {@code words}.
     */
    public static void take(
        final long fileAddress, final long[] words, final int base, final int first, final int last, final int owner)
    {
        for (int page = first; page <= last; page++)
        {
            final int i = page - base;
            final long held = LockWord.locked(words[i], owner);
            UnsafeApi.putLong(OFF_HEAP, PageLocks.wordAddress(fileAddress, page), held);
            words[i] = held;
        }
        // storeStoreFence: every odd word is visible before any byte of the data that follows.
        VarHandle.storeStoreFence();
        if (TestHooks.PAUSE_IN_SOLE_WRITE_MILLIS > 0)
        {
            TestHooks.pauseInSoleWrite(); // tests only: a writer that dies holding its pages (folded away otherwise)
        }
    }

    /**
     * Releases pages {@code first..last}, taken by {@link #take} and written: each gets its next even word, torn mark
     * cleared on pages {@code wholeFirst..wholeLast} (written from their first byte to their last), kept on the
     * others; then wakes their sleepers.
     *
     * @return whether a waiter was registered on a page (and so woken, on JDK 22+).
     */
    public static boolean release(
        final long fileAddress, final long[] words, final int base, final int first, final int last,
        final int wholeFirst, final int wholeLast)
    {
        boolean woken = false;
        for (int page = first; page <= last; page++)
        {
            final int i = page - base;
            final long held = words[i];
            final long released = page >= wholeFirst && page <= wholeLast ?
                LockWord.released(held) & ~LockWord.TORN_BIT : LockWord.released(held);
            // release store: every data store of the write becomes visible before the even word.
            UnsafeApi.putLongRelease(OFF_HEAP, PageLocks.wordAddress(fileAddress, page), released);
            words[i] = released;
            woken |= (held & LockWord.WAITERS_BIT) != 0;
        }
        return wake(fileAddress, first, last, woken);
    }

    /**
     * Releases pages {@code first..last}, taken by {@link #take}, after a failure between the take and the release:
     * those still held (an odd word in {@code words}) get their next even words, marked torn (the data may be half
     * written); wakes their sleepers.
     */
    public static void releaseTorn(
        final long fileAddress, final long[] words, final int base, final int first, final int last)
    {
        boolean woken = false;
        for (int page = first; page <= last; page++)
        {
            final int i = page - base;
            final long held = words[i];
            if ((held & LockWord.HELD_BIT) == 0)
            {
                continue; // released before the failure
            }
            final long released = LockWord.releasedTorn(held);
            // release store: whatever the write stored becomes visible before the torn even word.
            UnsafeApi.putLongRelease(OFF_HEAP, PageLocks.wordAddress(fileAddress, page), released);
            words[i] = released;
            woken |= (held & LockWord.WAITERS_BIT) != 0;
        }
        wake(fileAddress, first, last, woken);
    }

    private static boolean wake(final long fileAddress, final int first, final int last, final boolean waitersBit)
    {
        // fullFence: the release stores above are ordered before the loads of the sleepers words (store-load).
        VarHandle.fullFence();
        boolean woken = false;
        for (int page = first; page <= last; page++)
        {
            final long address = PageLocks.wordAddress(fileAddress, page);
            if (waitersBit && PageLocks.FUTEX)
            {
                Futex.wakeAll(address); // a W that was on the word when the lease began: a sleeper of before it
                woken = true;
            }
            woken |= PageSleepers.wakeIfRegistered(address);
        }
        return woken;
    }
}
