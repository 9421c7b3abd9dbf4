package io.shmipc.lock;

import io.shmipc.sys.FileDescriptors;

import java.nio.channels.FileChannel;

/**
 * Where owner slots live in a segment file, and what the kernel shows of this process's slot locks.
 *
 * <h2>Slots</h2>
 * A process claims owner slot {@code s} (1 to {@link io.shmipc.layout.LockWord#MAX_OWNER}) of a segment file by
 * taking an exclusive record lock on the single byte at {@link #lockPosition(int) 2^62 + s} of that same file (far
 * beyond its end: the lock covers no data) and keeps it for as long as it is attached. The kernel drops a record lock
 * when its holder dies, however it dies, so anyone who can take that byte's lock knows that the slot's last holder is
 * dead. Record locks belong to the inode, so this works between containers that share {@code /dev/shm} whatever
 * their PID namespaces.
 *
 * <p>This JVM keeps one descriptor, one mapping and one slot per segment file, shared by all the handles of that file
 * ({@code io.shmipc.segment.Attachments}): process locks are dropped when the process closes any descriptor of the
 * file, and open-file-description locks of two descriptions of the same file would conflict with each other.
 */
public final class OwnerSlots
{
    /** File position of owner slot 0's lock byte; slot {@code s} is at this plus {@code s}. */
    public static final long SLOT_LOCK_BASE = 1L << 62;

    private OwnerSlots()
    {
    }

    /** @return the file position of the byte whose record lock owner slot {@code slot} holds. */
    public static long lockPosition(final int slot)
    {
        return SLOT_LOCK_BASE + slot;
    }

    /**
     * @return whether {@code /proc/self/fdinfo} shows this process's process ("POSIX") write lock on {@code slot}'s
     * byte of the file open as {@code channel}; {@code null} if that cannot be read.
     */
    static Boolean processLockShown(final FileChannel channel, final int slot)
    {
        final String info = FileDescriptors.info(channel);
        if (info == null)
        {
            return null;
        }
        final String range = " " + lockPosition(slot) + " " + lockPosition(slot);
        for (final String line : info.split("\n"))
        {
            if (line.startsWith("lock:") && line.contains("POSIX") && line.contains("WRITE") && line.endsWith(range))
            {
                return Boolean.TRUE;
            }
        }
        return Boolean.FALSE;
    }
}
