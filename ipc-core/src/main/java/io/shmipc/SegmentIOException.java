package io.shmipc;

/**
 * The operating system could not give what a segment needs: no file descriptor left ("Too many open files"), no
 * memory or address space for the mapping, no free space in the segment directory, or another I/O error. The
 * segment itself may be fine: retrying after freeing the resource can succeed. The {@link java.io.IOException} (or
 * {@link OutOfMemoryError}) behind it is the cause.
 */
public class SegmentIOException extends SharedMemoryException
{
    private static final long serialVersionUID = 1L;

    /** @param message what failed, naming the file and the resource. */
    public SegmentIOException(final String message)
    {
        super(message);
    }

    /**
     * @param message what failed, naming the file and the resource.
     * @param cause   the operating system's error.
     */
    public SegmentIOException(final String message, final Throwable cause)
    {
        super(message, cause);
    }
}
