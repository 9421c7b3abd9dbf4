package io.shmipc.lock;

import io.shmipc.TornPageException;
import io.shmipc.layout.CounterId;
import io.shmipc.layout.LockWord;
import io.shmipc.layout.SegmentDescriptor;
import org.agrona.concurrent.AtomicBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.invoke.VarHandle;
import java.util.Objects;

/**
 * The per-page sequence locks of one mapped segment: optimistic reads and exclusive writes over a range of pages.
 *
 * <h2>Protocol</h2>
 * Every data page {@code p} has a 64-bit lock word in the lock table (layout in {@link LockWord}). The sequence in
 * it is even while the page is free and odd while a writer holds it.
 *
 * <p><b>Write</b> of pages {@code first..last}:
 * <ol>
 *   <li>For each page in ascending order: load the word ({@code getLongVolatile}); while it is odd, wait; then
 *   compare-and-swap it from that even value to the next odd value with this process's owner slot in the low bits.
 *   Ascending order means two multi-page writers can never wait for each other in a cycle.</li>
 *   <li>{@code releaseFence}: the odd sequence becomes visible before any of the data stores that follow.</li>
 *   <li>Copy the bytes in (plain stores).</li>
 *   <li>For each page: {@code putLongRelease} of the next even sequence with the owner cleared: every data store
 *   becomes visible before the even value.</li>
 * </ol>
 *
 * <p><b>Read</b> of pages {@code first..last} (it writes nothing to the lock table or the data):
 * <ol>
 *   <li>For each page: load the word with {@code getLongVolatile} (acquire: the copy cannot be hoisted above it);
 *   while it is odd, wait. Sum the sequences into the stamp.</li>
 *   <li>Copy the bytes out (plain loads).</li>
 *   <li>{@code acquireFence}: the copy's loads complete before the lock words are loaded again.</li>
 *   <li>Load every word again; if any is odd or the sum of sequences differs from the stamp, discard the copy and
 *   start again.</li>
 * </ol>
 *
 * <p><b>Dead owners</b> ({@code docs/FORMAT.md} section 10): a waiter that sees the same held word for longer than
 * the recovery timeout asks its {@link OwnerLiveness} whether the holder's owner slot is dead. Only if the operating
 * system says so does it act, by one compare-and-swap from the word it watched: a writer takes the page over (the
 * sequence stays odd, T is set, its own slot goes in); a reader releases it (next even sequence, T set) and reports
 * the page torn. Either counts a {@link CounterId#OWNER_RECOVERIES recovery}. A live holder, however slow, keeps
 * its pages.
 *
 * <h2>Algorithmic notes</h2>
 * Why a validated read is a snapshot: suppose the copy of page {@code p} saw a byte stored by a write {@code W}.
 * {@code W} stored {@code p}'s odd sequence before its release fence and the byte after it; the reader loaded the byte
 * before its acquire fence and the second lock word after it. By the fence-fence synchronisation rule the second load
 * sees {@code W}'s odd value or a later one, so it differs from the first load, which was even and taken before the
 * copy. Conversely, if the first load saw {@code W}'s final even value (a release store), every byte of {@code W}
 * is visible to the copy. So for each page, an unchanged even sequence across the copy means no write to that page
 * overlapped the copy. A multi-page write holds all its pages from before its first data store until after its last,
 * and the reader's copy lies after every first load and before every second load, so all pages are observed at one
 * common instant: the read is atomic across pages.
 *
 * <p>Why the sum is enough: a page's sequence never decreases (it only wraps after 2^48 increments, which no
 * read lasts through), so if every page's second sequence is greater than or equal to its first, equal sums mean
 * every page is unchanged. Summing lets a read of any number of pages validate without allocating a stamp array.
 *
 * <p>Why writers are exclusive: a page is taken only by a successful compare-and-swap from an even to an odd value,
 * and only its holder makes it even again, so at most one writer holds it at a time (mutual exclusion among
 * processes relies on the CAS being a hardware atomic on the shared mapping, which it is: {@code lock cmpxchg} on
 * x86, {@code ldaxr/stlxr} or {@code casal} on ARM).
 *
 * <p>Readers never store to the lock table or the data, so any number of them never slow a writer down; they
 * increment a header counter only after a retry, which is already the slow path.
 *
 * <p>The Java fences map to C11 as: {@code getLongVolatile} = {@code memory_order_acquire} load,
 * {@code releaseFence} = {@code atomic_thread_fence(memory_order_release)}, {@code acquireFence} =
 * {@code atomic_thread_fence(memory_order_acquire)}, {@code putLongRelease} = {@code memory_order_release} store,
 * {@code compareAndSetLong} = {@code memory_order_seq_cst} compare-exchange ({@code docs/FORMAT.md}).
 *
 * <p>All methods are allocation-free and take no Java monitor. Page ranges are not checked here: callers pass
 * {@code 0 <= first <= last < pageCount}.
 */
