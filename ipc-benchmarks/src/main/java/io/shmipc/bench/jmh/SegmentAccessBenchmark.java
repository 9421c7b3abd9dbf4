package io.shmipc.bench.jmh;

import io.shmipc.ExclusiveWriter;
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

import java.util.concurrent.TimeUnit;

/**
 * Uncontended single-thread reads and writes through {@code SharedMemory}, each next to a raw copy of the same bytes
 * of the same mapped file through an {@link UnsafeBuffer} with no lock: the difference is the cost of the sequence
 * lock. 64 KiB spans sixteen 4 KiB pages. {@code writeExclusive} writes the same bytes through an
 * {@link ExclusiveWriter} holding the pages' lease, on a second segment of layout version 3 (its raw copy costs the
 * same: the same bytes, in a file of the same size).
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
    private BenchmarkSegment leased;
    private ExclusiveWriter exclusive;
    private UnsafeBuffer raw;
    private int dataOffset;
    private byte[] src;
    private byte[] dst;

    /** Creates the segment and fills the source. */
    @Setup(Level.Trial)
    public void setUp()
    {
        segment = new BenchmarkSegment(PAGES);
        raw = segment.raw();
        dataOffset = segment.dataOffset();
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
        segment.shm().read(0, dst, 0, size);
        return dst;
    }

    /** @return the same bytes copied out of the same file with no lock. */
    @Benchmark
    public byte[] readRaw()
    {
        raw.getBytes(dataOffset, dst, 0, size);
        return dst;
    }

    /** Writes {@code size} bytes under the seqlock. */
    @Benchmark
    public void writeSharedMemory()
    {
        segment.shm().write(0, src, 0, size);
    }

    /** Writes {@code size} bytes under the seqlock, as the exclusive writer holding the pages' lease. */
    @Benchmark
    public void writeExclusive()
    {
        exclusive.write(0, src, 0, size);
    }

    /** Copies the same bytes into the same file with no lock. */
    @Benchmark
    public void writeRaw()
    {
        raw.putBytes(dataOffset, src, 0, size);
    }
}
