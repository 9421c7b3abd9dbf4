package io.shmipc.layout;

/**
 * Binary layout of a segment file, layout version {@value #LAYOUT_VERSION}. This class and
 * {@code docs/FORMAT.md} describe the same bytes; changing either means changing the layout version.
 *
 * <p>All multi-byte fields are little-endian. The file has three regions, each starting on a 4 KiB boundary:
 * <pre>
 *   0                  4096                     dataOffset                      fileLength
 *   +------------------+------------------------+-------------------------------+
 *   |      header      | lock table             | data pages                    |
 *   |    (4096 bytes)  | pageCount x 128 bytes, | pageCount x pageSize bytes    |
 *   |                  | padded to 4096         |                               |
 *   +------------------+------------------------+-------------------------------+
 * </pre>
 *
 * Header:
 * <pre>
 *    0                   1                   2                   3
 *    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |                 Magic "SHMIPC\0\0" (written last)             |  0
 *   |                                                               |
 *   +---------------------------------------------------------------+
 *   |                        Layout Version                         |  8
 *   +---------------------------------------------------------------+
 *   |                        Header Length                          | 12
 *   +---------------------------------------------------------------+
 *   |                          Page Size                            | 16
 *   +---------------------------------------------------------------+
 *   |                          Page Count                           | 20
 *   +---------------------------------------------------------------+
 *   |                      Lock Table Offset                        | 24
 *   |                                                               |
 *   +---------------------------------------------------------------+
 *   |                         Data Offset                           | 32
 *   |                                                               |
 *   +---------------------------------------------------------------+
 *   |                         File Length                           | 40
 *   |                                                               |
 *   +---------------------------------------------------------------+
 *   |                 Created (ms since the epoch)                  | 48
 *   |                                                               |
 *   +---------------------------------------------------------------+
 *   |                  Creator PID (informational)                  | 56
 *   |                                                               |
 *   +---------------------------------------------------------------+
 *   |                  Reserved, zero (64 to 127)                   | 64
 *   +---------------------------------------------------------------+
 *   |   Counters: 8 x 64-bit, each alone on a 64-byte cache line    | 128
 *   |                        (128 to 639)                           |
 *   +---------------------------------------------------------------+
 *   |                 Reserved, zero (640 to 4095)                  | 640
 *   +---------------------------------------------------------------+
 * </pre>
 *
 * Lock table: entry {@code p} is at {@code lockTableOffset + p * LOCK_STRIDE}; its first 8 bytes are the page's
 * lock word (see {@link LockWord}; its low 32 bits are the page's futex word); in layout versions 3 and 4 the next 8
 * are its lease word; in version 4 the next 8 its sleepers word; the rest is reserved (written as zero, ignored by
 * readers):
 * <pre>
 *    0               8               16              24                            128
 *   +---------------+---------------+---------------+-----------------------------+
 *   |   lock word   |  lease word   | sleepers word |      reserved (zero)        |
 *   |               |  (v3, v4)     |  (v4)         |                             |
 *   +---------------+---------------+---------------+-----------------------------+
 * </pre>
 * 128 bytes keep two lock words off one
 * pair of adjacent cache lines, which x86's adjacent-line prefetcher fetches together.
 *
 * <p>Data page {@code p} is at {@code dataOffset + p * pageSize}; the user's byte offset {@code o} is at
 * {@code dataOffset + o}.
 */
public final class SegmentDescriptor
{
    /** "SHMIPC" followed by two zero bytes, read as a little-endian long. */
    public static final long MAGIC = 0x0000_4350_494D_4853L;
    /** The layout this class describes. */
    public static final int LAYOUT_VERSION = 2;
    /**
     * The layout of a segment created for exclusive writers: version {@value #LAYOUT_VERSION} plus a lease word in
     * every lock-table entry ({@link #LEASE_WORD_OFFSET}), which every writer checks. A program that knows only
     * version 2 refuses such a file, so it can never write a leased page.
     */
    public static final int LEASES_LAYOUT_VERSION = 3;
    /**
     * The layout of a segment created for exclusive writers since 2026-12-08: version {@value #LEASES_LAYOUT_VERSION}
     * plus a sleepers word in every lock-table entry ({@link #SLEEPERS_WORD_OFFSET}), where waiters on a leased page
     * register, so that its leaseholder may take and release it with plain stores ({@code docs/FORMAT.md} 7.7). A
     * program that knows only versions 2 and 3 refuses such a file: its waiters would set W on a leased page.
     */
    public static final int SOLE_LAYOUT_VERSION = 4;

