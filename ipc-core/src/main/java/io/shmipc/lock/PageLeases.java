package io.shmipc.lock;

import io.shmipc.PageLeasedException;

/**
 * Leases of pages to one process's exclusive writer ({@code docs/FORMAT.md} section 7.6, layout version 3): granting
 * them and giving them back. While page {@code p} is leased to owner slot {@code s}, its lease word holds {@code s},
 * and:
 * <ul>
 *   <li>only writers of slot {@code s} take the page: any other writer that finds it free reads the lease word after
 *   the lock word and is refused ({@link PageLeasedException}) before it touches the page, unless the operating system
 *   shows slot {@code s} dead, in which case the lease is void and the writer clears it;</li>
 *   <li>a waiter never sets W on the page's word while it is held (the holder may release it with a plain store,
 *   which would erase W): it backs off instead. W set on the free word is seen by the next take's CAS and its release
 *   wakes the sleepers.</li>
 * </ul>
 * A lease word changes only while its page is held, and the release that follows advances the sequence (the page's
 * version changes, its bytes do not). That is what makes the refusal race-free: a writer that loaded the free word
 * and then a zero lease word takes the page by a CAS from that free word, which fails if a lease was granted in
 * between.
 *
 * <p>Not on a hot path: a grant or a give-back takes each page's lock once.
 */
public final class PageLeases
{
    private PageLeases()
    {
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
            if (locks.leaseOf(offset) == owner)
            {
                locks.abandon(page, page, owner, held);
                final IllegalStateException taken = new IllegalStateException("page " + page + " of segment '" +
                    locks.segmentName + "' is already leased to this process: another exclusive writer of it holds " +
                    "the page (close that one first)");
                giveBackAfterFailure(locks, first, page - 1, owner, timeoutNanos, taken);
                throw taken;
            }
            locks.storeLease(offset, owner);
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
            if (locks.leaseOf(offset) == owner)
            {
                locks.storeLease(offset, 0);
            }
            locks.abandon(page, page, owner, held); // a CAS release: a waiter may have set W meanwhile
        }
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
