package io.shmipc;

/** {@code open} found no file with that name in the directory. */
public class SegmentNotFoundException extends SharedMemoryException
{
    private static final long serialVersionUID = 1L;

    /** @param message which name, where. */
    public SegmentNotFoundException(final String message)
    {
        super(message);
    }
}
