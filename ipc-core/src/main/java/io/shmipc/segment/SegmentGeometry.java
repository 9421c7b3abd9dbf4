package io.shmipc.segment;

import io.shmipc.layout.SegmentDescriptor;

/** The size of a segment: page size and page count, checked against the layout's limits. */
public final class SegmentGeometry
{
    private final int pageSize;
    private final int pageCount;
    private final long dataOffset;
    private final long fileLength;
    private final int layoutVersion;

    private SegmentGeometry(final int pageSize, final int pageCount, final int layoutVersion)
    {
        this.layoutVersion = layoutVersion;
        this.pageSize = pageSize;
        this.pageCount = pageCount;
        this.dataOffset = SegmentDescriptor.dataOffset(pageCount);
        this.fileLength = SegmentDescriptor.fileLength(pageSize, pageCount);
    }

    /**
     * @return the geometry of {@code pageCount} pages of {@code pageSize} bytes.
     * @throws IllegalArgumentException naming the bad value and the limit it breaks.
     */
    public static SegmentGeometry of(final int pageSize, final int pageCount)
    {
        final String problem = problem(pageSize, pageCount);
        if (problem != null)
        {
            throw new IllegalArgumentException(problem);
        }
        return new SegmentGeometry(pageSize, pageCount, SegmentDescriptor.LAYOUT_VERSION);
    }

    /**
     * @return the same geometry in layout version {@link SegmentDescriptor#SOLE_LAYOUT_VERSION}: lock-table entries
     * with a lease word and a sleepers word, for exclusive writers that write without a compare-and-swap.
     */
    public SegmentGeometry withLeases()
    {
        return withLayoutVersion(SegmentDescriptor.SOLE_LAYOUT_VERSION);
    }

    /**
     * @param version 2, 3 or 4.
     * @return the same geometry in that layout version (3: lease words without sleepers words, as before 2026-12-08).
     */
    public SegmentGeometry withLayoutVersion(final int version)
    {
        if (version < SegmentDescriptor.LAYOUT_VERSION || version > SegmentDescriptor.SOLE_LAYOUT_VERSION)
        {
            throw new IllegalArgumentException("layout version " + version + " is not one of " +
                SegmentDescriptor.LAYOUT_VERSION + ".." + SegmentDescriptor.SOLE_LAYOUT_VERSION);
        }
        return new SegmentGeometry(pageSize, pageCount, version);
    }

    /** @return the layout version a file of this geometry has: 2; 3 with lease words; 4 with sleepers words too. */
    public int layoutVersion()
    {
        return layoutVersion;
    }

    /** @return whether the lock-table entries have lease words (layout versions 3 and 4). */
    public boolean leases()
    {
        return layoutVersion >= SegmentDescriptor.LEASES_LAYOUT_VERSION;
    }

    /** @return what is wrong with this geometry, or {@code null} if it is valid. */
    public static String problem(final long pageSize, final long pageCount)
    {
        if (pageSize < SegmentDescriptor.MIN_PAGE_SIZE || pageSize > SegmentDescriptor.MAX_PAGE_SIZE)
        {
            return "page size " + pageSize + " is outside " + SegmentDescriptor.MIN_PAGE_SIZE + ".." +
                SegmentDescriptor.MAX_PAGE_SIZE;
        }
        if (Long.bitCount(pageSize) != 1)
        {
            return "page size " + pageSize + " is not a power of two";
        }
        if (pageCount <= 0)
        {
            return "page count " + pageCount + " must be at least 1";
        }
        final long maxPages = maxPageCount((int)pageSize);
        if (pageCount > maxPages)
        {
            return "page count " + pageCount + " of " + pageSize + "-byte pages exceeds the limit of " + maxPages +
                " (a segment file is at most " + SegmentDescriptor.MAX_FILE_LENGTH + " bytes)";
        }
        return null;
    }

    /** @return the largest page count whose file fits in {@link SegmentDescriptor#MAX_FILE_LENGTH}. */
    public static long maxPageCount(final int pageSize)
    {
        long low = 0;
        long high = SegmentDescriptor.MAX_FILE_LENGTH / pageSize + 1;
        while (low < high)
        {
            final long mid = (low + high + 1) >>> 1;
            if (SegmentDescriptor.fileLength(pageSize, (int)mid) <= SegmentDescriptor.MAX_FILE_LENGTH)
            {
                low = mid;
            }
            else
            {
                high = mid - 1;
            }
        }
        return low;
    }

    public int pageSize()
    {
        return pageSize;
    }

    public int pageCount()
    {
        return pageCount;
    }

    /** @return bytes of user data: {@code pageSize * pageCount}. */
    public int capacity()
    {
        return pageSize * pageCount;
    }

    /** @return offset of the first data page in the file. */
    public long dataOffset()
    {
        return dataOffset;
    }

    /** @return length of the whole file. */
    public long fileLength()
    {
        return fileLength;
    }

    @Override
    public String toString()
    {
        return pageCount + " pages of " + pageSize + " bytes" + (leases() ? ", with leases (layout version 3)" : "");
    }
}
