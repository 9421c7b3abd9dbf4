package io.shmipc;

import io.shmipc.layout.CounterId;
import io.shmipc.lock.OwnerSlot;
import io.shmipc.lock.PageLeases;
import io.shmipc.lock.PageLocks;
import io.shmipc.lock.SoleWrites;
import io.shmipc.lock.StoreRelease;
import io.shmipc.segment.Attachment;
import io.shmipc.segment.SegmentGeometry;
import io.shmipc.sys.Futex;
import io.shmipc.sys.FutexVector;
import org.agrona.BufferUtil;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.UnsafeApi;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.UnsafeBuffer;

import java.lang.ref.Reference;
import java.nio.ByteBuffer;
import java.util.Objects;

/**
 * The reads and writes behind a {@link SharedMemory} handle (and its {@link TimedAccess} views): argument checks, the
 * page locks around each copy, the closed flag, and the release of a write's pages whatever is thrown. The bytes are
 * copied with {@link UnsafeApi} between the caller's memory and the data area's address, once the checks of this class
 * have been made (Agrona's own bounds checks would repeat them).
 *
 * <p>{@link SharedMemory} extends this class rather than holding an instance of it, so that a call finds the
 * segment's addresses, its closed flag and its page locks in the fields of the handle the caller holds: one dependent
 * load fewer on every call, measured at 0.3-0.5 ns of a 64-byte read and 0.5-0.6 ns of a 64-byte write (JDK 25,
 * docs/BENCHMARKS.md, "A second machine"). Its methods are named apart from the handle's
 * public ones ({@link #pageVersion} behind {@link SharedMemory#version(int)}, and so on), so that none overrides
 * another. {@link TimedAccess}, {@link ExclusiveWriter} and {@link PageWatcher} use the handle as their access.
 *
 * <p>The garbage collector releases a handle's share of the mapping once the handle is unreachable, so every call
 * ends with {@link Reference#reachabilityFence(Object)} on it.
 */
abstract class SegmentAccess
{
    final String name;
    final int pageSize;
    final int pageCount;
    final int capacity;
    private final PageLocks locks;
    private final OwnerSlot slot;
    private final int pageShift;
    private final long dataAddress;
    /**
     * The file's address, from which the lock words' addresses are computed ({@link PageLocks#wordAddress}): kept here
     * so that a one-page access reaches its lock word with no load of {@link #locks}' fields first.
     */
    private final long fileAddress;
    /**
     * The base of every access to the segment: {@code null}, since a segment is a mapped file (off-heap) addressed by
     * {@link #dataAddress} alone; a constant lets the JIT compile the copies as off-heap accesses.
     */
    private static final Object FILE = null;
    /**
     * Whether writes release with a plain store ({@link PageLocks#unlockPlain}): this process's slot is held by an
     * open-file-description lock, which nothing in this JVM can drop while it lives, so no process can ever take its
     * pages for a dead writer's (docs/FORMAT.md 7.1).
     */
    private final boolean plainRelease;
    private volatile boolean closed;

    SegmentAccess(final Attachment attachment, final long recoveryNanos)
    {
        final SegmentGeometry geometry = attachment.geometry();
        this.name = attachment.name();
        final UnsafeBuffer file = attachment.file();
        this.slot = attachment.slot();
        this.pageSize = geometry.pageSize();
        this.pageShift = Integer.numberOfTrailingZeros(pageSize);
        this.pageCount = geometry.pageCount();
        this.capacity = geometry.capacity();
        if (file.byteArray() != null)
        {
            throw new IllegalArgumentException("segment '" + name + "' is not mapped off-heap");
        }
        this.fileAddress = file.addressOffset();
        this.dataAddress = fileAddress + geometry.dataOffset();
        this.locks = new PageLocks(file, name, pageCount, slot, recoveryNanos, this::isAccessClosed, slot.soleLeases());
        this.plainRelease = slot.isOpenFileDescriptionLock();
    }

    /** @return the page locks, for the lease grants of {@link ExclusiveWriter}. */
    PageLocks locks()
    {
        return locks;
    }

    boolean isAccessClosed()
    {
        return closed;
    }

