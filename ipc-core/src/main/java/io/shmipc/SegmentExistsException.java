package io.shmipc;

/** {@code create} found the name already taken in the directory. */
public class SegmentExistsException extends SharedMemoryException
{
    private static final long serialVersionUID = 1L;

    /** @param message which name, where. */
    public SegmentExistsException(final String message)
    {
        super(message);
    }
}
