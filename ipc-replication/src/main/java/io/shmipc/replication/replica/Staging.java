package io.shmipc.replication.replica;

import io.shmipc.replication.protocol.Wire;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * A full image being assembled off to the side while a replica catches up: every page, at the newest source version
 * received, and how many pages are still missing. Local readers keep the previous image until this one is complete
 * and replaces it in one write, so they never see a mix of two sources.
 */
final class Staging
{
    private final int pageSize;
    private final int pageCount;
    private final UnsafeBuffer data;
    private final long[] versions;
    private int missing;

    Staging(final int pageSize, final int pageCount)
    {
        this.pageSize = pageSize;
        this.pageCount = pageCount;
        this.data = new UnsafeBuffer(ByteBuffer.allocateDirect(pageSize * pageCount));
        this.versions = new long[pageCount];
        reset();
    }

    boolean matches(final int pageSize, final int pageCount)
    {
        return this.pageSize == pageSize && this.pageCount == pageCount;
    }

    /** Forgets every page received. */
    void reset()
    {
        Arrays.fill(versions, PageVersions.NEVER);
        missing = pageCount;
    }

    /**
     * Takes the pages of a run that are not older than the ones held. A page labelled with the version held is taken
     * too: its data may be newer than its label (the publisher reads the version before the copy), belonging to a
     * write whose other pages in the run are labelled newer; keeping the older copy would assemble that write torn
     * (see {@link LocalImage#apply}).
     */
    void put(final int first, final int pages, final DirectBuffer buffer, final int messageOffset,
        final int dataOffset)
    {
        for (int i = 0; i < pages; i++)
        {
            final int page = first + i;
            final long version = Wire.version(buffer, messageOffset, i);
            if (version != PageVersions.NEVER && !PageVersions.isOlder(version, versions[page]))
            {
                if (versions[page] == PageVersions.NEVER)
                {
                    missing--;
                }
                versions[page] = version;
                data.putBytes(page * pageSize, buffer, dataOffset + i * pageSize, pageSize);
            }
        }
    }

    /** @return pages not received yet. */
    int missing()
    {
        return missing;
    }

    /** @return the first page not received yet, or -1. */
    int firstMissing()
    {
        for (int page = 0; page < pageCount; page++)
        {
            if (versions[page] == PageVersions.NEVER)
            {
                return page;
            }
        }
        return -1;
    }

    /** @return the last page not received yet, or -1. */
    int lastMissing()
    {
        for (int page = pageCount - 1; page >= 0; page--)
        {
            if (versions[page] == PageVersions.NEVER)
            {
                return page;
            }
        }
        return -1;
    }

    long version(final int page)
    {
        return versions[page];
    }

    UnsafeBuffer data()
    {
        return data;
    }
}