    /** @return whether this call closed it (the first one). */
    boolean markClosed()
    {
        if (closed)
        {
            return false;
        }
        closed = true;
        return true;
    }

    int slotNumber()
    {
        return slot.slot();
    }

    // ------------------------------------------------------------------------------------------------------------
    // Writes: lock, check the flag again, copy, release; any Throwable in between releases the pages torn.
    // ------------------------------------------------------------------------------------------------------------

    void write(final int offset, final byte[] src, final int srcOffset, final int length, final long timeoutNanos)
    {
        checkOpen();
        if (checkAccess(offset, length, "src", srcOffset, Objects.requireNonNull(src, "src").length))
        {
            writeBytes(offset, src, ByteArrays.BASE + srcOffset, length, timeoutNanos);
            Reference.reachabilityFence(src);
        }
    }

    void write(final int offset, final DirectBuffer src, final int srcOffset, final int length, final long timeoutNanos)
    {
        checkOpen();
        if (checkAccess(offset, length, "src", srcOffset, Objects.requireNonNull(src, "src").capacity()))
        {
            writeBytes(offset, src.byteArray(), src.addressOffset() + srcOffset, length, timeoutNanos);
            Reference.reachabilityFence(src); // its memory stays allocated while the copy runs
        }
    }

    void write(final int offset, final ByteBuffer src, final int srcOffset, final int length, final long timeoutNanos)
    {
        checkOpen();
        if (checkAccess(offset, length, "src", srcOffset, Objects.requireNonNull(src, "src").capacity()))
        {
            writeBytes(offset, base(src), address(src) + srcOffset, length, timeoutNanos);
            Reference.reachabilityFence(src);
        }
    }

    /**
     * Writes {@code length} bytes from {@code srcBase}/{@code srcAddress} (an array and its base offset, or
     * {@code null} and an address) at {@code offset}, all checked: lock, check the flag again, copy, release; any
     * {@code Throwable} in between releases the pages, torn.
     */
    private void writeBytes(
        final int offset, final Object srcBase, final long srcAddress, final int length, final long timeoutNanos)
    {
        final int first = firstPage(offset);
        final int last = lastPage(offset, length);
        final int owner = slot.slot();
        final long held = lockForWrite(first, last, owner, timeoutNanos);
        final boolean ahead = plainRelease && first == last;
        try
        {
            // One page released by a store (JDK 22+): its word and take hint are made before the copy, so that no
            // chain of loads follows the copy's stores (StoreRelease).
            final long word = PageLocks.wordAddress(fileAddress, first);
            final long released = ahead ? StoreRelease.wordAhead(locks, first, held, length == pageSize) : 0;
            UnsafeApi.copyMemory(srcBase, srcAddress, FILE, dataAddress + offset, length);
            if (ahead)
            {
                StoreRelease.store(word, held, released);
            }
            else
            {
                unlockRange(offset, length, first, last, owner, held);
            }
        }
        catch (final OwnershipLostException lost)
        {
            throw lost; // released what was still its own; the rest belongs to others now
        }
        catch (final Throwable failure)
        {
            // Any error between taking the pages and releasing them, where HotSpot delivers it (an asynchronous
            // fault, a StackOverflowError): release what this write still holds, marked torn.
            locks.releaseAfterFailedWrite(first, last, held);
            throw failure;
        }
        Reference.reachabilityFence(this);
    }

    // ------------------------------------------------------------------------------------------------------------
    // Sole writes (ExclusiveWriter on layout version 4, docs/FORMAT.md 7.7): plain stores take and release the pages,
    // whose words the caller keeps in words[page - base]. The caller is their only writer and guards the handle's close
    // itself (ExclusiveWriter: a write in flight finishes before the close gives the lease back).
    // ------------------------------------------------------------------------------------------------------------

    /** @return whether this handle's exclusive writers write without a compare-and-swap (layout 4, JDK 22+, OFD slot). */
    boolean soleWrites()
    {
        return plainRelease && locks.hasSleepersWords() && Futex.isSupported();
    }

