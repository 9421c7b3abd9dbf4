package io.shmipc.segment;

import io.shmipc.SharedMemoryException;
import io.shmipc.lock.OwnerSlot;
import io.shmipc.lock.PageLocks;
import io.shmipc.sys.FileDescriptors;
import io.shmipc.sys.FileIdentity;
import org.agrona.UnsafeApi;
import org.agrona.concurrent.UnsafeBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * The JVM-wide registry of {@link Attachment}s, one per segment file (by device and inode), and their life cycle.
 *
 * <h2>Attaching</h2>
 * Opening a name first {@code lstat}s it: if this JVM already has that file attached, the new handle shares the
 * attachment and no descriptor is opened. Otherwise the file is opened ({@code O_NOFOLLOW}), the descriptor is
 * {@code fstat}ed (it must be the file the {@code lstat} saw, a regular file, owned by this user unless allowed), the
 * header is read and validated, the whole file is mapped and an owner slot is claimed. Two threads attaching the same
 * new file at once end with one attachment: the loser's descriptor is closed, or, if the slot is a process lock (which
 * closing any descriptor of the file would drop), kept until the attachment detaches.
 *
 * <h2>Detaching</h2>
 * When the last handle goes ({@code close()}, or garbage collection of a handle never closed), the descriptor, the
 * owner slot and the mapping are released at once, without waiting for the garbage collector, by one of two paths
 * ({@code docs/FORMAT.md} section 12):
 * <ul>
 *   <li><b>JDK 22+</b> ({@link Detacher#replacesMappings()}): wait until no page is held by this JVM's slot (a writer
 *   still inside a closed handle either finishes or, seeing the handle closed right after taking its pages, gives them
 *   back), then replace the mapping in place with anonymous memory, release the slot and close the descriptor. A
 *   thread still inside a call then reads zeros, which every call discards by checking the closed flag once more
 *   before it returns.</li>
 *   <li><b>JDK 17 to 21</b>: unmap only once no thread can be inside a call ({@link Quiescence}); until then the
 *   attachment waits in state {@code DETACHING}, retried by a daemon thread, and an open of the same file revives
 *   it.</li>
 * </ul>
 */
public final class Attachments
{
    private static final Logger LOG = LoggerFactory.getLogger(Attachments.class);
    private static final int OPEN_ATTEMPTS = 10;
    private static final Map<FileIdentity.Key, Attachment> BY_FILE = new HashMap<>(); // guarded by Attachments.class
    /**
     * The classes closing needs, loaded now: a process that has run out of descriptors can no longer load a class
     * from a jar, and must still be able to close its handles.
     */
    private static final boolean DETACH_READY = Detacher.replacesMappings() | Detacher.usesOfdLocks() |
        Quiescence.isInside(new StackTraceElement[0]);

    private Attachments()
    {
    }

    /**
     * Creates segment {@code name} and attaches it.
     *
     * @see SegmentFiles#create
     */
    public static Attachment create(
        final Path directory, final String name, final SegmentGeometry geometry,
        final Set<PosixFilePermission> permissions)
    {
        final SegmentFiles.Mapped created = SegmentFiles.create(directory, name, geometry, permissions);
        try
        {
            return register(created.file(), created.mapping());
        }
        catch (final RuntimeException | Error ex)
        {
            // A new inode, not registered: closing its only descriptor drops nothing else. Its name goes first, while
            // the file is still open (its inode cannot be reused), and only if the name still names it.
            try
            {
                SegmentFiles.removeIfStillOurs(created.file().path(), created.file().identity());
            }
            catch (final RuntimeException | Error cleanup)
            {
                ex.addSuppressed(cleanup);
            }
            UnsafeApi.invokeCleaner(created.mapping());
            SegmentFiles.closeQuietly(created.file().channel());
            throw ex;
        }
    }

    /**
     * Opens and attaches segment {@code name}, or shares this JVM's attachment of the same file.
     *
     * @param initTimeout       how long to wait for a creator that is still initialising the file.
     * @param allowForeignOwner whether a file owned by another user is accepted.
     */
    public static Attachment open(
        final Path directory, final String name, final Duration initTimeout, final boolean allowForeignOwner)
    {
        for (int attempt = 1; ; attempt++)
        {
            final FileIdentity checked = SegmentFiles.lstatRegular(directory, name);
            final Attachment shared = share(checked, name, directory.resolve(name), allowForeignOwner);
            if (shared != null)
            {
                return shared;
            }
            final SegmentFile opened;
            try
            {
                opened = SegmentFiles.open(directory, name, checked, allowForeignOwner);
            }
            catch (final io.shmipc.InvalidSegmentException replaced)
            {
                if (attempt < OPEN_ATTEMPTS && replaced.getMessage().contains("was replaced"))
                {
                    continue; // the name changed under us: look at it again
                }
                throw replaced;
            }
            final Attachment raced = share(opened.identity(), name, opened.path(), allowForeignOwner);
            if (raced != null)
            {
                dispose(opened.channel(), opened.identity());
                return raced;
            }
            final SegmentFile withHeader;
            final MappedByteBuffer mapping;
            try
            {
                withHeader = SegmentFiles.readHeader(opened, initTimeout);
                mapping = SegmentFiles.map(withHeader);
            }
            catch (final RuntimeException | Error ex)
            {
                dispose(opened.channel(), opened.identity());
                throw ex;
            }
            return register(withHeader, mapping);
        }
    }

    /**
     * Reads bytes of the file at {@code path} from {@code position} into {@code dst}, through this JVM's descriptor
     * of it if the file is attached, so that no descriptor of an attached file is ever closed (which would drop a
     * process lock). For tools that inspect segments while handles are open.
     *
     * @return the file's size, or -1 if there is no such file.
     */
    public static long read(final Path path, final ByteBuffer dst, final long position)
    {
        try
        {
            final FileIdentity identity;
            try
            {
                identity = FileDescriptors.lstat(path);
            }
            catch (final NoSuchFileException ex)
            {
                return -1;
            }
            synchronized (Attachments.class)
            {
                final Attachment attached = BY_FILE.get(identity.key());
                if (attached != null)
                {
                    readFully(attached.channel(), dst, position);
                    return attached.channel().size();
                }
                // Under the registry's lock: nothing can attach this file while this descriptor is open.
                try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS))
                {
                    readFully(channel, dst, position);
                    return channel.size();
                }
            }
        }
        catch (final NoSuchFileException ex)
        {
            return -1;
        }
        catch (final IOException ex)
        {
            throw SegmentFiles.failure("cannot read " + path, ex);
        }
    }

    /** @return the number of files attached (or detaching) in this JVM, for tests. */
    public static synchronized int attachedCount()
    {
        return BY_FILE.size();
    }

    /**
     * Disposes of a descriptor that is not (or no longer) going to be attached: closes it, unless this JVM has the
     * same file attached through a process lock, which the close would drop; then it is kept with that attachment.
     *
     * @param identity what {@code fstat} says of it, or {@code null} if unknown (then it is kept if any attachment
     *                 could be of the same file, which is judged by the path it was opened with).
     */
    static synchronized void dispose(final FileChannel channel, final FileIdentity identity)
    {
        final Attachment attached = identity == null ? null : BY_FILE.get(identity.key());
        if (attached != null && !attached.slot().isOpenFileDescriptionLock())
        {
            attached.spares().add(channel);
            return;
        }
        if (identity == null && !BY_FILE.isEmpty() && !Detacher.usesOfdLocks())
        {
            LOG.warn("keeping an unidentified segment descriptor open until exit: closing it could drop an owner " +
                "slot lock");
            return;
        }
        SegmentFiles.closeQuietly(channel);
    }

    static void release(final Attachment attachment)
    {
        synchronized (Attachments.class)
        {
            final int handles = attachment.handles() - 1;
            attachment.handles(handles);
            if (handles > 0 || attachment.state() != Attachment.State.ATTACHED)
            {
                return;
            }
            if (!Detacher.replacesMappings() || !attachment.slot().isOpenFileDescriptionLock())
            {
                // JDK 17 path: stays registered (and revivable) until no thread can be inside a call.
                attachment.state(Attachment.State.DETACHING);
                if (!Detacher.detachIfQuiescent(attachment))
                {
                    Detacher.retryLater(attachment);
                }
                return;
            }
            attachment.state(Attachment.State.DETACHED);
            BY_FILE.remove(attachment.identity().key(), attachment);
        }
        Detacher.detachNow(attachment);
    }

    /** For {@link Detacher}, under the registry's lock: forgets a detached attachment. */
    static void forget(final Attachment attachment)
    {
        BY_FILE.remove(attachment.identity().key(), attachment);
    }

    // ------------------------------------------------------------------------------------------------------------

    /** @return this JVM's attachment of the file {@code identity} names, with one more handle; or {@code null}. */
    private static Attachment share(
        final FileIdentity identity, final String name, final Path path, final boolean allowForeignOwner)
    {
        synchronized (Attachments.class)
        {
            final Attachment attached = BY_FILE.get(identity.key());
            if (attached == null)
            {
                return null;
            }
            if (!allowForeignOwner)
            {
                final SharedMemoryException foreign =
                    SegmentSecurity.foreignOwner(attached.identity().uid(), name, path);
                if (foreign != null)
                {
                    throw foreign;
                }
            }
            if (attached.state() == Attachment.State.DETACHING)
            {
                attached.state(Attachment.State.ATTACHED); // revived before its mapping was released
                Detacher.cancelRetry(attached);
            }
            attached.handles(attached.handles() + 1);
            return attached;
        }
    }

    /** Registers a newly opened or created file: claims its owner slot, or shares a racing thread's attachment. */
    private static Attachment register(final SegmentFile segment, final MappedByteBuffer mapping)
    {
        synchronized (Attachments.class)
        {
            final Attachment raced = BY_FILE.get(segment.identity().key());
            if (raced != null)
            {
                UnsafeApi.invokeCleaner(mapping); // never used by anyone
                dispose(segment.channel(), segment.identity());
                if (raced.state() == Attachment.State.DETACHING)
                {
                    raced.state(Attachment.State.ATTACHED);
                    Detacher.cancelRetry(raced);
                }
                raced.handles(raced.handles() + 1);
                return raced;
            }
            final UnsafeBuffer file = new UnsafeBuffer(mapping);
            final OwnerSlot slot;
            try
            {
                // A newly claimed slot proves its previous holder dead: release the pages that holder left held.
                slot = OwnerSlot.claim(segment.name(), segment.channel(),
                    FileDescriptors.numberOf(segment.channel()),
                    claimed -> new PageLocks(file, segment.name(), segment.geometry().pageCount())
                        .recoverAbandoned(claimed));
            }
            catch (final RuntimeException | Error ex)
            {
                UnsafeApi.invokeCleaner(mapping);
                SegmentFiles.closeQuietly(segment.channel()); // not registered: no slot of this file is held
                throw ex;
            }
            final Attachment attachment = new Attachment(segment, mapping, file, slot);
            attachment.handles(1);
            BY_FILE.put(segment.identity().key(), attachment);
            LOG.debug("attached segment '{}' at {}: {}, {}", segment.name(), segment.path(), segment.geometry(),
                slot);
            return attachment;
        }
    }

    private static void readFully(final FileChannel channel, final ByteBuffer dst, final long position)
        throws IOException
    {
        long at = position;
        while (dst.hasRemaining())
        {
            final int read = channel.read(dst, at);
            if (read < 0)
            {
                return;
            }
            at += read;
        }
    }
}
