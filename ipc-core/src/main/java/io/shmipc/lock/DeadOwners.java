package io.shmipc.lock;

import io.shmipc.layout.CounterId;
import io.shmipc.layout.LockWord;
import io.shmipc.sys.Futex;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Dead-owner recovery of one segment's pages ({@code docs/FORMAT.md} section 10): when to ask whether a page's
 * holder is dead, and what to do for it once the operating system says it is.
 *
 * <ul>
 *   <li>A waiter asks ({@link #isOwnerDead}) only after the page has stayed held by the same write for the recovery
 *   timeout, then every {@link PageLocks#LIVENESS_RECHECK_NANOS} (capped by that timeout); a page held by a slot this
 *   handle has already found dead is asked about at once ({@link #firstCheckDelay}). The last dead slot is a racy
 *   cache: a stale value costs one probe, and a probe that finds the slot alive again forgets it.</li>
 *   <li>A reader releases the dead holder's page, marked torn ({@link #releaseTorn}); a writer takes it over
 *   ({@link #takeOver}): the sequence stays odd, T is set and its own slot goes in. Each is one compare-and-swap from
 *   the word the waiter watched, so a holder that moved on meanwhile is never touched.</li>
 *   <li>A process that has just claimed a slot knows its previous holder is dead and releases all its pages
 *   and clears its leases ({@link #recoverAbandoned}).</li>
 * </ul>
 * Every recovery counts an {@link CounterId#OWNER_RECOVERIES owner recovery} and logs a warning. A live holder,
 * however slow, keeps its pages. Not thread-safe beyond the racy cache: one per {@link PageLocks}.
 */
final class DeadOwners
{
    private static final Logger LOG = LoggerFactory.getLogger(DeadOwners.class);

    private final PageLocks locks;
    private final OwnerLiveness liveness;
    private final long recoveryNanos;
    private final long recheckNanos;
    /** Last owner slot found dead: a page held by it is checked at once. A racy cache; a stale value costs a probe. */
    private int lastDeadOwner;

    DeadOwners(final PageLocks locks, final OwnerLiveness liveness, final long recoveryNanos)
    {
        this.locks = locks;
        this.liveness = liveness;
        this.recoveryNanos = recoveryNanos;
        this.recheckNanos = Math.min(recoveryNanos, PageLocks.LIVENESS_RECHECK_NANOS);
    }

    /**
     * Releases, as torn, every page of {@code locks} held by {@code deadOwner}: called by a process that has just
     * claimed that owner slot, which proves that its previous holder is dead (a slot is claimed only through the
     * operating-system lock that its holder keeps for life).
     *
     * @return the number of pages recovered.
     */
    static int recoverAbandoned(final PageLocks locks, final int deadOwner)
    {
        int recovered = 0;
        for (int page = 0; page < locks.pageCount() && deadOwner != 0; page++)
        {
            final int offset = PageLocks.lockWordOffset(page);
            long word = locks.load(offset);
            while ((word & LockWord.HELD_BIT) != 0 && LockWord.owner(word) == deadOwner)
            {
                if (releaseTorn(locks, page, offset, word))
                {
                    recovered++;
                    break;
                }
                word = locks.load(offset);
            }
        }
        if (locks.leases && deadOwner != 0)
        {
            for (int page = 0; page < locks.pageCount(); page++)
            {
                PageLeases.clear(locks, PageLocks.lockWordOffset(page), deadOwner); // its leases died with it
            }
        }
        return recovered;
    }

    /**
     * Whether the holder of a lease ({@code docs/FORMAT.md} section 7.6) is dead: the same question as
     * {@link #isOwnerDead} for a slot found in a lease word. A lease word does not change while its holder lives, so
     * there is no timeout to wait for first.
     */
    boolean isLeaseHolderDead(final int slot)
    {
        return slot != 0 && liveness.isDead(slot);
    }

    /** @return how long after a wait starts (or the watched word changes) the holder of {@code word} is asked about. */
    long firstCheckDelay(final long word)
    {
        final int holder = LockWord.owner(word);
        return holder != 0 && holder == lastDeadOwner ? 0 : recoveryNanos;
    }

    /** @return how long after a holder was found alive it is asked about again. */
    long recheckNanos()
    {
        return recheckNanos;
    }

    /** @return whether the operating system shows the holder of {@code word} dead (never for slot 0). */
    boolean isOwnerDead(final long word)
    {
        final int holder = LockWord.owner(word);
        if (holder == 0)
        {
            return false; // no slot to ask about
        }
        final boolean dead = liveness.isDead(holder);
        if (dead)
        {
            lastDeadOwner = holder;
        }
        else if (holder == lastDeadOwner)
        {
            lastDeadOwner = 0; // the slot was claimed again by a live process
        }
        return dead;
    }

    /** A reader's recovery: {@link #releaseTorn(PageLocks, int, int, long)} of this segment's page. */
    boolean releaseTorn(final int page, final int offset, final long word)
    {
        return releaseTorn(locks, page, offset, word);
    }

    /**
     * A writer's recovery: takes {@code page} over from its dead holder by one CAS from {@code word}. The sequence
     * stays odd: the writer holds the page from here on, marked torn until a write covers it whole.
     *
     * @return the word the writer now holds, or {@link PageLocks#NOT_RELEASED} (never a held word) if the word changed
     * meanwhile.
     */
    long takeOver(final int page, final int offset, final long word, final int owner)
    {
        final long takenOver = LockWord.takenOver(word, owner);
        if (!locks.cas(offset, word, takenOver))
        {
            return PageLocks.NOT_RELEASED;
        }
        recovered(locks, page, word, "took over");
        return takenOver;
    }

    /**
     * Releases a dead holder's page on its behalf, marked torn, by one CAS from {@code word}; wakes sleepers.
     *
     * @return whether the CAS succeeded.
     */
    private static boolean releaseTorn(final PageLocks locks, final int page, final int offset, final long word)
    {
        final long released = PageLocks.FUTEX ? LockWord.releasedTorn(word) :
            LockWord.releasedKeepingWaiters(word) | LockWord.TORN_BIT;
        if (!locks.cas(offset, word, released))
        {
            return false;
        }
        if (PageLocks.FUTEX && (word & LockWord.WAITERS_BIT) != 0)
        {
            Futex.wakeAll(locks.address(offset));
        }
        PageSleepers.wakeIfRegistered(locks, offset); // a dead sole writer's page (7.7): its sleepers too
        recovered(locks, page, word, "released");
        return true;
    }

    private static void recovered(final PageLocks locks, final int page, final long word, final String how)
    {
        locks.increment(CounterId.OWNER_RECOVERIES);
        LOG.warn("segment '{}': {} page {} on behalf of dead owner slot {} ({}); it is marked torn until a write " +
            "covers it whole", locks.segmentName, how, page, LockWord.owner(word), LockWord.describe(word));
    }
}
