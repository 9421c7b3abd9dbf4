package io.shmipc.segment;

import io.shmipc.InvalidSegmentException;
import io.shmipc.SegmentAccessDeniedException;
import io.shmipc.SegmentExistsException;
import io.shmipc.SegmentIOException;
import io.shmipc.SegmentNotFoundException;
import io.shmipc.SegmentNotReadyException;
import io.shmipc.SharedMemoryException;
import io.shmipc.layout.SegmentDescriptor;
import io.shmipc.sys.FileDescriptors;
import io.shmipc.sys.FileIdentity;
import io.shmipc.sys.OfdLocks;
import org.agrona.UnsafeApi;
import org.agrona.concurrent.UnsafeBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.locks.LockSupport;

/**
 * Segment files on the file system: create (exclusive, allocate, initialise, publish the header last), open (refuse
 * what is not a segment or not this user's, check that the descriptor is the file that was checked, wait for a
 * creator still initialising it), map, and unlink. Symbolic links are never followed. Which descriptors stay open,
 * and for how long, is {@link Attachments}'s business: this class closes only descriptors it was told it may close.
 */
public final class SegmentFiles
{
    /** Owner read and write only: the default mode of a new segment. */
    public static final Set<PosixFilePermission> OWNER_ONLY = Set.copyOf(PosixFilePermissions.fromString("rw-------"));

    private static final Logger LOG = LoggerFactory.getLogger(SegmentFiles.class);
    private static final int FILL_CHUNK = 1 << 20;
    private static final long INIT_POLL_NANOS = 1_000_000L;

    private SegmentFiles()
    {
    }

    /**
     * Creates segment {@code name} in {@code directory}: fails if the name exists, then checks the free space,
     * allocates and zero-fills every byte (so a full file system fails here, not with a SIGBUS later), maps it,
     * writes the header and publishes its magic number last. On failure nothing is left under the name that this
     * create made ({@link #removeIfStillOurs}: a file another process put under the name meanwhile is kept).
     *
     * @return the new file and its mapping.
     */
    static Mapped create(
        final Path directory,
        final String name,
        final SegmentGeometry geometry,
        final Set<PosixFilePermission> permissions)
    {
        SegmentNames.validate(name);
        requireDirectory(directory);
        final Path path = directory.resolve(name);

        final FileChannel channel;
        try
        {
            // CREATE_NEW is O_CREAT|O_EXCL: it fails on any existing name, a symbolic link included.
            channel = FileChannel.open(path, EnumSet.of(
                StandardOpenOption.CREATE_NEW, StandardOpenOption.READ, StandardOpenOption.WRITE),
                permissionsAttribute(permissions));
        }
        catch (final FileAlreadyExistsException ex)
        {
            throw new SegmentExistsException("segment '" + name + "' already exists: " + path);
        }
        catch (final IOException ex)
        {
            throw failure("cannot create segment '" + name + "' at " + path, ex);
        }

        FileIdentity identity = null;
        try
        {
            closeOnExec(channel);
            applyPermissions(path, permissions);
            identity = FileDescriptors.statOrLstat(channel, path);
            // Only now, with the name ours: an existing segment is opened by openOrCreate whatever the free space.
            checkFreeSpace(directory, name, geometry.fileLength());
            fill(channel, geometry.fileLength(), name, directory);
            final MappedByteBuffer mapping = map(channel, geometry, name, path);
            writeHeader(new UnsafeBuffer(mapping), geometry);
            LOG.debug("created segment '{}' at {}: {}", name, path, geometry);
            return new Mapped(new SegmentFile(name, path, channel, identity, geometry, true), mapping);
        }
        catch (final IOException | RuntimeException | Error ex)
        {
            try
            {
                // Removed while still open, so that its inode cannot be given to another file under the name meanwhile.
                removeIfStillOurs(path, identity != null ? identity : statQuietly(channel));
            }
            catch (final RuntimeException | Error cleanup)
            {
                ex.addSuppressed(cleanup);
            }
            finally
            {
                closeQuietly(channel); // a new inode: no other descriptor of it exists in this JVM
            }
            if (ex instanceof SharedMemoryException)
            {
                throw (SharedMemoryException)ex;
            }
            throw failure("cannot create segment '" + name + "' at " + path, ex);
        }
    }