    void writeSole(
        final long[] words, final int base, final int offset, final byte[] src, final int srcOffset, final int length)
    {
        if (checkAccess(offset, length, "src", srcOffset, Objects.requireNonNull(src, "src").length))
        {
            copySole(words, base, offset, src, ByteArrays.BASE + srcOffset, length);
            Reference.reachabilityFence(src);
        }
    }

    void writeSole(
        final long[] words, final int base, final int offset, final DirectBuffer src, final int srcOffset,
        final int length)
    {
        if (checkAccess(offset, length, "src", srcOffset, Objects.requireNonNull(src, "src").capacity()))
        {
            copySole(words, base, offset, src.byteArray(), src.addressOffset() + srcOffset, length);
            Reference.reachabilityFence(src); // its memory stays allocated while the copy runs
        }
    }

    void writeLongSole(final long[] words, final int base, final int offset, final long value)
    {
        Bounds.checkRange(offset, Long.BYTES, capacity);
        final int first = firstPage(offset);
        final int last = lastPage(offset, Long.BYTES);
        SoleWrites.take(fileAddress, words, base, first, last, slot.slot());
        try
        {
            UnsafeApi.putLong(FILE, dataAddress + offset, value); // little-endian: the platform's order
            SoleWrites.release(fileAddress, words, base, first, last, wholeFirst(offset), wholeLast(offset, Long.BYTES));
        }
        catch (final Throwable failure)
        {
            SoleWrites.releaseTorn(fileAddress, words, base, first, last); // the pages still held, if any
            throw failure;
        }
        Reference.reachabilityFence(this);
    }

    /** Takes the pages with plain stores, copies, releases; any {@code Throwable} in between releases them torn. */
    private void copySole(
        final long[] words, final int base, final int offset, final Object srcBase, final long srcAddress,
        final int length)
    {
        final int first = firstPage(offset);
        final int last = lastPage(offset, length);
        SoleWrites.take(fileAddress, words, base, first, last, slot.slot());
        try
        {
            UnsafeApi.copyMemory(srcBase, srcAddress, FILE, dataAddress + offset, length);
            SoleWrites.release(fileAddress, words, base, first, last, wholeFirst(offset), wholeLast(offset, length));
        }
        catch (final Throwable failure)
        {
            // Anything thrown between the take and the release (an asynchronous fault, a StackOverflowError): the
            // pages still held are released torn.
            SoleWrites.releaseTorn(fileAddress, words, base, first, last);
            throw failure;
        }
        Reference.reachabilityFence(this);
    }

    /** @return the first page that bytes from {@code offset} cover from its first byte (unsigned shifts). */
    private int wholeFirst(final int offset)
    {
        return (offset + pageSize - 1) >>> pageShift;
    }

    /** @return the last page that {@code [offset, offset + length)} covers to its last byte (may precede the first). */
    private int wholeLast(final int offset, final int length)
    {
        return ((offset + length) >>> pageShift) - 1;
    }

    void writeLong(final int offset, final long value, final long timeoutNanos)
    {
        writeValue(offset, value, Long.BYTES, timeoutNanos);
    }

    void writeInt(final int offset, final int value, final long timeoutNanos)
    {
        writeValue(offset, value, Integer.BYTES, timeoutNanos);
    }

    /** Writes the low {@code bytes} (8 or 4) bytes of {@code value}, little-endian, as {@link #writeBytes} writes. */
    private void writeValue(
        final int offset, final long value, final int bytes, final long timeoutNanos)
    {
        checkOpen();
        Bounds.checkRange(offset, bytes, capacity);
        final int first = firstPage(offset);
        final int last = lastPage(offset, bytes);
        final int owner = slot.slot();
        final long held = lockForWrite(first, last, owner, timeoutNanos);
        try
        {
            if (bytes == Long.BYTES)
            {
                UnsafeApi.putLong(FILE, dataAddress + offset, value); // little-endian: the platform's order
            }
            else
            {
                UnsafeApi.putInt(FILE, dataAddress + offset, (int)value);
            }
            unlockRange(offset, bytes, first, last, owner, held);
        }
        catch (final OwnershipLostException lost)
        {
            throw lost;
        }
        catch (final Throwable failure)
        {
            locks.releaseAfterFailedWrite(first, last, held);
            throw failure;
        }
        Reference.reachabilityFence(this);
    }

