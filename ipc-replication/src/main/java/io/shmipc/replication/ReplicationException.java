package io.shmipc.replication;

/**
 * Replication cannot start or go on: no media driver, a channel Aeron refuses, a local segment of another geometry,
 * a page too large for a message. The message names the bad value and the limit.
 */
public class ReplicationException extends RuntimeException
{
    private static final long serialVersionUID = 1L;

    /** @param message what failed, naming the value and the limit. */
    public ReplicationException(final String message)
    {
        super(message);
    }

    /**
     * @param message what failed.
     * @param cause   the underlying error.
     */
    public ReplicationException(final String message, final Throwable cause)
    {
        super(message, cause);
    }
}
