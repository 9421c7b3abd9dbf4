package io.shmipc.lock;

import io.shmipc.PageLeasedException;
import io.shmipc.layout.LockWord;
import io.shmipc.layout.SegmentDescriptor;
import org.agrona.UnsafeApi;

/**
 * Leases of pages to one process's exclusive writer ({@code docs/FORMAT.md} section 7.6, layout version 3): granting
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
                final IllegalStateException taken = new IllegalStateException("page " + page + " of segment '" +
                    locks.segmentName + "' is already leased to this process: another exclusive writer of it holds " +
                    "the page (close that one first)");
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
        }
    }

    /**
     * Releases one page this thread holds as {@code held}, leased to this process, by a release store of the next even
     * word; wakes sleepers if W was on the word when this writer took it (none can set it since).
     *
     * @return whether sleepers were woken.
     */
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
            UnsafeApi.compareAndSetLong(OFF_HEAP, address, word, 0L);
        }
    }

    /** @return whether {@code owner} may take the page at {@code offset}: no lease, or its own. */
    static boolean mayWrite(final PageLocks locks, final int offset, final int owner)
    {
        // the raw word: a value that names no process fails both tests, and the slow path clears it (clearVoid)
        final long holder = UnsafeApi.getLongVolatile(OFF_HEAP, leaseAddress(locks, offset));
        return holder == 0 || holder == owner;
    }

    /** Clears the lease word at {@code offset} if it still names {@code deadHolder}. */
    static void clear(final PageLocks locks, final int offset, final int deadHolder)
    {
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
