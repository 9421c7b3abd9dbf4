package io.shmipc.lock;

import io.shmipc.PageLeasedException;
import io.shmipc.layout.CounterId;
import io.shmipc.layout.LockWord;
import io.shmipc.layout.SegmentDescriptor;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The lease words of layout version 3, word by word: a grant under the lock that advances the version, refusals that
 * change nothing, a dead holder's lease cleared, and a leaseholder's writes released with a plain store (no W on a
 * held word; W set on the free word seen and cleared by that plain release).
 */
class PageLeasesTest
{
    private static final int PAGES = 4;
    private static final int HOLDER = 5;
    private static final int OTHER = 6;
    private static final long FOREVER = PageLocks.NO_TIMEOUT;

    private final Set<Integer> dead = new HashSet<>();
    private final UnsafeBuffer file = leasedFile();
    private final PageLocks locks = new PageLocks(file, "leases", PAGES, slot -> dead.contains(slot),
        PageLocks.DEFAULT_RECOVERY_NANOS, Cancellation.NEVER);
    /** The writer of slot {@link #OTHER}: another process, with page locks of its own on the same file. */
    private final PageLocks other = new PageLocks(file, "leases", PAGES, slot -> dead.contains(slot),
        PageLocks.DEFAULT_RECOVERY_NANOS, Cancellation.NEVER);

    private static UnsafeBuffer leasedFile()
    {
        final UnsafeBuffer file = new UnsafeBuffer(
            ByteBuffer.allocateDirect(SegmentDescriptor.HEADER_LENGTH + PAGES * SegmentDescriptor.LOCK_STRIDE));
        file.putInt(SegmentDescriptor.LAYOUT_VERSION_OFFSET, SegmentDescriptor.LEASES_LAYOUT_VERSION);
        return file;
    }

    private static int offset(final int page)
    {
        return SegmentDescriptor.HEADER_LENGTH + page * SegmentDescriptor.LOCK_STRIDE;
    }

    @Test
    void aGrantStoresTheHolderUnderTheLockAndAdvancesTheVersion()
    {
        assertTrue(locks.hasLeases());
        PageLeases.grant(locks, 1, 2, HOLDER, FOREVER);
        for (int page = 1; page <= 2; page++)
        {
            assertEquals(HOLDER, PageLeases.holder(locks, page));
            assertEquals(HOLDER, file.getLong(offset(page) + SegmentDescriptor.LEASE_WORD_OFFSET));
            assertEquals(1, LockWord.version(locks.lockWord(page)), "a grant is a write that changes no byte");
            assertFalse(LockWord.isHeld(locks.lockWord(page)));
        }
        assertEquals(0, PageLeases.holder(locks, 0));
        PageLeases.giveBack(locks, 1, 2, HOLDER, FOREVER);
        assertEquals(0, PageLeases.holder(locks, 1));
        assertEquals(2, LockWord.version(locks.lockWord(1)));
    }

    @Test
    void anotherLiveWriterIsRefusedBeforeTouchingThePageAndGivesBackThePagesItTook()
    {
        PageLeases.grant(locks, 2, 2, HOLDER, FOREVER);
        final long before = locks.lockWord(2);
        final PageLeasedException refused = assertThrows(PageLeasedException.class,
            () -> other.lock(1, 3, OTHER, FOREVER));
        assertEquals(2, refused.page());
        assertEquals(HOLDER, refused.holderSlot());
        assertEquals(before, locks.lockWord(2), "the leased page's word is untouched");
        assertFalse(LockWord.isHeld(locks.lockWord(1)), "page 1, taken first, was given back");
        assertThrows(PageLeasedException.class, () -> PageLeases.grant(other, 0, 2, OTHER, FOREVER));
        assertEquals(0, PageLeases.holder(locks, 0), "a refused grant gives back what it leased");
        assertEquals(HOLDER, PageLeases.holder(locks, 2));
    }

    @Test
    void aDeadHoldersLeaseIsVoidAndClearedByTheNextWriter()
    {
        PageLeases.grant(locks, 0, 0, HOLDER, FOREVER);
        dead.add(HOLDER);
        final long held = other.lock(0, 0, OTHER, FOREVER);
        assertEquals(0, PageLeases.holder(locks, 0));
        other.unlock(0, 0, OTHER, held, 0, 0);
        PageLeases.grant(locks, 1, 1, HOLDER, FOREVER);
        assertEquals(0, locks.recoverAbandoned(HOLDER), "no page held; its lease is cleared all the same");
        assertEquals(0, PageLeases.holder(locks, 1), "a process claiming the dead slot clears its leases");
    }

