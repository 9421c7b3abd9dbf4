package io.shmipc.bench.jmh;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Group;
import org.openjdk.jmh.annotations.GroupThreads;
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
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.concurrent.locks.StampedLock;

/**
 * One writer thread and one reader thread on the same 64-byte page, for {@code SharedMemory} and the two JDK-lock
 * alternatives: each group reports the writer's and the reader's time per operation.
 */
@State(Scope.Group)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED"})
public class ContendedBenchmark
{
    private static final int SIZE = 64;

    private final StampedLock stampedLock = new StampedLock();
    private final ReentrantReadWriteLock readWriteLock = new ReentrantReadWriteLock();
    private final byte[] heap = new byte[SIZE];
    private BenchmarkSegment segment;

    /** Per-thread source and destination, so the threads share only the page. */
    @State(Scope.Thread)
    public static class Buffers
    {
        final byte[] src = new byte[SIZE];
        final byte[] dst = new byte[SIZE];
    }

    /** Creates the segment. */
    @Setup(Level.Trial)
    public void setUp()
    {
        segment = new BenchmarkSegment(1);
    }

    /** Removes the segment. */
    @TearDown(Level.Trial)
    public void tearDown()
    {
        segment.close();
    }

    /** Writes the page under the seqlock. */
    @Benchmark
    @Group("sharedMemory")
    @GroupThreads(1)
    public void sharedMemoryWrite(final Buffers b)
    {
        segment.shm().write(0, b.src, 0, SIZE);
    }

    /** @return the page read under the seqlock while the writer writes it. */
    @Benchmark
    @Group("sharedMemory")
    @GroupThreads(1)
    public byte[] sharedMemoryRead(final Buffers b)
    {
        segment.shm().read(0, b.dst, 0, SIZE);
        return b.dst;
    }

    /** Writes the heap buffer under the stamped lock. */
    @Benchmark
    @Group("stampedLock")
    @GroupThreads(1)
    public void stampedLockWrite(final Buffers b)
    {
        HeapLocks.write(stampedLock, b.src, heap, SIZE);
    }

    /** @return the heap buffer read optimistically under the stamped lock while the writer writes it. */
    @Benchmark
    @Group("stampedLock")
    @GroupThreads(1)
    public byte[] stampedLockRead(final Buffers b)
    {
        return HeapLocks.readOptimistic(stampedLock, heap, b.dst, SIZE);
    }

    /** Writes the heap buffer under the read-write lock. */
    @Benchmark
    @Group("readWriteLock")
    @GroupThreads(1)
    public void readWriteLockWrite(final Buffers b)
    {
        HeapLocks.write(readWriteLock, b.src, heap, SIZE);
    }

    /** @return the heap buffer read under the read-write lock while the writer writes it. */
    @Benchmark
    @Group("readWriteLock")
    @GroupThreads(1)
    public byte[] readWriteLockRead(final Buffers b)
    {
        return HeapLocks.read(readWriteLock, heap, b.dst, SIZE);
    }
}
