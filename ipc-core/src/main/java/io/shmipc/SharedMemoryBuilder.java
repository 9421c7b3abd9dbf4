package io.shmipc;

import io.shmipc.layout.SegmentDescriptor;
import io.shmipc.lock.OwnerSlot;
import io.shmipc.lock.OwnerSlots;
import io.shmipc.lock.PageLocks;
import io.shmipc.segment.AgronaAccess;
import io.shmipc.segment.MappedSegment;
import io.shmipc.segment.SegmentDirectories;
import io.shmipc.segment.SegmentFiles;
import io.shmipc.segment.SegmentGeometry;
import io.shmipc.segment.SegmentNames;

import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.util.Objects;
import java.util.Set;

/**
 * Options for creating or opening a segment. Obtained from {@link SharedMemory#builder(String)}; not thread-safe,
 * reusable.
 * <pre>{@code
 * SharedMemory shm = SharedMemory.builder("quotes").directory(dir).pages(16).pageSize(64 * 1024).create();
 * }</pre>
 */
public final class SharedMemoryBuilder
{
    /** How long {@link #open()} waits for a creator that is still initialising the segment, by default. */
    public static final Duration DEFAULT_INIT_TIMEOUT = Duration.ofSeconds(5);
    /** How many create-or-open rounds {@link #openOrCreate()} makes while others create and unlink the name. */
    static final int OPEN_OR_CREATE_ATTEMPTS = 100;
    /** How long a page must stay held by one write before a waiter checks whether its holder died, by default. */
    public static final Duration DEFAULT_RECOVERY_TIMEOUT = Duration.ofNanos(PageLocks.DEFAULT_RECOVERY_NANOS);

    private final String name;
    private Path directory;
    private int pages;
    private int pageSize = SegmentDescriptor.DEFAULT_PAGE_SIZE;
    private Duration initTimeout = DEFAULT_INIT_TIMEOUT;
    private Set<PosixFilePermission> permissions = SegmentFiles.OWNER_ONLY;
    private Duration recoveryTimeout = DEFAULT_RECOVERY_TIMEOUT;
    private boolean allowForeignOwner;

    SharedMemoryBuilder(final String name)
    {
        this.name = SegmentNames.validate(name);
    }

    /** Sets the directory holding the segment file; default {@code /dev/shm}, or {@code java.io.tmpdir}. */
    public SharedMemoryBuilder directory(final Path directory)
    {
        this.directory = Objects.requireNonNull(directory, "directory");
        return this;
    }

    /** Sets the number of data pages, for create (required) and openOrCreate (required). */
    public SharedMemoryBuilder pages(final int pages)
    {
        if (pages <= 0)
        {
            throw new IllegalArgumentException("page count " + pages + " must be at least 1");
        }
        this.pages = pages;
        return this;
    }

    /** Sets bytes per page: a power of two from 64 to 1 GiB; default 4096. */
    public SharedMemoryBuilder pageSize(final int pageSize)
    {
        if (pageSize < SegmentDescriptor.MIN_PAGE_SIZE || pageSize > SegmentDescriptor.MAX_PAGE_SIZE ||
            Integer.bitCount(pageSize) != 1)
        {
            throw new IllegalArgumentException("page size " + pageSize + " must be a power of two from " +
                SegmentDescriptor.MIN_PAGE_SIZE + " to " + SegmentDescriptor.MAX_PAGE_SIZE);
        }
        this.pageSize = pageSize;
        return this;
    }

    /** Sets how long open waits for a segment whose creator has not finished initialising it; default 5 s. */
    public SharedMemoryBuilder initTimeout(final Duration initTimeout)
    {
        Objects.requireNonNull(initTimeout, "initTimeout");
        if (initTimeout.isNegative())
        {
            throw new IllegalArgumentException("init timeout " + initTimeout + " is negative");
        }
        this.initTimeout = initTimeout;
        return this;
    }

    /**
     * Sets the file mode of a created segment; default owner read and write only ({@code rw-------}). Applied
     * exactly, whatever the process umask.
     */
    public SharedMemoryBuilder permissions(final Set<PosixFilePermission> permissions)
    {
        this.permissions = Set.copyOf(Objects.requireNonNull(permissions, "permissions"));
        return this;
    }

    /**
     * Sets how long a page must stay held by one write before a waiting reader or writer asks the operating system
     * whether the holder is still alive; default 1 s. A holder that is alive (however slow, paused or stopped in a
     * debugger) keeps its pages; one that died has its pages taken over, marked torn ({@code docs/FORMAT.md}).
     */
    public SharedMemoryBuilder recoveryTimeout(final Duration recoveryTimeout)
    {
        Objects.requireNonNull(recoveryTimeout, "recoveryTimeout");
        if (recoveryTimeout.isNegative())
        {
            throw new IllegalArgumentException("recovery timeout " + recoveryTimeout + " is negative");
        }
        this.recoveryTimeout = recoveryTimeout;
        return this;
    }

