package io.shmipc;

/**
 * The name exists but its creator has not published the header (the magic number) within the init timeout: it is
 * still initialising the segment, or died while doing so. Opening again later may succeed.
 */
public class SegmentNotReadyException extends InvalidSegmentException
{
    private static final long serialVersionUID = 1L;

    /** @param message which segment, where, and how long open waited. */
    public SegmentNotReadyException(final String message)
    {
        super(message);
    }
}
