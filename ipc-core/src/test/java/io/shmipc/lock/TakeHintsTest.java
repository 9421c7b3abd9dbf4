package io.shmipc.lock;

import io.shmipc.PageLeasedException;
import io.shmipc.layout.LockWord;
import io.shmipc.layout.SegmentDescriptor;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Takes from remembered words ({@link TakeHints}): a right hint takes the page as a load would have; a stale one
 * (another process wrote meanwhile, a waiter set W) costs a failed CAS and takes the current word; hints are one
 * thread's; a hinted take needs no lease check, since a grant is a take and makes the hint stale. Each {@link PageLocks} instance plays one process: its own hints, its own owner slot.
 */
class TakeHintsTest
{
    private static final int PAGES = 4;
    private static final int A = 5;
    private static final int B = 6;
    private static final long FOREVER = PageLocks.NO_TIMEOUT;

    private final Set<Integer> dead = new HashSet<>();

    private static UnsafeBuffer file(final int pages, final int layoutVersion)
    {
        final UnsafeBuffer file = new UnsafeBuffer(
            ByteBuffer.allocateDirect(SegmentDescriptor.HEADER_LENGTH + pages * SegmentDescriptor.LOCK_STRIDE));
        file.putInt(SegmentDescriptor.LAYOUT_VERSION_OFFSET, layoutVersion);
        return file;
    }

    private PageLocks process(final UnsafeBuffer file, final int pages)
    {
        return new PageLocks(file, "hints", pages, slot -> dead.contains(slot), PageLocks.DEFAULT_RECOVERY_NANOS,
            Cancellation.NEVER);
    }

    private static int offset(final int page)
    {
        return SegmentDescriptor.HEADER_LENGTH + page * SegmentDescriptor.LOCK_STRIDE;
    }

    /** One whole-page write of {@code page} by {@code owner}, released as {@code plain} says. */
    private static boolean write(final PageLocks locks, final int page, final int owner, final boolean plain)
    {
        final long held = locks.lock(page, page, owner, FOREVER);
        assertEquals(owner, LockWord.owner(held));
        assertTrue(LockWord.isHeld(locks.lockWord(page)));
        return plain ? locks.unlockPlain(page, page, held, page, page) :
            locks.unlock(page, page, owner, held, page, page);
    }

    @Test
    void hintsAreOnUnlessTheSystemPropertyTurnsThemOff()
    {
        assertEquals(!"false".equalsIgnoreCase(System.getProperty(TakeHints.PROPERTY, "true")), TakeHints.ENABLED);
        assertTrue(TakeHints.ENABLED, "the test JVMs run with the default");
    }

    @Test
    void aReleaseRemembersTheFreeWordItLeftForItsPageAndThread()
    {
        final PageLocks a = process(file(PAGES, SegmentDescriptor.LAYOUT_VERSION), PAGES);
        assertFalse(TakeHints.usable(a.hints.get(1)), "no hint before a release");
        write(a, 1, A, true);
        assertEquals(a.lockWord(1), a.hints.get(1), "plain release");
        write(a, 1, A, false);
        assertEquals(a.lockWord(1), a.hints.get(1), "CAS release");
        assertEquals(2, LockWord.version(a.lockWord(1)));
        assertFalse(TakeHints.usable(a.hints.get(0)), "one page: no hint for another");
        final long held = a.lock(2, 3, A, FOREVER);
        a.unlock(2, 3, A, held, 2, 3);
        assertEquals(a.lockWord(3), a.hints.get(3), "a multi-page release leaves its last page's word");
        assertFalse(TakeHints.usable(a.hints.get(1)), "replaced");
    }

