package io.shmipc;

import io.shmipc.layout.SegmentDescriptor;
import io.shmipc.lock.PageLocks;
import io.shmipc.segment.AgronaAccess;
import io.shmipc.segment.Attachment;
import io.shmipc.segment.Attachments;
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
 * reusable. Every option is checked when it is set, before anything is opened.
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
    private boolean pageSizeSet;
    private int pageSize = SegmentDescriptor.DEFAULT_PAGE_SIZE;
    private Duration initTimeout = DEFAULT_INIT_TIMEOUT;
    private Set<PosixFilePermission> permissions = SegmentFiles.OWNER_ONLY;
    private long recoveryNanos = PageLocks.DEFAULT_RECOVERY_NANOS;
    private long accessTimeoutNanos = PageLocks.NO_TIMEOUT;
    private boolean allowForeignOwner;
    private boolean leases;

    SharedMemoryBuilder(final String name)
    {
        this.name = SegmentNames.validate(name);
    }

    /**
     * Sets the directory holding the segment file; default {@code /dev/shm}, or {@code java.io.tmpdir}.
     *
     * @param directory the directory.
     * @return this builder.
     */
    public SharedMemoryBuilder directory(final Path directory)
    {
        this.directory = Objects.requireNonNull(directory, "directory");
        return this;
    }

    /**
     * Sets the number of data pages: required for create and openOrCreate; for open, the segment found must have
     * exactly this many, or it is refused.
     *
     * @param pages the number of pages, at least 1.
     * @return this builder.
     */
    public SharedMemoryBuilder pages(final int pages)
    {
        if (pages <= 0)
        {
            throw new IllegalArgumentException("page count " + pages + " must be at least 1");
        }
        this.pages = pages;
        return this;
    }

    /**
     * Sets bytes per page: a power of two from 64 to 1 GiB; default 4096. For open, the segment found must have this
     * page size, or it is refused.
     *
     * @param pageSize the page size.
     * @return this builder.
     */
    public SharedMemoryBuilder pageSize(final int pageSize)
    {
        if (pageSize < SegmentDescriptor.MIN_PAGE_SIZE || pageSize > SegmentDescriptor.MAX_PAGE_SIZE ||
            Integer.bitCount(pageSize) != 1)
        {
            throw new IllegalArgumentException("page size " + pageSize + " must be a power of two from " +
                SegmentDescriptor.MIN_PAGE_SIZE + " to " + SegmentDescriptor.MAX_PAGE_SIZE);
        }
        this.pageSize = pageSize;
        this.pageSizeSet = true;
        return this;
    }

    /**
     * Sets how long open waits for a segment whose creator has not finished initialising it; default 5 s. A duration
     * too long to count in nanoseconds (such as {@code ChronoUnit.FOREVER.getDuration()}) means no limit.
     *
     * @param initTimeout the timeout, zero or positive.
     * @return this builder.
     */
    public SharedMemoryBuilder initTimeout(final Duration initTimeout)
    {
        Timeouts.nanos(initTimeout, "init timeout");
        this.initTimeout = initTimeout;
        return this;
    }

    /**
     * Sets the file mode of a created segment; default owner read and write only ({@code rw-------}). Applied
     * exactly, whatever the process umask. Granting read access to other users lets them hold read locks on the
     * owner-slot bytes and so keep new processes from attaching ({@code docs/FORMAT.md} section 13).
     *
     * @param permissions the mode.
     * @return this builder.
     */
    public SharedMemoryBuilder permissions(final Set<PosixFilePermission> permissions)
    {
        this.permissions = Set.copyOf(Objects.requireNonNull(permissions, "permissions"));
        return this;
    }

    /**
     * Sets how long a page must stay held by one write before a waiting reader or writer asks the operating system
     * whether the holder is still alive; default 1 s. A holder that is alive (however slow, paused or stopped in a
     * debugger) keeps its pages; one that died has its pages taken over, marked torn ({@code docs/FORMAT.md}). A
     * duration too long to count in nanoseconds means never.
     *
     * @param recoveryTimeout the timeout, zero or positive.
     * @return this builder.
     */
    public SharedMemoryBuilder recoveryTimeout(final Duration recoveryTimeout)
    {
        this.recoveryNanos = Timeouts.nanos(recoveryTimeout, "recovery timeout");
        return this;
    }

    /**
     * Sets how long each read and write of the handle may wait for a page held by another writer before it throws
     * {@link LockTimeoutException}; default no limit. {@link SharedMemory#withTimeout(Duration)} sets one per call.
     * A duration too long to count in nanoseconds means no limit.
     *
     * @param accessTimeout the timeout, zero or positive.
     * @return this builder.
     */
    public SharedMemoryBuilder accessTimeout(final Duration accessTimeout)
    {
        this.accessTimeoutNanos = Timeouts.nanos(accessTimeout, "access timeout");
        return this;
    }

    /**
     * Allows opening a segment file owned by another user; by default such a file is refused with
     * {@link SegmentAccessDeniedException}, since anyone can put a file into a world-writable directory such as
     * {@code /dev/shm}.
     *
     * @param allowForeignOwner whether to allow it.
     * @return this builder.
     */
    public SharedMemoryBuilder allowForeignOwner(final boolean allowForeignOwner)
    {
        this.allowForeignOwner = allowForeignOwner;
        return this;
    }

    /**
     * Whether {@link #create()} and {@link #openOrCreate()} make a segment whose pages can be leased to an
     * {@link ExclusiveWriter} ({@link SharedMemory#exclusiveWriter(int, int)}): layout version 4, whose lock-table
     * entries carry a lease word that every writer checks (docs/FORMAT.md section 7.6) and a sleepers word where
     * waiters on a leased page register, so that its exclusive writer takes and releases it without a
     * compare-and-swap (7.7). Default {@code false}: layout version 2. The C and Python clients read, write and wait on
     * all three versions, and honour the leases; a program that knows only versions 2 (and 3) refuses a version-4
     * segment, so that it can never write a leased page nor lose a wake-up. Opening an existing segment takes it as it
     * was created (a version-3 segment, made before 2026-12-08, keeps leases without sole writes).
     *
     * @param leases whether to create it with lease words.
     * @return this builder.
     */
    public SharedMemoryBuilder leases(final boolean leases)
    {
        this.leases = leases;
        return this;
    }

    /**
     * Creates the segment.
     *
     * @return the new segment.
     * @throws SegmentExistsException        if the name exists.
     * @throws IllegalStateException         if {@link #pages(int)} was not set, or the JVM lacks Agrona's flag.
     * @throws SegmentIOException            if the file system lacks space, or descriptors or memory ran out.
     * @throws SegmentAccessDeniedException if the directory does not let this user create the file.
     */
    public SharedMemory create()
    {
        AgronaAccess.ensureAvailable();
        final SegmentGeometry geometry = requestedGeometry();
        return handle(Attachments.create(directoryOrDefault(), name, geometry, permissions), true);
    }

    /**
     * Opens the existing segment. If {@link #pages(int)} or {@link #pageSize(int)} was set, the segment must have that
     * geometry.
     *
     * @return the segment.
     * @throws SegmentNotFoundException      if the name does not exist.
     * @throws InvalidSegmentException       if it is not a segment, or has another geometry than the one set.
     * @throws SegmentNotReadyException      if its creator has not initialised it within the init timeout.
     * @throws SegmentAccessDeniedException if it belongs to another user, or its mode refuses this user.
     * @throws SegmentIOException            if descriptors or memory ran out.
     */
    public SharedMemory open()
    {
        AgronaAccess.ensureAvailable();
        final Attachment attachment = Attachments.open(directoryOrDefault(), name, initTimeout, allowForeignOwner);
        requireGeometry(attachment, pages != 0 ? pages : 0, pageSizeSet ? pageSize : 0);
        return handle(attachment, false);
    }

    /**
     * Opens the segment, or creates it if the name does not exist. Any number of threads and processes may race:
     * exactly one creates it, and all get the same initialised segment.
     *
     * @return the segment.
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
                return handle(Attachments.create(dir, name, geometry, permissions), true);
            }
            catch (final SegmentExistsException exists)
            {
                // someone else created it: open theirs
            }
            final Attachment attachment;
            try
            {
                attachment = Attachments.open(dir, name, initTimeout, allowForeignOwner);
            }
            catch (final SegmentNotFoundException gone)
            {
                continue; // unlinked between our create and our open: try again
            }
            requireGeometry(attachment, geometry.pageCount(), geometry.pageSize());
            return handle(attachment, false);
        }
        throw new SharedMemoryException("segment '" + name + "' in " + dir + " kept appearing and disappearing: " +
            "gave up after " + OPEN_OR_CREATE_ATTEMPTS + " create-or-open attempts");
    }

    /**
     * Removes the name from the directory, like {@code shm_unlink}, if it is a segment.
     *
     * @return {@code true} if it existed.
     * @throws InvalidSegmentException if the name is not a segment (a directory, a link, a plain file).
     */
    public boolean unlink()
    {
        return SegmentFiles.unlink(directoryOrDefault(), name);
    }

    private SharedMemory handle(final Attachment attachment, final boolean created)
    {
        try
        {
            return new SharedMemory(attachment, created, recoveryNanos, accessTimeoutNanos);
        }
        catch (final RuntimeException | Error ex)
        {
            attachment.release();
            throw ex;
        }
    }

    /** Refuses, giving the attachment back, a segment whose geometry differs from what the caller set (0: not set). */
    private void requireGeometry(final Attachment attachment, final int expectedPages, final int expectedPageSize)
    {
        final SegmentGeometry found = attachment.geometry();
        if (expectedPages != 0 && found.pageCount() != expectedPages ||
            expectedPageSize != 0 && found.pageSize() != expectedPageSize)
        {
            attachment.release();
            throw new InvalidSegmentException("segment '" + name + "' at " + attachment.path() + " exists with " +
                found + "; requested " + (expectedPages != 0 ? expectedPages + " pages" : "any page count") + " of " +
                (expectedPageSize != 0 ? expectedPageSize + " bytes" : "any size"));
        }
    }

    private SegmentGeometry requestedGeometry()
    {
        if (pages == 0)
        {
            throw new IllegalStateException("page count not set: call pages(n) before create or openOrCreate");
        }
        final SegmentGeometry geometry = SegmentGeometry.of(pageSize, pages);
        return leases ? geometry.withLeases() : geometry;
    }

    private Path directoryOrDefault()
    {
        return directory != null ? directory : SegmentDirectories.defaultDirectory();
    }
}
