package io.shmipc.replication.publisher;

import io.shmipc.SharedMemory;
import io.shmipc.TornPageException;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Reads a run of adjacent pages as one consistent snapshot, with the version of each page, growing the run over
 * its neighbours while a write spanning its edge could otherwise arrive on a replica in two halves.
 *
 * <h2>Why the edges need care</h2>
 * A write of pages 3..5 releases them one by one. A publisher that saw page 3 change and sent it alone, while 4 and
 * 5 were still held, would let a replica show the new page 3 next to the old pages 4 and 5: half a write. So after
 * reading a run, each neighbour (first - 1 and last + 1) is read too, which waits until no write holds it, and its
 * version compared with the one last sent: if it differs, the neighbour may carry the rest of a write this run has
 * part of, and the run is read again with it. Once neither neighbour changed, every write with a page in the run has
 * each of its other pages either in the run or already sent at that write's version or later: by induction along
 * the pages of the write, what the replica holds after this message contains either all of a write or none of it.
 *
 * <h2>Versions</h2>
 * Each page's version is read before the copy. The copy (one {@link SharedMemory#read}) is a snapshot taken after
 * that, so it holds that version of the page or a newer one, never an older one. A newer one is sent labelled with
 * the older version; the page then looks changed at the next scan and is sent again with its true version. Replicas
 * never move backwards, and a page is never left labelled newer than its data. A page sent again on request while
 * unchanged is labelled with the version replicas already hold, though its copy may hold a write that landed after
 * the version was read, whose other pages in the run are labelled newer: replicas apply it with them
 * ({@code LocalImage.apply}), or they would hold that write torn.
 *
 * <p>Runs grow up to {@code maxPages}; a write wider than that may arrive in parts (documented limit).
 * Single-threaded, allocation-free after construction.
 */
final class RunReader
{
    /** Result of {@link #read}: the run could not be read because a page is marked torn. */
    static final int TORN = -1;

    private final SharedMemory shm;
    private final ChangeTracker tracker;
    private final int pageSize;
    private final int pageCount;
    private final int maxPages;
    private final long[] versions;
    private final UnsafeBuffer data;
    private final byte[] probe = new byte[1];
    private int first;
    private int last;
    private int tornPage;

    RunReader(final SharedMemory shm, final ChangeTracker tracker, final int maxPages)
    {
        this.shm = shm;
        this.tracker = tracker;
        this.pageSize = shm.pageSize();
        this.pageCount = shm.pageCount();
        this.maxPages = maxPages;
        this.versions = new long[maxPages];
        this.data = new UnsafeBuffer(new byte[maxPages * pageSize]);
    }

    /**
     * Reads pages {@code from..to} (at most {@code maxPages}), growing the range over changed neighbours.
     *
     * @return the number of pages read (from {@link #first()}), or {@link #TORN} if a page is marked torn
     * ({@link #tornPage()} names it).
     */
    int read(final int from, final int to)
    {
        first = from;
        last = to;
        while (true)
        {
            final int pages = last - first + 1;
            for (int i = 0; i < pages; i++)
            {
                versions[i] = shm.version(first + i);
            }
            try
            {
                shm.read(first * pageSize, data, 0, pages * pageSize);
            }
            catch (final TornPageException ex)
            {
                tornPage = ex.page();
                return TORN;
            }
            if (pages >= maxPages)
            {
                return pages;
            }
            if (first > 0 && neighbourChanged(first - 1))
            {
                first--;
            }
            else if (last < pageCount - 1 && neighbourChanged(last + 1))
            {
                last++;
            }
            else
            {
                return pages;
            }
        }
    }

    /** @return whether {@code page}, once no write holds it, has a version other than the one last sent. */
    private boolean neighbourChanged(final int page)
    {
        final long sent = tracker.sent(page);
        if (sent == ChangeTracker.NEVER)
        {
            // Not yet sent in this epoch: no replica applies changes before it has every page, so nothing to tear.
            return false;
        }
        try
        {
            shm.read(page * pageSize, probe, 0, 1); // returns once no write holds the page
        }
        catch (final TornPageException ex)
        {
            return false; // cannot be sent until rewritten
        }
        final long version = shm.version(page);
        return version != sent && !tracker.isTornNow(page, version);
    }

    int first()
    {
        return first;
    }

    int last()
    {
        return last;
    }

    /** @return the version of the {@code index}-th page of the run read, as labelled. */
    long version(final int index)
    {
        return versions[index];
    }

    /** @return the run's bytes, from offset 0. */
    UnsafeBuffer data()
    {
        return data;
    }

    int tornPage()
    {
        return tornPage;
    }
}
