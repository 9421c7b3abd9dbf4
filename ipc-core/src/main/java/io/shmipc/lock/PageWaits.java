package io.shmipc.lock;

import io.shmipc.LockTimeoutException;
import io.shmipc.PageLeasedException;
import io.shmipc.TornPageException;
import io.shmipc.WaitInterruptedException;
import io.shmipc.layout.CounterId;
import io.shmipc.layout.LockWord;
import io.shmipc.sys.Futex;
import io.shmipc.sys.FutexVector;
import org.agrona.concurrent.IdleStrategy;

import java.util.concurrent.locks.LockSupport;

/**
 * The slow paths of {@link PageLocks}: waiting for a held page (a reader, a writer) or for a page's version to change,
 * and what ends such a wait besides the page itself.
 *
 * <h2>How a wait waits</h2>
 * Spin ({@link Backoff#SPIN_ITERATIONS} checks), then yield ({@link Backoff#YIELD_ITERATIONS}), then sleep: with
 * futex support (JDK 22+) in {@code FUTEX_WAIT} on the lock word's low 32 bits, after setting the word's W bit with a
 * CAS so that the next release wakes it, for at most {@link #MAX_SLEEP_NANOS} (a releaser that cannot wake it, such
 * as a JDK 17 process or a dead one, costs at most that); without, {@link LockSupport#parkNanos} for
 * {@link Backoff#PARK_NANOS}. W is set only on a free word: a held word without W is not slept on (its holder may
 * release it with a plain store, which would erase W), and the wait parks for {@link Backoff#PARK_NANOS} instead.
 *
 * <h2>What ends a wait</h2>
 * Checked after every yield or sleep, and every {@value #CHECK_MASK_PLUS_ONE} spins, before the word is loaded again:
 * the handle being closed ({@link IllegalStateException}), the thread's interrupt ({@link WaitInterruptedException},
 * the interrupt status kept), the call's timeout ({@link LockTimeoutException}; {@code awaitChange} returns instead).
 * Checking before touching the mapping again also means that a thread that slept through a {@code close()} never
 * touches memory the close released.
 *
 * <h2>Dead holders</h2>
 * A page held by the same write for longer than the recovery timeout has its holder's slot probed, then again at
 * intervals ({@link DeadOwners}); a dead holder's page is taken over by a writer, or released torn by a reader.
 */
final class PageWaits
{
    /** System property: the longest single futex sleep, in milliseconds (default {@value #DEFAULT_MAX_SLEEP_MILLIS}). */
    public static final String MAX_SLEEP_PROPERTY = "shmipc.wait.maxSleepMillis";
    /** Default longest single futex sleep: what a release that cannot wake sleepers (JDK 17) delays them by at most. */
    public static final long DEFAULT_MAX_SLEEP_MILLIS = 50;
    /**
     * Longest single futex sleep. A sleeper wakes at least this often: it bounds the delay when the releaser cannot wake
     * it (a JDK 17 writer, a dead one), and sets the idle cost (each wake-up runs the wait loop once, mostly
     * interpreted, since it runs too rarely to be compiled): measured 0.7% of a core at 50 ms, 1.6% at 10 ms.
     */
    static final long MAX_SLEEP_NANOS = Math.max(1, Math.min(10_000,
        Long.getLong(MAX_SLEEP_PROPERTY, DEFAULT_MAX_SLEEP_MILLIS))) * 1_000_000L;
    private static final int CHECK_MASK = 0xFF;
    /** With a caller's idle strategy, which may sleep, the clock and the flags are checked more often. */
    private static final int IDLE_CHECK_MASK = 0x3F;
    private static final int CHECK_MASK_PLUS_ONE = CHECK_MASK + 1;
    private static final int YIELD_START = Backoff.SPIN_ITERATIONS;
    private static final int SLEEP_START = Backoff.SPIN_ITERATIONS + Backoff.YIELD_ITERATIONS;
    /** The bits that say who holds a page and how far it got: a W bit set by another waiter does not restart the
     * recovery clock. */
    private static final long WATCHED_BITS = ~LockWord.WAITERS_BIT;

    private final PageLocks locks;
    private final DeadOwners deadOwners;
    private final Cancellation cancellation;

    PageWaits(final PageLocks locks, final DeadOwners deadOwners, final Cancellation cancellation)
    {
        this.locks = locks;
        this.deadOwners = deadOwners;
        this.cancellation = cancellation;
    }

