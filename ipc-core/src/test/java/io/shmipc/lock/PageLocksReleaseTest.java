package io.shmipc.lock;

import io.shmipc.OwnershipLostException;
import io.shmipc.layout.CounterId;
import io.shmipc.layout.LockWord;
import io.shmipc.layout.SegmentDescriptor;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A release is a compare-and-swap from the value the writer set: a waiter's W bit is not a loss, a page taken over by
 * another process is (the release stores nothing there, and says so), and a failed write releases its pages torn.
 */
class PageLocksReleaseTest
{
    private static final int PAGES = 4;
    private static final int OURS = 3;
    private static final int THEIRS = 9;
    private static final long FOREVER = PageLocks.NO_TIMEOUT;

    private final UnsafeBuffer file = new UnsafeBuffer(
        ByteBuffer.allocateDirect(SegmentDescriptor.HEADER_LENGTH + PAGES * SegmentDescriptor.LOCK_STRIDE));
    private final PageLocks locks = new PageLocks(file, "test", PAGES);

    private int offset(final int page)
    {
        return SegmentDescriptor.HEADER_LENGTH + page * SegmentDescriptor.LOCK_STRIDE;
    }

    @Test
    void aWaitersBitAddedWhileHeldIsNotALossAndIsClearedByTheRelease()
    {
        final long held = locks.lock(1, 1, OURS, FOREVER);
        file.putLongVolatile(offset(1), file.getLongVolatile(offset(1)) | LockWord.WAITERS_BIT); // a waiter sleeps
        locks.unlock(1, 1, OURS, held, 1, 1);
        final long word = locks.lockWord(1);
        assertFalse(LockWord.isHeld(word));
        assertEquals(1, LockWord.version(word));
        assertEquals(0, LockWord.owner(word));
        assertEquals(PageLocks.FUTEX ? 0 : LockWord.WAITERS_BIT, word & LockWord.WAITERS_BIT,
            "W is cleared by a releaser that wakes the sleepers, kept by one that cannot");
        assertEquals(0, locks.counter(CounterId.LOST_OWNERSHIPS));
    }

    @Test
    void noWaiterSetsWOnAHeldWordSoAPlainReleaseLosesNoneAndWakesForWOnTheFreeWord()
    {
        // Held without W: a waiter backs off instead of sleeping, and the word stays the exact word the take set.
        final long version = LockWord.version(locks.lockWord(1));
        final long held = locks.lock(1, 1, OURS, FOREVER);
        assertFalse(locks.registerWaiter(1, version), "no W on a held word: its holder may release it by a store");
        assertEquals(held, locks.lockWord(1));
        assertFalse(locks.unlockPlain(1, 1, held, 1, 1), "nobody to wake");
        assertEquals(LockWord.released(held), locks.lockWord(1));

        // W set on the free word: the take keeps it, the plain release clears it (if it can wake) and wakes.
        assertTrue(locks.registerWaiter(1, version + 1), "W may be set on a free word");
        final long withWaiter = locks.lock(1, 1, OURS, FOREVER);
        assertTrue((withWaiter & LockWord.WAITERS_BIT) != 0, "the take kept W");
        assertTrue(locks.registerWaiter(1, version + 1), "a waiter may sleep on a held word that already has W");
        assertEquals(PageLocks.FUTEX, locks.unlockPlain(1, 1, withWaiter, 1, 1));
        assertEquals(PageLocks.FUTEX ? 0 : LockWord.WAITERS_BIT, locks.lockWord(1) & LockWord.WAITERS_BIT);
        assertEquals(version + 2, LockWord.version(locks.lockWord(1)));

        // Several pages: each released from the word this thread's take set.
        final long both = locks.lock(2, 3, OURS, FOREVER);
        assertFalse(locks.registerWaiter(3, 0));
        locks.unlockPlain(2, 3, both, 2, 3);
        assertEquals(1, LockWord.version(locks.lockWord(2)));
        assertEquals(1, LockWord.version(locks.lockWord(3)));
        assertFalse(LockWord.isHeld(locks.lockWord(2)) || LockWord.isHeld(locks.lockWord(3)));
        assertEquals(0, locks.counter(CounterId.LOST_OWNERSHIPS));
    }

    @Test
    void aReleaseOfAPageTakenOverStoresNothingAndReportsTheLoss()
    {
        final long held = locks.lock(2, 2, OURS, FOREVER);
        final long takenOver = LockWord.takenOver(file.getLongVolatile(offset(2)), THEIRS); // they thought us dead
        file.putLongVolatile(offset(2), takenOver);
        final OwnershipLostException lost =
            assertThrows(OwnershipLostException.class, () -> locks.unlock(2, 2, OURS, held, 2, 2));
        assertTrue(lost.getMessage().contains("no longer held"), lost.getMessage());
        assertEquals(takenOver, locks.lockWord(2), "their hold is never written over");
        assertEquals(1, locks.counter(CounterId.LOST_OWNERSHIPS));
    }

