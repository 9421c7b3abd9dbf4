package io.shmipc;

/**
 * A write's bytes were copied, but when it came to release its pages some of them were no longer held by it:
 * another process had found this process's owner slot unheld, took the pages for a dead writer's and marked them
 * torn. The release stored nothing on those pages (it never overwrites a lock it lost), so they stay marked torn
 * until a write covers them whole. This happens only if the operating-system lock behind the slot was lost (see
 * {@code docs/FORMAT.md} on owner slots); the library logs it as an error and takes a slot again.
 */
public class OwnershipLostException extends SharedMemoryException
{
    private static final long serialVersionUID = 1L;

    /** @param message which pages of which segment were lost. */
    public OwnershipLostException(final String message)
    {
        super(message);
    }
}