    /** A read found {@code page} held or torn ({@code seen}). Returns a free, untorn word. */
    long awaitFree(final int page, final int offset, final long seen, final long timeoutNanos)
    {
        long word = seen;
        if ((word & LockWord.HELD_BIT) == 0)
        {
            throw new TornPageException(locks.segmentName, page);
        }
        locks.increment(CounterId.READ_RETRIES);
        final long start = System.nanoTime();
        boolean slow = false;
        long watched = word & WATCHED_BITS;
        long checkAt = start + deadOwners.firstCheckDelay(word);
        for (int i = 0; ; i++)
        {
            pause(i, offset, word, checkAt, start, timeoutNanos);
            if (i >= YIELD_START || (i & CHECK_MASK) == 0)
            {
                final long now = System.nanoTime();
                endIfCancelled(page, word, now, start, timeoutNanos, true);
                if (!slow && now - start > PageLocks.SLOW_WAIT_NANOS)
                {
                    slow = true;
                    locks.increment(CounterId.SLOW_WAITS);
                }
                word = locks.load(offset);
                if ((word & WATCHED_BITS) != watched)
                {
                    watched = word & WATCHED_BITS;
                    checkAt = now + deadOwners.firstCheckDelay(word);
                }
                else if ((word & LockWord.HELD_BIT) != 0 && now - checkAt >= 0)
                {
                    if (deadOwners.isOwnerDead(word))
                    {
                        // A reader never waits for ever on a dead writer: it releases the page on the dead writer's
                        // behalf, marked torn, and reports the torn page. Only this page: the dead writer's other
                        // pages stay held until a writer takes them over or a process claims its slot.
                        deadOwners.releaseTorn(page, offset, word);
                        word = locks.load(offset);
                    }
                    else
                    {
                        checkAt = now + deadOwners.recheckNanos();
                    }
                }
            }
            else
            {
                word = locks.load(offset);
            }
            if ((word & LockWord.HELD_BIT) == 0)
            {
                if ((word & LockWord.TORN_BIT) != 0)
                {
                    throw new TornPageException(locks.segmentName, page);
                }
                return word;
            }
        }
    }

    /**
     * A write found {@code page} held, or lost the CAS, or (layout version 3) found it free but leased to another slot.
     * Returns the word it set once it holds the page. Counts {@link CounterId#WRITE_CONTENDED} once, as section 3.3
     * defines it: the page held at the first look, or a CAS lost; a lease check alone is not contention.
     */
    long lockContended(final int page, final int offset, final int owner, final long timeoutNanos)
    {
        boolean counted = false;
        if (!locks.leases || (locks.load(offset) & LockWord.HELD_BIT) != 0 ||
            PageLeases.mayWrite(locks, page, offset, owner))
        {
            locks.increment(CounterId.WRITE_CONTENDED);
            counted = true;
        }
        final long start = System.nanoTime();
        boolean slow = false;
        long watched = 0;
        long checkAt = 0;
        for (int i = 0; ; i++)
        {
            final long word = locks.load(offset);
            if ((word & LockWord.HELD_BIT) == 0)
            {
                final boolean voided = locks.leases && checkLease(page, offset, owner);
                final long held = LockWord.locked(word, owner);
                if (locks.cas(offset, word, held))
                {
                    if (voided)
                    {
                        // The lease this writer voided may have sleepers (7.7): woken now that the word changed, so
                        // that none can go to sleep on the word it had.
                        PageSleepers.wakeIfRegistered(locks, offset);
                    }
                    return held;
                }
                if (!counted)
                {
                    locks.increment(CounterId.WRITE_CONTENDED);
                    counted = true;
                }
                continue; // lost a race for a free page: look again at once
            }
            if (!counted)
            {
                locks.increment(CounterId.WRITE_CONTENDED);
                counted = true;
            }
            if (i == 0 || (word & WATCHED_BITS) != watched)
            {
                watched = word & WATCHED_BITS;
                checkAt = System.nanoTime() + deadOwners.firstCheckDelay(word);
            }
            pause(i, offset, word, checkAt, start, timeoutNanos);
            if (i >= YIELD_START || (i & CHECK_MASK) == 0)
            {
                final long now = System.nanoTime();
                endIfCancelled(page, word, now, start, timeoutNanos, true);
                if (!slow && now - start > PageLocks.SLOW_WAIT_NANOS)
                {
                    slow = true;
                    locks.increment(CounterId.SLOW_WAITS);
                }
                if (now - checkAt >= 0)
                {
                    final long current = locks.load(offset);
                    if ((current & WATCHED_BITS) == watched && deadOwners.isOwnerDead(current))
                    {
                        final long takenOver = deadOwners.takeOver(page, offset, current, owner);
                        if (takenOver != PageLocks.NOT_RELEASED)
                        {
                            if (locks.leases && checkLeaseAfterTakeOver(page, offset, owner))
                            {
                                PageSleepers.wakeIfRegistered(locks, offset); // as after a take that voided a lease
                            }
                            return takenOver;
                        }
                    }
                    checkAt = now + deadOwners.recheckNanos();
                }
            }
        }
    }