    @Test
    void aMultiPageReleaseReleasesWhatIsStillItsAndReportsWhatIsNot()
    {
        final long held = locks.lock(0, 3, OURS, FOREVER);
        final long releasedForUs = LockWord.releasedTorn(file.getLongVolatile(offset(1))); // a reader found us "dead"
        file.putLongVolatile(offset(1), releasedForUs);
        assertThrows(OwnershipLostException.class, () -> locks.unlock(0, 3, OURS, held, 0, 3));
        assertEquals(releasedForUs, locks.lockWord(1));
        for (final int page : new int[] {0, 2, 3})
        {
            final long word = locks.lockWord(page);
            assertFalse(LockWord.isHeld(word), LockWord.describe(word));
            assertEquals(1, LockWord.version(word));
        }
    }

    @Test
    void aPageReleasedAndTakenAgainUnderTheSameSlotNumberIsNotReleasedAsOurs()
    {
        // Our slot lock was lost; another process claimed the same slot number, released our page (claim recovery)
        // and took it for a write of its own: same owner bits, a later sequence.
        final long held = locks.lock(0, 1, OURS, FOREVER);
        final long theirs = LockWord.locked(LockWord.releasedTorn(file.getLongVolatile(offset(0))), OURS);
        file.putLongVolatile(offset(0), theirs);
        assertThrows(OwnershipLostException.class, () -> locks.unlock(0, 1, OURS, held, 0, 1));
        assertEquals(theirs, locks.lockWord(0), "a hold under our number but not our sequence is not ours");
        assertFalse(LockWord.isHeld(locks.lockWord(1)), "the page that is still ours is released, not stranded");
        final long single = locks.lock(3, 3, OURS, FOREVER);
        final long theirsToo = LockWord.locked(LockWord.releasedTorn(file.getLongVolatile(offset(3))), OURS);
        file.putLongVolatile(offset(3), theirsToo);
        assertThrows(OwnershipLostException.class, () -> locks.unlock(3, 3, OURS, single, 3, 3));
        assertEquals(theirsToo, locks.lockWord(3));
    }

    @Test
    void aFailedWriteReleasesEveryPageItHeldMarkedTorn()
    {
        locks.lock(0, 2, OURS, FOREVER);
        locks.releaseAfterFailure(0, 2, OURS, true);
        for (int page = 0; page <= 2; page++)
        {
            final long word = locks.lockWord(page);
            assertFalse(LockWord.isHeld(word));
            assertTrue(LockWord.isTorn(word), "its bytes may be half written");
        }
        assertEquals(0, locks.lockWord(3));
    }

    @Test
    void aFailedWriteReleasesOnlyTheWordsItSetNotASameSlotThreadsNewerHold() throws Exception
    {
        // A write released page 0 (and then failed, e.g. a StackOverflowError entering the futex wake); meanwhile
        // another thread of this process, the same owner slot, took page 0 again. The failure path must leave it.
        final long single = locks.lock(0, 0, OURS, FOREVER);
        locks.unlock(0, 0, OURS, single, 0, 0);
        final long[] othersHold = new long[1];
        final Thread other = new Thread(() -> othersHold[0] = locks.lock(0, 0, OURS, FOREVER));
        other.start();
        other.join();
        final long theirs = locks.lockWord(0);
        locks.releaseAfterFailedWrite(0, 0, single);
        assertEquals(theirs, locks.lockWord(0), "the other thread's hold is untouched");

        // A multi-page write that failed between its releases: page 1 released (and taken again by the other
        // thread), page 2 still this write's. Page 2 is released torn; page 1 is left to its new holder.
        final long both = locks.lock(1, 2, OURS, FOREVER);
        final long page1 = locks.lockWord(1);
        file.putLongVolatile(offset(1), LockWord.released(page1)); // page 1's release, as the write made it
        final Thread again = new Thread(() -> locks.lock(1, 1, OURS, FOREVER));
        again.start();
        again.join();
        final long theirs1 = locks.lockWord(1);
        file.putLongVolatile(offset(2), locks.lockWord(2) | LockWord.WAITERS_BIT); // a waiter on page 2: still ours
        locks.releaseAfterFailedWrite(1, 2, both);
        assertEquals(theirs1, locks.lockWord(1), "the other thread's hold of page 1 is untouched");
        assertFalse(LockWord.isHeld(locks.lockWord(2)));
        assertTrue(LockWord.isTorn(locks.lockWord(2)), "page 2 was this write's: released torn");
        assertTrue(LockWord.isHeld(locks.lockWord(0)));
    }

    @Test
    void aWriterThatGivesBackPagesItNeverWroteLeavesThemAsTheyWere()
    {
        final long tornBefore = LockWord.releasedTorn(LockWord.locked(0, THEIRS));
        file.putLongVolatile(offset(1), tornBefore);
        final long held = locks.lock(0, 1, OURS, FOREVER);
        locks.abandon(0, 1, OURS, held);
        assertTrue(LockWord.isTorn(locks.lockWord(1)), "still torn: nothing was written");
        assertFalse(LockWord.isHeld(locks.lockWord(0)) || LockWord.isHeld(locks.lockWord(1)));
    }
}