    // ------------------------------------------------------------------------------------------------------------
    // Reads: an optimistic copy, validated, then the flag checked again (a close may have released the mapping).
    // ------------------------------------------------------------------------------------------------------------

    void read(final int offset, final byte[] dst, final int dstOffset, final int length, final long timeoutNanos)
    {
        checkOpen();
        if (checkAccess(offset, length, "dst", dstOffset, Objects.requireNonNull(dst, "dst").length))
        {
            readBytes(offset, dst, ByteArrays.BASE + dstOffset, length, timeoutNanos);
            Reference.reachabilityFence(dst);
        }
    }

    void read(
        final int offset, final MutableDirectBuffer dst, final int dstOffset, final int length, final long timeoutNanos)
    {
        checkOpen();
        if (checkAccess(offset, length, "dst", dstOffset, Objects.requireNonNull(dst, "dst").capacity()))
        {
            readBytes(offset, dst.byteArray(), dst.addressOffset() + dstOffset, length, timeoutNanos);
            Reference.reachabilityFence(dst); // its memory stays allocated while the copy runs
        }
    }

    void read(final int offset, final ByteBuffer dst, final int dstOffset, final int length, final long timeoutNanos)
    {
        checkOpen();
        final boolean any = checkAccess(offset, length, "dst", dstOffset, Objects.requireNonNull(dst, "dst").capacity());
        Bounds.checkWritable(dst);
        if (any)
        {
            readBytes(offset, base(dst), address(dst) + dstOffset, length, timeoutNanos);
            Reference.reachabilityFence(dst);
        }
    }

    /**
     * Copies a consistent snapshot of {@code length} bytes at {@code offset} to {@code dstBase}/{@code dstAddress},
     * all checked: an optimistic copy, validated (and done again if a write overlapped it), then the flag checked again
     * (a close may have released the mapping).
     */
    private void readBytes(
        final int offset, final Object dstBase, final long dstAddress, final int length, final long timeoutNanos)
    {
        final int first = firstPage(offset);
        final int last = lastPage(offset, length);
        if (first == last)
        {
            // One page, the common case: its lock word's address from this object's fields alone.
            final long word = PageLocks.wordAddress(fileAddress, first);
            long stamp;
            do
            {
                stamp = locks.tryOptimisticRead(word, first, timeoutNanos);
                UnsafeApi.copyMemory(FILE, dataAddress + offset, dstBase, dstAddress, length);
            }
            while (!locks.validate(word, stamp));
        }
        else
        {
            long stamp;
            do
            {
                stamp = locks.tryOptimisticRead(first, last, timeoutNanos);
                UnsafeApi.copyMemory(FILE, dataAddress + offset, dstBase, dstAddress, length);
            }
            while (!locks.validate(first, last, stamp));
        }
        checkStillOpen();
        Reference.reachabilityFence(this);
    }

    long readLong(final int offset, final long timeoutNanos)
    {
        return readValue(offset, Long.BYTES, timeoutNanos);
    }

    int readInt(final int offset, final long timeoutNanos)
    {
        return (int)readValue(offset, Integer.BYTES, timeoutNanos);
    }

    /** Reads {@code bytes} (8 or 4) bytes, little-endian, as {@link #readBytes} reads. */
    private long readValue(final int offset, final int bytes, final long timeoutNanos)
    {
        checkOpen();
        Bounds.checkRange(offset, bytes, capacity);
        final int first = firstPage(offset);
        final int last = lastPage(offset, bytes);
        long stamp;
        long value;
        if (first == last)
        {
            final long word = PageLocks.wordAddress(fileAddress, first);
            do
            {
                stamp = locks.tryOptimisticRead(word, first, timeoutNanos);
                value = bytes == Long.BYTES ? UnsafeApi.getLong(FILE, dataAddress + offset) :
                    UnsafeApi.getInt(FILE, dataAddress + offset);
            }
            while (!locks.validate(word, stamp));
        }
        else
        {
            do
            {
                stamp = locks.tryOptimisticRead(first, last, timeoutNanos);
                value = bytes == Long.BYTES ? UnsafeApi.getLong(FILE, dataAddress + offset) :
                    UnsafeApi.getInt(FILE, dataAddress + offset);
            }
            while (!locks.validate(first, last, stamp));
        }
        checkStillOpen();
        Reference.reachabilityFence(this);
        return value;
    }

