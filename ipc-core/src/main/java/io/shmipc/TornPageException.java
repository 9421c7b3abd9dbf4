package io.shmipc;

/**
 * A read touched a page whose last writer died in the middle of writing it, so its bytes may be a mix of old and new
 * data (the analogue of {@code EOWNERDEAD} for a robust pthread mutex). The page stays marked until a write covers
 * the whole page. No bytes were handed over.
 */
public class TornPageException extends SharedMemoryException
{
    private static final long serialVersionUID = 1L;

    /** The page that is marked torn. */
    private final int page;

    /**
     * @param segment the segment's name.
     * @param page    the page that is marked torn.
     */
    public TornPageException(final String segment, final int page)
    {
        super("page " + page + " of segment '" + segment + "' may hold a torn write: its writer died while " +
            "holding it; write the whole page to clear it");
        this.page = page;
    }

    /** @return the page that is marked torn. */
    public int page()
    {
        return page;
    }
}
