package io.shmipc.lock;

import io.shmipc.TornPageException;
import io.shmipc.layout.CounterId;
import io.shmipc.layout.LockWord;
import io.shmipc.layout.SegmentDescriptor;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The lock-word side of dead-owner recovery, in one process, with liveness decided by the test. */
class PageLocksRecoveryTest
{
    private static final int PAGES = 4;
    private static final int OURS = 3;
    private static final int DEAD = 7;
    private static final int ALIVE = 9;
    private static final long TIMEOUT_NANOS = 20_000_000L;

    private final UnsafeBuffer file = new UnsafeBuffer(
        ByteBuffer.allocateDirect(SegmentDescriptor.HEADER_LENGTH + PAGES * SegmentDescriptor.LOCK_STRIDE));
    private final PageLocks locks =
        new PageLocks(file, "test", PAGES, slot -> slot == DEAD, TIMEOUT_NANOS, Cancellation.NEVER);
    private static final long FOREVER = PageLocks.NO_TIMEOUT;

    private int offset(final int page)
    {
        return SegmentDescriptor.HEADER_LENGTH + page * SegmentDescriptor.LOCK_STRIDE;
    }

    /** Leaves {@code page} as a writer with slot {@code owner} would after taking it at sequence 4. */
    private long holdAs(final int page, final int owner)
    {
        final long held = LockWord.locked(4L << LockWord.SEQUENCE_SHIFT, owner);
        file.putLongVolatile(offset(page), held);
        return held;
    }

    @Test
    void aWriterTakesADeadOwnersPageOverKeepingItHeldAndTorn()
    {
        final long held = holdAs(1, DEAD);
        final long taken = locks.lock(1, 1, OURS, FOREVER);
        final long word = locks.lockWord(1);
        // (the writer may have set W while it slept on the page: waiters are not part of who holds it)
        assertEquals(LockWord.takenOver(held, OURS), word & ~LockWord.WAITERS_BIT);
        assertTrue(LockWord.isHeld(word) && LockWord.isTorn(word));
        assertEquals(OURS, LockWord.owner(word));
        assertEquals(LockWord.sequence(held), LockWord.sequence(word), "the sequence stays odd: still held");
        assertEquals(1, locks.counter(CounterId.OWNER_RECOVERIES));

        locks.unlock(1, 1, OURS, taken, 1, 0); // a partial write: the mark stays
        assertThrows(TornPageException.class, () -> locks.tryOptimisticRead(1, 1, FOREVER));
        final long again = locks.lock(1, 1, OURS, FOREVER);
        locks.unlock(1, 1, OURS, again, 1, 1); // a whole-page write: the mark goes
        final long stamp = locks.tryOptimisticRead(1, 1, FOREVER);
        assertTrue(locks.validate(1, 1, stamp));
        assertFalse(LockWord.isTorn(locks.lockWord(1)));
    }

    @Test
    void aReaderReleasesADeadOwnersPageAsTornAndReportsIt()
    {
        final long held = holdAs(2, DEAD);
        final TornPageException torn = assertThrows(TornPageException.class, () -> locks.tryOptimisticRead(0, 3, FOREVER));
        assertEquals(2, torn.page());
        final long word = locks.lockWord(2);
        assertEquals(LockWord.releasedTorn(held), word);
        assertFalse(LockWord.isHeld(word));
        assertEquals(0, LockWord.owner(word));
        assertEquals(1, locks.counter(CounterId.OWNER_RECOVERIES));
        // Reads of the other pages are unaffected.
        final long stamp = locks.tryOptimisticRead(3, 3, FOREVER);
        assertTrue(locks.validate(3, 3, stamp));
    }

    @Test
    void aLiveOwnersPageIsNeverTakenHoweverLongItIsHeld() throws Exception
    {
        final long held = holdAs(0, ALIVE);
        final CompletableFuture<Void> writer = CompletableFuture.runAsync(() ->
        {
            final long taken = locks.lock(0, 0, OURS, FOREVER);
            locks.unlock(0, 0, OURS, taken, 0, 0);
        });
        assertThrows(TimeoutException.class, () -> writer.get(300, TimeUnit.MILLISECONDS)); // 15 timeouts
        assertEquals(held, locks.lockWord(0) & ~LockWord.WAITERS_BIT, "untouched while its owner lives");
        file.putLongVolatile(offset(0), LockWord.released(held)); // the live owner finishes
        writer.get(10, TimeUnit.SECONDS);
        assertEquals(0, locks.counter(CounterId.OWNER_RECOVERIES));
        assertFalse(LockWord.isTorn(locks.lockWord(0)));
    }

    @Test
    void pagesHeldWithoutASlotOrByThisProcessAreNeverTakenOver() throws Exception
    {
        // A liveness that calls every other slot dead, as OwnerSlot would if no other process held one.
        final PageLocks everyoneDead =
            new PageLocks(file, "test", PAGES, slot -> slot != OURS, 0, Cancellation.NEVER);
        for (final int owner : new int[] {0, OURS})
        {
            final long held = holdAs(0, owner);
            final CompletableFuture<Long> reader =
                CompletableFuture.supplyAsync(() -> everyoneDead.tryOptimisticRead(0, 0, FOREVER));
            assertThrows(TimeoutException.class, () -> reader.get(100, TimeUnit.MILLISECONDS));
            assertEquals(held, everyoneDead.lockWord(0) & ~LockWord.WAITERS_BIT);
            file.putLongVolatile(offset(0), LockWord.released(held));
            reader.get(10, TimeUnit.SECONDS);
        }
        assertEquals(0, everyoneDead.counter(CounterId.OWNER_RECOVERIES));
    }

    @Test
    void claimingADeadSlotReleasesEveryPageItHeld()
    {
        holdAs(0, DEAD);
        holdAs(2, DEAD);
        final long other = holdAs(3, ALIVE);
        assertEquals(2, locks.recoverAbandoned(DEAD));
        assertTrue(LockWord.isTorn(locks.lockWord(0)) && !LockWord.isHeld(locks.lockWord(0)));
        assertTrue(LockWord.isTorn(locks.lockWord(2)) && !LockWord.isHeld(locks.lockWord(2)));
        assertEquals(0, locks.lockWord(1));
        assertEquals(other, locks.lockWord(3));
        assertEquals(2, locks.counter(CounterId.OWNER_RECOVERIES));
    }

    @Test
    void aMultiPageWriterTakesEveryPageOfTheDeadOwner()
    {
        for (int page = 0; page < PAGES; page++)
        {
            holdAs(page, DEAD);
        }
        final long taken = locks.lock(0, PAGES - 1, OURS, FOREVER);
        locks.unlock(0, PAGES - 1, OURS, taken, 0, PAGES - 1);
        for (int page = 0; page < PAGES; page++)
        {
            final long word = locks.lockWord(page);
            assertFalse(LockWord.isHeld(word) || LockWord.isTorn(word), LockWord.describe(word));
        }
        assertEquals(PAGES, locks.counter(CounterId.OWNER_RECOVERIES));
    }
}
