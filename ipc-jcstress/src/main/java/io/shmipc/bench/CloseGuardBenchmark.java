package io.shmipc.bench;

import io.shmipc.SharedMemory;
import io.shmipc.lock.PageLocks;
import io.shmipc.segment.Attachment;
import io.shmipc.segment.Attachments;
import org.agrona.concurrent.UnsafeBuffer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.lang.ref.Reference;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The cost of the close guard on a 64-byte read: {@link SharedMemory#read(int, byte[])} (which checks a volatile
 * {@code closed} flag before the copy and again after it, and keeps the handle reachable to the end) against the same
 * read written out without the guard: the same bounds checks and the same optimistic read through {@link PageLocks}
 * on the same mapping.
 *
 * <pre>java --add-exports java.base/jdk.internal.misc=ALL-UNNAMED -cp ipc-jcstress/target/jcstress.jar \
 *     org.openjdk.jmh.Main CloseGuardBenchmark</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 3, jvmArgsAppend = {"--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED"})
public class CloseGuardBenchmark
{
    private static final int LENGTH = 64;
    private static final VarHandle CLOSED;

    static
    {
        try
        {
            CLOSED = MethodHandles.lookup().findVarHandle(CloseGuardBenchmark.class, "closed", boolean.class);
        }
        catch (final ReflectiveOperationException ex)
        {
            throw new ExceptionInInitializerError(ex);
        }
    }

    private final byte[] dst = new byte[LENGTH];
    private int offset = 128;
    private Path directory;
    private SharedMemory shm;
    private UnsafeBuffer file;
    private PageLocks locks;
    private int dataOffset;
    private int pageShift;
    private int capacity;
    private volatile boolean closed;

    @Setup
    public void setUp() throws IOException
    {
        final Path parent = Files.isDirectory(Path.of("/dev/shm")) ? Path.of("/dev/shm") :
            Path.of(System.getProperty("java.io.tmpdir"));
        directory = Files.createTempDirectory(parent, "shmipc-guard-bench-");
        shm = SharedMemory.builder("bench").directory(directory).pages(4).create();
        // The handle's own attachment (this JVM keeps one per file): the same mapping the library reads.
        final Attachment segment = Attachments.open(directory, "bench", Duration.ofSeconds(5), false);
        file = segment.file();
        locks = new PageLocks(file, "bench", segment.geometry().pageCount());
        dataOffset = (int)segment.geometry().dataOffset();
        pageShift = Integer.numberOfTrailingZeros(segment.geometry().pageSize());
        capacity = segment.geometry().capacity();
        shm.writeLong(offset, 42L);
    }

    @TearDown
    public void tearDown() throws IOException
    {
        shm.close();
        try (Stream<Path> files = Files.walk(directory))
        {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    /** The library's read: close guard, bounds checks, optimistic read. */
    @Benchmark
    public byte[] guarded()
    {
        shm.read(offset, dst);
        return dst;
    }

    /**
     * {@link #unguarded()} plus exactly the guard {@link SharedMemory} adds: a volatile {@code closed} check before
     * and after the copy, and {@link Reference#reachabilityFence} after the read (not in a {@code finally}: that
     * alone cost about 3.5 ns on JDK 17). Against {@link #unguarded()} it isolates the
     * guard's cost; against {@link #guarded()} it shows what the library's own call structure costs.
     */
    @Benchmark
    public byte[] guardOnly()
    {
        if (closed)
        {
            throw new IllegalStateException("closed");
        }
        final byte[] out = unguarded();
        if (closed)
        {
            throw new IllegalStateException("closed");
        }
        Reference.reachabilityFence(this);
        return out;
    }

    /**
     * The guard with an opaque load of the flag instead of a volatile one: still never hoisted out of a caller's
     * loop, but with no acquire ordering for the compiler to respect. A candidate, measured here.
     */
    @Benchmark
    public byte[] opaqueGuard()
    {
        if ((boolean)CLOSED.getOpaque(this))
        {
            throw new IllegalStateException("closed");
        }
        final byte[] out = unguarded();
        if ((boolean)CLOSED.getOpaque(this))
        {
            throw new IllegalStateException("closed");
        }
        Reference.reachabilityFence(this);
        return out;
    }

    /**
     * The same read without the close guard: {@link SharedMemory#read(int, byte[])} line for line (length taken
     * from the array, the same bounds checks, the same optimistic read) minus the {@code closed} check and the
     * reachability fence.
     */
    @Benchmark
    public byte[] unguarded()
    {
        final int at = offset;
        final byte[] out = dst;
        final int length = out.length;
        if (at < 0 || length < 0 || (long)at + length > capacity)
        {
            throw new IndexOutOfBoundsException("offset " + at + " length " + length);
        }
        if ((long)length > Objects.requireNonNull(out, "dst").length)
        {
            throw new IndexOutOfBoundsException("dst");
        }
        if (length == 0)
        {
            return out;
        }
        final int first = at >>> pageShift;
        final int last = (at + length - 1) >>> pageShift;
        long stamp;
        do
        {
            stamp = locks.tryOptimisticRead(first, last, PageLocks.NO_TIMEOUT);
            file.getBytes(dataOffset + at, out, 0, length);
        }
        while (!locks.validate(first, last, stamp));
        return out;
    }
}
