package io.shmipc.replication.publisher;

import io.shmipc.SharedMemory;

/**
 * What the publisher has sent of each page: the version it last sent ({@link #NEVER} before the first time), the
 * pages replicas asked to have sent again, and the pages left out because they are marked torn. A page is due when
 * its version differs from the one sent, or when it was asked for. Single-threaded, allocation-free.
 */
final class ChangeTracker
{
    /** Version "sent" of a page never sent in this epoch. */
    static final long NEVER = Long.MIN_VALUE;

    private final SharedMemory shm;
    private final int pageCount;
    private final long[] sent;
    private final long[] current;
    private final long[] tornAt;
    private final long[] forced;
    private int forcedCount;

    ChangeTracker(final SharedMemory shm)
    {
        this.shm = shm;
        this.pageCount = shm.pageCount();
        this.sent = new long[pageCount];
        this.current = new long[pageCount];
        this.tornAt = new long[pageCount];
        this.forced = new long[(pageCount + 63) >>> 6];
        java.util.Arrays.fill(sent, NEVER);
        java.util.Arrays.fill(tornAt, NEVER);
    }

    int pageCount()
    {
        return pageCount;
    }

    /** Reads every page's version at once ({@link SharedMemory#versions}), for the scan that follows. */
    void refresh()
    {
        shm.versions(0, current, 0, pageCount);
    }

    /**
     * @return whether {@code page} must be sent: changed since last sent, never sent, or asked for; by its version at
     * the last {@link #refresh()} (the run reader reads the versions again when it sends).
     */
    boolean isDue(final int page)
    {
        final long version = current[page];
        if (version == tornAt[page])
        {
            return false;
        }
        return version != sent[page] || isForced(page);
    }

    /** @return the version last sent of {@code page}, or {@link #NEVER}. */
    long sent(final int page)
    {
        return sent[page];
    }

    /** @return whether {@code page} was found torn at its current version (and so cannot be read). */
    boolean isTornNow(final int page, final long version)
    {
        return tornAt[page] == version;
    }

    /** Records that {@code page} was sent at {@code version}. */
    void markSent(final int page, final long version)
    {
        sent[page] = version;
        tornAt[page] = NEVER;
        if (isForced(page))
        {
            forced[page >>> 6] &= ~(1L << page);
            forcedCount--;
        }
    }

    /** Leaves {@code page} out until its version changes from {@code version} (a write over the whole page). */
    void markTorn(final int page, final long version)
    {
        tornAt[page] = version;
    }

    /**
     * Asks for pages {@code first..last} to be sent again. Pages never sent are due anyway.
     *
     * @return the number of pages newly asked for.
     */
    int force(final int first, final int last)
    {
        int added = 0;
        for (int page = first; page <= last; page++)
        {
            if (sent[page] != NEVER && !isForced(page))
            {
                forced[page >>> 6] |= 1L << page;
                added++;
            }
        }
        forcedCount += added;
        return added;
    }

    /** @return pages asked for and not yet sent again. */
    int forcedCount()
    {
        return forcedCount;
    }

    /** @return the number of pages due now (a full scan, of versions read now). */
    int countDue()
    {
        refresh();
        int due = 0;
        for (int page = 0; page < pageCount; page++)
        {
            if (isDue(page))
            {
                due++;
            }
        }
        return due;
    }

    private boolean isForced(final int page)
    {
        return (forced[page >>> 6] & (1L << page)) != 0;
    }
}