    @Test
    void aReleaseWordRecordedAheadIsTheHintAtOnceAndTheWordTheReleaseStores()
    {
        final UnsafeBuffer file = file(PAGES, SegmentDescriptor.LAYOUT_VERSION);
        final PageLocks a = process(file, PAGES);
        final long word = PageLocks.wordAddress(file.addressOffset(), 2);
        final long held = a.lockPage(word, 2, A, FOREVER);
        final long released = StoreRelease.wordAhead(a, 2, held, true);
        assertEquals(released, a.hints.get(2), "recorded before the release");
        assertEquals(held, a.lockWord(2), "the page is still held: nothing stored yet");
        assertFalse(StoreRelease.store(word, held, released), "no sleeper to wake");
        assertEquals(released, a.lockWord(2));
        assertEquals(1, LockWord.version(released));
        assertFalse(LockWord.isHeld(released));
        assertEquals(LockWord.locked(released, A), a.lockPage(word, 2, A, FOREVER), "the next take starts from it");
    }

    @Test
    void aWriteThatFailsAfterRecordingItsWordAheadLeavesAStaleHintThatTakesTheTornWord()
    {
        final UnsafeBuffer file = file(PAGES, SegmentDescriptor.LAYOUT_VERSION);
        final PageLocks a = process(file, PAGES);
        final long word = PageLocks.wordAddress(file.addressOffset(), 1);
        final long held = a.lockPage(word, 1, A, FOREVER);
        final long guessed = StoreRelease.wordAhead(a, 1, held, true);
        a.releaseAfterFailedWrite(1, 1, held); // the copy threw: released torn instead
        final long torn = a.lockWord(1);
        assertTrue((torn & LockWord.TORN_BIT) != 0);
        assertNotEquals(torn, guessed, "the guess is stale");
        assertEquals(guessed, a.hints.get(1));
        final long retaken = a.lockPage(word, 1, A, FOREVER);
        assertEquals(LockWord.locked(torn, A), retaken, "taken from the torn word, as after a load");
        StoreRelease.store(word, retaken, StoreRelease.wordAhead(a, 1, retaken, false));
        assertTrue((a.lockWord(1) & LockWord.TORN_BIT) != 0, "a write of part of the page keeps the mark");
        final long whole = a.lockPage(word, 1, A, FOREVER);
        StoreRelease.store(word, whole, StoreRelease.wordAhead(a, 1, whole, true));
        assertEquals(0, a.lockWord(1) & LockWord.TORN_BIT, "a write of the whole page clears it");
        assertEquals(3, LockWord.version(a.lockWord(1)), "the failed write, the partial one, the whole one");
    }

    @Test
    void aReleaseRecordedAheadWakesTheSleepersAWaiterRegisteredBeforeTheTake()
    {
        final UnsafeBuffer file = file(PAGES, SegmentDescriptor.LAYOUT_VERSION);
        final PageLocks a = process(file, PAGES);
        final long word = PageLocks.wordAddress(file.addressOffset(), 0);
        assertTrue(a.registerWaiter(0, 0), "W set on the free word");
        final long held = a.lockPage(word, 0, A, FOREVER);
        assertTrue((held & LockWord.WAITERS_BIT) != 0);
        final long released = StoreRelease.wordAhead(a, 0, held, true);
        assertEquals(PageLocks.FUTEX, StoreRelease.store(word, held, released), "woken where futex calls work");
        assertEquals(PageLocks.FUTEX, (a.lockWord(0) & LockWord.WAITERS_BIT) == 0, "W cleared by a release that wakes");
    }

    @Test
    void onlyTheFirstThreadToReleaseRecordsAndUsesHints() throws InterruptedException
    {
        final PageLocks a = process(file(PAGES, SegmentDescriptor.LAYOUT_VERSION), PAGES);
        write(a, 0, A, true);
        final long[] seen = new long[2];
        final Thread other = new Thread(() ->
        {
            seen[0] = a.hints.get(0);
            write(a, 1, A, true);
            seen[1] = a.hints.get(1);
        });
        other.start();
        other.join();
        assertEquals(TakeHints.NONE, seen[0], "the hint is this thread's");
        assertEquals(TakeHints.NONE, seen[1], "another thread records none");
        assertEquals(a.lockWord(0), a.hints.get(0), "this thread's hint is unchanged");
        write(a, 0, A, true);
        assertEquals(2, LockWord.version(a.lockWord(0)));
        assertEquals(1, LockWord.version(a.lockWord(1)));
    }