public final class PageLocks
{
    /** A wait for a page that lasts longer than this counts as a {@link CounterId#SLOW_WAITS slow wait}. */
    public static final long SLOW_WAIT_NANOS = 1_000_000L;
    /** Default time a page must stay held by one write before the waiter asks whether its holder is alive. */
    public static final long DEFAULT_RECOVERY_NANOS = 1_000_000_000L;
    /** Interval between liveness checks of a holder found alive (capped by the recovery timeout). */
    public static final long LIVENESS_RECHECK_NANOS = 10_000_000L;

    private static final Logger LOG = LoggerFactory.getLogger(PageLocks.class);
    private static final int TIME_CHECK_MASK = 0xFF;
    private static final int PARKING_ITERATION = Backoff.SPIN_ITERATIONS + Backoff.YIELD_ITERATIONS;

    private final AtomicBuffer file;
    private final String segmentName;
    private final int pageCount;
    private final int owner;
    private final OwnerLiveness liveness;
    private final long recoveryNanos;
    private final long recheckNanos;
    /** Last owner slot found dead: a page held by it is checked at once. A racy cache; a stale value costs a check. */
    private int lastDeadOwner;

    /**
     * @param file        the whole mapped segment file.
     * @param segmentName name used in exception messages.
     * @param pageCount   number of data pages (and lock words).
     * @param owner       this process's owner slot, stored in the words it takes (0 for none).
     */
    public PageLocks(final AtomicBuffer file, final String segmentName, final int pageCount, final int owner)
    {
        this(file, segmentName, pageCount, owner, OwnerLiveness.NEVER_DEAD, DEFAULT_RECOVERY_NANOS);
    }

    /**
     * @param file          the whole mapped segment file.
     * @param segmentName   name used in exception messages.
     * @param pageCount     number of data pages (and lock words).
     * @param owner         this process's owner slot, stored in the words it takes (0 for none).
     * @param liveness      tells whether the holder of a page that stays held is dead.
     * @param recoveryNanos how long a page must stay held by one write before its holder's liveness is checked.
     */
    public PageLocks(
        final AtomicBuffer file,
        final String segmentName,
        final int pageCount,
        final int owner,
        final OwnerLiveness liveness,
        final long recoveryNanos)
    {
        if (owner < 0 || owner > LockWord.MAX_OWNER)
        {
            throw new IllegalArgumentException("owner slot " + owner + " is outside 0.." + LockWord.MAX_OWNER);
        }
        if (recoveryNanos < 0)
        {
            throw new IllegalArgumentException("recovery timeout " + recoveryNanos + " ns is negative");
        }
        this.file = file;
        this.segmentName = segmentName;
        this.pageCount = pageCount;
        this.owner = owner;
        this.liveness = Objects.requireNonNull(liveness, "liveness");
        this.recoveryNanos = recoveryNanos;
        this.recheckNanos = Math.min(recoveryNanos, LIVENESS_RECHECK_NANOS);
    }

    /** @return the number of pages guarded. */
    public int pageCount()
    {
        return pageCount;
    }

    /**
     * Starts an optimistic read of pages {@code first..last}: waits until none is held and returns a stamp to pass
     * to {@link #validate(int, int, long)} after copying.
     *
     * @throws TornPageException if a page is marked torn.
     */
    public long tryOptimisticRead(final int first, final int last)
    {
        if (first == last)
        {
            // One page, the common case: the stamp is the page's sequence, no loop.
            final int offset = lockWordOffset(first);
            // acquire: the copy that follows cannot be performed before this load.
            final long word = file.getLongVolatile(offset);
            return ((word & (LockWord.HELD_BIT | LockWord.TORN_BIT)) == 0 ? word : awaitFree(first, offset, word)) >>>
                LockWord.SEQUENCE_SHIFT;
        }
        long stamp = 0;
        for (int page = first; page <= last; page++)
        {
            final int offset = lockWordOffset(page);
            // acquire: the copy that follows cannot be performed before this load.
            long word = file.getLongVolatile(offset);
            if ((word & (LockWord.HELD_BIT | LockWord.TORN_BIT)) != 0)
            {
                word = awaitFree(page, offset, word);
            }
            stamp += word >>> LockWord.SEQUENCE_SHIFT;
        }
        return stamp;
    }