    /**
     * A writer found {@code page} free on a segment with leases: refuses it if another live process's exclusive
     * writer holds its lease; clears a dead holder's lease. The writer loaded the lock word before this lease word, and
     * a lease changes only under the page's lock with a new sequence, so the CAS that follows fails if a lease was
     * granted after these loads ({@code docs/FORMAT.md} section 7.6).
     *
     * @return whether it voided a lease (a dead holder's, or a value that names no process).
     * @throws PageLeasedException if the lease is another live process's.
     */
    private boolean checkLease(final int page, final int offset, final int owner)
    {
        final int holder = PageLeases.holderAt(locks, offset);
        if (holder == owner && holder != 0 && locks.soleLeases.contains(page))
        {
            throw new PageLeasedException("page " + page + " of segment '" + locks.segmentName + "' is leased to " +
                "an exclusive writer of this process (owner slot " + holder + "), which writes it without a " +
                "compare-and-swap: write the page through that ExclusiveWriter, or close it first", page, holder);
        }
        if (holder == 0 || holder == owner)
        {
            return false;
        }
        if (holder == PageLeases.VOID)
        {
            PageLeases.clearVoid(locks, offset); // a value that names no process is no lease
            return true;
        }
        if (!deadOwners.isLeaseHolderDead(holder))
        {
            throw new PageLeasedException("page " + page + " of segment '" + locks.segmentName + "' is " +
                "leased to the exclusive writer of owner slot " + holder + " (another live process): only it may " +
                "write the page until it closes the writer or exits", page, holder);
        }
        PageLeases.clear(locks, offset, holder); // a dead process's lease is void
        return true;
    }

    /**
     * A writer took {@code page} over from a dead holder: the page may be leased to a live process (the dead one took
     * it before the lease could be granted), and then this writer must not write it: it gives it back, torn, and is
     * refused. A dead holder's lease is cleared.
     */
    private boolean checkLeaseAfterTakeOver(final int page, final int offset, final int owner)
    {
        try
        {
            return checkLease(page, offset, owner);
        }
        catch (final PageLeasedException refused)
        {
            locks.releaseAfterFailure(page, page, owner, true);
            throw refused;
        }
    }

    /** The dead-owner recovery this wait uses. */
    DeadOwners deadOwners()
    {
        return deadOwners;
    }

    /** Waits until the version of {@code page} differs from {@code seen}; returns it, or {@code seen} on timeout. */
    long awaitVersion(final int page, final int offset, final long seen, final long timeoutNanos, final IdleStrategy idle)
    {
        long word = locks.load(offset);
        if (word >>> LockWord.VERSION_SHIFT != seen || timeoutNanos == 0)
        {
            return word >>> LockWord.VERSION_SHIFT;
        }
        // The clock is read only once the first spins are over: a change that comes within them costs no clock read.
        boolean started = false;
        long start = 0;
        if (idle != null)
        {
            idle.reset();
        }
        for (int i = 0; ; i++)
        {
            if (idle != null)
            {
                idle.idle();
            }
            else
            {
                pause(i, offset, word, Long.MAX_VALUE, start, i >= SLEEP_START ? timeoutNanos : PageLocks.NO_TIMEOUT);
            }
            word = locks.load(offset);
            if (word >>> LockWord.VERSION_SHIFT != seen)
            {
                return word >>> LockWord.VERSION_SHIFT;
            }
            final int mask = idle != null ? IDLE_CHECK_MASK : CHECK_MASK;
            if (i >= YIELD_START || (i & mask) == mask)
            {
                final long now = System.nanoTime();
                if (!started)
                {
                    started = true;
                    start = now;
                }
                endIfCancelled(page, word, now, start, timeoutNanos, false);
                if (now - start - timeoutNanos >= 0)
                {
                    return seen;
                }
            }
        }
    }