    // ------------------------------------------------------------------------------------------------------------
    // Versions and waits
    // ------------------------------------------------------------------------------------------------------------

    long pageVersion(final int page)
    {
        checkOpen();
        Bounds.checkPage(page, pageCount);
        final long version = PageLocks.version(PageLocks.wordAddress(fileAddress, page));
        checkStillOpen();
        Reference.reachabilityFence(this);
        return version;
    }

    void pageVersions(final int firstPage, final long[] dst, final int dstOffset, final int count)
    {
        checkOpen();
        Objects.requireNonNull(dst, "dst");
        if (firstPage < 0 || count < 0 || (long)firstPage + count > pageCount)
        {
            throw new IndexOutOfBoundsException("pages " + firstPage + ".." + ((long)firstPage + count - 1) +
                " are outside 0.." + (pageCount - 1));
        }
        Bounds.checkSide("dst", dstOffset, count, dst.length);
        for (int i = 0; i < count; i++)
        {
            dst[dstOffset + i] = locks.version(firstPage + i);
        }
        checkStillOpen();
        Reference.reachabilityFence(this);
    }

    long awaitPageChange(final int page, final long seen, final long timeoutNanos, final IdleStrategy idle)
    {
        checkOpen();
        Bounds.checkPage(page, pageCount);
        final long version = locks.awaitChange(page, seen, Math.max(0, timeoutNanos), idle);
        checkStillOpen();
        Reference.reachabilityFence(this);
        return version;
    }

    /**
     * Waits for a new version of the page holding {@code [offset, offset + length)} as {@link #awaitChange} does, then
     * copies a snapshot of those bytes, and returns the version it was taken at. (Spinning on whole optimistic reads
     * instead, to fetch the lock word and the data together, was measured: it made the writer fight the reader for the
     * data's cache line and tripled the round trip.)
     *
     * @return the version the snapshot was taken at, or {@code seen} if the timeout passed first (then {@code dst}
     * holds no snapshot).
     */
    long awaitChangeAndRead(
        final int offset, final byte[] dst, final int dstOffset, final int length, final long seen,
        final long timeoutNanos)
    {
        checkOpen();
        checkAccess(offset, length, "dst", dstOffset, Objects.requireNonNull(dst, "dst").length);
        final int page = firstPage(offset);
        if (length != 0 && lastPage(offset, length) != page)
        {
            throw new IllegalArgumentException("bytes " + offset + ".." + (offset + length - 1) + " span pages " +
                page + " to " + lastPage(offset, length) + "; awaitChangeAndRead reads within one page of " +
                pageSize + " bytes");
        }
        final long source = dataAddress + offset;
        final long target = ByteArrays.BASE + dstOffset;
        if (locks.awaitChange(page, seen, Math.max(0, timeoutNanos), null) == seen)
        {
            checkStillOpen();
            Reference.reachabilityFence(this);
            return seen;
        }
        final long word = PageLocks.wordAddress(fileAddress, page);
        long stamp;
        do
        {
            stamp = locks.tryOptimisticRead(word, page, timeoutNanos);
            UnsafeApi.copyMemory(FILE, source, dst, target, length);
        }
        while (!locks.validate(word, stamp));
        checkStillOpen();
        Reference.reachabilityFence(this);
        return stamp >>> 1; // one page: the stamp is its sequence, even
    }

    int awaitAnyChange(
        final int[] pages, final int[] offsets, final long[] seen, final int from, final long timeoutNanos,
        final FutexVector vector)
    {
        checkOpen();
        final int index = locks.awaitAnyChange(pages, offsets, seen, pages.length, from, timeoutNanos, vector);
        checkStillOpen();
        Reference.reachabilityFence(this);
        return index;
    }