    /**
     * Ends an optimistic read: {@code true} if no write to pages {@code first..last} started or completed since
     * {@link #tryOptimisticRead(int, int)} returned {@code stamp}, so the bytes copied in between are a snapshot.
     * On {@code false} the caller discards its copy and starts again.
     */
    public boolean validate(final int first, final int last, final long stamp)
    {
        // acquireFence: the copy's loads complete before the lock words are loaded again.
        VarHandle.acquireFence();
        if (first == last)
        {
            // A free page's sequence is even, so an equal sequence is also a free one.
            return file.getLongVolatile(lockWordOffset(first)) >>> LockWord.SEQUENCE_SHIFT == stamp || retried();
        }
        long sum = 0;
        for (int page = first; page <= last; page++)
        {
            final long word = file.getLongVolatile(lockWordOffset(page));
            if ((word & LockWord.HELD_BIT) != 0)
            {
                return retried();
            }
            sum += word >>> LockWord.SEQUENCE_SHIFT;
        }
        return sum == stamp || retried();
    }

    /** Takes pages {@code first..last} for writing, in ascending order, waiting while any is held. */
    public void lock(final int first, final int last)
    {
        for (int page = first; page <= last; page++)
        {
            final int offset = lockWordOffset(page);
            final long word = file.getLongVolatile(offset);
            if ((word & LockWord.HELD_BIT) != 0 || !file.compareAndSetLong(offset, word, LockWord.locked(word, owner)))
            {
                try
                {
                    lockContended(page, offset);
                }
                catch (final RuntimeException | Error ex)
                {
                    abandon(first, page - 1);
                    throw ex;
                }
            }
        }
        // releaseFence: the odd sequences become visible before any data store that follows.
        VarHandle.releaseFence();
        if (TestHooks.PAUSE_IN_WRITE_MILLIS > 0)
        {
            TestHooks.pauseInWrite();
        }
    }

    /**
     * Releases pages {@code first..last}, which the caller holds: each gets the next even sequence. Pages
     * {@code wholeFirst..wholeLast} (possibly an empty range) were overwritten entirely, so their torn mark, if any,
     * is cleared; the others keep it.
     */
    public void unlock(final int first, final int last, final int wholeFirst, final int wholeLast)
    {
        for (int page = first; page <= last; page++)
        {
            final int offset = lockWordOffset(page);
            final long held = file.getLong(offset); // ours: only this thread changes a word it holds
            long released = LockWord.released(held);
            if (page >= wholeFirst && page <= wholeLast)
            {
                released &= ~LockWord.TORN_BIT;
            }
            // release: every data store of the write becomes visible before the even sequence.
            file.putLongRelease(offset, released);
        }
    }

    /** @return the number of completed writes to {@code page} (modulo 2^47). */
    public long version(final int page)
    {
        return file.getLongVolatile(lockWordOffset(page)) >>> (LockWord.SEQUENCE_SHIFT + 1);
    }

    /** @return the raw lock word of {@code page}, for tools. */
    public long lockWord(final int page)
    {
        return file.getLongVolatile(lockWordOffset(page));
    }

    /** @return the current value of a header counter. */
    public long counter(final CounterId id)
    {
        return file.getLongVolatile(id.offset());
    }

    private static int lockWordOffset(final int page)
    {
        return SegmentDescriptor.HEADER_LENGTH + page * SegmentDescriptor.LOCK_STRIDE;
    }

    private boolean retried()
    {
        increment(CounterId.READ_RETRIES);
        return false;
    }

    private void increment(final CounterId id)
    {
        file.getAndAddLong(id.offset(), 1);
    }

    /**
     * Releases, as torn, every page held by {@code deadOwner}: called by a process that has just claimed that owner
     * slot, which proves that its previous holder is dead (a slot is claimed only through the operating-system lock
     * that its holder keeps for life).
     *
     * @return the number of pages recovered.
     */
    public int recoverAbandoned(final int deadOwner)
    {
        int recovered = 0;
        for (int page = 0; page < pageCount; page++)
        {
            final int offset = lockWordOffset(page);
            final long word = file.getLongVolatile(offset);
            if ((word & LockWord.HELD_BIT) != 0 && LockWord.owner(word) == deadOwner && deadOwner != 0 &&
                file.compareAndSetLong(offset, word, LockWord.releasedTorn(word)))
            {
                recovered(page, word);
                recovered++;
            }
        }
        return recovered;
    }

