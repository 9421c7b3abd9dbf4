package io.shmipc.bench.jmh;

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
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.concurrent.locks.StampedLock;

/**
 * The in-process alternatives a Java user might pick for the same job, uncontended: a heap buffer guarded by a
 * {@link StampedLock} (optimistic read, falling back to a read lock) or by a {@link ReentrantReadWriteLock}. Same
 * sizes as {@link SegmentAccessBenchmark}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED"})
public class HeapLockBenchmark
{
    /** Bytes per read or write. */
    @Param({"8", "64", "4096", "65536"})
    public int size;

    private final StampedLock stampedLock = new StampedLock();
    private final ReentrantReadWriteLock readWriteLock = new ReentrantReadWriteLock();
    private byte[] heap;
    private byte[] src;
    private byte[] dst;

    /** Allocates the buffers. */
    @Setup(Level.Trial)
    public void setUp()
    {
        heap = new byte[size];
        src = new byte[size];
        dst = new byte[size];
        for (int i = 0; i < size; i++)
        {
            src[i] = (byte)i;
        }
        System.arraycopy(src, 0, heap, 0, size);
    }

    /** @return the buffer read optimistically under the stamped lock. */
    @Benchmark
    public byte[] readStampedLock()
    {
        return HeapLocks.readOptimistic(stampedLock, heap, dst, size);
    }

    /** Writes the buffer under the stamped lock's write lock. */
    @Benchmark
    public void writeStampedLock()
    {
        HeapLocks.write(stampedLock, src, heap, size);
    }

    /** @return the buffer read under the read-write lock's read lock. */
    @Benchmark
    public byte[] readReadWriteLock()
    {
        return HeapLocks.read(readWriteLock, heap, dst, size);
    }

    /** Writes the buffer under the read-write lock's write lock. */
    @Benchmark
    public void writeReadWriteLock()
    {
        HeapLocks.write(readWriteLock, src, heap, size);
    }
}
