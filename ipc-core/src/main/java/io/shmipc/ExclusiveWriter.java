package io.shmipc;

import io.shmipc.lock.PageLeases;
import io.shmipc.layout.LockWord;
import org.agrona.DirectBuffer;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Objects;

/**
 * The one writer of a range of pages: a lease on them, held by this process until {@link #close()} (or its exit),
 * the analogue of Aeron's {@code ExclusivePublication}. Taken with {@link SharedMemory#exclusiveWriter(int, int)} on a
 * segment created with {@link SharedMemoryBuilder#leases(boolean) leases} (layout version 4; version 3 segments,
 * made before 2026-12-08, are leased too).
 *
 * <p>While the lease lasts:
 * <ul>
 *   <li>any other process's write to a leased page, and its attempt to lease one, is refused with
 *   {@link PageLeasedException} before it touches the page; a process that died holding a lease loses it (the next
 *   writer finds its owner slot dead and clears the lease);</li>
 *   <li>on JDK 22+ (the owner slot held by an open-file-description lock) and layout version 4, this writer is
 *   <em>sole</em> ({@link #isSole()}, {@code docs/FORMAT.md} 7.7): it takes a page with a plain store of its odd word
 *   and frees it with a release store, no compare-and-swap, since nothing else may change the page's word while the
 *   lease lasts; every other write of this process to the pages, through any handle, is refused with
 *   {@link PageLeasedException};</li>
 *   <li>otherwise (JDK 17 to 21, or a layout-version-3 segment) its writes take and release pages as every write of
 *   this library does (a compare-and-swap to take a page), and writes through a {@link SharedMemory} handle of this
 *   same process are not refused: they stay mutually exclusive with this writer's, page by page;</li>
 *   <li>readers, {@code awaitChange} and {@link PageWatcher} work as on any page: a write wakes sleepers.</li>
 * </ul>
 *
 * <p>Offsets are the segment's byte offsets, as in {@link SharedMemory#write}, and must lie in the leased pages.
 * Writes are atomic across pages and never leave a page held: anything thrown between taking the pages and releasing
 * them releases them marked torn, as {@link SharedMemory} writes do. Instances are thread-safe: a sole writer's
 * writes from two threads run one after the other (a flag of this object, taken with a compare-and-swap that no other
 * process sees), and a write in flight finishes before {@link #close()} gives the lease back. The write paths allocate
 * nothing and take no Java monitor.
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
    /** Whether writes take pages with plain stores ({@code docs/FORMAT.md} 7.7); {@link #words} is then non-null. */
    private final boolean sole;
    /** A sole writer's page words, {@code words[page - firstPage]}: even between writes (guarded by {@link #busy}). */
    private final long[] words;
    /** 1 while a thread writes through this sole writer or closes it, else 0 ({@link #BUSY}). */
    @SuppressWarnings("unused")
    private volatile int busy;
    private volatile boolean closed;

    private static final VarHandle BUSY;

    static
    {
        try
        {
            BUSY = MethodHandles.lookup().findVarHandle(ExclusiveWriter.class, "busy", int.class);
        }
        catch (final ReflectiveOperationException ex)
        {
            throw new ExceptionInInitializerError(ex);
        }
    }

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
        this.sole = shm.soleWrites();
        PageLeases.grant(shm.locks(), firstPage, lastPage, shm.slotNumber(), timeoutNanos, sole);
        this.words = sole ? new long[pageCount] : null;
        if (sole)
        {
            for (int page = firstPage; page <= lastPage; page++)
            {
                // Free since the grant's release, and nothing but this writer changes it while the lease lasts (7.7).
                final long word = shm.locks().lockWord(page);
                if ((word & LockWord.HELD_BIT) != 0)
                {
                    closeWithHandle();
                    throw new IllegalStateException("page " + page + " of segment '" + shm.name + "' was taken (" +
                        LockWord.describe(word) + ") right after its lease was granted: a program that does not " +
                        "follow docs/FORMAT.md writes it; the lease was given back");
                }
                words[page - firstPage] = word;
            }
        }
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
        if (!sole)
        {
            shm.write(offset, src, srcOffset, length, timeoutNanos);
            return;
        }
        enter();
        try
        {
            shm.writeSole(words, firstPage, offset, src, srcOffset, length);
        }
        finally
        {
            exit();
        }
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
        if (!sole)
        {
            shm.write(offset, src, srcOffset, length, timeoutNanos);
            return;
        }
        enter();
        try
        {
            shm.writeSole(words, firstPage, offset, src, srcOffset, length);
        }
        finally
        {
            exit();
        }
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
        if (!sole)
        {
            shm.writeLong(offset, value, timeoutNanos);
            return;
        }
        enter();
        try
        {
            shm.writeLongSole(words, firstPage, offset, value);
        }
        finally
        {
            exit();
        }
    }

    /**
     * @return whether this writer takes its pages with plain stores, no compare-and-swap ({@code docs/FORMAT.md} 7.7):
     * JDK 22+, an owner slot held by an open-file-description lock, and a layout-version-4 segment.
     */
    public boolean isSole()
    {
        return sole;
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
            giveBack();
        }
    }

    /** Called by the handle's close, before it closes: gives the lease back while the handle can still write. */
    void closeWithHandle()
    {
        if (!closed)
        {
            closed = true;
            giveBack();
        }
    }

    /**
     * Gives the lease back once no write is in flight: a sole writer first takes its own flag for good (a write that
     * starts later sees {@link #closed}), then stops being sole, so that the give-back's takes by compare-and-swap are
     * not refused.
     */
    private void giveBack()
    {
        if (sole)
        {
            while (!BUSY.compareAndSet(this, 0, 1))
            {
                Thread.onSpinWait(); // a write in flight: a copy of at most the leased pages
            }
            shm.locks().soleLeases().remove(firstPage, lastPage);
        }
        PageLeases.giveBack(shm.locks(), firstPage, lastPage, shm.slotNumber(), timeoutNanos);
    }

    /** Takes this sole writer's flag (another thread's write finishes first), then checks {@link #closed}. */
    private void enter()
    {
        // compareAndSet: a full barrier: the flag is taken before closed is read (a close stores closed, then takes
        // the flag: one of the two sees the other).
        while (!BUSY.compareAndSet(this, 0, 1))
        {
            if (closed)
            {
                throw closedException();
            }
            Thread.onSpinWait(); // another thread's write through this writer: one copy
        }
        if (closed)
        {
            BUSY.setRelease(this, 0);
            throw closedException();
        }
    }

    private void exit()
    {
        // setRelease: this write's stores are ordered before the next holder's.
        BUSY.setRelease(this, 0);
    }

    @Override
    public String toString()
    {
        return "ExclusiveWriter{segment='" + shm.name + "', pages " + firstPage + ".." + lastPage +
            (sole ? ", sole" : "") + (closed ? ", closed" : "") + "}";
    }

    private IllegalStateException closedException()
    {
        return new IllegalStateException("exclusive writer of pages " + firstPage + ".." + lastPage +
            " of segment '" + shm.name + "' is closed");
    }

    private void checkLeased(final int offset, final int length)
    {
        if (closed)
        {
            throw closedException();
        }
        if (offset < start || length < 0 || (long)offset + length > end)
        {
            throw new IndexOutOfBoundsException("bytes " + offset + ".." + ((long)offset + length - 1) + " (length " +
                length + ") are outside the leased pages " + firstPage + ".." + lastPage + " (bytes " + start + ".." +
                (end - 1) + ") of segment '" + shm.name + "'");
        }
    }
}
