package io.shmipc;

import io.shmipc.lock.PageLeases;
import org.agrona.DirectBuffer;

import java.util.Objects;

/**
 * The one writer of a range of pages: a lease on them, held by this process until {@link #close()} (or its exit),
 * the analogue of Aeron's {@code ExclusivePublication}. Taken with {@link SharedMemory#exclusiveWriter(int, int)} on a
 * segment created with {@link SharedMemoryBuilder#leases(boolean) leases} (layout version 3).
 *
 * <p>While the lease lasts:
 * <ul>
 *   <li>any other process's write to a leased page, and its attempt to lease one, is refused with
 *   {@link PageLeasedException} before it touches the page; a process that died holding a lease loses it (the next
 *   writer finds its owner slot dead and clears the lease);</li>
 *   <li>this writer's writes are the process's only writes to those pages: they take and release them as every write
 *   of this library does (one compare-and-swap to take a page; on JDK 22+, where the owner slot is held by an
 *   open-file-description lock, a plain release store to free it, on JDK 17 to 21 a second compare-and-swap), and
 *   never wait for another process's write;</li>
 *   <li>readers, {@code awaitChange} and {@link PageWatcher} work as on any page: a write wakes sleepers.</li>
 * </ul>
 * Writes through a {@link SharedMemory} handle of this same process are not refused (the lease belongs to the process's
 * owner slot) and stay mutually exclusive with this writer's, page by page, as any two writes are.
 *
 * <p>Offsets are the segment's byte offsets, as in {@link SharedMemory#write}, and must lie in the leased pages.
 * Writes are atomic across pages and never leave a page held: anything thrown between taking the pages and releasing
 * them releases them marked torn, as {@link SharedMemory} writes do. Instances are thread-safe; the write paths
 * allocate nothing and take no Java monitor.
 *
 * <p>Closing the {@link SharedMemory} handle it came from closes it.
 */
public final class ExclusiveWriter implements AutoCloseable
{
    private final SharedMemory shm;
    private final int firstPage;
    private final int lastPage;
    private final int start;
    private final int end;
    private final long timeoutNanos;
    private volatile boolean closed;

    ExclusiveWriter(
        final SharedMemory shm, final int firstPage, final int pageCount,
        final long timeoutNanos)
    {
        this.shm = shm;
        this.firstPage = firstPage;
        this.lastPage = firstPage + pageCount - 1;
        this.start = firstPage * shm.pageSize;
        this.end = (lastPage + 1) * shm.pageSize;
        this.timeoutNanos = timeoutNanos;
        PageLeases.grant(shm.locks(), firstPage, lastPage, shm.slotNumber(), timeoutNanos);
    }

    /**
     * Atomically copies {@code length} bytes of {@code src} from {@code srcOffset} into the segment at {@code offset}.
     *
     * @param offset    where in the segment: {@code [offset, offset + length)} must lie in the leased pages.
     * @param src       the bytes.
     * @param srcOffset where in {@code src}.
     * @param length    how many bytes.
     * @throws IndexOutOfBoundsException if the bytes are not all in the leased pages, naming both ranges.
     * @throws IllegalStateException     if this writer or its handle is closed.
     */
    public void write(final int offset, final byte[] src, final int srcOffset, final int length)
    {
        checkLeased(offset, length);
        shm.write(offset, src, srcOffset, length, timeoutNanos);
    }

    /**
     * Atomically copies all of {@code src} into the segment at {@code offset}.
     *
     * @param offset where in the segment, in the leased pages.
     * @param src    the bytes.
     */
    public void write(final int offset, final byte[] src)
    {
        write(offset, src, 0, Objects.requireNonNull(src, "src").length);
    }

    /**
     * Atomically copies {@code length} bytes of {@code src} from {@code srcOffset} into the segment at {@code offset}.
     *
     * @param offset    where in the segment, in the leased pages.
     * @param src       the bytes.
     * @param srcOffset where in {@code src}.
     * @param length    how many bytes.
     */
    public void write(final int offset, final DirectBuffer src, final int srcOffset, final int length)
    {
        checkLeased(offset, length);
        shm.write(offset, src, srcOffset, length, timeoutNanos);
    }

    /**
     * Atomically writes a little-endian {@code long} at {@code offset}.
     *
     * @param offset where in the segment, in the leased pages.
     * @param value  the value.
     */
    public void writeLong(final int offset, final long value)
    {
        checkLeased(offset, Long.BYTES);
        shm.writeLong(offset, value, timeoutNanos);
    }

    /** @return the first leased page. */
    public int firstPage()
    {
        return firstPage;
    }

    /** @return the number of leased pages. */
    public int pageCount()
    {
        return lastPage - firstPage + 1;
    }

    /** @return the segment handle this writer writes through. */
    public SharedMemory sharedMemory()
    {
        return shm;
    }

    /** @return whether {@link #close()} was called (or the handle was closed). */
    public boolean isClosed()
    {
        return closed;
    }

    /**
     * Gives the lease back: each page is taken once more, its lease word cleared, and released (its version
     * advances; its bytes are unchanged). Idempotent. If the handle was closed first, the lease went with it.
     */
    @Override
    public void close()
    {
        if (closed)
        {
            return;
        }
        closed = true;
        shm.forget(this);
        if (!shm.isAccessClosed())
        {
            PageLeases.giveBack(shm.locks(), firstPage, lastPage, shm.slotNumber(), timeoutNanos);
        }
    }

    /** Called by the handle's close, before it closes: gives the lease back while the handle can still write. */
    void closeWithHandle()
    {
        if (!closed)
        {
            closed = true;
            PageLeases.giveBack(shm.locks(), firstPage, lastPage, shm.slotNumber(), timeoutNanos);
        }
    }

    @Override
    public String toString()
    {
        return "ExclusiveWriter{segment='" + shm.name + "', pages " + firstPage + ".." + lastPage +
            (closed ? ", closed" : "") + "}";
    }

    private void checkLeased(final int offset, final int length)
    {
        if (closed)
        {
            throw new IllegalStateException("exclusive writer of pages " + firstPage + ".." + lastPage +
                " of segment '" + shm.name + "' is closed");
        }
        if (offset < start || length < 0 || (long)offset + length > end)
        {
            throw new IndexOutOfBoundsException("bytes " + offset + ".." + ((long)offset + length - 1) + " (length " +
                length + ") are outside the leased pages " + firstPage + ".." + lastPage + " (bytes " + start + ".." +
                (end - 1) + ") of segment '" + shm.name + "'");
        }
    }
}
