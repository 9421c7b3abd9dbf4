package io.shmipc;

/**
 * The segment was refused for who owns it or what its mode allows: it belongs to another user (and
 * {@link SharedMemoryBuilder#allowForeignOwner(boolean)} was not set), or the file's permissions do not let this
 * process open it for reading and writing. Nothing is mapped when this is thrown.
 */
public class SegmentAccessDeniedException extends SharedMemoryException
{
    private static final long serialVersionUID = 1L;

    /** @param message what was refused, naming the file, its owner or mode, and this process's user. */
    public SegmentAccessDeniedException(final String message)
    {
        super(message);
    }

    /**
     * @param message what was refused.
     * @param cause   the operating system's refusal.
     */
    public SegmentAccessDeniedException(final String message, final Throwable cause)
    {
        super(message, cause);
    }
}
