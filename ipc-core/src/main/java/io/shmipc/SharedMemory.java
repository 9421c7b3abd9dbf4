package io.shmipc;

import io.shmipc.layout.CounterId;
import io.shmipc.segment.Attachment;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.IdleStrategy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.ref.Cleaner;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

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
 * {@code shm_open("/<name>")} opens); its layout and lock protocol are in {@code docs/FORMAT.md} and
 * {@link io.shmipc.layout}. Offsets are byte offsets into the data area, {@code 0 <= offset < capacity()}; an access
 * may span pages.
 *
 * <p>Instances are thread-safe. The read, write, {@link #version(int)} and {@link #awaitChange} paths allocate
 * nothing and take no Java monitor. Bad arguments throw {@link IndexOutOfBoundsException},
 * {@link IllegalArgumentException} or {@link NullPointerException} before any byte or lock is touched.
 *
 * <p>A read or write waits while a page it needs is held by a writer (usually nanoseconds). The wait ends early with
 * {@link IllegalStateException} if the handle is closed, {@link WaitInterruptedException} if the thread is
 * interrupted, and {@link LockTimeoutException} after the handle's
 * {@linkplain SharedMemoryBuilder#accessTimeout(Duration) access timeout} or a {@linkplain #withTimeout(Duration)
 * per-call timeout}; a page held by a process that died is recovered (see {@link TornPageException}).
 *
 * <p>All handles of one segment file in a JVM share one descriptor, one mapping and one owner slot; closing the last
 * of them releases all three at once, with no garbage collection needed.
 *
 * <p>Every JVM using this class needs {@code --add-exports java.base/jdk.internal.misc=ALL-UNNAMED} (Agrona 2.x);
 * without it the first call fails with an {@link IllegalStateException} that says so. On JDK 22+ the library also
 * makes system calls through the FFM API: {@code --enable-native-access=ALL-UNNAMED} avoids the JDK's warning.
 */
public final class SharedMemory extends SegmentAccess implements AutoCloseable
{
    private static final Logger LOG = LoggerFactory.getLogger(SharedMemory.class);
    private static final Cleaner CLEANER = Cleaner.create();

    private final Attachment attachment;
    private final boolean created;
    private final long accessTimeoutNanos;
    private final Release release;
    /** The exclusive writers taken through this handle and not yet closed: closed with it. */
    private final Set<ExclusiveWriter> writers = ConcurrentHashMap.newKeySet();

    SharedMemory(
        final Attachment attachment, final boolean created, final long recoveryNanos, final long accessTimeoutNanos)
    {
        super(attachment, recoveryNanos);
        this.attachment = attachment;
        this.created = created;
        this.accessTimeoutNanos = accessTimeoutNanos;
        this.release = new Release(attachment);
        // A handle that is never closed gives its share of the attachment back once it is unreachable (every call on it
        // keeps it reachable until the call returns; its exclusive writers, watchers and timed views hold it).
        CLEANER.register(this, release);
    }

    /**
     * @param name the segment's name: a file name in the segment directory.
     * @return a builder for segment {@code name}, to set the directory, geometry and options.
     */
    public static SharedMemoryBuilder builder(final String name)
    {
        return new SharedMemoryBuilder(name);
    }

    /**
     * Creates segment {@code name} with {@code pages} pages of 4 KiB in the default directory.
     *
     * @param name  the segment's name.
     * @param pages the number of pages.
     * @return the new segment.
     * @throws SegmentExistsException if the name exists.
     */
    public static SharedMemory create(final String name, final int pages)
    {
        return builder(name).pages(pages).create();
    }

    /**
     * Opens existing segment {@code name} in the default directory.
     *
     * @param name the segment's name.
     * @return the segment.
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
     * @param name  the segment's name.
     * @param pages the number of pages.
     * @return the segment.
     * @throws InvalidSegmentException if it exists with another geometry.
     */
    public static SharedMemory openOrCreate(final String name, final int pages)
    {
        return builder(name).pages(pages).openOrCreate();
    }

    /**
     * Removes the name from the default directory, like {@code shm_unlink}: processes that have it mapped keep
     * working; a later {@code create} of the same name makes a new segment. A file that is not a segment is refused.
     *
     * @param name the segment's name.
     * @return {@code true} if the name existed and was removed.
     * @throws InvalidSegmentException if the name is not a segment.
     */
    public static boolean unlink(final String name)
    {
        return builder(name).unlink();
    }

    /**
     * @param timeout how long each read or write of the view may wait for a held page.
     * @return a view of this segment whose reads and writes wait at most {@code timeout} for a held page, then throw
     * {@link LockTimeoutException}. Views are cheap; keep one per timeout.
     */
    public TimedAccess withTimeout(final Duration timeout)
    {
        return new TimedAccess(this, Timeouts.nanos(timeout, "timeout"));
    }

    // ------------------------------------------------------------------------------------------------------------
    // Writes
    // ------------------------------------------------------------------------------------------------------------

    /**
     * Atomically copies {@code length} bytes of {@code src} from {@code srcOffset} into the segment at {@code offset}.
     *
     * @param offset    where in the segment.
     * @param src       the bytes.
     * @param srcOffset where in {@code src}.
     * @param length    how many bytes.
     * @throws OwnershipLostException if pages of the write were taken over by another process (see there).
     */
    public void write(final int offset, final byte[] src, final int srcOffset, final int length)
    {
        write(offset, src, srcOffset, length, accessTimeoutNanos);
    }

    /**
     * Atomically copies all of {@code src} into the segment at {@code offset}.
     *
     * @param offset where in the segment.
     * @param src    the bytes.
     */
    public void write(final int offset, final byte[] src)
    {
        write(offset, Objects.requireNonNull(src, "src"), 0, src.length, accessTimeoutNanos);
    }

    /**
     * Atomically copies {@code length} bytes of {@code src} from {@code srcOffset} into the segment.
     *
     * @param offset    where in the segment.
     * @param src       the bytes.
     * @param srcOffset where in {@code src}.
     * @param length    how many bytes.
     */
    public void write(final int offset, final DirectBuffer src, final int srcOffset, final int length)
    {
        write(offset, src, srcOffset, length, accessTimeoutNanos);
    }

    /**
     * Atomically copies {@code length} bytes of {@code src} from absolute index {@code srcOffset} into the segment;
     * the buffer's position and limit are ignored and unchanged.
     *
     * @param offset    where in the segment.
     * @param src       the bytes.
     * @param srcOffset where in {@code src}.
     * @param length    how many bytes.
     */
    public void write(final int offset, final ByteBuffer src, final int srcOffset, final int length)
    {
        write(offset, src, srcOffset, length, accessTimeoutNanos);
    }

    /**
     * Atomically writes a little-endian {@code long} at {@code offset}.
     *
     * @param offset where in the segment.
     * @param value  the value.
     */
    public void writeLong(final int offset, final long value)
    {
        writeLong(offset, value, accessTimeoutNanos);
    }

    /**
     * Atomically writes a little-endian {@code int} at {@code offset}.
     *
     * @param offset where in the segment.
     * @param value  the value.
     */
    public void writeInt(final int offset, final int value)
    {
        writeInt(offset, value, accessTimeoutNanos);
    }

    // ------------------------------------------------------------------------------------------------------------
    // Reads
    // ------------------------------------------------------------------------------------------------------------

    /**
     * Copies a consistent snapshot of {@code length} bytes at {@code offset} into {@code dst} from {@code dstOffset}.
     *
     * @param offset    where in the segment.
     * @param dst       where to copy to.
     * @param dstOffset where in {@code dst}.
     * @param length    how many bytes.
     * @throws TornPageException if a page read was left half written by a writer that died or failed.
     */
    public void read(final int offset, final byte[] dst, final int dstOffset, final int length)
    {
        read(offset, dst, dstOffset, length, accessTimeoutNanos);
    }

    /**
     * Fills {@code dst} with a consistent snapshot of the bytes at {@code offset}.
     *
     * @param offset where in the segment.
     * @param dst    where to copy to.
     * @throws TornPageException if a page read was left half written by a writer that died or failed.
     */
    public void read(final int offset, final byte[] dst)
    {
        read(offset, Objects.requireNonNull(dst, "dst"), 0, dst.length, accessTimeoutNanos);
    }

    /**
     * Copies a consistent snapshot of {@code length} bytes at {@code offset} into {@code dst} at {@code dstOffset}.
     *
     * @param offset    where in the segment.
     * @param dst       where to copy to.
     * @param dstOffset where in {@code dst}.
     * @param length    how many bytes.
     * @throws TornPageException if a page read was left half written by a writer that died or failed.
     */
    public void read(final int offset, final MutableDirectBuffer dst, final int dstOffset, final int length)
    {
        read(offset, dst, dstOffset, length, accessTimeoutNanos);
    }

    /**
     * Copies a consistent snapshot of {@code length} bytes at {@code offset} into {@code dst} at absolute index
     * {@code dstOffset}; the buffer's position and limit are ignored and unchanged.
     *
     * @param offset    where in the segment.
     * @param dst       where to copy to.
     * @param dstOffset where in {@code dst}.
     * @param length    how many bytes.
     * @throws java.nio.ReadOnlyBufferException if {@code dst} is read-only.
     * @throws TornPageException                if a page read was left half written by a writer that died or failed.
     */
    public void read(final int offset, final ByteBuffer dst, final int dstOffset, final int length)
    {
        read(offset, dst, dstOffset, length, accessTimeoutNanos);
    }

    /**
     * @param offset where in the segment.
     * @return a consistent snapshot of the little-endian {@code long} at {@code offset}.
     * @throws TornPageException if a page read was left half written by a writer that died or failed.
     */
    public long readLong(final int offset)
    {
        return readLong(offset, accessTimeoutNanos);
    }

    /**
     * @param offset where in the segment.
     * @return a consistent snapshot of the little-endian {@code int} at {@code offset}.
     * @throws TornPageException if a page read was left half written by a writer that died or failed.
     */
    public int readInt(final int offset)
    {
        return readInt(offset, accessTimeoutNanos);
    }

    // ------------------------------------------------------------------------------------------------------------
    // Versions
    // ------------------------------------------------------------------------------------------------------------

    /**
     * @param page the page.
     * @return the number of writes to {@code page} that have completed (modulo 2^47), in any process. It changes
     * on every completed write that touches the page and on nothing else.
     */
    public long version(final int page)
    {
        return pageVersion(page);
    }

    /**
     * Copies the versions of {@code count} pages from {@code firstPage} into {@code dst} from {@code dstOffset}: what
     * {@link #version(int)} gives for each, in one call (a scan of many pages, as a replication publisher makes, costs
     * a load per page). Each version is read at its own instant; compare them with versions seen before to find the
     * pages written since.
     *
     * @param firstPage the first page.
     * @param dst       where to copy the versions to.
     * @param dstOffset where in {@code dst}.
     * @param count     how many pages.
     * @throws IndexOutOfBoundsException if the pages or the destination range are out of bounds.
     */
    public void versions(final int firstPage, final long[] dst, final int dstOffset, final int count)
    {
        pageVersions(firstPage, dst, dstOffset, count);
    }

    /**
     * @param offset a byte offset in the segment.
     * @return the page that byte {@code offset} lies in.
     */
    public int pageOf(final int offset)
    {
        return checkedPageOf(offset);
    }

    /**
     * Waits until {@code page}'s version differs from {@code seen}: spinning briefly, then sleeping (on JDK 22+ in the
     * kernel, woken by the next write in any process; on JDK 17 parking briefly between checks).
     *
     * @param page    the page.
     * @param seen    the version last seen.
     * @param timeout how long to wait at most.
     * @return the new version, or {@code seen} if {@code timeout} elapsed first.
     * @throws IllegalStateException     if the segment is closed, before or during the wait.
     * @throws WaitInterruptedException if the thread is interrupted while waiting (its interrupt status is kept).
     */
    public long awaitChange(final int page, final long seen, final Duration timeout)
    {
        return awaitChange(page, seen, Objects.requireNonNull(timeout, "timeout").isNegative() ? 0 :
            Timeouts.nanos(timeout, "timeout"), null);
    }

    /**
     * Waits until {@code page}'s version differs from {@code seen}, for at most {@code timeoutNanos}, idling with
     * {@code idle} between checks ({@code null} for the default: spin, then sleep). An {@link IdleStrategy} is
     * stateful: give each thread its own.
     *
     * @param page         the page.
     * @param seen         the version last seen.
     * @param timeoutNanos how long to wait at most, in nanoseconds.
     * @param idle         how to idle between checks, or {@code null}.
     * @return the new version, or {@code seen} if the timeout elapsed first.
     * @throws IllegalStateException     if the segment is closed, before or during the wait.
     * @throws WaitInterruptedException if the thread is interrupted while waiting (its interrupt status is kept).
     */
    public long awaitChange(final int page, final long seen, final long timeoutNanos, final IdleStrategy idle)
    {
        return awaitPageChange(page, seen, timeoutNanos, idle);
    }

    /**
     * Waits until the version of the page holding bytes {@code [offset, offset + length)} differs from
     * {@code seenVersion}, then copies a consistent snapshot of those bytes, taken at a version other than
     * {@code seenVersion}, into {@code dst}: {@link #awaitChange} and {@link #read} in one call, for the receiving
     * side of a message exchange, returning the version the bytes belong to. The bytes must lie in one page.
     *
     * <pre>{@code
     * long seen = shm.version(0);
     * while (running) {
     *     seen = shm.awaitChangeAndRead(0, message, 0, 64, seen, Duration.ofSeconds(1));  // the next message
     * }
     * }</pre>
     *
     * @param offset      where in the segment.
     * @param dst         where to copy to.
     * @param dstOffset   where in {@code dst}.
     * @param length      how many bytes, within one page.
     * @param seenVersion the version of that page last seen.
     * @param timeout     how long to wait at most.
     * @return the version the snapshot was taken at, or {@code seenVersion} if the timeout passed first (then
     * {@code dst} holds no snapshot).
     * @throws IllegalArgumentException  if the bytes span pages.
     * @throws TornPageException         if the page was left half written by a writer that died or failed.
     * @throws IllegalStateException     if the segment is closed, before or during the wait.
     * @throws WaitInterruptedException if the thread is interrupted while waiting (its interrupt status is kept).
     */
    public long awaitChangeAndRead(
        final int offset, final byte[] dst, final int dstOffset, final int length, final long seenVersion,
        final Duration timeout)
    {
        return awaitChangeAndRead(offset, dst, dstOffset, length, seenVersion,
            Objects.requireNonNull(timeout, "timeout").isNegative() ? 0 : Timeouts.nanos(timeout, "timeout"));
    }

    /**
     * Leases pages {@code firstPage .. firstPage + pageCount - 1} to a new {@link ExclusiveWriter}: from now until it is
     * closed, only this process writes them: on JDK 22+ and a layout-version-4 segment only through this writer, with
     * no atomic instruction shared with other processes ({@link ExclusiveWriter#isSole()}). Needs a segment created
     * with {@link SharedMemoryBuilder#leases(boolean) leases(true)} (layout version 4, or 3). Each page is taken once
     * (waiting, as a write does, while another writer holds it) and its version advances; its bytes are unchanged.
     *
     * @param firstPage the first page to lease.
     * @param pageCount how many pages, at least 1.
     * @return the writer; close it to give the pages back.
     * @throws IndexOutOfBoundsException if the pages are not all in {@code 0..pageCount()-1}.
     * @throws PageLeasedException       if a page is leased to another live process (nothing is leased then).
     * @throws IllegalStateException     if the segment has no lease words, a page is already leased to another
     *                                   exclusive writer of this process, or the handle is closed.
     */
    public ExclusiveWriter exclusiveWriter(final int firstPage, final int pageCount)
    {
        checkOpen();
        if (firstPage < 0 || pageCount < 1 || (long)firstPage + pageCount > this.pageCount)
        {
            throw new IndexOutOfBoundsException("pages " + firstPage + ".." + ((long)firstPage + pageCount - 1) +
                " (count " + pageCount + ") are not a range of at least one page in 0.." + (this.pageCount - 1) +
                " of segment '" + this.name + "'");
        }
        final ExclusiveWriter writer = new ExclusiveWriter(this, firstPage, pageCount, accessTimeoutNanos);
        writers.add(writer);
        if (isAccessClosed())
        {
            writer.close(); // closed meanwhile: give the lease back (a no-op once the handle's close ran)
            checkOpen();
        }
        return writer;
    }

    /**
     * @param page a page, in {@code 0..pageCount()-1}.
     * @return the owner slot of the process whose {@link ExclusiveWriter} holds {@code page}'s lease, or 0 if it has
     * none (always 0 on a segment without leases). A lease of a process that died stays in the file until the next
     * writer of the page clears it.
     */
    public int leaseHolder(final int page)
    {
        return leaseHolderOf(page);
    }

    /** @return whether this segment's pages can be leased ({@link SharedMemoryBuilder#leases(boolean)}, layout 3, 4). */
    public boolean hasLeases()
    {
        return locks().hasLeases();
    }

    void forget(final ExclusiveWriter writer)
    {
        writers.remove(writer);
    }

    /**
     * @param pages the pages to watch, in {@code 0..pageCount()-1}.
     * @return a watcher that waits for any of {@code pages} to change (one per thread; it allocates nothing per
     * call), taking their current versions as seen.
     */
    public PageWatcher watch(final int... pages)
    {
        checkOpen();
        return new PageWatcher(this, pages.clone());
    }

    // ------------------------------------------------------------------------------------------------------------
    // Description
    // ------------------------------------------------------------------------------------------------------------

    /** @return bytes per page, a power of two. */
    public int pageSize()
    {
        return this.pageSize;
    }

    /** @return number of data pages. */
    public int pageCount()
    {
        return this.pageCount;
    }

    /** @return bytes of user data: {@code pageSize() * pageCount()}. */
    public int capacity()
    {
        return this.capacity;
    }

    /** @return the segment's name. */
    public String name()
    {
        return this.name;
    }

    /** @return the segment file. */
    public Path path()
    {
        return attachment.path();
    }

    /** @return whether this handle created the segment. */
    public boolean created()
    {
        return created;
    }

    /**
     * @param page the page.
     * @return the raw lock word of {@code page} (layout in {@link io.shmipc.layout.LockWord}), for tools and tests.
     */
    public long lockWord(final int page)
    {
        return lockWordOf(page);
    }

    /**
     * @param id which counter.
     * @return the current value of one of the segment's live counters.
     */
    public long counter(final CounterId id)
    {
        return counterOf(id);
    }

    /**
     * @return this process's owner slot in the segment (1 to {@value io.shmipc.layout.LockWord#MAX_OWNER}), named in
     * the lock words of the pages it holds; see {@code docs/FORMAT.md}.
     */
    public int ownerSlot()
    {
        return slotNumber();
    }

    /** @return whether {@link #close()} was called. */
    public boolean isClosed()
    {
        return isAccessClosed();
    }

    /**
     * Closes this handle: every later call on it throws {@link IllegalStateException}, and so do calls on it that are
     * waiting for a page (within about a millisecond). The segment itself lives on until {@link #unlink(String)
     * unlinked}. When this is the last open handle of the segment file in this JVM, the file's descriptor, this
     * process's owner slot and the mapping are released now, with no garbage collection needed: at once on JDK 22+;
     * on JDK 17 to 21 as soon as no thread is inside a call on any handle ({@code docs/FORMAT.md} section 12).
     * Closing while other threads are inside calls never crashes the JVM: each of them either finishes or gets
     * {@link IllegalStateException}.
     */
    @Override
    public void close()
    {
        for (final ExclusiveWriter writer : writers)
        {
            try
            {
                writer.closeWithHandle();
            }
            catch (final RuntimeException ex)
            {
                LOG.warn("segment '{}': could not give back the lease of {}: {}", this.name, writer, ex.toString());
            }
        }
        writers.clear();
        if (markClosed())
        {
            release.run();
            LOG.debug("closed handle of segment '{}'", this.name);
        }
    }

    @Override
    public String toString()
    {
        return "SharedMemory{name='" + this.name + "', path=" + attachment.path() + ", " + attachment.geometry() +
            (isAccessClosed() ? ", closed" : "") + "}";
    }

    /** Gives one handle's share of the attachment back, once: at {@code close()}, or when the handle is collected. */
    private static final class Release implements Runnable
    {
        private final Attachment attachment;
        private final AtomicBoolean done = new AtomicBoolean();

        Release(final Attachment attachment)
        {
            this.attachment = attachment;
        }

        @Override
        public void run()
        {
            if (done.compareAndSet(false, true))
            {
                attachment.release();
            }
        }
    }
}
