package io.shmipc.segment;

import io.shmipc.lock.PageLocks;
import io.shmipc.sys.AddressSpace;
import io.shmipc.sys.OfdLocks;
import org.agrona.UnsafeApi;
import org.agrona.concurrent.UnsafeBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.locks.LockSupport;

/**
 * Releases what an {@link Attachment} holds once its last handle is gone: the mapping, the owner slot, the
 * descriptors. See {@link Attachments} for the two paths and {@code docs/FORMAT.md} section 12 for why they are safe.
 */
final class Detacher
{
    /** How long the JDK 22+ path waits for writers still inside closed handles to give their pages back. */
    static final long DRAIN_LIMIT_NANOS = 5_000_000_000L;
    /** Interval between attempts of the JDK 17 path while threads are inside calls. */
    static final long RETRY_NANOS = 10_000_000L;

    private static final Logger LOG = LoggerFactory.getLogger(Detacher.class);
    private static final Set<Attachment> PENDING = new LinkedHashSet<>(); // guarded by Attachments.class
    private static Thread retrier; // guarded by Attachments.class

    private Detacher()
    {
    }

    /** @return whether mappings are released by replacing them in place (JDK 22+ with native calls). */
    static boolean replacesMappings()
    {
        return AddressSpace.isSupported();
    }

    /** @return whether owner slots are open-file-description locks (JDK 22+ with native calls). */
    static boolean usesOfdLocks()
    {
        return OfdLocks.isSupported();
    }

    /**
     * The JDK 22+ path, outside the registry's lock: waits for writers to give their pages back, replaces the mapping
     * with anonymous memory, releases the slot and closes the descriptors.
     */
    static void detachNow(final Attachment attachment)
    {
        final int slot = attachment.slot().slot();
        final PageLocks locks = new PageLocks(attachment.file(), attachment.name(),
            attachment.geometry().pageCount());
        final long start = System.nanoTime();
        int held;
        while ((held = locks.heldBy(slot)) > 0 && System.nanoTime() - start < DRAIN_LIMIT_NANOS)
        {
            LockSupport.parkNanos(100_000L);
        }
        if (held > 0)
        {
            LOG.warn("segment '{}': {} page(s) still held by this process's slot {} {} ms after its last handle " +
                "closed; releasing them marked torn", attachment.name(), held, slot, DRAIN_LIMIT_NANOS / 1_000_000);
        }
        try
        {
            AddressSpace.replaceWithAnonymous(attachment.file().addressOffset(), attachment.geometry().fileLength());
        }
        catch (final RuntimeException ex)
        {
            LOG.warn("segment '{}': could not replace the mapping ({}); it is released when garbage collected",
                attachment.name(), ex.toString());
        }
        releaseLeftovers(attachment, slot, held > 0);
        closeAll(attachment);
        LOG.debug("detached segment '{}' (mapping replaced, slot {} released)", attachment.name(), slot);
    }

    /**
     * Gives back, in the file, pages still held by this JVM's slot once the mapping was replaced. After the drain,
     * only a writer that took a page after the close and then saw the handle closed can have left one (it wrote
     * nothing, and its own release went to the replacement): those are released unchanged. Pages of writers still
     * inside their copy when the drain gave up are released marked torn. Through a private mapping of the lock table,
     * unmapped at once.
     */
    private static void releaseLeftovers(final Attachment attachment, final int slot, final boolean torn)
    {
        final long tableLength = attachment.geometry().dataOffset();
        MappedByteBuffer table = null;
        try
        {
            table = attachment.channel().map(FileChannel.MapMode.READ_WRITE, 0, tableLength);
            final PageLocks locks = new PageLocks(new UnsafeBuffer(table), attachment.name(),
                attachment.geometry().pageCount());
            if (torn)
            {
                locks.releaseAfterFailure(0, attachment.geometry().pageCount() - 1, slot, true);
            }
            else
            {
                locks.abandonClosed(0, attachment.geometry().pageCount() - 1, slot);
            }
        }
        catch (final IOException | RuntimeException ex)
        {
            LOG.warn("segment '{}': could not check its lock table after closing: {}", attachment.name(),
                ex.toString());
        }
        finally
        {
            if (table != null)
            {
                UnsafeApi.invokeCleaner(table);
            }
        }
    }

    /**
     * The JDK 17 path, under the registry's lock: if no thread can be inside a call, unmaps, releases the slot,
     * closes the descriptors and forgets the attachment.
     *
     * @return whether it was detached.
     */
    static boolean detachIfQuiescent(final Attachment attachment)
    {
        if (attachment.state() != Attachment.State.DETACHING || attachment.handles() > 0)
        {
            return true; // revived, or already done: nothing to retry
        }
        if (!Quiescence.noOtherThreadInside())
        {
            return false;
        }
        UnsafeApi.invokeCleaner(attachment.mapping());
        closeAll(attachment);
        attachment.state(Attachment.State.DETACHED);
        Attachments.forget(attachment);
        LOG.debug("detached segment '{}' (unmapped, slot released)", attachment.name());
        return true;
    }

    /** Under the registry's lock: tries again every {@link #RETRY_NANOS} on a daemon thread. */
    static void retryLater(final Attachment attachment)
    {
        PENDING.add(attachment);
        if (retrier == null)
        {
            retrier = new Thread(Detacher::retry, "shmipc-detacher");
            retrier.setDaemon(true);
            retrier.start();
        }
    }

    /** Under the registry's lock: the attachment was revived. */
    static void cancelRetry(final Attachment attachment)
    {
        PENDING.remove(attachment);
    }

    /** @return the number of attachments waiting to be detached (for tests). */
    static int pending()
    {
        synchronized (Attachments.class)
        {
            return PENDING.size();
        }
    }

    private static void retry()
    {
        while (true)
        {
            LockSupport.parkNanos(RETRY_NANOS);
            synchronized (Attachments.class)
            {
                final List<Attachment> done = new ArrayList<>();
                for (final Attachment attachment : PENDING)
                {
                    if (detachIfQuiescent(attachment))
                    {
                        done.add(attachment);
                    }
                }
                PENDING.removeAll(done);
                if (PENDING.isEmpty())
                {
                    retrier = null;
                    return;
                }
            }
        }
    }

    private static void closeAll(final Attachment attachment)
    {
        attachment.slot().release();
        final List<FileChannel> channels;
        synchronized (Attachments.class)
        {
            channels = new ArrayList<>(attachment.spares());
            attachment.spares().clear();
        }
        channels.add(attachment.channel());
        channels.forEach(SegmentFiles::closeQuietly);
    }
}