    /**
     * @return what {@code lstat} says of {@code directory/name}, which must be a regular file (no symbolic link,
     * directory, FIFO...).
     * @throws SegmentNotFoundException if there is no such name.
     */
    static FileIdentity lstatRegular(final Path directory, final String name)
    {
        SegmentNames.validate(name);
        requireDirectory(directory);
        final Path path = directory.resolve(name);
        final FileIdentity identity;
        try
        {
            identity = FileDescriptors.lstat(path);
        }
        catch (final NoSuchFileException ex)
        {
            throw notFound(name, path);
        }
        catch (final IOException ex)
        {
            throw failure("cannot read attributes of segment '" + name + "' at " + path, ex);
        }
        if (Files.isSymbolicLink(path))
        {
            throw new InvalidSegmentException("'" + name + "' at " + path + " is a symbolic link; segments are " +
                "never opened through links");
        }
        if (Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS))
        {
            throw new InvalidSegmentException("'" + name + "' at " + path + " is a directory, not a segment");
        }
        if (!identity.isRegularFile())
        {
            throw new InvalidSegmentException("'" + name + "' at " + path + " is not a regular file (mode " +
                Integer.toOctalString(identity.mode()) + ")");
        }
        return identity;
    }

    /**
     * Opens {@code directory/name} for reading and writing, without following a link, and checks the descriptor:
     * it must be the regular file that {@code checked} (an {@code lstat} of the name) described, owned by this
     * process's effective user unless {@code allowForeignOwner}. The header is not read yet.
     */
    static SegmentFile open(
        final Path directory, final String name, final FileIdentity checked, final boolean allowForeignOwner)
    {
        final Path path = directory.resolve(name);
        final FileChannel channel;
        try
        {
            channel = FileChannel.open(path, Set.<OpenOption>of(
                StandardOpenOption.READ, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS));
        }
        catch (final NoSuchFileException ex)
        {
            throw notFound(name, path);
        }
        catch (final AccessDeniedException ex)
        {
            throw new SegmentAccessDeniedException("permission denied opening segment '" + name + "' at " + path +
                " for reading and writing (mode " + checked.permissions() + ", owner uid " + checked.uid() +
                "; this process's uid is " + SegmentSecurity.effectiveUid() + ")", ex);
        }
        catch (final FileSystemException ex)
        {
            if (isOutOfDescriptors(ex))
            {
                throw failure("cannot open segment '" + name + "' at " + path, ex);
            }
            // ELOOP: the name was replaced by a symbolic link after the check.
            throw new InvalidSegmentException("cannot open segment '" + name + "' at " + path + ": " +
                ex.getReason());
        }
        catch (final IOException ex)
        {
            throw failure("cannot open segment '" + name + "' at " + path, ex);
        }
        return new SegmentFile(name, path, channel, checkOpened(channel, name, path, checked, allowForeignOwner),
            null, false);
    }

    /**
     * Waits up to {@code initTimeout} for the creator of {@code file} to publish its header, then validates the header
     * against the file.
     *
     * @return the file with its geometry.
     */
    static SegmentFile readHeader(final SegmentFile file, final Duration initTimeout)
    {
        try
        {
            return file.withGeometry(awaitHeader(file.channel(), file.name(), file.path(), initTimeout));
        }
        catch (final IOException ex)
        {
            throw failure("cannot read the header of segment '" + file.name() + "' at " + file.path(), ex);
        }
    }

    /** @return the whole of {@code file} mapped read-write. */
    static MappedByteBuffer map(final SegmentFile file)
    {
        try
        {
            return map(file.channel(), file.geometry(), file.name(), file.path());
        }
        catch (final IOException ex)
        {
            throw failure("cannot map segment '" + file.name() + "' at " + file.path(), ex);
        }
    }

    /**
     * Removes the name {@code name} from {@code directory}, like {@code shm_unlink}, if it is a segment: a regular
     * file whose magic number is the segment's, or 0 (a segment whose creator is still initialising it, or died
     * doing so). Anything else (a directory, a link, a plain file) is refused. Processes that have the segment mapped
     * keep using it; the memory is freed when the last of them unmaps it.
     *
     * @return {@code true} if a file was removed, {@code false} if there was none.
     * @throws InvalidSegmentException if the name is not a segment.
     */
    public static boolean unlink(final Path directory, final String name)
    {
        SegmentNames.validate(name);
        final Path path = directory.resolve(name);
        final FileIdentity identity;
        try
        {
            identity = FileDescriptors.lstat(path);
        }
        catch (final NoSuchFileException ex)
        {
            return false;
        }
        catch (final IOException ex)
        {
            throw failure("cannot read attributes of '" + name + "' at " + path, ex);
        }
        if (Files.isSymbolicLink(path))
        {
            throw new InvalidSegmentException("refusing to unlink '" + name + "' at " + path + ": it is a symbolic " +
                "link, not a segment (neither followed nor removed)");
        }
        if (Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS))
        {
            throw new InvalidSegmentException("refusing to unlink '" + name + "' at " + path + ": it is a " +
                "directory, not a segment");
        }
        if (!identity.isRegularFile())
        {
            throw new InvalidSegmentException("refusing to unlink '" + name + "' at " + path + ": not a segment " +
                "(not a regular file, mode " + Integer.toOctalString(identity.mode()) + ")");
        }
        final ByteBuffer magic = ByteBuffer.allocate(Long.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        Attachments.read(path, magic, SegmentDescriptor.MAGIC_OFFSET);
        if (magic.position() == Long.BYTES && magic.getLong(0) != SegmentDescriptor.MAGIC && magic.getLong(0) != 0)
        {
            throw new InvalidSegmentException("refusing to unlink '" + name + "' at " + path + ": not a segment " +
                "(magic " + hex(magic.getLong(0)) + ")");
        }
        try
        {
            final boolean removed = Files.deleteIfExists(path);
            LOG.debug("unlink segment '{}' at {}: {}", name, path, removed ? "removed" : "absent");
            return removed;
        }
        catch (final IOException ex)
        {
            throw failure("cannot unlink segment '" + name + "' at " + path, ex);
        }
    }

    /** Closes {@code channel}, ignoring errors: only for a descriptor whose file holds no slot of this JVM. */
    static void closeQuietly(final FileChannel channel)
    {
        try
        {
            channel.close();
        }
        catch (final IOException ex)
        {
            LOG.debug("closing a segment descriptor: {}", ex.toString());
        }
    }

    /**
     * @return the exception that says what {@code ex} means for a segment: {@link SegmentAccessDeniedException} for a
     * refusal, {@link SegmentNotFoundException} for a missing file, {@link SegmentIOException} for a resource that ran
     * out (descriptors, memory, space) or an I/O error.
     */
    static SharedMemoryException failure(final String what, final Throwable ex)
    {
        if (ex instanceof SharedMemoryException)
        {
            return (SharedMemoryException)ex;
        }
        if (ex instanceof AccessDeniedException)
        {
            return new SegmentAccessDeniedException(what + ": permission denied", ex);
        }
        if (ex instanceof FileSystemException && isOutOfDescriptors((FileSystemException)ex) ||
            String.valueOf(ex.getMessage()).contains("Too many open files"))
        {
            return new SegmentIOException(what + ": this process has no file descriptor left (Too many open " +
                "files; raise the limit with ulimit -n, or close handles)", ex);
        }
        if (ex.getCause() instanceof OutOfMemoryError || ex instanceof OutOfMemoryError)
        {
            return new SegmentIOException(what + ": out of memory or address space for the mapping (" + ex + ")",
                ex);
        }
        return new SegmentIOException(what + ": " + ex, ex);
    }

    // ------------------------------------------------------------------------------------------------------------

    private static FileIdentity checkOpened(
        final FileChannel channel,
        final String name,
        final Path path,
        final FileIdentity checked,
        final boolean allowForeignOwner)
    {
        final FileIdentity opened;
        try
        {
            closeOnExec(channel);
            opened = FileDescriptors.statOrLstat(channel, path);
        }
        catch (final IOException | RuntimeException ex)
        {
            Attachments.dispose(channel, null);
            throw failure("cannot identify the file of segment '" + name + "' at " + path, ex);
        }
        if (!opened.isRegularFile() || !opened.sameFileAs(checked))
        {
            Attachments.dispose(channel, opened);
            throw new InvalidSegmentException("'" + name + "' at " + path + " was replaced while it was being " +
                "opened (the descriptor is not the regular file that was checked); refusing it");
        }
        if (!allowForeignOwner)
        {
            final SegmentAccessDeniedException foreign = SegmentSecurity.foreignOwner(opened.uid(), name, path);
            if (foreign != null)
            {
                Attachments.dispose(channel, opened);
                throw foreign;
            }
        }
        return opened;
    }

    private static void closeOnExec(final FileChannel channel) throws IOException
    {
        final int fd = FileDescriptors.numberOf(channel);
        if (fd >= 0 && OfdLocks.isSupported())
        {
            OfdLocks.setCloseOnExec(fd);
        }
    }

    private static MappedByteBuffer map(
        final FileChannel channel, final SegmentGeometry geometry, final String name, final Path path)
        throws IOException
    {
        try
        {
            return channel.map(FileChannel.MapMode.READ_WRITE, 0, geometry.fileLength());
        }
        catch (final OutOfMemoryError ex)
        {
            throw new SegmentIOException("cannot map segment '" + name + "' at " + path + " (" +
                geometry.fileLength() + " bytes): out of memory or address space", ex);
        }
    }

    private static void writeHeader(final UnsafeBuffer file, final SegmentGeometry geometry)
    {
        // The file is all zeros: the lock table (every page free, sequence 0) and the counters need no writes.
        file.putInt(SegmentDescriptor.LAYOUT_VERSION_OFFSET, geometry.layoutVersion());
        file.putInt(SegmentDescriptor.HEADER_LENGTH_OFFSET, SegmentDescriptor.HEADER_LENGTH);
        file.putInt(SegmentDescriptor.PAGE_SIZE_OFFSET, geometry.pageSize());
        file.putInt(SegmentDescriptor.PAGE_COUNT_OFFSET, geometry.pageCount());
        file.putLong(SegmentDescriptor.LOCK_TABLE_OFFSET_OFFSET, SegmentDescriptor.lockTableOffset());
        file.putLong(SegmentDescriptor.DATA_OFFSET_OFFSET, geometry.dataOffset());
        file.putLong(SegmentDescriptor.FILE_LENGTH_OFFSET, geometry.fileLength());
        file.putLong(SegmentDescriptor.CREATED_MILLIS_OFFSET, System.currentTimeMillis());
        file.putLong(SegmentDescriptor.CREATOR_PID_OFFSET, ProcessHandle.current().pid());
        // release: every header field is visible to a process that sees the magic number.
        file.putLongRelease(SegmentDescriptor.MAGIC_OFFSET, SegmentDescriptor.MAGIC);
    }

    private static SegmentGeometry awaitHeader(
        final FileChannel channel, final String name, final Path path, final Duration initTimeout) throws IOException
    {
        final long deadline = System.nanoTime() + saturatedNanos(initTimeout);
        MappedByteBuffer mapped = null;
        try
        {
            while (true)
            {
                final long size = channel.size();
                if (mapped == null && size >= SegmentDescriptor.HEADER_LENGTH)
                {
                    mapped = channel.map(FileChannel.MapMode.READ_ONLY, 0, SegmentDescriptor.HEADER_LENGTH);
                }
                long magic = -1;
                if (mapped != null)
                {
                    final UnsafeBuffer header = new UnsafeBuffer(mapped);
                    // acquire: the header fields read below are those written before the magic was published.
                    magic = header.getLongVolatile(SegmentDescriptor.MAGIC_OFFSET);
                    if (magic == SegmentDescriptor.MAGIC)
                    {
                        return validateHeader(header, channel.size(), name, path);
                    }
                    if (magic != 0)
                    {
                        throw new InvalidSegmentException("'" + name + "' at " + path + " is not a segment: magic " +
                            hex(magic) + ", expected " + hex(SegmentDescriptor.MAGIC));
                    }
                }
                if (System.nanoTime() - deadline >= 0)
                {
                    throw new SegmentNotReadyException("segment '" + name + "' at " + path + " was not initialised " +
                        "within " + initTimeout + " (file length " + size + ", magic " +
                        (magic == -1 ? "absent" : "0") + "): its creator is still initialising it or died doing " +
                        "so, or it is not a segment; unlink it if it is stale");
                }
                LockSupport.parkNanos(INIT_POLL_NANOS);
            }
        }
        finally
        {
            if (mapped != null)
            {
                UnsafeApi.invokeCleaner(mapped); // this thread's own mapping: unmapped now, not at some GC
            }
        }
    }

    private static SegmentGeometry validateHeader(
        final UnsafeBuffer header, final long actualLength, final String name, final Path path)
    {
        final String where = "segment '" + name + "' at " + path;
        final int version = header.getInt(SegmentDescriptor.LAYOUT_VERSION_OFFSET);
        if (version < SegmentDescriptor.LAYOUT_VERSION || version > SegmentDescriptor.SOLE_LAYOUT_VERSION)
        {
            throw new InvalidSegmentException(where + " has layout version " + version + "; this library reads " +
                "versions " + SegmentDescriptor.LAYOUT_VERSION + " to " + SegmentDescriptor.SOLE_LAYOUT_VERSION +
                " (3 and 4 with leases)" + (version < SegmentDescriptor.LAYOUT_VERSION ?
                " (made by an older shm-ipc: unlink and recreate it with this version)" :
                " (made by a newer shm-ipc: upgrade this program)"));
        }
        final int headerLength = header.getInt(SegmentDescriptor.HEADER_LENGTH_OFFSET);
        if (headerLength != SegmentDescriptor.HEADER_LENGTH)
        {
            throw new InvalidSegmentException(where + " has header length " + headerLength + ", expected " +
                SegmentDescriptor.HEADER_LENGTH);
        }
        final int pageSize = header.getInt(SegmentDescriptor.PAGE_SIZE_OFFSET);
        final int pageCount = header.getInt(SegmentDescriptor.PAGE_COUNT_OFFSET);
        final String problem = SegmentGeometry.problem(pageSize, pageCount);
        if (problem != null)
        {
            throw new InvalidSegmentException(where + " has a bad header: " + problem);
        }
        final SegmentGeometry plain = SegmentGeometry.of(pageSize, pageCount);
        final SegmentGeometry geometry = plain.withLayoutVersion(version);
        expectLong(header, SegmentDescriptor.LOCK_TABLE_OFFSET_OFFSET, SegmentDescriptor.lockTableOffset(),
            "lock table offset", where);
        expectLong(header, SegmentDescriptor.DATA_OFFSET_OFFSET, geometry.dataOffset(), "data offset", where);
        expectLong(header, SegmentDescriptor.FILE_LENGTH_OFFSET, geometry.fileLength(), "file length", where);
        if (actualLength != geometry.fileLength())
        {
            throw new InvalidSegmentException(where + " is " + actualLength + " bytes long but its header (" +
                geometry + ") needs " + geometry.fileLength() + ": the file was truncated or extended");
        }
        return geometry;
    }

    private static void expectLong(
        final UnsafeBuffer header, final int offset, final long expected, final String field, final String where)
    {
        final long actual = header.getLong(offset);
        if (actual != expected)
        {
            throw new InvalidSegmentException(where + " has " + field + " " + actual + ", expected " + expected);
        }
    }

    private static void requireDirectory(final Path directory)
    {
        if (!Files.isDirectory(directory))
        {
            throw new SegmentNotFoundException("segment directory " + directory + " does not exist or is not a " +
                "directory");
        }
    }

    private static SegmentNotFoundException notFound(final String name, final Path path)
    {
        return new SegmentNotFoundException("no segment '" + name + "': " + path + " does not exist");
    }

    private static boolean isOutOfDescriptors(final FileSystemException ex)
    {
        return String.valueOf(ex.getReason()).contains("Too many open files");
    }

    private static void checkFreeSpace(final Path directory, final String name, final long fileLength)
    {
        final long usable;
        try
        {
            usable = Files.getFileStore(directory).getUsableSpace();
        }
        catch (final IOException ex)
        {
            // Not fatal (it fails when descriptors run out, for one): filling the file reports a lack of space too.
            LOG.debug("cannot read the free space of {}: {}", directory, ex.toString());
            return;
        }
        if (usable < fileLength)
        {
            throw new SegmentIOException(noSpaceMessage(directory, name, fileLength, usable));
        }
    }

    private static String noSpaceMessage(
        final Path directory, final String name, final long fileLength, final long usable)
    {
        return "segment '" + name + "' needs " + fileLength + " bytes but " + directory + " has only " + usable +
            " bytes free (in Docker, /dev/shm defaults to 64 MiB: raise it with --shm-size or compose's shm_size)";
    }

    /** Allocates every page of the file now, through write(2), so a full tmpfs reports ENOSPC here. */
    private static void fill(final FileChannel channel, final long length, final String name, final Path directory)
    {
        final ByteBuffer zeros = ByteBuffer.allocate((int)Math.min(FILL_CHUNK, length));
        long position = 0;
        try
        {
            while (position < length)
            {
                zeros.clear().limit((int)Math.min(zeros.capacity(), length - position));
                position += channel.write(zeros, position);
            }
        }
        catch (final IOException ex)
        {
            long usable = -1;
            try
            {
                usable = Files.getFileStore(directory).getUsableSpace();
            }
            catch (final IOException ignore)
            {
                // keep -1: the original failure matters more
            }
            throw new SegmentIOException(noSpaceMessage(directory, name, length, usable) + " (" + ex + ")", ex);
        }
    }

    private static FileAttribute<?>[] permissionsAttribute(final Set<PosixFilePermission> permissions)
    {
        return new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(permissions)};
    }

    private static void applyPermissions(final Path path, final Set<PosixFilePermission> permissions)
        throws IOException
    {
        // The process umask may have cleared bits the caller asked for; set them exactly.
        if (!Files.getPosixFilePermissions(path, LinkOption.NOFOLLOW_LINKS).equals(permissions))
        {
            Files.setPosixFilePermissions(path, permissions);
        }
    }

    /** @return the duration in nanoseconds, {@link Long#MAX_VALUE} if longer than that (292 years). */
    static long saturatedNanos(final Duration duration)
    {
        try
        {
            return Math.max(0, duration.toNanos());
        }
        catch (final ArithmeticException tooLong)
        {
            return duration.isNegative() ? 0 : Long.MAX_VALUE;
        }
    }

    private static String hex(final long value)
    {
        return String.format("0x%016x", value);
    }

    /** @return what the descriptor says of the file {@code channel} has open, or {@code null} if it cannot tell. */
    private static FileIdentity statQuietly(final FileChannel channel)
    {
        try
        {
            return FileDescriptors.stat(channel);
        }
        catch (final IOException | RuntimeException ex)
        {
            return null;
        }
    }

    /**
     * Removes {@code path} after a failed create, but only if it still names the file that create made
     * ({@code ours}): between the create and its failure, another process may have unlinked the name and created a
     * segment of its own under it, which is not this create's to remove. The caller still holds {@code ours} open (a
     * descriptor or a mapping), so its inode cannot have been freed and given to another file meanwhile. A name that no
     * longer exists is left alone; so is one whose identity cannot be read. A window remains between this check and
     * the unlink (POSIX has no "unlink if still this inode"); it is as short as a check can make it.
     *
     * @param ours the created file's identity, or {@code null} if it could not be read: then the name is removed
     *             unchecked, as it was before this check existed (it was created exclusively a moment ago).
     * @return whether a file was removed.
     */
    static boolean removeIfStillOurs(final Path path, final FileIdentity ours)
    {
        try
        {
            if (ours != null)
            {
                final FileIdentity now;
                try
                {
                    now = FileDescriptors.lstat(path);
                }
                catch (final NoSuchFileException ex)
                {
                    return false;
                }
                if (!now.sameFileAs(ours))
                {
                    LOG.warn("did not remove {} after a failed create: the name now names another file (inode {}, " +
                        "this create's was {})", path, now.inode(), ours.inode());
                    return false;
                }
            }
            return Files.deleteIfExists(path);
        }
        catch (final IOException ex)
        {
            LOG.warn("could not remove {} after a failed create: {}", path, ex.toString());
            return false;
        }
    }

    /**
     * A created file and its mapping.
     *
     * @param file    the file.
     * @param mapping the whole file, mapped read-write.
     */
    record Mapped(SegmentFile file, MappedByteBuffer mapping)
    {
    }
}