    @Test
    void aLeaseCheckIsNotCountedAsContentionButAHeldPageIs()
    {
        final int contended = CounterId.WRITE_CONTENDED.offset();
        PageLeases.grant(locks, 0, 0, HOLDER, FOREVER);
        final long before = file.getLong(contended);
        assertThrows(PageLeasedException.class, () -> other.lock(0, 0, OTHER, FOREVER));
        dead.add(HOLDER);
        final long held = other.lock(0, 0, OTHER, FOREVER); // a dead holder's lease: cleared, then taken
        assertEquals(before, file.getLong(contended), "free pages, refused or cleared: no contention (FORMAT.md 3.3)");
        final long[] second = new long[1];
        final Thread third = new Thread(() -> second[0] = locks.lock(0, 0, HOLDER + 2, FOREVER));
        third.start();
        while (file.getLong(contended) == before)
        {
            Thread.onSpinWait(); // the second writer finds the page held
        }
        other.unlock(0, 0, OTHER, held, 0, 0);
        assertDoesNotThrow(() -> third.join(10_000));
        assertFalse(third.isAlive());
        assertEquals(before + 1, file.getLong(contended), "a held page counts once");
        locks.unlock(0, 0, HOLDER + 2, second[0], 0, 0);
    }

    @Test
    void aLeaseWordThatNamesNoProcessIsVoidAndClearedByTheNextWriter()
    {
        // a damaged file's values: above the largest owner slot, and negative as a signed int64 (as the C and Python
        // clients do: FORMAT.md section 7.6)
        final long[] values = {LockWord.MAX_OWNER + 1L, 1L << 32 | HOLDER, -1L};
        for (int page = 0; page < values.length; page++)
        {
            file.putLong(offset(page) + SegmentDescriptor.LEASE_WORD_OFFSET, values[page]);
            assertEquals(0, PageLeases.holder(locks, page), "no holder: " + Long.toHexString(values[page]));
            final long held = other.lock(page, page, OTHER, FOREVER);
            assertEquals(0L, file.getLong(offset(page) + SegmentDescriptor.LEASE_WORD_OFFSET),
                "cleared by the writer: " + Long.toHexString(values[page]));
            other.unlock(page, page, OTHER, held, page, page);
        }
    }

    @Test
    void noWaiterSetsWOnAHeldLeasedWordAndThePlainReleaseFreesIt()
    {
        PageLeases.grant(locks, 1, 1, HOLDER, FOREVER);
        final long version = LockWord.version(locks.lockWord(1));
        final long held = locks.lock(1, 1, HOLDER, FOREVER);
        final long word = locks.lockWord(1);
        assertFalse(locks.registerWaiter(1, version), "a waiter backs off instead of sleeping on it");
        assertEquals(word, locks.lockWord(1), "no W was set");
        assertFalse(locks.unlockPlain(1, 1, held, 1, 1));
        final long released = locks.lockWord(1);
        assertFalse(LockWord.isHeld(released));
        assertEquals(0, LockWord.owner(released));
        assertEquals(version + 1, LockWord.version(released));
    }

    @Test
    void wSetOnTheFreeWordIsKeptByTheTakeAndClearedByThePlainRelease()
    {
        PageLeases.grant(locks, 3, 3, HOLDER, FOREVER);
        final long version = LockWord.version(locks.lockWord(3));
        assertTrue(locks.registerWaiter(3, version), "W may be set on a free leased word");
        final long held = locks.lock(3, 3, HOLDER, FOREVER);
        assertTrue((locks.lockWord(3) & LockWord.WAITERS_BIT) != 0);
        final boolean woke = locks.unlockPlain(3, 3, held, 3, 3);
        assertEquals(PageLocks.FUTEX, woke, "a releaser that can wake does, seeing W in the word it took");
        assertEquals(PageLocks.FUTEX ? 0 : LockWord.WAITERS_BIT, locks.lockWord(3) & LockWord.WAITERS_BIT);
        assertEquals(version + 1, LockWord.version(locks.lockWord(3)));
    }

    @Test
    void aMultiPagePlainReleaseReleasesEveryPageFromTheWordsItTook()
    {
        PageLeases.grant(locks, 0, 3, HOLDER, FOREVER);
        final long held = locks.lock(0, 3, HOLDER, FOREVER);
        locks.unlockPlain(0, 3, held, 1, 2);
        for (int page = 0; page < PAGES; page++)
        {
            assertFalse(LockWord.isHeld(locks.lockWord(page)), "page " + page);
            assertEquals(2, LockWord.version(locks.lockWord(page)), "page " + page);
        }
    }

    @Test
    void aSegmentWithoutLeaseWordsRefusesAGrant()
    {
        final UnsafeBuffer plain = new UnsafeBuffer(
            ByteBuffer.allocateDirect(SegmentDescriptor.HEADER_LENGTH + PAGES * SegmentDescriptor.LOCK_STRIDE));
        plain.putInt(SegmentDescriptor.LAYOUT_VERSION_OFFSET, SegmentDescriptor.LAYOUT_VERSION);
        plain.putLong(offset(0) + SegmentDescriptor.LEASE_WORD_OFFSET, OTHER); // reserved bytes: ignored in v2
        final PageLocks v2 = new PageLocks(plain, "v2", PAGES);
        assertFalse(v2.hasLeases());
        assertEquals(0, PageLeases.holder(v2, 0));
        assertThrows(IllegalStateException.class, () -> PageLeases.grant(v2, 0, 0, HOLDER, FOREVER));
        final long held = v2.lock(0, 0, HOLDER, FOREVER); // nonzero reserved bytes do not lease anything
        v2.unlock(0, 0, HOLDER, held, 0, 0);
    }
}