    /** Length of the header region, and the alignment of every region. */
    public static final int HEADER_LENGTH = 4096;
    /** Alignment of the lock table and the data pages. */
    public static final int REGION_ALIGNMENT = 4096;
    /** Cache line length assumed for padding. */
    public static final int CACHE_LINE_LENGTH = 64;
    /** Distance between two lock words in the lock table. */
    public static final int LOCK_STRIDE = 2 * CACHE_LINE_LENGTH;
    /**
     * Layout version 3 only: offset, from a page's lock word, of its lease word, an int64 in the same cache line. 0:
     * no lease; otherwise the owner slot (1 to {@link LockWord#MAX_OWNER}) of the process whose exclusive writer holds
     * the page. Reserved (zero, ignored) in version 2.
     */
    public static final int LEASE_WORD_OFFSET = 8;
    /**
     * Layout version 4 only: offset, from a page's lock word, of its sleepers word, an int64 in the same cache line.
     * Nonzero: a process may be asleep on the page's futex while the page is leased ({@code docs/FORMAT.md} 7.3,
     * 7.7). Reserved (zero, ignored) in versions 2 and 3.
     */
    public static final int SLEEPERS_WORD_OFFSET = 16;

    /** Offset of the magic number, written last in the header. */
    public static final int MAGIC_OFFSET = 0;
    /** Offset of the layout version in the header. */
    public static final int LAYOUT_VERSION_OFFSET = 8;
    /** Offset of the header length in the header. */
    public static final int HEADER_LENGTH_OFFSET = 12;
    /** Offset of the page size in the header. */
    public static final int PAGE_SIZE_OFFSET = 16;
    /** Offset of the page count in the header. */
    public static final int PAGE_COUNT_OFFSET = 20;
    /** Offset of the lock table's offset in the header. */
    public static final int LOCK_TABLE_OFFSET_OFFSET = 24;
    /** Offset of the first data page's offset in the header. */
    public static final int DATA_OFFSET_OFFSET = 32;
    /** Offset of the file length in the header. */
    public static final int FILE_LENGTH_OFFSET = 40;
    /** Offset of the creation time, ms since the epoch in the header. */
    public static final int CREATED_MILLIS_OFFSET = 48;
    /** Offset of the creator's PID (informational) in the header. */
    public static final int CREATOR_PID_OFFSET = 56;

    /** First counter; counter {@code i} is at {@code COUNTERS_OFFSET + i * CACHE_LINE_LENGTH}. */
    public static final int COUNTERS_OFFSET = 128;
    /** Number of counter slots reserved in the header. */
    public static final int COUNTER_SLOTS = 8;

    /** Smallest page size accepted. */
    public static final int MIN_PAGE_SIZE = 64;
    /** Largest page size accepted (1 GiB). */
    public static final int MAX_PAGE_SIZE = 1 << 30;
    /** Default page size (4 KiB, the usual OS page). */
    public static final int DEFAULT_PAGE_SIZE = 4096;
    /**
     * Largest file accepted: one {@code FileChannel.map} call maps at most {@code Integer.MAX_VALUE} bytes, and
     * user offsets are {@code int}s.
     */
    public static final long MAX_FILE_LENGTH = Integer.MAX_VALUE;

    private SegmentDescriptor()
    {
    }

    /** @return the offset of the lock table, for any page count. */
    public static long lockTableOffset()
    {
        return HEADER_LENGTH;
    }

    /**
     * @param pageCount the number of pages.
     * @return the offset of the first data page for {@code pageCount} pages.
     */
    public static long dataOffset(final int pageCount)
    {
        return align(lockTableOffset() + (long)pageCount * LOCK_STRIDE, REGION_ALIGNMENT);
    }

    /**
     * @param pageSize bytes per page.
     * @param pageCount the number of pages.
     * @return the length of a segment file with this geometry (may exceed {@link #MAX_FILE_LENGTH}).
     */
    public static long fileLength(final int pageSize, final int pageCount)
    {
        return dataOffset(pageCount) + (long)pageSize * pageCount;
    }

    /**
     * @param index the counter's slot.
     * @return the offset of counter {@code index} in the header.
     */
    public static int counterOffset(final int index)
    {
        return COUNTERS_OFFSET + index * CACHE_LINE_LENGTH;
    }

    /**
     * @param page the page.
     * @return the offset of page {@code page}'s lock word.
     */
    public static long lockWordOffset(final int page)
    {
        return lockTableOffset() + (long)page * LOCK_STRIDE;
    }

    /**
     * @param value the value.
     * @param alignment a power of two.
     * @return {@code value} rounded up to a multiple of {@code alignment} (a power of two).
     */
    public static long align(final long value, final int alignment)
    {
        return (value + alignment - 1) & -alignment;
    }
}
