package io.shmipc.layout;

/**
 * The live counters kept in a segment's header, each a 64-bit little-endian integer alone on a cache line at
 * {@link SegmentDescriptor#counterOffset(int)}. Any process may read them at any time; they are incremented with
 * an atomic add, and only on paths that are already slow (a retry, a wait), never on an uncontended read or write.
 */
public enum CounterId
{
    /**
     * Optimistic reads that had to start again: a page was held when the read started, or a writer changed one of
     * the pages during the copy. One per retry.
     */
    READ_RETRIES(0, "read retries"),
    /** Write-lock acquisitions that found a page held, or lost the compare-and-swap, on the first attempt. */
    WRITE_CONTENDED(1, "contended write locks"),
    /** Waits for a page (by a reader or a writer) that lasted longer than the slow-wait threshold (1 ms). */
    SLOW_WAITS(2, "slow waits"),
    /** Locks taken over, or released, on behalf of a writer process that died while holding them. */
    OWNER_RECOVERIES(3, "dead-owner recoveries"),
    /**
     * Releases that found their page no longer held by their own write (another process believed the writer dead
     * and took the page over): the release stores nothing and the write reports the loss.
     */
    LOST_OWNERSHIPS(4, "lost ownerships"),
    /** Waits that went to sleep in the kernel ({@code FUTEX_WAIT}) instead of spinning. */
    SLEEPS(5, "sleeps");

    private final int index;
    private final String description;

    CounterId(final int index, final String description)
    {
        this.index = index;
        this.description = description;
    }

    /** @return the counter's slot, 0 to {@link SegmentDescriptor#COUNTER_SLOTS} - 1. */
    public int index()
    {
        return index;
    }

    /** @return the byte offset of the counter in the segment file. */
    public int offset()
    {
        return SegmentDescriptor.counterOffset(index);
    }

    /** @return a short human-readable name. */
    public String description()
    {
        return description;
    }
}
