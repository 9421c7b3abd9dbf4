package io.shmipc.replication.replica;

import io.shmipc.InvalidSegmentException;
import io.shmipc.SharedMemory;
import io.shmipc.SharedMemoryBuilder;
import io.shmipc.replication.ReplicationException;
import io.shmipc.replication.protocol.Wire;
import org.agrona.DirectBuffer;

import java.util.Arrays;

/**
 * The replica's local segment and what it holds of the source: for each page the source version last applied, and
 * the local version right after the replica's own write, by which local writes by others are found. Every update
 * goes through {@link SharedMemory#write}, one write per run, so local readers keep every guarantee.
 * Single-threaded, allocation-free after construction.
 */
final class LocalImage implements AutoCloseable
{
    private final SharedMemory shm;
    private final int pageSize;
    private final int pageCount;
    private final long[] applied;
    private final long[] localVersion;
    private final boolean[] repair;

    private LocalImage(final SharedMemory shm)
    {
        this.shm = shm;
        this.pageSize = shm.pageSize();
        this.pageCount = shm.pageCount();
        this.applied = new long[pageCount];
        this.localVersion = new long[pageCount];
        this.repair = new boolean[pageCount];
        Arrays.fill(applied, PageVersions.NEVER);
    }

    /**
     * Opens the local segment, creating it with the source's geometry if it is missing.
     *
     * @throws ReplicationException if it exists with another geometry.
     */
    static LocalImage open(final SharedMemoryBuilder builder, final String name, final int pageSize,
        final int pageCount)
    {
        try
        {
            return new LocalImage(builder.pageSize(pageSize).pages(pageCount).openOrCreate());
        }
        catch (final InvalidSegmentException ex)
        {
            throw new ReplicationException("cannot replicate into local segment '" + name + "': " + ex.getMessage() +
                "; the source has " + pageCount + " pages of " + pageSize + " bytes (remove the local segment, or " +
                "replicate into another name)", ex);
        }
    }

    boolean matches(final int pageSize, final int pageCount)
    {
        return this.pageSize == pageSize && this.pageCount == pageCount;
    }

    SharedMemory shm()
    {
        return shm;
    }

    /** @return the source version applied to {@code page}, or {@link PageVersions#NEVER}. */
    long applied(final int page)
    {
        return applied[page];
    }

    /**
     * Applies a run of pages {@code first..first+pages-1}. Pages labelled older than what is applied are skipped
     * (stale); each stretch of pages between stale ones that holds at least one page labelled newer than applied (or
     * to be repaired) is written whole, in one write, so a write of the source arrives whole.
     *
     * <p>A page labelled with the version already applied is written with its stretch, not skipped: the publisher
     * reads a page's version before it copies the page, so a page it sends again unchanged (a RESEND, for this
     * replica or another one) can carry the data of a write that landed between that read and the copy, under the
     * old label, while the write's other pages in the same message are labelled newer. Skipping it would serve that
     * write torn until the page is sent again. Its data is never older than what is applied: the label was read after
     * the page applied under it was copied, so that copy was that very version. A stretch of pages all labelled as
     * applied changes nothing and is not written.
     *
     * @param buffer        the PAGES message.
     * @param messageOffset where the message starts (its versions are read from there).
     * @param dataOffset    where the run's page bytes start.
     * @return the number of pages skipped as stale or unchanged.
     */
    int apply(final int first, final int pages, final DirectBuffer buffer, final int messageOffset,
        final int dataOffset)
    {
        int skipped = 0;
        int i = 0;
        while (i < pages)
        {
            if (PageVersions.isOlder(Wire.version(buffer, messageOffset, i), applied[first + i]))
            {
                skipped++;
                i++;
                continue;
            }
            final int lo = i;
            boolean changed = false;
            while (i < pages && !PageVersions.isOlder(Wire.version(buffer, messageOffset, i), applied[first + i]))
            {
                changed |= PageVersions.isNewer(Wire.version(buffer, messageOffset, i), applied[first + i]) ||
                    repair[first + i];
                i++;
            }
            if (!changed)
            {
                skipped += i - lo;
                continue;
            }
            shm.write((first + lo) * pageSize, buffer, dataOffset + lo * pageSize, (i - lo) * pageSize);
            for (int j = lo; j < i; j++)
            {
                final int page = first + j;
                applied[page] = PageVersions.newest(applied[page], Wire.version(buffer, messageOffset, j));
                localVersion[page] = shm.version(page);
                repair[page] = false;
            }
        }
        return skipped;
    }

    /** Replaces the whole segment with {@code staging}'s image in one write. */
    void replaceAll(final Staging staging)
    {
        shm.write(0, staging.data(), 0, shm.capacity());
        for (int page = 0; page < pageCount; page++)
        {
            applied[page] = staging.version(page);
            localVersion[page] = shm.version(page);
            repair[page] = false;
        }
    }

    /**
     * Finds pages written locally since the replica last wrote them, marks them to be repaired from the source.
     *
     * @param found receives the first and last page found (both -1 when none): {@code found[0..1]}.
     * @return the number of pages found.
     */
    int findLocalWrites(final int[] found)
    {
        int count = 0;
        found[0] = -1;
        found[1] = -1;
        for (int page = 0; page < pageCount; page++)
        {
            final long version = shm.version(page);
            if (version != localVersion[page])
            {
                localVersion[page] = version;
                repair[page] = true;
                count++;
                found[0] = found[0] < 0 ? page : found[0];
                found[1] = page;
            }
        }
        return count;
    }

    @Override
    public void close()
    {
        shm.close();
    }
}
