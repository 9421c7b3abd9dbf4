package io.shmipc.lock;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.util.ArrayList;
import java.util.List;

/**
 * This JVM's owner slot in one segment file, held through a record lock (see {@link OwnerSlots}), and the liveness
 * test of other slots of the same file. Thread-safe.
 */
public final class OwnerSlot implements OwnerLiveness
{
    private static final Logger LOG = LoggerFactory.getLogger(OwnerSlot.class);

    private final Object key;
    private final String name;
    private final int slot;
    private final FileChannel channel;
    private final FileLock lock;
    private final List<FileChannel> channels = new ArrayList<>(); // guarded by OwnerSlots.class
    private int references = 1; // guarded by OwnerSlots.class

    OwnerSlot(final Object key, final String name, final int slot, final FileChannel channel, final FileLock lock)
    {
        this.key = key;
        this.name = name;
        this.slot = slot;
        this.channel = channel;
        this.lock = lock;
        channels.add(channel);
    }

    /** @return the slot number, 1 to {@link io.shmipc.layout.LockWord#MAX_OWNER}. */
    public int slot()
    {
        return slot;
    }

    /**
     * Asks the kernel whether the holder of {@code other} is alive by trying to take its record lock: if this process
     * gets it, nobody holds the slot, so its last holder is dead (the lock is released again at once).
     */
    @Override
    public boolean isDead(final int other)
    {
        if (other == 0 || other == slot)
        {
            return false;
        }
        try
        {
            final FileLock probe = channel.tryLock(OwnerSlots.lockPosition(other), 1, false);
            if (probe == null)
            {
                return false; // another process holds it: alive
            }
            probe.release();
            return true;
        }
        catch (final OverlappingFileLockException ex)
        {
            return false; // this JVM holds that range (another thread is probing it): not evidence of death
        }
        catch (final IOException ex)
        {
            LOG.warn("segment '{}': cannot probe owner slot {}: {}", name, other, ex.toString());
            return false;
        }
    }

    Object key()
    {
        return key;
    }

    /** Adds a handle that uses this slot; {@code another} channel of the same file stays open until the end. */
    void share(final FileChannel another)
    {
        synchronized (OwnerSlots.class)
        {
            references++;
            if (another != channel)
            {
                channels.add(another);
            }
        }
    }

    /** Drops one handle's reference; the last releases the record lock and closes every channel of the file. */
    void release()
    {
        synchronized (OwnerSlots.class)
        {
            if (--references > 0)
            {
                return;
            }
            OwnerSlots.released(this);
            try
            {
                lock.release();
            }
            catch (final IOException ex)
            {
                LOG.warn("segment '{}': releasing owner slot {}: {}", name, slot, ex.toString());
            }
            channels.forEach(OwnerSlots::closeQuietly);
            channels.clear();
            LOG.debug("segment '{}': released owner slot {}", name, slot);
        }
    }

    @Override
    public String toString()
    {
        return "OwnerSlot{segment='" + name + "', slot=" + slot + "}";
    }
}
