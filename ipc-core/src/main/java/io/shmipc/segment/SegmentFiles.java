package io.shmipc.segment;

import io.shmipc.InvalidSegmentException;
import io.shmipc.SegmentExistsException;
import io.shmipc.SegmentNotFoundException;
import io.shmipc.SharedMemoryException;
import io.shmipc.layout.SegmentDescriptor;
import io.shmipc.lock.OwnerSlots;
import org.agrona.concurrent.UnsafeBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.ByteBuffer;
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
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.locks.LockSupport;

/**
 * Segment life cycle on the file system: create (exclusive, initialise, publish the header last), open (refuse what
 * is not a segment, wait for a creator that is still initialising), and unlink. Symbolic links are never followed.
 */
public final class SegmentFiles
{
    /** Owner read and write only: the default mode of a new segment. */
    public static final Set<PosixFilePermission> OWNER_ONLY =
        Set.copyOf(PosixFilePermissions.fromString("rw-------"));

    private static final Logger LOG = LoggerFactory.getLogger(SegmentFiles.class);
    private static final int FILL_CHUNK = 1 << 20;
    private static final long INIT_POLL_NANOS = 1_000_000L;

    private SegmentFiles()
    {
    }

    /**
     * Creates segment {@code name} in {@code directory}: fails if the name exists, allocates and zero-fills every
     * byte (so a full file system fails here, not with a SIGBUS later), writes the header and publishes its magic
     * number last. On failure nothing is left under the name.
     */
    public static MappedSegment create(
        final Path directory,
        final String name,
        final SegmentGeometry geometry,
        final Set<PosixFilePermission> permissions)
    {
        SegmentNames.validate(name);
        requireDirectory(directory);
        final Path path = directory.resolve(name);
        checkFreeSpace(directory, name, geometry.fileLength());

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
            throw new SharedMemoryException("cannot create segment '" + name + "' at " + path + ": " + ex, ex);
        }

