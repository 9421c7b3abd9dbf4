package io.shmipc;

/**
 * The thread was interrupted while a read, a write or {@link SharedMemory#awaitChange} waited for a page. The
 * thread's interrupt status is kept set, as {@link Thread#interrupt()} left it. Nothing was copied and no lock is left
 * held.
 */
public class WaitInterruptedException extends SharedMemoryException
{
    private static final long serialVersionUID = 1L;

    /** @param message what was being waited for. */
    public WaitInterruptedException(final String message)
    {
        super(message);
    }
}
