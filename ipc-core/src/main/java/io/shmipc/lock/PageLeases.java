package io.shmipc.lock;

import io.shmipc.PageLeasedException;
import io.shmipc.layout.LockWord;
import io.shmipc.layout.SegmentDescriptor;
import org.agrona.UnsafeApi;

/**
 * Leases of pages to one process's exclusive writer ({@code docs/FORMAT.md} 7.6 and 7.7, layout versions 3 and 4): granting
 * them and giving them back. While page {@code p} is leased to owner slot {@code s}, its lease word holds {@code s},
 * and:
 * <ul>
 *   <li>only writers of slot {@code s} take the page: any other writer that finds it free reads the lease word after
 *   the lock word and is refused ({@link PageLeasedException}) before it touches the page, unless the operating system
 *   shows slot {@code s} dead, in which case the lease is void and the writer clears it;</li>
 * </ul>
 * A lease word changes only while its page is held, and the release that follows advances the sequence (the page's
 * version changes, its bytes do not). That is what makes the refusal race-free: a writer that loaded the free word
 * and then a zero lease word takes the page by a CAS from that free word, which fails if a lease was granted in
 * between.
 *
 * <p>A grant or a give-back takes each page's lock once. The lease holder's writes take and release pages as any
 * write does ({@link PageLocks#lock}, {@link PageLocks#unlockPlain}).
 */
public final class PageLeases
{
    /** The base of the lease words' addresses: off-heap, as {@link PageLocks} requires. */
    private static final Object OFF_HEAP = null;

    private PageLeases()
    {
    }

    /**
     * What {@link #holderAt} returns for a lease word that names no process: a value outside
     * {@code 1..}{@link LockWord#MAX_OWNER} (only a damaged or hostile file has one).
     */
    static final int VOID = -1;

    /**
     * @return the owner slot whose exclusive writer holds {@code page}'s lease, or 0: no lease, a lease word that names
     * no process (void), or layout version 2.
     */
    public static int holder(final PageLocks locks, final int page)
    {
        return locks.leases ? Math.max(0, holderAt(locks, PageLocks.lockWordOffset(page))) : 0;
    }

    /**
     * Leases pages {@code first..last} to {@code owner}, in ascending order, each under its lock.
     *
     * @throws IllegalStateException if the segment has no lease words (layout version 2), or a page is already leased
     *                               to this process (another exclusive writer of this JVM holds it).
     * @throws PageLeasedException   if a page is leased to another live process.
     */
    public static void grant(
        final PageLocks locks, final int first, final int last, final int owner, final long timeoutNanos)
    {
        grant(locks, first, last, owner, timeoutNanos, false);
    }

    /**
     * Leases pages {@code first..last} to {@code owner}, as {@link #grant(PageLocks, int, int, int, long)} does; if
     * {@code sole}, registers them first as written solely by this JVM ({@link SoleLeases}, layout version 4,
     * {@code docs/FORMAT.md} 7.7), so that from each page's grant on this process's other writers are refused on it.
     * On failure nothing stays leased or registered.
     */
    public static void grant(
        final PageLocks locks, final int first, final int last, final int owner, final long timeoutNanos,
        final boolean sole)
    {
        if (sole && !locks.sleepers)
        {
            throw new IllegalStateException("segment '" + locks.segmentName + "' has no sleepers words (layout " +
                "version 4): its leaseholder must take pages with a compare-and-swap");
        }
        for (int page = first; page <= last; page++)
        {
            if (locks.leases && holderAt(locks, PageLocks.lockWordOffset(page)) == owner && owner != 0)
            {
                throw alreadyLeased(locks, page);
            }
        }
        if (sole)
        {
            locks.soleLeases.add(first, last);
        }
        try
        {
            grantEach(locks, first, last, owner, timeoutNanos);
        }
        catch (final RuntimeException | Error failure)
        {
            if (sole)
            {
                locks.soleLeases.remove(first, last);
            }
            throw failure;
        }
    }

    private static IllegalStateException alreadyLeased(final PageLocks locks, final int page)
    {
        return new IllegalStateException("page " + page + " of segment '" + locks.segmentName + "' is already " +
            "leased to this process: another exclusive writer of it holds the page (close that one first)");
    }

