package io.shmipc;

import io.shmipc.layout.CounterId;
import io.shmipc.lock.Backoff;
import io.shmipc.lock.OwnerSlot;
import io.shmipc.lock.OwnerSlots;
import io.shmipc.lock.PageLocks;
import io.shmipc.segment.MappedSegment;
import io.shmipc.segment.SegmentGeometry;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.UnsafeBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.ref.Reference;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * A named shared-memory segment: {@link #pageCount()} pages of {@link #pageSize()} bytes that any number of threads
 * and processes map and use at once. Every read is a consistent snapshot of the bytes it covers and every write is
 * atomic, across pages too: a read never returns a mix of two writes, in any process.
 *
 * <pre>{@code
 * try (SharedMemory shm = SharedMemory.openOrCreate("quotes", 4)) {
 *     shm.writeLong(0, 42L);                   // atomic with respect to every read, in every process
 *     long v = shm.version(0);                 // number of completed writes to page 0
 *     long x = shm.readLong(0);                // a consistent snapshot
 *     shm.awaitChange(0, v, Duration.ofSeconds(1));
 * }
 * }</pre>
 *
 * The segment is the file {@code <directory>/<name>} ({@code /dev/shm/<name>} by default, the object that C's
 * {@code shm_open("/<name>")} opens); its layout is in {@code docs/FORMAT.md} and {@link io.shmipc.layout}. Each
 * page has a sequence lock ({@link PageLocks} documents the protocol). Offsets are byte offsets into the data
 * area, {@code 0 <= offset < capacity()}; an access may span pages.
 *
 * <p>Instances are thread-safe. The read, write, {@link #version(int)} and {@link #awaitChange} paths allocate
 * nothing and take no Java monitor. Bad arguments throw {@link IndexOutOfBoundsException},
 * {@link IllegalArgumentException} or {@link NullPointerException} before any byte or lock is touched.
 *
 * <p>Every JVM using this class needs {@code --add-exports java.base/jdk.internal.misc=ALL-UNNAMED} (Agrona 2.x);
 * without it the first call fails with an {@link IllegalStateException} that says so.
 */
public final class SharedMemory implements AutoCloseable
{
    private static final Logger LOG = LoggerFactory.getLogger(SharedMemory.class);
    private static final int TIME_CHECK_MASK = 0x3F;

    private final MappedSegment segment;
    private final UnsafeBuffer file;
    private final PageLocks locks;
    private final String name;
    private final int pageSize;
    private final int pageShift;
    private final int pageCount;
    private final int capacity;
    private final int dataOffset;
    private final int ownerSlot;
    private volatile boolean closed;

    SharedMemory(final MappedSegment segment, final OwnerSlot ownerSlot, final long recoveryNanos)
    {
        final SegmentGeometry geometry = segment.geometry();
        this.segment = segment;
        this.file = segment.file();
        this.name = segment.name();
        this.pageSize = geometry.pageSize();
        this.pageShift = Integer.numberOfTrailingZeros(pageSize);
        this.pageCount = geometry.pageCount();
        this.capacity = geometry.capacity();
        this.dataOffset = (int)geometry.dataOffset();
        this.ownerSlot = ownerSlot.slot();
        this.locks = new PageLocks(file, name, pageCount, this.ownerSlot, ownerSlot, recoveryNanos);
        // The slot (and the file's descriptors) go when no thread can be inside a call any more, like the mapping.
        OwnerSlots.releaseWhenUnreachable(this, ownerSlot);
    }

    /** @return a builder for segment {@code name}, to set the directory, geometry and options. */
    public static SharedMemoryBuilder builder(final String name)
    {
        return new SharedMemoryBuilder(name);
    }

    /**
     * Creates segment {@code name} with {@code pages} pages of 4 KiB in the default directory.
     *
     * @throws SegmentExistsException if the name exists.
     */
    public static SharedMemory create(final String name, final int pages)
    {
        return builder(name).pages(pages).create();
    }

    /**
     * Opens existing segment {@code name} in the default directory.
     *
     * @throws SegmentNotFoundException if there is none.
     * @throws InvalidSegmentException  if the file is not a segment.
     */
    public static SharedMemory open(final String name)
    {
        return builder(name).open();
    }

    /**
     * Opens segment {@code name} or creates it with {@code pages} pages of 4 KiB; safe when many processes race to
     * do it (exactly one creates, all get the same segment).
     *
     * @throws InvalidSegmentException if it exists with another geometry.
     */
    public static SharedMemory openOrCreate(final String name, final int pages)
    {
        return builder(name).pages(pages).openOrCreate();
    }

    /**
     * Removes the name from the default directory, like {@code shm_unlink}: processes that have it mapped keep
     * working; a later {@code create} of the same name makes a new segment.
     *
     * @return {@code true} if the name existed and was removed.
     */
    public static boolean unlink(final String name)
    {
        return builder(name).unlink();
    }

    // ------------------------------------------------------------------------------------------------------------
    // Writes
    // ------------------------------------------------------------------------------------------------------------

    /** Atomically copies {@code length} bytes of {@code src} from {@code srcOffset} into the segment at {@code offset}. */
    public void write(final int offset, final byte[] src, final int srcOffset, final int length)
    {
        checkOpen();
        if (checkAccess(offset, length, "src", srcOffset, Objects.requireNonNull(src, "src").length))
        {
            lockRange(offset, length);
            try
            {
                file.putBytes(dataOffset + offset, src, srcOffset, length);
            }
            finally
            {
                unlockRange(offset, length);
            }
            keepMappedUntilHere();
        }
    }

    /** Atomically copies all of {@code src} into the segment at {@code offset}. */
    public void write(final int offset, final byte[] src)
    {
        write(offset, src, 0, src.length);
    }

    /** Atomically copies {@code length} bytes of {@code src} from {@code srcOffset} into the segment. */
    public void write(final int offset, final DirectBuffer src, final int srcOffset, final int length)
    {
        checkOpen();
        if (checkAccess(offset, length, "src", srcOffset, Objects.requireNonNull(src, "src").capacity()))
        {
            lockRange(offset, length);
            try
            {
                file.putBytes(dataOffset + offset, src, srcOffset, length);
            }
            finally
            {
                unlockRange(offset, length);
            }
            keepMappedUntilHere();
        }
    }

    /**
     * Atomically copies {@code length} bytes of {@code src} from absolute index {@code srcOffset} into the segment;
     * the buffer's position and limit are ignored and unchanged.
     */
    public void write(final int offset, final ByteBuffer src, final int srcOffset, final int length)
    {
        checkOpen();
        if (checkAccess(offset, length, "src", srcOffset, Objects.requireNonNull(src, "src").capacity()))
        {
            lockRange(offset, length);
            try
            {
                file.putBytes(dataOffset + offset, src, srcOffset, length);
            }
            finally
            {
                unlockRange(offset, length);
            }
            keepMappedUntilHere();
        }
    }

    /** Atomically writes a little-endian {@code long} at {@code offset}. */
    public void writeLong(final int offset, final long value)
    {
        checkOpen();
        Bounds.checkRange(offset, Long.BYTES, capacity);
        lockRange(offset, Long.BYTES);
        try
        {
            file.putLong(dataOffset + offset, value);
        }
        finally
        {
            unlockRange(offset, Long.BYTES);
        }
        keepMappedUntilHere();
    }

    /** Atomically writes a little-endian {@code int} at {@code offset}. */
    public void writeInt(final int offset, final int value)
    {
        checkOpen();
        Bounds.checkRange(offset, Integer.BYTES, capacity);
        lockRange(offset, Integer.BYTES);
        try
        {
            file.putInt(dataOffset + offset, value);
        }
        finally
        {
            unlockRange(offset, Integer.BYTES);
        }
        keepMappedUntilHere();
    }

    // ------------------------------------------------------------------------------------------------------------
    // Reads
    // ------------------------------------------------------------------------------------------------------------

    /** Copies a consistent snapshot of {@code length} bytes at {@code offset} into {@code dst} from {@code dstOffset}. */
    public void read(final int offset, final byte[] dst, final int dstOffset, final int length)
    {
        checkOpen();
        if (checkAccess(offset, length, "dst", dstOffset, Objects.requireNonNull(dst, "dst").length))
        {
            final int first = firstPage(offset);
            final int last = lastPage(offset, length);
            long stamp;
            do
            {
                stamp = locks.tryOptimisticRead(first, last);
                file.getBytes(dataOffset + offset, dst, dstOffset, length);
            }
            while (!locks.validate(first, last, stamp));
            keepMappedUntilHere();
        }
    }

    /** Fills {@code dst} with a consistent snapshot of the bytes at {@code offset}. */
    public void read(final int offset, final byte[] dst)
    {
        read(offset, dst, 0, dst.length);
    }

    /** Copies a consistent snapshot of {@code length} bytes at {@code offset} into {@code dst} at {@code dstOffset}. */
    public void read(final int offset, final MutableDirectBuffer dst, final int dstOffset, final int length)
    {
        checkOpen();
        if (checkAccess(offset, length, "dst", dstOffset, Objects.requireNonNull(dst, "dst").capacity()))
        {
            final int first = firstPage(offset);
            final int last = lastPage(offset, length);
            long stamp;
            do
            {
                stamp = locks.tryOptimisticRead(first, last);
                file.getBytes(dataOffset + offset, dst, dstOffset, length);
            }
            while (!locks.validate(first, last, stamp));
            keepMappedUntilHere();
        }
    }

    /**
     * Copies a consistent snapshot of {@code length} bytes at {@code offset} into {@code dst} at absolute index
     * {@code dstOffset}; the buffer's position and limit are ignored and unchanged.
     *
     * @throws java.nio.ReadOnlyBufferException if {@code dst} is read-only.
     */
    public void read(final int offset, final ByteBuffer dst, final int dstOffset, final int length)
    {
        checkOpen();
        final boolean any = checkAccess(offset, length, "dst", dstOffset, Objects.requireNonNull(dst, "dst").capacity());
        Bounds.checkWritable(dst);
        if (any)
        {
            final int first = firstPage(offset);
            final int last = lastPage(offset, length);
            long stamp;
            do
            {
                stamp = locks.tryOptimisticRead(first, last);
                file.getBytes(dataOffset + offset, dst, dstOffset, length);
            }
            while (!locks.validate(first, last, stamp));
            keepMappedUntilHere();
        }
    }

    /** @return a consistent snapshot of the little-endian {@code long} at {@code offset}. */
    public long readLong(final int offset)
    {
        checkOpen();
        Bounds.checkRange(offset, Long.BYTES, capacity);
        final int first = firstPage(offset);
        final int last = lastPage(offset, Long.BYTES);
        long stamp;
        long value;
        do
        {
            stamp = locks.tryOptimisticRead(first, last);
            value = file.getLong(dataOffset + offset);
        }
        while (!locks.validate(first, last, stamp));
        keepMappedUntilHere();
        return value;
    }

    /** @return a consistent snapshot of the little-endian {@code int} at {@code offset}. */
    public int readInt(final int offset)
    {
        checkOpen();
        Bounds.checkRange(offset, Integer.BYTES, capacity);
        final int first = firstPage(offset);
        final int last = lastPage(offset, Integer.BYTES);
        long stamp;
        int value;
        do
        {
            stamp = locks.tryOptimisticRead(first, last);
            value = file.getInt(dataOffset + offset);
        }
        while (!locks.validate(first, last, stamp));
        keepMappedUntilHere();
        return value;
    }

    // ------------------------------------------------------------------------------------------------------------
    // Versions
    // ------------------------------------------------------------------------------------------------------------

    /**
     * @return the number of writes to {@code page} that have completed (modulo 2^47), in any process. It changes
     * on every completed write that touches the page and on nothing else.
     */
    public long version(final int page)
    {
        checkOpen();
        Bounds.checkPage(page, pageCount);
        final long version = locks.version(page);
        keepMappedUntilHere();
        return version;
    }

    /** @return the page that byte {@code offset} lies in. */
    public int pageOf(final int offset)
    {
        Bounds.checkRange(offset, 1, capacity);
        return firstPage(offset);
    }

    /**
     * Waits until {@code page}'s version differs from {@code seen}, spinning, then yielding, then parking briefly.
     *
     * @return the new version, or {@code seen} if {@code timeout} elapsed first.
     */
    public long awaitChange(final int page, final long seen, final Duration timeout)
    {
        return awaitChange(page, seen, saturatedNanos(timeout), null);
    }

    /**
     * Waits until {@code page}'s version differs from {@code seen}, for at most {@code timeoutNanos}, idling with
     * {@code idle} between checks ({@code null} for the default spin, yield, park backoff). An
     * {@link IdleStrategy} is stateful: give each thread its own.
     *
     * @return the new version, or {@code seen} if the timeout elapsed first.
     * @throws IllegalStateException if the segment is closed, before or during the wait.
     */
    public long awaitChange(final int page, final long seen, final long timeoutNanos, final IdleStrategy idle)
    {
        checkOpen();
        Bounds.checkPage(page, pageCount);
        long version = locks.version(page);
        if (version == seen)
        {
            version = awaitVersionChange(page, seen, timeoutNanos, idle);
        }
        keepMappedUntilHere();
        return version;
    }

    /** The waiting part of {@link #awaitChange}: the page's version was {@code seen} when it started. */
    private long awaitVersionChange(final int page, final long seen, final long timeoutNanos, final IdleStrategy idle)
    {
        final long deadline = System.nanoTime() + Math.max(0, timeoutNanos);
        if (idle != null)
        {
            idle.reset();
        }
        for (int i = 0; ; i++)
        {
            if ((i & TIME_CHECK_MASK) == 0)
            {
                checkOpen();
                if (System.nanoTime() - deadline >= 0)
                {
                    return seen;
                }
            }
            if (idle == null)
            {
                Backoff.idle(i);
            }
            else
            {
                idle.idle();
            }
            final long version = locks.version(page);
            if (version != seen)
            {
                return version;
            }
        }
    }

    // ------------------------------------------------------------------------------------------------------------
    // Description
    // ------------------------------------------------------------------------------------------------------------

    /** @return bytes per page, a power of two. */
    public int pageSize()
    {
        return pageSize;
    }

    /** @return number of data pages. */
    public int pageCount()
    {
        return pageCount;
    }

    /** @return bytes of user data: {@code pageSize() * pageCount()}. */
    public int capacity()
    {
        return capacity;
    }

    /** @return the segment's name. */
    public String name()
    {
        return name;
    }

    /** @return the segment file. */
    public Path path()
    {
        return segment.path();
    }

    /** @return whether this instance created the segment. */
    public boolean created()
    {
        return segment.created();
    }

    /** @return the raw lock word of {@code page} ({@link io.shmipc.layout.LockWord}), for tools and tests. */
    public long lockWord(final int page)
    {
        checkOpen();
        Bounds.checkPage(page, pageCount);
        return locks.lockWord(page);
    }

    /** @return the current value of one of the segment's live counters. */
    public long counter(final CounterId id)
    {
        checkOpen();
        return locks.counter(id);
    }

    /**
     * @return this process's owner slot in the segment (1 to 32767), named in the lock words of the pages it holds;
     * see {@code docs/FORMAT.md}.
     */
    public int ownerSlot()
    {
        return ownerSlot;
    }

    /** @return whether {@link #close()} was called. */
    public boolean isClosed()
    {
        return closed;
    }

    /**
     * Closes this handle: every later call on it throws {@link IllegalStateException}. The segment itself lives on
     * until {@link #unlink(String) unlinked}. The mapping, the file descriptor and this process's owner slot are
     * released by the garbage collector once no thread can use the handle any more, so closing while other threads
     * are mid-call never touches unmapped memory and never lets another process take over a page still being
     * written.
     */
    @Override
    public void close()
    {
        if (!closed)
        {
            closed = true;
            LOG.debug("closed handle of segment '{}'", name);
        }
    }

    @Override
    public String toString()
    {
        return "SharedMemory{name='" + name + "', path=" + segment.path() + ", " + segment.geometry() +
            (closed ? ", closed" : "") + "}";
    }

    /** @return the duration in nanoseconds, {@link Long#MAX_VALUE} if it is longer than that (292 years). */
    private static long saturatedNanos(final Duration timeout)
    {
        try
        {
            return timeout.toNanos();
        }
        catch (final ArithmeticException tooLong)
        {
            return timeout.isNegative() ? 0 : Long.MAX_VALUE;
        }
    }

    /**
     * Keeps this handle, and so its mapping, reachable until this point of the calling method: the garbage collector
     * releases the mapping once the handle is unreachable, and without this the JIT may consider {@code this} dead
     * while a copy from the mapping is still running. Deliberately not in a {@code finally} block: that costs a few
     * nanoseconds per call on JDK 17, and a call that throws has stopped touching the mapping anyway.
     */
    private void keepMappedUntilHere()
    {
        Reference.reachabilityFence(this);
    }

    private void checkOpen()
    {
        if (closed)
        {
            throw new IllegalStateException("segment '" + name + "' is closed");
        }
    }

    /**
     * Checks a byte access of {@code length} bytes at {@code offset} and its source or destination side.
     *
     * @return {@code false} if there is nothing to copy (zero length).
     */
    private boolean checkAccess(
        final int offset, final int length, final String side, final int sideOffset, final long sideCapacity)
    {
        Bounds.checkRange(offset, length, capacity);
        Bounds.checkSide(side, sideOffset, length, sideCapacity);
        return length != 0;
    }

    private int firstPage(final int offset)
    {
        return offset >>> pageShift;
    }

    private int lastPage(final int offset, final int length)
    {
        return (offset + length - 1) >>> pageShift;
    }

    /** Takes the pages of bytes {@code [offset, offset + length)} for writing. */
    private void lockRange(final int offset, final int length)
    {
        locks.lock(firstPage(offset), lastPage(offset, length));
    }

    /** Releases the pages of bytes {@code [offset, offset + length)} after a write of exactly those bytes. */
    private void unlockRange(final int offset, final int length)
    {
        // Pages covered from their first byte to their last lose a torn mark; the shifts are unsigned so that
        // sums past Integer.MAX_VALUE still divide correctly.
        final int wholeFirst = (offset + pageSize - 1) >>> pageShift;
        final int wholeLast = ((offset + length) >>> pageShift) - 1;
        locks.unlock(firstPage(offset), lastPage(offset, length), wholeFirst, wholeLast);
    }
}