    /**
     * Allows opening a segment file owned by another user; by default such a file is refused, since anyone can put
     * a file into a world-writable directory such as {@code /dev/shm}.
     */
    public SharedMemoryBuilder allowForeignOwner(final boolean allowForeignOwner)
    {
        this.allowForeignOwner = allowForeignOwner;
        return this;
    }

    /**
     * Creates the segment.
     *
     * @throws SegmentExistsException   if the name exists.
     * @throws IllegalStateException    if {@link #pages(int)} was not set, or the JVM lacks Agrona's flag.
     * @throws SharedMemoryException    if the file cannot be created or the file system lacks space.
     */
    public SharedMemory create()
    {
        AgronaAccess.ensureAvailable();
        final SegmentGeometry geometry = requestedGeometry();
        return attach(SegmentFiles.create(directoryOrDefault(), name, geometry, permissions));
    }

    /**
     * Opens the existing segment.
     *
     * @throws SegmentNotFoundException if the name does not exist.
     * @throws InvalidSegmentException  if it is not a segment, or not initialised within the init timeout.
     */
    public SharedMemory open()
    {
        AgronaAccess.ensureAvailable();
        return attach(SegmentFiles.open(directoryOrDefault(), name, initTimeout, allowForeignOwner));
    }

    /**
     * Opens the segment, or creates it if the name does not exist. Any number of threads and processes may race:
     * exactly one creates it, and all get the same initialised segment.
     *
     * @throws InvalidSegmentException if it exists with another page size or page count.
     */
    public SharedMemory openOrCreate()
    {
        AgronaAccess.ensureAvailable();
        final SegmentGeometry geometry = requestedGeometry();
        final Path dir = directoryOrDefault();
        for (int attempt = 0; attempt < OPEN_OR_CREATE_ATTEMPTS; attempt++)
        {
            try
            {
                return attach(SegmentFiles.create(dir, name, geometry, permissions));
            }
            catch (final SegmentExistsException exists)
            {
                // someone else created it: open theirs
            }
            final MappedSegment segment;
            try
            {
                segment = SegmentFiles.open(dir, name, initTimeout, allowForeignOwner);
            }
            catch (final SegmentNotFoundException gone)
            {
                continue; // unlinked between our create and our open: try again
            }
            final SegmentGeometry found = segment.geometry();
            if (found.pageSize() != geometry.pageSize() || found.pageCount() != geometry.pageCount())
            {
                closeQuietly(segment);
                throw new InvalidSegmentException("segment '" + name + "' at " + segment.path() + " exists with " +
                    found + "; requested " + geometry);
            }
            return attach(segment);
        }
        throw new SharedMemoryException("segment '" + name + "' in " + dir + " kept appearing and disappearing: " +
            "gave up after " + OPEN_OR_CREATE_ATTEMPTS + " create-or-open attempts");
    }

    /**
     * Removes the name from the directory, like {@code shm_unlink}.
     *
     * @return {@code true} if it existed.
     */
    public boolean unlink()
    {
        return SegmentFiles.unlink(directoryOrDefault(), name);
    }

    private SharedMemory attach(final MappedSegment segment)
    {
        final OwnerSlot slot;
        try
        {
            // A newly claimed slot proves its previous holder dead: release the pages that holder left held.
            slot = OwnerSlots.acquire(segment.path(), segment.channel(), name, claimed ->
                new PageLocks(segment.file(), name, segment.geometry().pageCount(), 0).recoverAbandoned(claimed));
        }
        catch (final RuntimeException | Error ex)
        {
            closeQuietly(segment);
            throw ex;
        }
        return new SharedMemory(segment, slot, recoveryTimeout.toNanos());
    }

    private SegmentGeometry requestedGeometry()
    {
        if (pages == 0)
        {
            throw new IllegalStateException("page count not set: call pages(n) before create or openOrCreate");
        }
        return SegmentGeometry.of(pageSize, pages);
    }

    private Path directoryOrDefault()
    {
        return directory != null ? directory : SegmentDirectories.defaultDirectory();
    }

    private static void closeQuietly(final MappedSegment segment)
    {
        // Through the registry: closing a descriptor of a file on which this JVM holds a slot would drop its lock.
        OwnerSlots.closeChannel(segment.path(), segment.channel());
    }
}
