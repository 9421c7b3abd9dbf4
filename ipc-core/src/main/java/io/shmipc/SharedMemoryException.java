package io.shmipc;

/**
 * Base of the exceptions this library throws for problems with a segment (as opposed to bad arguments, which get
 * the JDK's {@link IllegalArgumentException}, {@link IndexOutOfBoundsException} or {@link NullPointerException}).
 * Unchecked, like the rest of the low-latency Java ecosystem; an {@link java.io.IOException} behind it is the cause.
 */
public class SharedMemoryException extends RuntimeException
{
    private static final long serialVersionUID = 1L;

    /** @param message what went wrong, naming the segment and the value or limit involved. */
    public SharedMemoryException(final String message)
    {
        super(message);
    }

    /**
     * @param message what went wrong, naming the segment and the value or limit involved.
     * @param cause   the exception behind it.
     */
    public SharedMemoryException(final String message, final Throwable cause)
    {
        super(message, cause);
    }
}
