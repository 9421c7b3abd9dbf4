package io.shmipc.lock;

import io.shmipc.SharedMemoryException;
import io.shmipc.layout.LockWord;
import io.shmipc.sys.OfdLocks;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.util.function.IntConsumer;

/**
 * This JVM's owner slot in one segment file, held through a record lock on byte {@code 2^62 + slot} of the file
 * ({@link OwnerSlots}), and the liveness test of other slots of the same file. Thread-safe.
 *
 * <p>Two kinds of lock, chosen when the slot is claimed:
 * <ul>
 *   <li><b>Open-file-description lock</b> ({@code F_OFD_SETLK}, JDK 22+): it belongs to this JVM's one open file of
 *   the segment, so nothing else the JVM does with other descriptors of the file can drop it;</li>
 *   <li><b>Process lock</b> ({@link FileChannel#tryLock(long, long, boolean)}, JDK 17 to 21): the kernel drops it
 *   when the process closes <em>any</em> descriptor of the file, for instance {@code Files.readAllBytes(path)}. The
 *   library itself never does that while a slot is held; {@link SlotWatchdog} notices when other code does, logs it as
 *   an error and takes a slot again.</li>
 * </ul>
 * Both kinds conflict with each other, so liveness probes work whichever kind the holder uses.
 */
public final class OwnerSlot implements OwnerLiveness
{
    private static final Logger LOG = LoggerFactory.getLogger(OwnerSlot.class);
    /** Loaded with this class: releasing a slot needs it, and a process out of descriptors may not load it later. */
    private static final Class<?> RELEASE_PATH = SlotWatchdog.class;

    private final String name;
    private final FileChannel channel;
    private final int fd;
    private final boolean ofd;
    private final IntConsumer onClaim;
    /** The pages this JVM's exclusive writers write solely under this slot (one slot per file per JVM). */
    private final SoleLeases soleLeases = new SoleLeases();
    private volatile int slot;
    private FileLock processLock; // guarded by this
    private boolean released; // guarded by this

    private OwnerSlot(final String name, final FileChannel channel, final int fd, final boolean ofd,
        final IntConsumer onClaim)
    {
        this.name = name;
        this.channel = channel;
        this.fd = fd;
        this.ofd = ofd;
        this.onClaim = onClaim;
    }

    /**
     * Claims the lowest free slot of the segment file open as {@code channel} (descriptor {@code fd}, or -1 if
     * unknown): with an OFD lock where supported, else a process lock.
     *
     * @param onClaim called with the slot number before the slot is used: it releases the pages that the slot's
     *                previous (dead) holder left held.
     * @throws SharedMemoryException if every slot is held by a live process, or the lock cannot be taken.
     */
    public static OwnerSlot claim(final String name, final FileChannel channel, final int fd,
        final IntConsumer onClaim)
    {
        final OwnerSlot owner = new OwnerSlot(name, channel, fd, fd >= 0 && OfdLocks.isSupported(), onClaim);
        synchronized (owner)
        {
            owner.slot = owner.claimFree(0);
        }
        if (!owner.ofd)
        {
            SlotWatchdog.watch(owner);
        }
        return owner;
    }

    /** @return the slot number, 1 to {@link LockWord#MAX_OWNER}; it changes only if a lost process lock was taken
     * by another process before this one could take it again. */
    public int slot()
    {
        return slot;
    }

    /** @return the pages this JVM's exclusive writers write solely under this slot ({@link SoleLeases}). */
    public SoleLeases soleLeases()
    {
        return soleLeases;
    }

    /** @return whether the slot is held through an open-file-description lock (JDK 22+). */
    public boolean isOpenFileDescriptionLock()
    {
        return ofd;
    }

