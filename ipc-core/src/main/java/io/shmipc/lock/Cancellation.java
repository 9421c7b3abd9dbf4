package io.shmipc.lock;

/**
 * What ends a wait for a page besides the page itself: the handle being closed. (A thread's interrupt and the call's
 * timeout end waits too; they need no state of their own.)
 */
@FunctionalInterface
public interface Cancellation
{
    /** Never cancelled: for tests and tools that own their memory. */
    Cancellation NEVER = () -> false;

    /** @return whether the handle was closed: a wait must end with {@link IllegalStateException}. */
    boolean isClosed();
}
