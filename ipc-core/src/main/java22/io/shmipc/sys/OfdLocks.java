package io.shmipc.sys;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Open-file-description record locks ({@code F_OFD_SETLK}, {@code F_OFD_GETLK}) on one byte of a file, through the
 * FFM API: unlike the process-associated locks of {@link java.nio.channels.FileChannel#tryLock(long, long, boolean)},
 * closing another descriptor of the same file does not drop them. Both kinds conflict with each other, so a process
 * using either can probe a lock taken with the other.
 */
public final class OfdLocks
{
    private OfdLocks()
    {
    }

    /** @return whether OFD locks can be used. */
    public static boolean isSupported()
    {
        return Syscalls.AVAILABLE;
    }

    /**
     * Takes an exclusive lock on byte {@code position} of descriptor {@code fd}'s open file, without waiting.
     *
     * @return {@code true} if taken, {@code false} if another open file description (or process) holds it.
     * @throws IOException for any other failure.
     */
    public static boolean tryLock(final int fd, final long position) throws IOException
    {
        final int errno = fcntl(fd, Syscalls.F_OFD_SETLK, Syscalls.F_WRLCK, position, null);
        if (errno == 0)
        {
            return true;
        }
        if (errno == Syscalls.EAGAIN || errno == Syscalls.EACCES)
        {
            return false;
        }
        throw new IOException("fcntl(F_OFD_SETLK) on descriptor " + fd + " failed: errno " + errno);
    }

    /** Releases the lock on byte {@code position} taken through {@code fd}. */
    public static void unlock(final int fd, final long position) throws IOException
    {
        final int errno = fcntl(fd, Syscalls.F_OFD_SETLK, Syscalls.F_UNLCK, position, null);
        if (errno != 0)
        {
            throw new IOException("fcntl(F_OFD_SETLK, F_UNLCK) on descriptor " + fd + " failed: errno " + errno);
        }
    }

    /**
     * @return whether anyone but {@code fd}'s own open file description holds a lock on byte {@code position}
     * ({@code F_OFD_GETLK}): the probe of a slot's liveness, which takes nothing.
     */
    public static boolean isHeldByOther(final int fd, final long position) throws IOException
    {
        final short[] type = new short[1];
        final int errno = fcntl(fd, Syscalls.F_OFD_GETLK, Syscalls.F_WRLCK, position, type);
        if (errno != 0)
        {
            throw new IOException("fcntl(F_OFD_GETLK) on descriptor " + fd + " failed: errno " + errno);
        }
        return type[0] != Syscalls.F_UNLCK;
    }

    /** Sets {@code FD_CLOEXEC} on {@code fd}, so a program started by this process does not inherit it. */
    public static void setCloseOnExec(final int fd) throws IOException
    {
        if (!Syscalls.AVAILABLE)
        {
            throw Syscalls.unavailable();
        }
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment state = arena.allocate(Syscalls.CALL_STATE);
            final int result = (int)Syscalls.FCNTL_INT.invokeExact(state, fd, Syscalls.F_SETFD, Syscalls.FD_CLOEXEC);
            if (result != 0)
            {
                throw new IOException("fcntl(F_SETFD, FD_CLOEXEC) on descriptor " + fd + " failed: errno " +
                    Syscalls.errno(state));
            }
        }
        catch (final IOException | RuntimeException | Error ex)
        {
            throw ex;
        }
        catch (final Throwable ex)
        {
            throw new IllegalStateException(ex);
        }
    }

    /** @return 0 on success, else errno; {@code typeOut[0]} receives the lock type for F_OFD_GETLK. */
    private static int fcntl(final int fd, final int command, final short type, final long position,
        final short[] typeOut)
    {
        if (!Syscalls.AVAILABLE)
        {
            throw Syscalls.unavailable();
        }
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment lock = arena.allocate(Syscalls.FLOCK_SIZE, 8);
            lock.set(ValueLayout.JAVA_SHORT, Syscalls.FLOCK_TYPE, type);
            lock.set(ValueLayout.JAVA_SHORT, Syscalls.FLOCK_WHENCE, (short)0); // SEEK_SET
            lock.set(ValueLayout.JAVA_LONG, Syscalls.FLOCK_START, position);
            lock.set(ValueLayout.JAVA_LONG, Syscalls.FLOCK_LEN, 1L);
            lock.set(ValueLayout.JAVA_INT, Syscalls.FLOCK_PID, 0); // must be 0 for OFD locks
            final MemorySegment state = arena.allocate(Syscalls.CALL_STATE);
            final int result = (int)Syscalls.FCNTL_FLOCK.invokeExact(state, fd, command, lock);
            if (typeOut != null)
            {
                typeOut[0] = lock.get(ValueLayout.JAVA_SHORT, Syscalls.FLOCK_TYPE);
            }
            return result == 0 ? 0 : Syscalls.errno(state);
        }
        catch (final RuntimeException | Error ex)
        {
            throw ex;
        }
        catch (final Throwable ex)
        {
            throw new IllegalStateException(ex);
        }
    }
}