    /**
     * Asks the kernel whether the holder of {@code other} is alive: with OFD locks by {@code F_OFD_GETLK}; with
     * process locks by trying to take it (if this process gets it, nobody held it; it is released again at once).
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
            if (ofd)
            {
                return !OfdLocks.isHeldByOther(fd, OwnerSlots.lockPosition(other));
            }
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

    /** Releases the slot's lock. The caller closes the file's descriptors afterwards. */
    public void release()
    {
        synchronized (this)
        {
            if (released)
            {
                return;
            }
            released = true;
            try
            {
                if (ofd)
                {
                    OfdLocks.unlock(fd, OwnerSlots.lockPosition(slot));
                }
                else if (processLock != null && processLock.isValid())
                {
                    processLock.release();
                }
            }
            catch (final IOException ex)
            {
                LOG.warn("segment '{}': releasing owner slot {}: {}", name, slot, ex.toString());
            }
        }
        SlotWatchdog.forget(this);
        LOG.debug("segment '{}': released owner slot {}", name, slot);
    }

    /** @return whether {@link #release()} was called. */
    public synchronized boolean isReleased()
    {
        return released;
    }

    @Override
    public String toString()
    {
        return "OwnerSlot{segment='" + name + "', slot=" + slot + (ofd ? ", OFD lock" : ", process lock") + "}";
    }

    /**
     * For {@link SlotWatchdog}: checks that the kernel still shows this process's lock on the slot (process locks
     * only); if it was dropped, logs an error and takes the slot again, or another one if a process took it
     * meanwhile.
     */
    void checkStillHeld()
    {
        synchronized (this)
        {
            if (released || ofd)
            {
                return;
            }
            final Boolean held = OwnerSlots.processLockShown(channel, slot);
            if (held == null || held)
            {
                return;
            }
            final int lost = slot;
            try
            {
                if (processLock != null)
                {
                    processLock.release(); // the kernel has dropped it; this clears the JDK's record of it
                }
            }
            catch (final IOException ex)
            {
                LOG.debug("segment '{}': clearing the dropped lock of slot {}: {}", name, lost, ex.toString());
            }
            processLock = null;
            slot = claimFree(lost);
            LOG.error("segment '{}': this process's record lock on owner slot {} was dropped by the kernel, because " +
                "code in this JVM closed a descriptor of the segment file (for example Files.readAllBytes on its " +
                "path); while it was gone another process could take this process's pages for a dead writer's " +
                "(any such write reports an OwnershipLostException). {} Avoid opening the segment file directly; " +
                "on JDK 22+ the library uses locks that this cannot drop", name, lost,
                slot == lost ? "Slot " + lost + " was taken again." : "Slot " + lost + " was claimed by another " +
                "process meanwhile; this process now uses slot " + slot + ".");
        }
    }

    /** Claims {@code preferred} if it is not 0 and free, else the lowest free slot; runs {@code onClaim} for it. */
    private int claimFree(final int preferred)
    {
        if (preferred != 0 && tryClaim(preferred))
        {
            return preferred;
        }
        for (int candidate = 1; candidate <= LockWord.MAX_OWNER; candidate++)
        {
            if (candidate != preferred && tryClaim(candidate))
            {
                onClaim.accept(candidate);
                LOG.debug("segment '{}': claimed owner slot {} ({})", name, candidate,
                    ofd ? "OFD lock" : "process lock");
                return candidate;
            }
        }
        throw new SharedMemoryException("segment '" + name + "': all " + LockWord.MAX_OWNER + " owner slots are " +
            "held by live processes");
    }

    private boolean tryClaim(final int candidate)
    {
        final long position = OwnerSlots.lockPosition(candidate);
        try
        {
            if (ofd)
            {
                return OfdLocks.tryLock(fd, position);
            }
            final FileLock lock = channel.tryLock(position, 1, false);
            if (lock != null)
            {
                processLock = lock;
                return true;
            }
            return false;
        }
        catch (final OverlappingFileLockException ex)
        {
            return false; // held by this JVM through another channel being probed: try the next
        }
        catch (final IOException ex)
        {
            throw new SharedMemoryException("segment '" + name + "': cannot lock owner slot " + candidate + ": " +
                ex, ex);
        }
    }
}