        try
        {
            applyPermissions(path, permissions);
            fill(channel, geometry.fileLength(), name, directory);
            final MappedByteBuffer mapping = channel.map(FileChannel.MapMode.READ_WRITE, 0, geometry.fileLength());
            writeHeader(new UnsafeBuffer(mapping), geometry);
            LOG.debug("created segment '{}' at {}: {}", name, path, geometry);
            return new MappedSegment(name, path, geometry, channel, mapping, true);
        }
        catch (final IOException | RuntimeException | Error ex)
        {
            closeQuietly(channel);
            deleteQuietly(path);
            if (ex instanceof SharedMemoryException)
            {
                throw (SharedMemoryException)ex;
            }
            throw new SharedMemoryException("cannot create segment '" + name + "' at " + path + ": " + ex, ex);
        }
    }

    /**
     * Opens existing segment {@code name} in {@code directory}, waiting up to {@code initTimeout} for a creator that
     * is still initialising it. Validates the header against the file before mapping it whole.
     */
    public static MappedSegment open(final Path directory, final String name, final Duration initTimeout)
    {
        return open(directory, name, initTimeout, false);
    }

    /**
     * Opens existing segment {@code name} in {@code directory} as {@link #open(Path, String, Duration)} does; a file
     * owned by another user is refused unless {@code allowForeignOwner}.
     */
    public static MappedSegment open(
        final Path directory, final String name, final Duration initTimeout, final boolean allowForeignOwner)
    {
        SegmentNames.validate(name);
        requireDirectory(directory);
        final Path path = directory.resolve(name);
        requireRegularFile(path, name);

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
            throw new SharedMemoryException("permission denied opening segment '" + name + "' at " + path +
                " for reading and writing", ex);
        }
        catch (final FileSystemException ex)
        {
            // ELOOP: the name was replaced by a symbolic link after the check above.
            throw new InvalidSegmentException("cannot open segment '" + name + "' at " + path + ": " +
                ex.getReason());
        }
        catch (final IOException ex)
        {
            throw new SharedMemoryException("cannot open segment '" + name + "' at " + path + ": " + ex, ex);
        }

        try
        {
            SegmentSecurity.requireOwner(path, name, allowForeignOwner);
            final SegmentGeometry geometry = awaitHeader(channel, name, path, initTimeout);
            final MappedByteBuffer mapping = channel.map(FileChannel.MapMode.READ_WRITE, 0, geometry.fileLength());
            LOG.debug("opened segment '{}' at {}: {}", name, path, geometry);
            return new MappedSegment(name, path, geometry, channel, mapping, false);
        }
        catch (final IOException | RuntimeException | Error ex)
        {
            OwnerSlots.closeChannel(path, channel); // closing it outright would drop this JVM's owner slot lock
            if (ex instanceof SharedMemoryException)
            {
                throw (SharedMemoryException)ex;
            }
            throw new SharedMemoryException("cannot open segment '" + name + "' at " + path + ": " + ex, ex);
        }
    }

    /**
     * Removes the name {@code name} from {@code directory} (a symbolic link is removed, not followed). Processes
     * that have the segment mapped keep using it; the memory is freed when the last of them unmaps it.
     *
     * @return {@code true} if a file was removed, {@code false} if there was none.
     */
    public static boolean unlink(final Path directory, final String name)
    {
        SegmentNames.validate(name);
        final Path path = directory.resolve(name);
        if (Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS))
        {
            throw new InvalidSegmentException("'" + name + "' at " + path + " is a directory, not a segment");
        }
        try
        {
            final boolean removed = Files.deleteIfExists(path);
            LOG.debug("unlink segment '{}' at {}: {}", name, path, removed ? "removed" : "absent");
            return removed;
        }
        catch (final IOException ex)
        {
            throw new SharedMemoryException("cannot unlink segment '" + name + "' at " + path + ": " + ex, ex);
        }
    }

    private static void writeHeader(final UnsafeBuffer file, final SegmentGeometry geometry)
    {
        // The file is all zeros: the lock table (every page free, sequence 0) and the counters need no writes.
        file.putInt(SegmentDescriptor.LAYOUT_VERSION_OFFSET, SegmentDescriptor.LAYOUT_VERSION);
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
        final long deadline = System.nanoTime() + Math.max(0, initTimeout.toNanos());
        UnsafeBuffer header = null;
        while (true)
        {
            final long size = channel.size();
            if (header == null && size >= SegmentDescriptor.HEADER_LENGTH)
            {
                header = new UnsafeBuffer(channel.map(FileChannel.MapMode.READ_ONLY, 0, SegmentDescriptor.HEADER_LENGTH));
            }
            if (header != null)
            {
                // acquire: the header fields read below are those written before the magic was published.
                final long magic = header.getLongVolatile(SegmentDescriptor.MAGIC_OFFSET);
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
                throw new InvalidSegmentException("segment '" + name + "' at " + path + " was not initialised within " +
                    initTimeout + " (file length " + size + ", magic " +
                    (header == null ? "absent" : "0") + "): it is not a segment, or its creator is still " +
                    "initialising it or died doing so; unlink it if it is stale");
            }
            LockSupport.parkNanos(INIT_POLL_NANOS);
        }
    }

    private static SegmentGeometry validateHeader(
        final UnsafeBuffer header, final long actualLength, final String name, final Path path)
    {
        final String where = "segment '" + name + "' at " + path;
        final int version = header.getInt(SegmentDescriptor.LAYOUT_VERSION_OFFSET);
        if (version != SegmentDescriptor.LAYOUT_VERSION)
        {
            throw new InvalidSegmentException(where + " has layout version " + version + "; this library reads " +
                "version " + SegmentDescriptor.LAYOUT_VERSION);
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
        final SegmentGeometry geometry = SegmentGeometry.of(pageSize, pageCount);
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
            throw new SharedMemoryException("segment directory " + directory + " does not exist or is not a directory");
        }
    }

    private static void requireRegularFile(final Path path, final String name)
    {
        final BasicFileAttributes attributes;
        try
        {
            attributes = Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        }
        catch (final NoSuchFileException ex)
        {
            throw notFound(name, path);
        }
        catch (final IOException ex)
        {
            throw new SharedMemoryException("cannot read attributes of segment '" + name + "' at " + path + ": " +
                ex, ex);
        }
        if (attributes.isSymbolicLink())
        {
            throw new InvalidSegmentException("'" + name + "' at " + path + " is a symbolic link; segments are " +
                "never opened through links");
        }
        if (attributes.isDirectory())
        {
            throw new InvalidSegmentException("'" + name + "' at " + path + " is a directory, not a segment");
        }
        if (!attributes.isRegularFile())
        {
            throw new InvalidSegmentException("'" + name + "' at " + path + " is not a regular file");
        }
    }

    private static SegmentNotFoundException notFound(final String name, final Path path)
    {
        return new SegmentNotFoundException("no segment '" + name + "': " + path + " does not exist");
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
            throw new SharedMemoryException("cannot read free space of " + directory + ": " + ex, ex);
        }
        if (usable < fileLength)
        {
            throw new SharedMemoryException(noSpaceMessage(directory, name, fileLength, usable));
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
        throws IOException
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
            throw new SharedMemoryException(noSpaceMessage(directory, name, length, usable) + " (" + ex + ")", ex);
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

    private static String hex(final long value)
    {
        return String.format("0x%016x", value);
    }

    private static void closeQuietly(final FileChannel channel)
    {
        try
        {
            channel.close();
        }
        catch (final IOException ignore)
        {
            // closing after a failure: the failure is what the caller needs
        }
    }

    private static void deleteQuietly(final Path path)
    {
        try
        {
            Files.deleteIfExists(path);
        }
        catch (final IOException ex)
        {
            LOG.warn("could not remove {} after a failed create: {}", path, ex.toString());
        }
    }
}
