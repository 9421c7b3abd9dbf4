package io.shmipc.bench.jmh;

import org.agrona.concurrent.UnsafeBuffer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * Uncontended {@code version()}, {@code readLong} and {@code writeLong}, next to a volatile load and a release store
 * of the same {@code long} in the same mapped file with no lock.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED"})
public class SegmentScalarBenchmark
{
    private BenchmarkSegment segment;
    private UnsafeBuffer raw;
    private int dataOffset;
    private long value;

    /** Creates the segment. */
    @Setup(Level.Trial)
    public void setUp()
    {
        segment = new BenchmarkSegment(1);
        raw = segment.raw();
        dataOffset = segment.dataOffset();
    }

    /** Removes the segment. */
    @TearDown(Level.Trial)
    public void tearDown()
    {
        segment.close();
    }

    /** @return page 0's version. */
    @Benchmark
    public long version()
    {
        return segment.shm().version(0);
    }

    /** @return a {@code long} read under the seqlock. */
    @Benchmark
    public long readLongSharedMemory()
    {
        return segment.shm().readLong(0);
    }

    /** @return the same {@code long} loaded with a volatile load and no lock. */
    @Benchmark
    public long readLongRawVolatile()
    {
        return raw.getLongVolatile(dataOffset);
    }

    /** Writes a {@code long} under the seqlock. */
    @Benchmark
    public void writeLongSharedMemory()
    {
        segment.shm().writeLong(0, ++value);
    }

    /** Stores the same {@code long} with a release store and no lock. */
    @Benchmark
    public void writeLongRawRelease()
    {
        raw.putLongRelease(dataOffset, ++value);
    }
}
