package io.shmipc;

/**
 * A read or write waited longer than its timeout for a page that another writer held (a bounded access: see
 * {@link SharedMemoryBuilder#accessTimeout(java.time.Duration)} and {@link SharedMemory#withTimeout}). Nothing was
 * copied and no lock is left held.
 */
public class LockTimeoutException extends SharedMemoryException
{
    private static final long serialVersionUID = 1L;

    /** The page that stayed held. */
    private final int page;

    /**
     * @param message which page of which segment, who held it, and the timeout.
     * @param page    the page waited for.
     */
    public LockTimeoutException(final String message, final int page)
    {
        super(message);
        this.page = page;
    }

    /** @return the page that stayed held. */
    public int page()
    {
        return page;
    }
}
