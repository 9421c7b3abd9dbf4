package io.shmipc.lock;

import io.shmipc.SharedMemoryException;
import io.shmipc.layout.LockWord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.lang.ref.Cleaner;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.HashMap;
import java.util.Map;
import java.util.function.IntConsumer;

/**
 * The JVM-wide registry of owner slots: one slot per segment file (per inode) per process, shared by every handle of
 * that file in this JVM and reference-counted.
 *
 * <h2>Slots</h2>
 * A process claims owner slot {@code s} (1 to {@link LockWord#MAX_OWNER}) of a segment file by taking an exclusive
 * POSIX record lock on the single byte at {@link #lockPosition(int) 2^62 + s} of that same file (far beyond its end:
 * the lock covers no data) and keeps it for as long as it is attached. The kernel drops a record lock when its process
 * dies, however it dies, so anyone who can take that byte's lock knows that the slot's last holder is dead. Record
 * locks belong to the inode, so this works between containers that share {@code /dev/shm} whatever their PID
 * namespaces.
 *
 * <h2>Why a registry</h2>
 * POSIX record locks belong to the process, not the descriptor, and closing <em>any</em> descriptor of a file
 * releases <em>all</em> the process's locks on it. So a JVM that opens the same segment twice must share one slot,
 * and must close none of the file's descriptors while the slot is held: the registry keeps every channel of the file
 * open until the last handle goes, then releases the slot and closes them. A handle gives its reference back when it
 * becomes unreachable (a {@link Cleaner}), not at {@code close()}: a thread may still be inside a write when another
 * thread closes the handle, and releasing the slot then would let another process take its pages over.
 */
public final class OwnerSlots
{
    /** File position of owner slot 0's lock byte; slot {@code s} is at this plus {@code s}. */
    public static final long SLOT_LOCK_BASE = 1L << 62;

    private static final Logger LOG = LoggerFactory.getLogger(OwnerSlots.class);
    private static final Cleaner CLEANER = Cleaner.create();
    private static final Map<Object, OwnerSlot> SLOTS = new HashMap<>();

    private OwnerSlots()
    {
    }

    /** @return the file position of the byte whose record lock owner slot {@code slot} holds. */
    public static long lockPosition(final int slot)
    {
        return SLOT_LOCK_BASE + slot;
    }

    /**
     * Gives this JVM's owner slot of the segment file at {@code path}, claiming one if this JVM holds none yet. The
     * registry takes {@code channel} over: it is closed when the slot is released, never before.
     *
     * @param path    the segment file, just opened as {@code channel}.
     * @param channel an open read-write channel of that file.
     * @param name    the segment's name, for messages.
     * @param onClaim called with the slot number when a slot is newly claimed, before any handle can use it: it
     *                recovers pages that the slot's previous (dead) holder left held.
     * @throws SharedMemoryException if every slot is held by a live process, or the lock cannot be taken.
     */
    public static synchronized OwnerSlot acquire(
        final Path path, final FileChannel channel, final String name, final IntConsumer onClaim)
    {
        final Object key = fileKey(path);
        final OwnerSlot existing = SLOTS.get(key);
        if (existing != null)
        {
            existing.share(channel);
            return existing;
        }
        for (int slot = 1; slot <= LockWord.MAX_OWNER; slot++)
        {
            final FileLock lock;
            try
            {
                lock = channel.tryLock(lockPosition(slot), 1, false);
            }
            catch (final OverlappingFileLockException ex)
            {
                continue; // held by this JVM through an entry being probed: try the next
            }
            catch (final IOException ex)
            {
                throw new SharedMemoryException("cannot lock owner slot " + slot + " of segment '" + name + "' at " +
                    path + ": " + ex, ex);
            }
            if (lock != null)
            {
                final OwnerSlot claimed = new OwnerSlot(key, name, slot, channel, lock);
                onClaim.accept(slot);
                SLOTS.put(key, claimed);
                LOG.debug("segment '{}': claimed owner slot {}", name, slot);
                return claimed;
            }
        }
        throw new SharedMemoryException("segment '" + name + "' at " + path + ": all " + LockWord.MAX_OWNER +
            " owner slots are held by live processes");
    }

    /** Releases {@code slot}'s reference once {@code handle} is unreachable. */
    public static void releaseWhenUnreachable(final Object handle, final OwnerSlot slot)
    {
        CLEANER.register(handle, slot::release);
    }

    /**
     * Closes {@code channel} of the file at {@code path}, unless this JVM holds an owner slot of that file: closing
     * it would drop the slot's record lock, so the registry keeps it open until the slot is released.
     */
    public static synchronized void closeChannel(final Path path, final FileChannel channel)
    {
        final OwnerSlot held = SLOTS.get(fileKeyOrNull(path));
        if (held != null)
        {
            held.share(channel);
            held.release();
            return;
        }
        closeQuietly(channel);
    }

    /** @return the number of segment files on which this JVM holds a slot (for tests). */
    static synchronized int heldCount()
    {
        return SLOTS.size();
    }

    static synchronized void released(final OwnerSlot slot)
    {
        SLOTS.remove(slot.key(), slot);
    }

    static void closeQuietly(final FileChannel channel)
    {
        try
        {
            channel.close();
        }
        catch (final IOException ex)
        {
            LOG.warn("closing a segment channel: {}", ex.toString());
        }
    }

    private static Object fileKey(final Path path)
    {
        final Object key = fileKeyOrNull(path);
        if (key == null)
        {
            throw new SharedMemoryException("cannot identify the file of segment at " + path);
        }
        return key;
    }

    private static Object fileKeyOrNull(final Path path)
    {
        try
        {
            final Object key = Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS)
                .fileKey();
            return key != null ? key : path.toAbsolutePath().normalize();
        }
        catch (final IOException ex)
        {
            return null;
        }
    }
}