    private static void grantEach(
        final PageLocks locks, final int first, final int last, final int owner, final long timeoutNanos)
    {
        if (!locks.leases)
        {
            throw new IllegalStateException("segment '" + locks.segmentName + "' has no lease words (layout version " +
                "2): create it with SharedMemoryBuilder.leases(true) to lease its pages to an exclusive writer");
        }
        if (owner == 0)
        {
            throw new IllegalStateException("segment '" + locks.segmentName + "': a lease needs an owner slot");
        }
        for (int page = first; page <= last; page++)
        {
            final int offset = PageLocks.lockWordOffset(page);
            final long held;
            try
            {
                held = locks.lock(page, page, owner, timeoutNanos);
            }
            catch (final RuntimeException | Error failure)
            {
                giveBackAfterFailure(locks, first, page - 1, owner, timeoutNanos, failure);
                throw failure;
            }
            if (holderAt(locks, offset) == owner)
            {
                locks.abandon(page, page, owner, held);
                final IllegalStateException taken = alreadyLeased(locks, page);
                giveBackAfterFailure(locks, first, page - 1, owner, timeoutNanos, taken);
                throw taken;
            }
            store(locks, offset, owner);
            locks.abandon(page, page, owner, held); // next even sequence: the CAS of a writer that saw no lease fails
        }
    }

    /**
     * Gives back the lease of pages {@code first..last}, each under its lock; a page whose lease is no longer
     * {@code owner}'s is left as it is.
     */
    public static void giveBack(
        final PageLocks locks, final int first, final int last, final int owner, final long timeoutNanos)
    {
        for (int page = first; page <= last; page++)
        {
            final int offset = PageLocks.lockWordOffset(page);
            final long held = locks.lock(page, page, owner, timeoutNanos);
            if (holderAt(locks, offset) == owner)
            {
                store(locks, offset, 0);
            }
            locks.abandon(page, page, owner, held); // a CAS release: a waiter may have set W meanwhile
            PageSleepers.wakeIfRegistered(locks, offset); // the lease ended: its sleepers register again (7.7)
        }
    }

    /**
     * @return the lease word of the page whose lock word is at {@code offset} (acquire), as an owner slot (0: no lease);
     * or {@link #VOID} if it holds a value outside {@code 1..}{@link LockWord#MAX_OWNER}, which names no process and so
     * is no lease (a damaged file's; section 7.6: any writer clears it, see {@link #clearVoid}).
     */
    static int holderAt(final PageLocks locks, final int offset)
    {
        final long word = UnsafeApi.getLongVolatile(OFF_HEAP, leaseAddress(locks, offset));
        return word >= 0 && word <= LockWord.MAX_OWNER ? (int)word : VOID;
    }

    /** Clears the lease word at {@code offset} if it holds a value that names no process ({@link #VOID}). */
    static void clearVoid(final PageLocks locks, final int offset)
    {
        final long address = leaseAddress(locks, offset);
        final long word = UnsafeApi.getLongVolatile(OFF_HEAP, address);
        if (word < 0 || word > LockWord.MAX_OWNER)
        {
            UnsafeApi.compareAndSetLong(OFF_HEAP, address, word, 0L); // its sleepers: woken after the take (7.7)
        }
    }

    /**
     * @return whether {@code owner} may take {@code page}, whose lock word is at {@code offset}: no lease, or its own
     * but not written solely by an exclusive writer of this JVM ({@link SoleLeases}).
     */
    static boolean mayWrite(final PageLocks locks, final int page, final int offset, final int owner)
    {
        // the raw word: a value that names no process fails both tests, and the slow path clears it (clearVoid)
        final long holder = UnsafeApi.getLongVolatile(OFF_HEAP, leaseAddress(locks, offset));
        return holder == 0 || holder == owner && !locks.soleLeases.contains(page);
    }

    /** @return whether the page whose lock word is at {@code offset} has a nonzero lease word (acquire). */
    static boolean isLeased(final PageLocks locks, final int offset)
    {
        return UnsafeApi.getLongVolatile(OFF_HEAP, leaseAddress(locks, offset)) != 0;
    }

    /** Clears the lease word at {@code offset} if it still names {@code deadHolder}. */
    static void clear(final PageLocks locks, final int offset, final int deadHolder)
    {
        // its sleepers are woken after the take that follows, once the word changed (7.7)
        UnsafeApi.compareAndSetLong(OFF_HEAP, leaseAddress(locks, offset), deadHolder, 0L);
    }

    /** Sets the lease word at {@code offset} (its page held by the caller) to {@code owner}, or 0. */
    private static void store(final PageLocks locks, final int offset, final int owner)
    {
        UnsafeApi.putLongVolatile(OFF_HEAP, leaseAddress(locks, offset), owner);
    }

    private static long leaseAddress(final PageLocks locks, final int offset)
    {
        return locks.address(offset) + SegmentDescriptor.LEASE_WORD_OFFSET;
    }

    private static void giveBackAfterFailure(
        final PageLocks locks, final int first, final int last, final int owner, final long timeoutNanos,
        final Throwable failure)
    {
        try
        {
            giveBack(locks, first, last, owner, timeoutNanos);
        }
        catch (final RuntimeException | Error another)
        {
            failure.addSuppressed(another);
        }
    }
}
