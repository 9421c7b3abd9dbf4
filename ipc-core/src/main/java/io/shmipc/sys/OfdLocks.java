package io.shmipc.sys;

import java.io.IOException;

/**
 * Open-file-description record locks ({@code F_OFD_SETLK}, {@code F_OFD_GETLK}) on one byte of a file: unlike the
 * process-associated locks of {@link java.nio.channels.FileChannel#tryLock(long, long, boolean)}, closing another
 * descriptor of the same file does not drop them. Both kinds conflict with each other, so a process using either can
 * probe a lock taken with the other. Unsupported on this JDK (see the JDK 22+ version).
 */
public final class OfdLocks
{
    private OfdLocks()
    {
    }

    /** @return whether OFD locks can be used: never on this JDK. */
    public static boolean isSupported()
    {
        return false;
    }

    /**
     * Takes an exclusive lock on byte {@code position} of descriptor {@code fd}'s open file, without waiting.
     *
     * @return {@code true} if taken, {@code false} if another open file description (or process) holds it.
     * @throws IOException for any other failure.
     */
    public static boolean tryLock(final int fd, final long position) throws IOException
    {
        throw new UnsupportedOperationException("OFD locks need JDK 22+");
    }

    /** Releases the lock on byte {@code position} taken through {@code fd}. */
    public static void unlock(final int fd, final long position) throws IOException
    {
        throw new UnsupportedOperationException("OFD locks need JDK 22+");
    }

    /**
     * @return whether anyone but {@code fd}'s own open file description holds a lock on byte {@code position}
     * ({@code F_OFD_GETLK}): the probe of a slot's liveness, which takes nothing.
     */
    public static boolean isHeldByOther(final int fd, final long position) throws IOException
    {
        throw new UnsupportedOperationException("OFD locks need JDK 22+");
    }

    /** Sets {@code FD_CLOEXEC} on {@code fd}, so a program started by this process does not inherit it. */
    public static void setCloseOnExec(final int fd) throws IOException
    {
        throw new UnsupportedOperationException("fcntl needs JDK 22+");
    }
}
