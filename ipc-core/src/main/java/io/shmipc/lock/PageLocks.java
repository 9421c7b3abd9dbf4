package io.shmipc.lock;

import io.shmipc.OwnershipLostException;
import io.shmipc.TornPageException;
import io.shmipc.layout.CounterId;
import io.shmipc.layout.LockWord;
import io.shmipc.layout.SegmentDescriptor;
import io.shmipc.sys.Futex;
import io.shmipc.sys.FutexVector;
import org.agrona.UnsafeApi;
import org.agrona.concurrent.AtomicBuffer;
import org.agrona.concurrent.IdleStrategy;

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
 *   compare-and-swap it from that even value to the next odd value with the writer's owner slot in the low bits.
 *   Ascending order means two multi-page writers can never wait for each other in a cycle. Where this thread's last
 *   release of the page left a word it remembers ({@link TakeHints}), the CAS starts from that word instead of a
 *   load; if it fails, the take goes on with a load, as above. (A one-page write released by a store records that
 *   word before its copy, {@link StoreRelease#wordAhead}: if the write then fails, the guess is wrong and costs one
 *   failed CAS, as any stale one.)</li>
 *   <li>{@code releaseFence}: the odd sequences become visible before any of the data stores that follow.</li>
 *   <li>Copy the bytes in (plain stores).</li>
 *   <li>For each page: compare-and-swap the word from the value this writer set (plus a W bit a waiter may have
 *   added) to the next even sequence with the owner and W cleared; the CAS orders every data store before the even
 *   value, like a release store. If W was set, wake the sleepers ({@code FUTEX_WAKE}). If the word is no longer the
 *   writer's (another process took the page over, believing the writer dead), store nothing and report the loss:
 *   a lost lock is never written over.</li>
 * </ol>
 * If anything is thrown between taking the pages and releasing them (a fault in the source buffer, a
 * {@link StackOverflowError}, an asynchronous error), {@link #releaseAfterFailure} releases every page the writer
 * still holds, marked torn, since their bytes may be half written.
 *
 * <p><b>Read</b> of pages {@code first..last} (it writes nothing to the data; to the lock table only to sleep):
 * <ol>
 *   <li>For each page: load the word with {@code getLongVolatile} (acquire: the copy cannot be hoisted above it);
 *   while it is odd, wait. Sum the sequences into the stamp.</li>
 *   <li>Copy the bytes out (plain loads).</li>
 *   <li>{@code acquireFence}: the copy's loads complete before the lock words are loaded again.</li>
 *   <li>Load every word again; if any is odd or the sum of sequences differs from the stamp, discard the copy and
 *   start again.</li>
 * </ol>
 *
 * <p><b>Waiting</b> ({@link PageWaits}): spin, then yield, then sleep. With futex support (JDK 22+) a waiter sleeps
 * in {@code FUTEX_WAIT} on the word's low 32 bits after setting W with a CAS, for a bounded time, so that a releaser
 * that cannot wake it (JDK 17, a dead process) delays it by at most that bound; without it, it parks briefly.
 * Waits end early, with an exception, when the handle is closed, the thread is interrupted or the call's timeout
 * passes; pages taken so far are released first.
 *
 * <p><b>Dead owners</b> ({@link DeadOwners}, {@code docs/FORMAT.md} section 10): a waiter that sees the same held
 * word for longer than the recovery timeout asks its {@link OwnerLiveness} whether the holder's owner slot is dead. Only if the operating
 * system says so does it act, by one compare-and-swap from the word it watched: a writer takes the page over (the
 * sequence stays odd, T is set, its own slot goes in); a reader releases it (next even sequence, T set) and reports
 * the page torn. Either counts a {@link CounterId#OWNER_RECOVERIES recovery}. A live holder, however slow, keeps
 * its pages.
 *
 * <p><b>Leases</b> ({@link PageLeases}, layout version 3, {@code docs/FORMAT.md} section 7.6): a page leased to an
 * exclusive writer is taken only by writers of the leaseholder's slot; any other writer reads the lease word after the
 * free lock word and is refused before its CAS. A take from a remembered word ({@link TakeHints}) needs no check
 * (algorithmic notes).
 *
 * <p><b>Plain releases</b> ({@code docs/FORMAT.md} 7.1): a process whose owner slot is an OFD lock (JDK 22+) takes
 * pages with the CAS ({@link #lock}) but releases them with a release store ({@link #unlockPlain}): nothing else
 * changes a held word, since a waiter never sets W on one ({@link PageSleepers#registerOn}: it backs off instead) and a
 * live holder of an OFD slot lock is never recovered as dead. One atomic instruction per write, not two.
 *
 * <h2>Algorithmic notes</h2>
 * Why a validated read is a snapshot: suppose the copy of page {@code p} saw a byte stored by a write {@code W}.
 * {@code W} stored {@code p}'s odd sequence before its release fence and the byte after it; the reader loaded the byte
 * before its acquire fence and the second lock word after it. By the fence-fence synchronisation rule the second load
 * sees {@code W}'s odd value or a later one, so it differs from the first load, which was even and taken before the
 * copy. Conversely, if the first load saw {@code W}'s final even value (stored by a compare-and-swap, which is at least
 * a release), every byte of {@code W} is visible to the copy. So for each page, an unchanged even sequence across the
 * copy means no write to that page overlapped the copy. A multi-page write holds all its pages from before its first
 * data store until after its last, and the reader's copy lies after every first load and before every second load,
 * so all pages are observed at one common instant: the read is atomic across pages.
 *
 * <p>Why the sum is enough: a page's sequence never decreases (it only wraps after 2^48 increments, which no read
 * lasts through), so if every page's second sequence is greater than or equal to its first, equal sums mean every
 * page is unchanged. Summing lets a read of any number of pages validate without allocating a stamp array. A write
 * releases each of its pages by a CAS from exactly the word it set (a multi-page write keeps them in a per-thread
 * array), so a page it lost, even one taken again under the same slot number, is never released as its own.
 *
 * <p>Why a remembered word changes nothing: the take's CAS succeeds only if the word is exactly the free word it
 * starts from, whether loaded or remembered, so it takes the page exactly as the CAS after a load would have; a
 * failed CAS is a failed attempt, as after a load that raced with another writer. It needs no lease check: a CAS
 * from the word this thread's own release {@code R} stored succeeds only if no take came since {@code R} (a sequence
 * never repeats), so no grant either (a grant takes the page), and the take before {@code R} passed the check (or was
 * itself such a take, back to one that did). Leases that went since only make writing more permitted. A lease word
 * changed without a take (a damaged file, a program that does not follow FORMAT.md) is seen by the next take that
 * loads the word.
 *
 * <p>Why writers are exclusive: a page is taken only by a successful compare-and-swap from an even to an odd value,
 * and only its holder makes it even again, so at most one writer holds it at a time (mutual exclusion among
 * processes relies on the CAS being a hardware atomic on the shared mapping, which it is: {@code lock cmpxchg} on
 * x86, {@code ldaxr/stlxr} or {@code casal} on ARM). The release is a CAS from the value the writer set, so a writer
 * whose page was taken over can never make it even under its new holder.
 *
 * <p>Why no wake-up is lost for longer than a sleep's bound: a waiter sleeps only on a word that holds its W bit,
 * and {@code FUTEX_WAIT} sleeps only if the word still has that exact value. W is set only on a free word (a held
 * word's holder may release it with a plain store, which would erase it), by a CAS from that free word. The take that
 * follows is a CAS from the free word too: if the waiter's CAS came first, the take starts from the word with W, keeps
 * it, and its release (CAS or store) sees W in the word it took and wakes; if the take came first, the waiter's CAS
 * fails and it looks again (a held word: it backs off). A waiter that finds W already on a held word may sleep on it:
 * that W was on the free word the take started from. A word held by a releaser that keeps W (JDK 17 to 21 cannot
 * wake) stays W until a release that can wake.
 *
 * <p>The Java fences map to C11 as: {@code getLongVolatile} = {@code memory_order_acquire} load,
 * {@code releaseFence} = {@code atomic_thread_fence(memory_order_release)}, {@code acquireFence} =
 * {@code atomic_thread_fence(memory_order_acquire)}, {@code compareAndSetLong} = {@code memory_order_seq_cst}
 * compare-exchange ({@code docs/FORMAT.md}).
 *
 * <p>All methods are allocation-free and take no Java monitor. Page ranges are not checked here: callers pass
 * {@code 0 <= first <= last < pageCount}. The one-page methods ({@link #lockPage}, {@link #unlockPage},
 * {@link #unlockPagePlain}, {@link #tryOptimisticRead(long, int, long)}, {@link #validate(long, long)},
 * {@link #version(long)}) take the page's lock word address ({@link #wordAddress}), so that a caller which keeps the
 * file's address reaches the word with no load of this object's fields first; the protocol is the same.
 */
public final class PageLocks
{
    /** A wait for a page that lasts longer than this counts as a {@link CounterId#SLOW_WAITS slow wait}. */
    public static final long SLOW_WAIT_NANOS = 1_000_000L;
    /** Default time a page must stay held by one write before the waiter asks whether its holder is alive. */
    public static final long DEFAULT_RECOVERY_NANOS = 1_000_000_000L;
    /** Interval between liveness checks of a holder found alive (capped by the recovery timeout). */
    public static final long LIVENESS_RECHECK_NANOS = 10_000_000L;
    /** A timeout meaning "wait for as long as it takes". */
    public static final long NO_TIMEOUT = Long.MAX_VALUE;
    /**
     * What {@link PageReleases}' release returns for a page that was no longer the writer's: a free word (even
     * sequence), which a release, returning the held word it released, never returns (nor a take-over, returning the
     * word it set).
     */
    static final long NOT_RELEASED = Long.MIN_VALUE;

    final AtomicBuffer file;
    final String segmentName;
    private final int pageCount;
    /**
     * Always {@code null}: the locks live in off-heap memory (a mapped file), addressed by {@link #addressOffset}
     * alone. A constant {@code null} base lets the JIT compile each access as a plain off-heap access rather than one
     * whose base may be a heap object (measured: about 3 ns per write).
     */
    private static final Object OFF_HEAP = null;
    private final long addressOffset;
    /**
     * Whether this JVM sleeps on, and wakes, the words' futexes: JDK 22+ with the FFM API usable. A constant of the JVM,
     * so that the JIT folds it: the release's word depends on it, and a field load would delay the release store.
     */
    static final boolean FUTEX = Futex.isSupported();
    /** Whether the lock-table entries carry lease words (layout versions 3 and 4, {@code docs/FORMAT.md} 7.6). */
    final boolean leases;
    /**
     * Whether they carry sleepers words too (layout version 4, {@code docs/FORMAT.md} 7.7): a waiter on a leased page
     * registers there ({@link PageSleepers}), and the leaseholder may write without a compare-and-swap.
     */
    final boolean sleepers;
    /** The pages this JVM's exclusive writers write solely: this process's other writers are refused on them. */
    final SoleLeases soleLeases;
    private final PageWaits waits;
    /** How writes give their pages back (package-visible for {@link PageLeases}). */
    final PageReleases releases;
    /** The free word one thread's last release of a page left, to take it again without loading its word first. */
    final TakeHints hints;

    /**
     * Locks that never find an owner dead and are never cancelled (tests, tools).
     *
     * @param file        the whole mapped segment file.
     * @param segmentName name used in exception messages.
     * @param pageCount   number of data pages (and lock words).
     */
    public PageLocks(final AtomicBuffer file, final String segmentName, final int pageCount)
    {
        this(file, segmentName, pageCount, OwnerLiveness.NEVER_DEAD, DEFAULT_RECOVERY_NANOS, Cancellation.NEVER);
    }

    /**
     * The locks of {@link #PageLocks(AtomicBuffer, String, int, OwnerLiveness, long, Cancellation, SoleLeases)} with a
     * {@link SoleLeases} registry of their own (tests and tools, which have no owner slot to share one).
     */
    public PageLocks(
        final AtomicBuffer file,
        final String segmentName,
        final int pageCount,
        final OwnerLiveness liveness,
        final long recoveryNanos,
        final Cancellation cancellation)
    {
        this(file, segmentName, pageCount, liveness, recoveryNanos, cancellation, new SoleLeases());
    }

    /**
     * @param file          the whole mapped segment file.
     * @param segmentName   name used in exception messages.
     * @param pageCount     number of data pages (and lock words).
     * @param liveness      tells whether the holder of a page that stays held is dead.
     * @param recoveryNanos how long a page must stay held by one write before its holder's liveness is checked.
     * @param cancellation  tells waits that the handle was closed.
     * @param soleLeases    the pages this JVM's exclusive writers write solely (one registry per owner slot).
     */
    public PageLocks(
        final AtomicBuffer file,
        final String segmentName,
        final int pageCount,
        final OwnerLiveness liveness,
        final long recoveryNanos,
        final Cancellation cancellation,
        final SoleLeases soleLeases)
    {
        if (recoveryNanos < 0)
        {
            throw new IllegalArgumentException("recovery timeout " + recoveryNanos + " ns is negative");
        }
        this.file = file;
        this.segmentName = segmentName;
        this.pageCount = pageCount;
        if (file.byteArray() != null)
        {
            throw new IllegalArgumentException("page locks of segment '" + segmentName + "' need off-heap memory " +
                "(a mapped file or a direct buffer), not a heap array");
        }
        this.addressOffset = file.addressOffset();
        this.releases = new PageReleases(this, addressOffset);
        this.hints = new TakeHints();
        final int version = file.capacity() >= SegmentDescriptor.HEADER_LENGTH ?
            file.getInt(SegmentDescriptor.LAYOUT_VERSION_OFFSET) : SegmentDescriptor.LAYOUT_VERSION;
        this.leases = version >= SegmentDescriptor.LEASES_LAYOUT_VERSION;
        this.sleepers = version >= SegmentDescriptor.SOLE_LAYOUT_VERSION;
        this.soleLeases = Objects.requireNonNull(soleLeases, "soleLeases");
        this.waits = new PageWaits(this, new DeadOwners(this, Objects.requireNonNull(liveness, "liveness"),
            recoveryNanos), Objects.requireNonNull(cancellation, "cancellation"));
    }

    /** @return the number of pages guarded. */
    public int pageCount()
    {
        return pageCount;
    }

    // ------------------------------------------------------------------------------------------------------------
    // Reads
    // ------------------------------------------------------------------------------------------------------------

    /**
     * Starts an optimistic read of pages {@code first..last}: waits until none is held and returns a stamp to pass
     * to {@link #validate(int, int, long)} after copying.
     *
     * @param timeoutNanos how long to wait for a held page ({@link #NO_TIMEOUT} for as long as it takes).
     * @throws TornPageException if a page is marked torn.
     */
    public long tryOptimisticRead(final int first, final int last, final long timeoutNanos)
    {
        if (first == last)
        {
            return tryOptimisticRead(addressOffset + lockWordOffset(first), first, timeoutNanos);
        }
        long stamp = 0;
        for (int page = first; page <= last; page++)
        {
            final int offset = lockWordOffset(page);
            // acquire: the copy that follows cannot be performed before this load.
            long word = load(offset);
            if ((word & (LockWord.HELD_BIT | LockWord.TORN_BIT)) != 0)
            {
                word = waits.awaitFree(page, offset, word, timeoutNanos);
            }
            stamp += word >>> LockWord.SEQUENCE_SHIFT;
        }
        return stamp;
    }

    /**
     * {@link #tryOptimisticRead(int, int, long)} of one page, the common case, whose lock word is at
     * {@code wordAddress} ({@link #wordAddress}): the stamp is the page's sequence, one load and no loop.
     */
    public long tryOptimisticRead(final long wordAddress, final int page, final long timeoutNanos)
    {
        // acquire: the copy that follows cannot be performed before this load.
        final long word = UnsafeApi.getLongVolatile(OFF_HEAP, wordAddress);
        return ((word & (LockWord.HELD_BIT | LockWord.TORN_BIT)) == 0 ? word :
            waits.awaitFree(page, lockWordOffset(page), word, timeoutNanos)) >>> LockWord.SEQUENCE_SHIFT;
    }

    /** {@link #validate(int, int, long)} of one page, whose lock word is at {@code wordAddress} ({@link #wordAddress}). */
    public boolean validate(final long wordAddress, final long stamp)
    {
        // acquireFence: the copy's loads complete before the lock word is loaded again.
        VarHandle.acquireFence();
        // A free page's sequence is even, so an equal sequence is also a free one.
        return UnsafeApi.getLongVolatile(OFF_HEAP, wordAddress) >>> LockWord.SEQUENCE_SHIFT == stamp || retried();
    }

    /**
     * Ends an optimistic read: {@code true} if no write to pages {@code first..last} started or completed since
     * {@link #tryOptimisticRead(int, int, long)} returned {@code stamp}, so the bytes copied in between are a
     * snapshot. On {@code false} the caller discards its copy and starts again.
     */
    public boolean validate(final int first, final int last, final long stamp)
    {
        if (first == last)
        {
            return validate(addressOffset + lockWordOffset(first), stamp);
        }
        // acquireFence: the copy's loads complete before the lock words are loaded again.
        VarHandle.acquireFence();
        long sum = 0;
        for (int page = first; page <= last; page++)
        {
            final long word = load(lockWordOffset(page));
            if ((word & LockWord.HELD_BIT) != 0)
            {
                return retried();
            }
            sum += word >>> LockWord.SEQUENCE_SHIFT;
        }
        return sum == stamp || retried();
    }

    // ------------------------------------------------------------------------------------------------------------
    // Writes
    // ------------------------------------------------------------------------------------------------------------

    /**
     * Takes pages {@code first..last} for writing, in ascending order, waiting while any is held. If the wait ends
     * with an exception (timeout, interrupt, close), the pages taken so far are released first.
     *
     * @param owner        the writer's owner slot, stored in the words it takes.
     * @param timeoutNanos how long to wait for a held page ({@link #NO_TIMEOUT} for as long as it takes).
     * @return what this writer holds, to pass to {@link #unlock}, {@link #unlockPlain} or {@link #abandon}: for one
     * page, the exact word it set (so that its release is one compare-and-swap from it, with no load first); for
     * several, the sum of the sequences it set (the words themselves are kept per thread).
     */
    public long lock(final int first, final int last, final int owner, final long timeoutNanos)
    {
        if (first == last)
        {
            return lockPage(addressOffset + lockWordOffset(first), first, owner, timeoutNanos);
        }
        final long held = lockPages(first, last, owner, timeoutNanos);
        // releaseFence: the odd sequences become visible before any data store that follows.
        VarHandle.releaseFence();
        if (TestHooks.PAUSE_IN_WRITE_MILLIS > 0)
        {
            TestHooks.pauseInWrite();
        }
        return held;
    }

    /**
     * {@link #lock} of one page, the common case, whose lock word is at {@code wordAddress} ({@link #wordAddress}).
     *
     * @return the exact word this writer set, to pass to {@link #unlockPage} or {@link #unlockPagePlain}.
     */
    public long lockPage(final long wordAddress, final int page, final int owner, final long timeoutNanos)
    {
        final long held = take(wordAddress, page, owner, timeoutNanos);
        // releaseFence: the odd sequence becomes visible before any data store that follows.
        VarHandle.releaseFence();
        if (TestHooks.PAUSE_IN_WRITE_MILLIS > 0)
        {
            TestHooks.pauseInWrite();
        }
        return held;
    }

    private long lockPages(final int first, final int last, final int owner, final long timeoutNanos)
    {
        final long[] words = PageReleases.heldWords(last - first + 1);
        long stamp = 0;
        for (int page = first; page <= last; page++)
        {
            final int offset = lockWordOffset(page);
            long held;
            try
            {
                held = take(addressOffset + offset, page, owner, timeoutNanos);
            }
            catch (final Throwable failure)
            {
                // A wait that ended (timeout, interrupt, close), or an error (even a StackOverflowError: this release
                // goes less deep than the take that failed): give back the pages taken so far, unchanged.
                if (page > first)
                {
                    releaseAfterFailure(first, page - 1, owner, false);
                }
                throw failure;
            }
            words[page - first] = held;
            stamp += held >>> LockWord.SEQUENCE_SHIFT;
        }
        return stamp;
    }

    /**
     * Takes one page: a CAS from its free word, or the wait of {@link PageWaits#lockContended}. A method of its own
     * so that the take goes one call deeper than {@link #releaseAfterFailure}: if the stack was deep enough for the
     * take, it is for the release (in compiled code both are inlined and the question does not arise).
     *
     * @return the word this writer set.
     */
    private long take(final long wordAddress, final int page, final int owner, final long timeoutNanos)
    {
        // The free word this thread's last release of the page left (TakeHints): a CAS from it, with no load first.
        final long hint = hints.get(page);
        // No lease check on success: no take, and so no grant, came since this thread's release left that word, and
        // the take before that release passed the check (FORMAT.md 7.6); the lease word shares the line anyway.
        return TakeHints.usable(hint) &&
            UnsafeApi.compareAndSetLong(OFF_HEAP, wordAddress, hint, LockWord.locked(hint, owner)) ?
            LockWord.locked(hint, owner) : takeLoaded(page, lockWordOffset(page), owner, timeoutNanos);
    }

    /** {@link #take} from a load of the word (no hint, or a stale one: then the line is this core's already). */
    private long takeLoaded(final int page, final int offset, final int owner, final long timeoutNanos)
    {
        final long word = load(offset);
        final long held = LockWord.locked(word, owner);
        if ((word & LockWord.HELD_BIT) == 0 && (!leases || PageLeases.mayWrite(this, page, offset, owner)) &&
            cas(offset, word, held))
        {
            return held;
        }
        return waits.lockContended(page, offset, owner, timeoutNanos);
    }

    /**
     * Releases pages {@code first..last}, which the caller took with {@link #lock} (returning {@code held}) and wrote:
     * each gets the next even sequence by a compare-and-swap from the value this writer set. Pages
     * {@code wholeFirst..wholeLast} (possibly an empty range) were overwritten entirely, so their torn mark, if any,
     * is cleared; the others keep it.
     *
     * @throws OwnershipLostException if some page was no longer held by this write (after releasing the others).
     */
    public boolean unlock(
        final int first, final int last, final int owner, final long held, final int wholeFirst, final int wholeLast)
    {
        if (first == last)
        {
            return unlockPage(addressOffset + lockWordOffset(first), first, owner, held,
                first >= wholeFirst && first <= wholeLast);
        }
        return releases.releaseAll(first, last, owner, held, wholeFirst, wholeLast);
    }

    /**
     * {@link #unlock} of one page, whose lock word is at {@code wordAddress} ({@link #wordAddress}), taken by
     * {@link #lockPage} (returning {@code held}): one CAS from the exact word.
     *
     * @param whole whether the write covered the page from its first byte to its last (its torn mark is cleared).
     * @throws OwnershipLostException if the page was no longer held by this write.
     */
    public boolean unlockPage(
        final long wordAddress, final int page, final int owner, final long held, final boolean whole)
    {
        final long released = releases.releaseFrom(wordAddress, page, owner, held, whole);
        if (released == NOT_RELEASED)
        {
            releases.lost(page, page, 1);
        }
        return (released & LockWord.WAITERS_BIT) != 0;
    }

    /**
     * Releases pages {@code first..last} as {@link #unlock} does, but each by a release store of its next even word
     * instead of a compare-and-swap: for a process whose owner slot is held by an open-file-description lock (the
     * Java library on JDK 22+), which nothing in the process can drop while it lives. Then nothing but this writer
     * changes a word it holds: other writers only take free words, a waiter never sets W on a held word
     * ({@link PageSleepers#registerOn}), and a dead-owner recovery acts only on a holder whose slot is dead, which this one
     * never is while it runs. So the word is exactly the one the take set until this release, and a store of the next
     * word is what the compare-and-swap would have done (docs/FORMAT.md 7.1). W found on the free word the take
     * started from is in that word: the release clears it and wakes the sleepers.
     *
     * <p>The pages must have been taken by {@link #lock} in this thread.
     *
     * @return whether sleepers were woken.
     */
    public boolean unlockPlain(final int first, final int last, final long held, final int wholeFirst, final int wholeLast)
    {
        return releases.releasePlain(first, last, held, wholeFirst, wholeLast);
    }

    /**
     * {@link #unlockPlain} of one page, whose lock word is at {@code wordAddress} ({@link #wordAddress}), taken by
     * {@link #lockPage} in this thread (returning {@code held}): one release store.
     *
     * @param whole whether the write covered the page from its first byte to its last (its torn mark is cleared).
     * @return whether sleepers were woken.
     */
    public boolean unlockPagePlain(final long wordAddress, final int page, final long held, final boolean whole)
    {
        return releases.releasePlain(wordAddress, page, held, whole);
    }

    /**
     * The waiter's side of the sleep protocol ({@link PageWaits}): makes sure the W bit is on {@code page}'s word while
     * its version is still {@code seenVersion}, so that the release that changes the version sees W and wakes.
     *
     * @return {@code true} if W is now on a word of version {@code seenVersion} (the caller may sleep on it);
     * {@code false} if the version changed or the word moved meanwhile, or the page is held without W (the caller
     * looks again, or backs off).
     */
    public boolean registerWaiter(final int page, final long seenVersion)
    {
        final int offset = lockWordOffset(page);
        final long word = load(offset);
        return word >>> LockWord.VERSION_SHIFT == seenVersion &&
            !PageSleepers.notRegistered(PageSleepers.registerOn(this, offset, word));
    }

    /**
     * Releases, without reporting anything, the pages {@code first..last} that a writer took but must not write
     * because its handle was closed meanwhile: those still held by {@code owner} are released unchanged; any other
     * (the mapping may already be replaced by the close) is left alone.
     */
    public void abandonClosed(final int first, final int last, final int owner)
    {
        releases.abandonClosed(first, last, owner);
    }

    /**
     * Releases pages {@code first..last} that the caller took with {@link #lock} but never wrote: their bytes, and
     * their torn marks, are unchanged.
     *
     * @throws OwnershipLostException if some page was no longer held by this writer (after releasing the others).
     */
    public void abandon(final int first, final int last, final int owner, final long held)
    {
        releases.abandon(first, last, owner, held);
    }

    /**
     * Releases every page of {@code first..last} still held by {@code owner}, marked torn if {@code torn}: a write
     * failed (threw) after taking them, so their bytes may be half written; or a take failed, and these pages were
     * taken before it but not written. Never throws for a lost page (the failure is what the caller reports).
     * Deliberately flat, calling {@link UnsafeApi} directly: it runs after a {@link StackOverflowError} too, so its
     * calls go no deeper than the {@link #lock} that succeeded before. It stays here, not in {@link PageReleases}: a
     * delegating call would be one frame more, and CI saw a page left held after an overflow at that depth.
     *
     * <p>It recognises the pages by owner slot alone, so the caller passes only pages it knows it holds.
     */
    public void releaseAfterFailure(final int first, final int last, final int owner, final boolean torn)
    {
        for (int page = first; page <= last; page++)
        {
            final long address = addressOffset + lockWordOffset(page);
            long word = UnsafeApi.getLongVolatile(OFF_HEAP, address);
            while ((word & LockWord.HELD_BIT) != 0 && LockWord.owner(word) == owner)
            {
                final long released = (FUTEX ? LockWord.released(word) : LockWord.releasedKeepingWaiters(word)) |
                    (torn ? LockWord.TORN_BIT : 0);
                if (UnsafeApi.compareAndSetLong(OFF_HEAP, address, word, released))
                {
                    if (FUTEX && (word & LockWord.WAITERS_BIT) != 0)
                    {
                        Futex.wakeAll(address);
                    }
                    break;
                }
                word = UnsafeApi.getLongVolatile(OFF_HEAP, address);
            }
        }
    }

    /**
     * {@link #releaseAfterFailure} (torn) for a write that failed after {@link #lock} returned {@code held}: releases
     * only the pages whose word is still the exact word this write set (W aside, which a waiter may add). A failure
     * can come after part of the release, for example a {@link StackOverflowError} on entering the futex wake after a
     * page's release, or between two pages' releases; a page already released may by then be held again by another
     * thread of this process, under the same owner slot, and must not be released under it. The words of a
     * multi-page write are this thread's, kept by {@link #lock}. As flat as {@link #releaseAfterFailure}: the
     * per-thread lookup goes less deep than the one the take made.
     */
    public void releaseAfterFailedWrite(final int first, final int last, final long held)
    {
        final long[] words = first == last ? null : PageReleases.HELD_WORDS.get();
        for (int page = first; page <= last; page++)
        {
            final long mine = (words == null ? held : words[page - first]) & ~LockWord.WAITERS_BIT;
            final long address = addressOffset + lockWordOffset(page);
            long word = UnsafeApi.getLongVolatile(OFF_HEAP, address);
            while ((word & ~LockWord.WAITERS_BIT) == mine)
            {
                final long released = (FUTEX ? LockWord.released(word) : LockWord.releasedKeepingWaiters(word)) |
                    LockWord.TORN_BIT;
                if (UnsafeApi.compareAndSetLong(OFF_HEAP, address, word, released))
                {
                    if (FUTEX && (word & LockWord.WAITERS_BIT) != 0)
                    {
                        Futex.wakeAll(address);
                    }
                    break;
                }
                word = UnsafeApi.getLongVolatile(OFF_HEAP, address);
            }
        }
    }


    /** @return the number of pages whose lock word is held by {@code owner} now. */
    public int heldBy(final int owner)
    {
        int held = 0;
        for (int page = 0; page < pageCount; page++)
        {
            final long word = load(lockWordOffset(page));
            if ((word & LockWord.HELD_BIT) != 0 && LockWord.owner(word) == owner)
            {
                held++;
            }
        }
        return held;
    }

    // ------------------------------------------------------------------------------------------------------------
    // Versions
    // ------------------------------------------------------------------------------------------------------------

    /** @return the number of completed writes to {@code page} (modulo 2^47). */
    public long version(final int page)
    {
        return version(addressOffset + lockWordOffset(page));
    }

    /** {@link #version(int)} of the page whose lock word is at {@code wordAddress} ({@link #wordAddress}). */
    public static long version(final long wordAddress)
    {
        return UnsafeApi.getLongVolatile(OFF_HEAP, wordAddress) >>> LockWord.VERSION_SHIFT;
    }

    /**
     * Waits until {@code page}'s version differs from {@code seen}: spinning, then yielding, then sleeping (futex)
     * or parking; with {@code idle} ({@code null} for that default), idling with it instead.
     *
     * @return the new version, or {@code seen} if {@code timeoutNanos} passed first.
     * @throws IllegalStateException             if the handle was closed, before or during the wait.
     * @throws io.shmipc.WaitInterruptedException if the thread was interrupted (its status is kept).
     */
    public long awaitChange(final int page, final long seen, final long timeoutNanos, final IdleStrategy idle)
    {
        return waits.awaitVersion(page, lockWordOffset(page), seen, timeoutNanos, idle);
    }

    /**
     * Waits until the version of any of {@code count} pages differs from the matching {@code seen} version
     * ({@link io.shmipc.PageWatcher}): checking from index {@code from} round, then sleeping on all of them at once
     * where {@code vector} is not {@code null} (JDK 22+ on Linux 5.16+), else backing off.
     *
     * @param pages        the pages.
     * @param offsets      their lock words' offsets, {@link #lockWordOffset(int)} of each.
     * @param seen         the version last seen of each.
     * @param count        how many of the arrays' entries to use.
     * @param from         the index to check first.
     * @param timeoutNanos how long to wait at most.
     * @param vector       the futex vector to sleep on, or {@code null}.
     * @return the index of a page whose version changed, or -1 on timeout.
     */
    public int awaitAnyChange(
        final int[] pages, final int[] offsets, final long[] seen, final int count, final int from,
        final long timeoutNanos, final FutexVector vector)
    {
        return waits.awaitAnyVersion(offsets, seen, count, from, timeoutNanos, FUTEX ? vector : null);
    }

    /**
     * @param page a page.
     * @return the offset in the file of {@code page}'s lock word.
     */
    public static int wordOffset(final int page)
    {
        return lockWordOffset(page);
    }

    /** @return the raw lock word of {@code page}, for tools. */
    public long lockWord(final int page)
    {
        return load(lockWordOffset(page));
    }

    /** @return the pages this JVM's exclusive writers write solely ({@link SoleLeases}), shared by the file's handles. */
    public SoleLeases soleLeases()
    {
        return soleLeases;
    }

    /**
     * @return whether the lock-table entries carry sleepers words (layout version 4), so that a leaseholder may write
     * without a compare-and-swap ({@link SoleWrites}).
     */
    public boolean hasSleepersWords()
    {
        return sleepers;
    }

    /** @return whether pages have lease words (layout version 3, {@link PageLeases}). */
    public boolean hasLeases()
    {
        return leases;
    }

    /** @return the current value of a header counter. */
    public long counter(final CounterId id)
    {
        return load(id.offset());
    }

    /**
     * Releases, as torn, every page held by {@code deadOwner}: called by a process that has just claimed that owner
     * slot, which proves that its previous holder is dead ({@link DeadOwners}).
     *
     * @return the number of pages recovered.
     */
    public int recoverAbandoned(final int deadOwner)
    {
        return DeadOwners.recoverAbandoned(this, deadOwner);
    }

    // ------------------------------------------------------------------------------------------------------------
    // Shared with PageWaits and DeadOwners
    // ------------------------------------------------------------------------------------------------------------

    static int lockWordOffset(final int page)
    {
        return SegmentDescriptor.HEADER_LENGTH + page * SegmentDescriptor.LOCK_STRIDE;
    }

    /**
     * @return the address of {@code page}'s lock word in a segment file mapped at {@code fileAddress} (the
     * {@code addressOffset} of the buffer these locks were made on), which the single-page methods take. A caller that
     * keeps the file's address reaches the word without loading a field of this object first: one dependent load
     * fewer on every access, which measured 0.7-1 ns of a 64-byte read.
     */
    public static long wordAddress(final long fileAddress, final int page)
    {
        return fileAddress + lockWordOffset(page);
    }

    /** @return the lock word at {@code offset} (acquire; {@link UnsafeApi} directly: offsets were checked). */
    long load(final int offset)
    {
        return UnsafeApi.getLongVolatile(OFF_HEAP, addressOffset + offset);
    }

    /** @return whether the lock word at {@code offset} went from {@code expected} to {@code update} (seq_cst). */
    boolean cas(final int offset, final long expected, final long update)
    {
        return UnsafeApi.compareAndSetLong(OFF_HEAP, addressOffset + offset, expected, update);
    }

    /** Lease checks of the slow paths ({@link PageWaits}, {@link PageLeases}). */
    DeadOwners deadOwners()
    {
        return waits.deadOwners();
    }

    void increment(final CounterId id)
    {
        file.getAndAddLong(id.offset(), 1);
    }

    /** @return the address of the word at {@code offset} in the file: a lock word (its low half is the futex word). */
    long address(final int offset)
    {
        return addressOffset + offset;
    }

    private boolean retried()
    {
        increment(CounterId.READ_RETRIES);
        return false;
    }
}
