package io.shmipc;

/**
 * A write, or a lease, was refused because a page it covers is leased to another live process's
 * {@link ExclusiveWriter} ({@code docs/FORMAT.md} section 7.6). Nothing was written, and the leased page is
 * untouched: neither its bytes nor its version changed. A write of several pages takes them in ascending order, so
 * the pages before the leased one were taken first; they were given back unwritten, their bytes unchanged and their
 * version advanced by one (a release always advances the sequence). The lease ends when that writer is closed or its
 * process dies; a lease whose holder is dead is void and cleared by the next writer.
 */
public class PageLeasedException extends SharedMemoryException
{
    private static final long serialVersionUID = 1L;

    /** The first page found leased to another process. */
    private final int page;
    /** The owner slot of the process whose exclusive writer holds the lease. */
    private final int holderSlot;

    /**
     * @param message    what was refused, naming the page, the segment and the holder.
     * @param page       the first page found leased.
     * @param holderSlot the owner slot of the process that holds the lease.
     */
    public PageLeasedException(final String message, final int page, final int holderSlot)
    {
        super(message);
        this.page = page;
        this.holderSlot = holderSlot;
    }

    /** @return the first page found leased to another process. */
    public int page()
    {
        return page;
    }

    /** @return the owner slot of the process whose exclusive writer holds the lease. */
    public int holderSlot()
    {
        return holderSlot;
    }
}