    /**
     * Waits until the version of any of {@code count} pages (lock words at {@code offsets}) differs from the matching
     * {@code seen}; sleeps on all of them at once ({@code futex_waitv}) when {@code vector} can, else backs off.
     * Checks from {@code from} round, so that one busy page cannot hide the others.
     *
     * @return the index of a page whose version changed, or -1 if {@code timeoutNanos} passed first.
     */
    int awaitAnyVersion(
        final int[] offsets, final long[] seen, final int count, final int from, final long timeoutNanos,
        final FutexVector vector)
    {
        final long start = System.nanoTime();
        for (int i = 0; ; i++)
        {
            for (int k = 0, index = from; k < count; k++, index = index + 1 == count ? 0 : index + 1)
            {
                if (locks.load(offsets[index]) >>> LockWord.VERSION_SHIFT != seen[index])
                {
                    return index;
                }
            }
            if (i >= YIELD_START || (i & CHECK_MASK) == 0)
            {
                final long now = System.nanoTime();
                endIfCancelled(-1, 0, now, start, timeoutNanos, false);
                if (now - start - timeoutNanos >= 0)
                {
                    return -1;
                }
            }
            if (i < YIELD_START)
            {
                Thread.onSpinWait();
            }
            else if (i < SLEEP_START)
            {
                Thread.yield();
            }
            else if (vector != null)
            {
                final long remaining = timeoutNanos == PageLocks.NO_TIMEOUT ? MAX_SLEEP_NANOS :
                    start + timeoutNanos - System.nanoTime();
                sleepOnAll(offsets, seen, count, vector, Math.max(1_000L, Math.min(MAX_SLEEP_NANOS, remaining)));
            }
            else
            {
                LockSupport.parkNanos(Backoff.PARK_NANOS);
            }
        }
    }

    /** Sets W on every watched word still at its seen version and sleeps on all of them; returns early on a change. */
    private void sleepOnAll(
        final int[] offsets, final long[] seen, final int count, final FutexVector vector, final long nanos)
    {
        for (int k = 0; k < count; k++)
        {
            long word = locks.load(offsets[k]);
            if (word >>> LockWord.VERSION_SHIFT != seen[k])
            {
                return; // changed: the caller sees it at once
            }
            word = PageSleepers.registerOn(locks, offsets[k], word);
            if (word == PageSleepers.HELD_NO_SLEEP)
            {
                LockSupport.parkNanos(Backoff.PARK_NANOS); // held, without W: back off, do not sleep on it
                return;
            }
            if (PageSleepers.notRegistered(word))
            {
                return; // changed meanwhile: look again
            }
            vector.set(k, locks.address(offsets[k]), (int)word);
        }
        locks.increment(CounterId.SLEEPS);
        vector.await(count, nanos);
    }

    /**
     * Waits once: spin, yield, or sleep on the word (futex, W set first) or park. A sleep lasts at most until the
     * next liveness check {@code checkAt} or the call's deadline, and at most {@link #MAX_SLEEP_NANOS}.
     */
    private void pause(
        final int iteration, final int offset, final long word, final long checkAt, final long start,
        final long timeoutNanos)
    {
        if (iteration < YIELD_START)
        {
            Thread.onSpinWait();
        }
        else if (iteration < SLEEP_START)
        {
            Thread.yield();
        }
        else if (PageLocks.FUTEX)
        {
            final long now = System.nanoTime();
            long nanos = Math.min(MAX_SLEEP_NANOS, checkAt - now);
            if (timeoutNanos != PageLocks.NO_TIMEOUT)
            {
                nanos = Math.min(nanos, start + timeoutNanos - now);
            }
            sleep(offset, word, Math.max(nanos, 1_000L));
        }
        else
        {
            LockSupport.parkNanos(Backoff.PARK_NANOS);
        }
    }

    /** Sleeps on the word's futex while it is {@code word} with W set; returns at once if it changed. */
    private void sleep(final int offset, final long word, final long nanos)
    {
        final long expected = PageSleepers.registerOn(locks, offset, word);
        if (expected == PageSleepers.HELD_NO_SLEEP)
        {
            LockSupport.parkNanos(Backoff.PARK_NANOS); // held, without W: back off, do not sleep on it
            return;
        }
        if (PageSleepers.notRegistered(expected))
        {
            return; // the word changed: the caller looks at it again
        }
        locks.increment(CounterId.SLEEPS);
        Futex.await(locks.address(offset), (int)expected, nanos);
    }

    /** Ends the wait with the right exception if the handle was closed, the thread interrupted or time ran out. */
    private void endIfCancelled(
        final int page, final long word, final long now, final long start, final long timeoutNanos,
        final boolean timeoutThrows)
    {
        if (cancellation.isClosed())
        {
            throw new IllegalStateException("segment '" + locks.segmentName + "' is closed");
        }
        if (Thread.currentThread().isInterrupted())
        {
            throw new WaitInterruptedException("interrupted while waiting for " + (page < 0 ? "pages" : "page " +
                page + " (" + LockWord.describe(word) + ")") + " of segment '" + locks.segmentName + "'");
        }
        if (timeoutThrows && timeoutNanos != PageLocks.NO_TIMEOUT && now - start - timeoutNanos >= 0)
        {
            throw new LockTimeoutException("page " + page + " of segment '" + locks.segmentName + "' stayed held " +
                "for longer than the timeout of " + timeoutNanos + " ns (" + LockWord.describe(word) + ")", page);
        }
    }
}