    long lockWordOf(final int page)
    {
        checkOpen();
        Bounds.checkPage(page, pageCount);
        final long word = locks.lockWord(page);
        checkStillOpen();
        Reference.reachabilityFence(this);
        return word;
    }

    int leaseHolderOf(final int page)
    {
        checkOpen();
        Bounds.checkPage(page, pageCount);
        final int holder = PageLeases.holder(locks, page);
        checkStillOpen();
        Reference.reachabilityFence(this);
        return holder;
    }

    long counterOf(final CounterId id)
    {
        checkOpen();
        final long value = locks.counter(id);
        checkStillOpen();
        Reference.reachabilityFence(this);
        return value;
    }

    int checkedPageOf(final int offset)
    {
        Bounds.checkRange(offset, 1, capacity);
        return firstPage(offset);
    }

    void checkOpen()
    {
        if (closed)
        {
            throw closedException();
        }
    }

    // ------------------------------------------------------------------------------------------------------------

    /**
     * Checked again after a call has read the mapping: a close that released the mapping while the call ran (JDK 22+
     * replaces it with zeros) makes the call throw rather than return what it read.
     */
    private void checkStillOpen()
    {
        checkOpen();
    }

    private IllegalStateException closedException()
    {
        return new IllegalStateException("segment '" + name + "' is closed");
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

    /** @return the array behind a heap buffer, or {@code null} for a direct one. */
    private static Object base(final ByteBuffer buffer)
    {
        return buffer.isDirect() ? null : BufferUtil.array(buffer);
    }

    /** @return the address of a direct buffer's first byte, or the offset of a heap buffer's first byte in its array. */
    private static long address(final ByteBuffer buffer)
    {
        return buffer.isDirect() ? BufferUtil.address(buffer) : ByteArrays.BASE + BufferUtil.arrayOffset(buffer);
    }

    private int firstPage(final int offset)
    {
        return offset >>> pageShift;
    }

    private int lastPage(final int offset, final int length)
    {
        return (offset + length - 1) >>> pageShift;
    }

    /**
     * Takes pages {@code first..last} for writing, then checks the closed flag once more: a close that came in between
     * either saw the pages held (and waits for their release) or is seen here (and the pages are given back).
     */
    private long lockForWrite(final int first, final int last, final int owner, final long timeoutNanos)
    {
        final long held = first == last ?
            locks.lockPage(PageLocks.wordAddress(fileAddress, first), first, owner, timeoutNanos) :
            locks.lock(first, last, owner, timeoutNanos);
        if (closed)
        {
            // Nothing was written: give the pages back as they were (the close may already have released the mapping,
            // in which case it gives back, in the file, any page this writer still holds).
            locks.abandonClosed(first, last, owner);
            throw closedException();
        }
        return held;
    }

    /** Releases the pages of bytes {@code [offset, offset + length)} after a write of exactly those bytes. */
    private void unlockRange(
        final int offset, final int length, final int first, final int last, final int owner, final long held)
    {
        // Pages covered from their first byte to their last lose a torn mark; the shifts are unsigned so that
        // sums past Integer.MAX_VALUE still divide correctly.
        final int wholeFirst = wholeFirst(offset);
        final int wholeLast = wholeLast(offset, length);
        if (first == last)
        {
            final long word = PageLocks.wordAddress(fileAddress, first);
            final boolean whole = first >= wholeFirst && first <= wholeLast;
            if (plainRelease)
            {
                locks.unlockPagePlain(word, first, held, whole);
            }
            else
            {
                locks.unlockPage(word, first, owner, held, whole);
            }
        }
        else if (plainRelease)
        {
            locks.unlockPlain(first, last, held, wholeFirst, wholeLast);
        }
        else
        {
            locks.unlock(first, last, owner, held, wholeFirst, wholeLast);
        }
    }

    /**
     * The offset of a {@code byte[]}'s first element, in a class of its own: {@link SharedMemory}'s static methods
     * (the builder) initialise this class, its superclass, before they check that Agrona can reach the JDK's
     * {@code Unsafe}, so nothing here may touch {@link UnsafeApi} until the first read or write.
     */
    private static final class ByteArrays
    {
        static final long BASE = UnsafeApi.arrayBaseOffset(byte[].class);
    }
}