    /** Releases pages {@code first..last} that this thread took but never wrote: their bytes are unchanged. */
    private void abandon(final int first, final int last)
    {
        for (int page = first; page <= last; page++)
        {
            final int offset = lockWordOffset(page);
            // release: pairs with the acquire of the next holder; no data was stored.
            file.putLongRelease(offset, LockWord.released(file.getLong(offset)));
        }
    }

    /** Slow path of a read: the page is held or torn. Returns a free, untorn word. */
    private long awaitFree(final int page, final int offset, final long seen)
    {
        long word = seen;
        long start = 0;
        boolean slow = false;
        long watched = 0;
        long checkAt = 0;
        for (int i = 0; ; i++)
        {
            if ((word & LockWord.HELD_BIT) == 0)
            {
                if ((word & LockWord.TORN_BIT) != 0)
                {
                    throw new TornPageException(segmentName, page);
                }
                return word;
            }
            if (i == 0)
            {
                increment(CounterId.READ_RETRIES);
                start = System.nanoTime();
            }
            if ((i & TIME_CHECK_MASK) == 0 || i >= PARKING_ITERATION)
            {
                final long now = System.nanoTime();
                if (!slow && now - start > SLOW_WAIT_NANOS)
                {
                    slow = true;
                    increment(CounterId.SLOW_WAITS);
                }
                if (word != watched)
                {
                    watched = word;
                    checkAt = now + firstCheckDelay(word);
                }
                if (now - checkAt >= 0)
                {
                    if (isOwnerDead(word))
                    {
                        // A reader never waits for ever on a dead writer: it releases the page on the dead
                        // writer's behalf, marked torn (the only store a reader makes besides counters), and the
                        // next iteration reports the torn page.
                        if (file.compareAndSetLong(offset, word, LockWord.releasedTorn(word)))
                        {
                            recovered(page, word);
                        }
                        word = file.getLongVolatile(offset);
                        continue;
                    }
                    checkAt = now + recheckNanos;
                }
            }
            Backoff.idle(i);
            word = file.getLongVolatile(offset);
        }
    }

    /** Slow path of a write: the page was held or the CAS lost a race. Returns once this thread holds it. */
    private void lockContended(final int page, final int offset)
    {
        increment(CounterId.WRITE_CONTENDED);
        final long start = System.nanoTime();
        boolean slow = false;
        long watched = 0;
        long checkAt = 0;
        for (int i = 0; ; i++)
        {
            final long word = file.getLongVolatile(offset);
            if ((word & LockWord.HELD_BIT) == 0)
            {
                if (file.compareAndSetLong(offset, word, LockWord.locked(word, owner)))
                {
                    return;
                }
            }
            else if ((i & TIME_CHECK_MASK) == 0 || i >= PARKING_ITERATION)
            {
                final long now = System.nanoTime();
                if (!slow && now - start > SLOW_WAIT_NANOS)
                {
                    slow = true;
                    increment(CounterId.SLOW_WAITS);
                }
                if (word != watched)
                {
                    watched = word;
                    checkAt = now + firstCheckDelay(word);
                }
                if (now - checkAt >= 0)
                {
                    // The sequence stays odd: this writer holds the page from here on, marked torn until a write
                    // covers it whole.
                    if (isOwnerDead(word) && file.compareAndSetLong(offset, word, LockWord.takenOver(word, owner)))
                    {
                        recovered(page, word);
                        return;
                    }
                    checkAt = now + recheckNanos;
                }
            }
            Backoff.idle(i);
        }
    }

    /** A page held by a slot already found dead is checked at once; any other after the recovery timeout. */
    private long firstCheckDelay(final long word)
    {
        final int holder = LockWord.owner(word);
        return holder != 0 && holder == lastDeadOwner ? 0 : recoveryNanos;
    }

    private boolean isOwnerDead(final long word)
    {
        final int holder = LockWord.owner(word);
        if (holder == 0 || holder == owner)
        {
            return false; // no slot to ask about, or a thread of this process: alive
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

    private void recovered(final int page, final long word)
    {
        increment(CounterId.OWNER_RECOVERIES);
        LOG.warn("segment '{}': took page {} over from dead owner slot {} ({}); it is marked torn until a write " +
            "covers it whole", segmentName, page, LockWord.owner(word), LockWord.describe(word));
    }
}
