package io.shmipc.bench.jmh;

import io.shmipc.ExclusiveWriter;
import io.shmipc.SharedMemory;
import io.shmipc.layout.LockWord;
import io.shmipc.layout.SegmentDescriptor;
import org.agrona.UnsafeApi;
import org.agrona.concurrent.UnsafeBuffer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.lang.invoke.VarHandle;
import java.util.concurrent.TimeUnit;

/**
 * Uncontended single-thread reads and writes through {@code SharedMemory}, each next to a raw copy of the same bytes
 * of the same mapped file through an {@link UnsafeBuffer} with no lock: the difference is the cost of the sequence
 * lock. 64 KiB spans sixteen 4 KiB pages. {@code writeExclusive} writes the same bytes through an
 * {@link ExclusiveWriter} holding the pages' lease, on a second segment of layout version 3 (its raw copy costs the
 * same: the same bytes, in a file of the same size).
 *
 * <p>{@code readSeqlock} and {@code writeSeqlock} are the page lock protocol of docs/FORMAT.md (7.1, 7.2) written
 * out by hand on the same mapped bytes, through {@link UnsafeApi} on raw addresses as the library does (no bounds
 * checks: Agrona's cost about 0.6 ns a call here, and the by-hand read once made three such calls, which overstated
 * what the protocol costs): an acquire load of the lock word, the copy, an
 * acquire fence and a second load for a read; a compare-and-swap to the held word, the copy and a release of the
 * page for a write: a release store of the next word on JDK 22+, a second compare-and-swap on JDK 17 to 21, as the
 * library does on the running JDK (7.1: a process whose owner slot is an open-file-description lock releases with a
 * store). No checks, no waits, no recovery: what the protocol itself costs on this machine,
 * so that {@code SharedMemory / seqlock} is the price of the API around it.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED"})
public class SegmentAccessBenchmark
{
    private static final int PAGES = 32;

    /** Bytes per read or write. */
    @Param({"8", "64", "4096", "65536"})
    public int size;

    private BenchmarkSegment segment;
    /** The segment's handle, held as a user holds it (one field away, as {@link #raw} is for the raw copies). */
    private SharedMemory shm;
    private BenchmarkSegment leased;
    private ExclusiveWriter exclusive;
    private UnsafeBuffer raw;
    private int dataOffset;
    private int lastPage;
    private int owner;
    /** Whether the library releases with a store on this JDK (its owner slot is an OFD lock: JDK 22+). */
    private boolean storeRelease;
    private byte[] src;
    private byte[] dst;
    /** Addresses of page 0's lock word and of user offset 0, for the protocol written by hand. */
    private long lockWordAddress;
    private long dataAddress;
    private static final long BYTE_ARRAY_BASE = UnsafeApi.arrayBaseOffset(byte[].class);

    /** Creates the segment and fills the source. */
    @Setup(Level.Trial)
    public void setUp()
    {
        segment = new BenchmarkSegment(PAGES);
        shm = segment.shm();
        raw = segment.raw();
        dataOffset = segment.dataOffset();
        lockWordAddress = raw.addressOffset() + SegmentDescriptor.lockWordOffset(0);
        dataAddress = raw.addressOffset() + dataOffset;
        owner = segment.shm().ownerSlot();
        storeRelease = Runtime.version().feature() >= 22;
        lastPage = (size - 1) / segment.shm().pageSize();
        src = new byte[size];
        dst = new byte[size];
        for (int i = 0; i < size; i++)
        {
            src[i] = (byte)i;
        }
        segment.shm().write(0, src);
        leased = new BenchmarkSegment(PAGES, true);
        exclusive = leased.shm().exclusiveWriter(0, PAGES);
        exclusive.write(0, src);
    }

    /** @return the ordinary segment, for tests of the benchmark itself. */
    BenchmarkSegment segmentForTests()
    {
        return segment;
    }

    /** Removes the segment. */
    @TearDown(Level.Trial)
    public void tearDown()
    {
        exclusive.close();
        leased.close();
        segment.close();
    }

    /** @return {@code size} bytes read under the seqlock. */
    @Benchmark
    public byte[] readSharedMemory()
    {
        shm.read(0, dst, 0, size);
        return dst;
    }

    /** @return the same bytes copied out of the same file with no lock. */
    @Benchmark
    public byte[] readRaw()
    {
        raw.getBytes(dataOffset, dst, 0, size);
        return dst;
    }

    /** @return the same bytes read by the seqlock protocol written out by hand. */
    @Benchmark
    public byte[] readSeqlock()
    {
        if (lastPage == 0)
        {
            long word;
            do
            {
                // acquire: the copy cannot be performed before this load.
                word = UnsafeApi.getLongAcquire(null, lockWordAddress);
                UnsafeApi.copyMemory(null, dataAddress, dst, BYTE_ARRAY_BASE, size);
                // acquireFence: the copy's loads complete before the lock word is loaded again.
                VarHandle.acquireFence();
            }
            while ((word & LockWord.HELD_BIT) != 0 || UnsafeApi.getLong(null, lockWordAddress) != word);
            return dst;
        }
        long stamp;
        do
        {
            stamp = 0;
            for (int page = 0; page <= lastPage; page++)
            {
                // acquire: the copy cannot be performed before these loads.
                final long word = UnsafeApi.getLongAcquire(null, lockWordAddress + page * SegmentDescriptor.LOCK_STRIDE);
                stamp += (word & LockWord.HELD_BIT) != 0 ? Long.MIN_VALUE : word;
            }
            UnsafeApi.copyMemory(null, dataAddress, dst, BYTE_ARRAY_BASE, size);
            // acquireFence: the copy's loads complete before the lock words are loaded again.
            VarHandle.acquireFence();
        }
        while (stamp < 0 || stamp != sum());
        return dst;
    }

    private long sum()
    {
        long sum = 0;
        for (int page = 0; page <= lastPage; page++)
        {
            sum += UnsafeApi.getLong(null, lockWordAddress + page * SegmentDescriptor.LOCK_STRIDE);
        }
        return sum;
    }

    /** Writes {@code size} bytes under the seqlock. */
    @Benchmark
    public void writeSharedMemory()
    {
        shm.write(0, src, 0, size);
    }

    /** Writes {@code size} bytes under the seqlock, as the exclusive writer holding the pages' lease. */
    @Benchmark
    public void writeExclusive()
    {
        exclusive.write(0, src, 0, size);
    }

    /**
     * Writes the same bytes by the seqlock protocol written out by hand: a compare-and-swap per page to take it, and a
     * release store (JDK 22+) or a second compare-and-swap (JDK 17 to 21) to release it, as the library does.
     */
    @Benchmark
    public void writeSeqlock()
    {
        if (lastPage == 0)
        {
            final long word = UnsafeApi.getLongAcquire(null, lockWordAddress);
            final long held = LockWord.locked(word, owner);
            if ((word & LockWord.HELD_BIT) != 0 || !UnsafeApi.compareAndSetLong(null, lockWordAddress, word, held))
            {
                throw new IllegalStateException("page 0 is held: " + LockWord.describe(word));
            }
            // the CAS orders the odd word before the copy's stores (a full fence)
            UnsafeApi.copyMemory(src, BYTE_ARRAY_BASE, null, dataAddress, size);
            if (storeRelease)
            {
                // release store: the copy's stores become visible before the even word.
                UnsafeApi.putLongRelease(null, lockWordAddress, LockWord.released(held));
            }
            // seq_cst CAS: the copy's stores become visible before the even word.
            else if (!UnsafeApi.compareAndSetLong(null, lockWordAddress, held, LockWord.released(held)))
            {
                throw new IllegalStateException("page 0 changed while held");
            }
            return;
        }
        for (int page = 0; page <= lastPage; page++)
        {
            final long address = lockWordAddress + page * SegmentDescriptor.LOCK_STRIDE;
            final long word = UnsafeApi.getLongAcquire(null, address);
            if ((word & LockWord.HELD_BIT) != 0 ||
                !UnsafeApi.compareAndSetLong(null, address, word, LockWord.locked(word, owner)))
            {
                throw new IllegalStateException("page " + page + " is held: " + LockWord.describe(word));
            }
        }
        // the CASes order the odd words before the copy's stores (a full fence each)
        UnsafeApi.copyMemory(src, BYTE_ARRAY_BASE, null, dataAddress, size);
        for (int page = 0; page <= lastPage; page++)
        {
            final long address = lockWordAddress + page * SegmentDescriptor.LOCK_STRIDE;
            final long held = UnsafeApi.getLong(null, address);
            if (storeRelease)
            {
                // release store: the copy's stores become visible before the even word.
                UnsafeApi.putLongRelease(null, address, LockWord.released(held));
            }
            // seq_cst CAS: the copy's stores become visible before the even word.
            else if (!UnsafeApi.compareAndSetLong(null, address, held, LockWord.released(held)))
            {
                throw new IllegalStateException("page " + page + " changed while held");
            }
        }
    }

    /** Copies the same bytes into the same file with no lock. */
    @Benchmark
    public void writeRaw()
    {
        raw.putBytes(dataOffset, src, 0, size);
    }
}