    @Test
    void aStaleHintTakesTheWordAnotherProcessLeft()
    {
        final UnsafeBuffer file = file(PAGES, SegmentDescriptor.LAYOUT_VERSION);
        final PageLocks a = process(file, PAGES);
        final PageLocks b = process(file, PAGES);
        write(a, 0, A, true);
        write(b, 0, B, true);
        write(b, 0, B, false);
        assertNotEquals(a.lockWord(0), a.hints.get(0), "a's hint is stale");
        final long before = a.lockWord(0);
        final long held = a.lock(0, 0, A, FOREVER);
        assertEquals(LockWord.locked(before, A), held, "taken from the word b left, as after a load");
        assertEquals(held, a.lockWord(0));
        a.unlockPlain(0, 0, held, 0, 0);
        assertEquals(4, LockWord.version(a.lockWord(0)));
        assertEquals(a.lockWord(0), a.hints.get(0));
    }

    @Test
    void aHintWithoutTheWaitersBitKeepsTheBitAWaiterSetMeanwhile()
    {
        final PageLocks a = process(file(PAGES, SegmentDescriptor.LAYOUT_VERSION), PAGES);
        write(a, 0, A, true);
        assertTrue(a.registerWaiter(0, LockWord.version(a.lockWord(0))), "W set on the free word");
        final long held = a.lock(0, 0, A, FOREVER);
        assertTrue((held & LockWord.WAITERS_BIT) != 0, "the take started from the word with W, not the hint");
        final boolean woke = a.unlockPlain(0, 0, held, 0, 0);
        assertEquals(PageLocks.FUTEX, woke, "the release wakes the sleepers where it can make futex calls");
        assertEquals(PageLocks.FUTEX, (a.lockWord(0) & LockWord.WAITERS_BIT) == 0, "W cleared by a release that wakes");
    }

    @Test
    void aHintedTakeChecksNoLeaseButAGrantByAnotherProcessMakesTheHintStale()
    {
        final UnsafeBuffer file = file(PAGES, SegmentDescriptor.LEASES_LAYOUT_VERSION);
        final PageLocks a = process(file, PAGES);
        final PageLocks b = process(file, PAGES);
        write(a, 0, A, true);
        PageLeases.grant(b, 0, 0, B, FOREVER); // a grant is a take: a's hint is stale now
        assertNotEquals(a.lockWord(0), a.hints.get(0));
        final long before = a.lockWord(0);
        final PageLeasedException refused = assertThrows(PageLeasedException.class, () -> a.lock(0, 0, A, FOREVER));
        assertEquals(B, refused.holderSlot());
        assertEquals(before, a.lockWord(0), "refused before its CAS: the page's word is untouched");

        // A lease word changed without a take (a damaged file) is not seen by a take from a hint (FORMAT.md 7.6) ...
        write(a, 1, A, true);
        file.putLongVolatile(offset(1) + SegmentDescriptor.LEASE_WORD_OFFSET, B);
        write(a, 1, A, true);
        assertEquals(2, LockWord.version(a.lockWord(1)));
        // ... but by the next take that loads the word: another process's, or this one's once its hint is stale.
        assertThrows(PageLeasedException.class, () -> b.lock(1, 1, A + 2, FOREVER));
    }

    @Test
    void aDeadProcesssLeaseIsClearedByTheTakeThatFindsItsHintStale()
    {
        final UnsafeBuffer file = file(PAGES, SegmentDescriptor.LEASES_LAYOUT_VERSION);
        final PageLocks a = process(file, PAGES);
        final PageLocks b = process(file, PAGES);
        write(a, 0, A, true);
        PageLeases.grant(b, 0, 0, B, FOREVER);
        dead.add(B);
        write(a, 0, A, true);
        assertEquals(0L, file.getLong(offset(0) + SegmentDescriptor.LEASE_WORD_OFFSET), "a dead holder's lease");
        assertEquals(3, LockWord.version(a.lockWord(0)), "a's write, b's grant, a's write");
        assertFalse(LockWord.isHeld(a.lockWord(0)));
    }
}
