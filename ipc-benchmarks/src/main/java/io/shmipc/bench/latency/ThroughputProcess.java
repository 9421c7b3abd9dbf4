package io.shmipc.bench.latency;

import io.shmipc.SharedMemory;
import io.shmipc.layout.CounterId;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * One side of the throughput case, in its own JVM: a {@code writer} updates page 0 (64 bytes: one counter repeated
 * eight times) as fast as it can; a {@code reader} samples it as fast as it can for the given time, checks every
 * snapshot is consistent (all eight copies equal), then writes page 1 to tell the writer to stop.
 *
 * <pre>
 * writer &lt;dir&gt;              prints "WRITER writes=&lt;n&gt; nanos=&lt;t&gt;"
 * reader &lt;dir&gt; &lt;seconds&gt;    prints "READER reads=&lt;n&gt; retries=&lt;r&gt; inconsistent=&lt;k&gt; nanos=&lt;t&gt;"
 * </pre>
 */
public final class ThroughputProcess
{
    /** Segment name under the run directory. */
    public static final String SEGMENT = "shm-throughput";
    private static final int DATA_PAGE = 0;
    private static final int STOP_PAGE = 1;
    private static final int WORDS = 8;
    private static final long START_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(30);

    private ThroughputProcess()
    {
    }

    /**
     * Runs one side.
     *
     * @param args see the class comment.
     */
    public static void main(final String[] args)
    {
        ParentWatchdog.start();
        final Path dir = Path.of(args[1]);
        try (SharedMemory shm = SharedMemory.builder(SEGMENT).directory(dir).open())
        {
            if ("writer".equals(args[0]))
            {
                write(shm);
            }
            else if ("reader".equals(args[0]))
            {
                read(shm, TimeUnit.MILLISECONDS.toNanos((long)(Double.parseDouble(args[2]) * 1000)));
            }
            else
            {
                throw new IllegalArgumentException("role '" + args[0] + "' is neither writer nor reader");
            }
        }
    }

    private static void write(final SharedMemory shm)
    {
        final UnsafeBuffer message = new UnsafeBuffer(new byte[WORDS * Long.BYTES]);
        final long start = System.nanoTime();
        long writes = 0;
        while (true)
        {
            writes++;
            for (int w = 0; w < WORDS; w++)
            {
                message.putLong(w * Long.BYTES, writes);
            }
            shm.write(DATA_PAGE, message, 0, message.capacity());
            if ((writes & 0xFF) == 0 && shm.version(STOP_PAGE) != 0)
            {
                break;
            }
        }
        System.out.println("WRITER writes=" + writes + " nanos=" + (System.nanoTime() - start));
    }

    private static void read(final SharedMemory shm, final long durationNanos)
    {
        final long waitStart = System.nanoTime();
        while (shm.version(DATA_PAGE) == 0)
        {
            if (System.nanoTime() - waitStart > START_TIMEOUT_NANOS)
            {
                throw new IllegalStateException("the writer did not start within 30 s");
            }
            Thread.onSpinWait();
        }
        final UnsafeBuffer snapshot = new UnsafeBuffer(new byte[WORDS * Long.BYTES]);
        final long retriesBefore = shm.counter(CounterId.READ_RETRIES);
        final long start = System.nanoTime();
        long reads = 0;
        long inconsistent = 0;
        long elapsed;
        while (true)
        {
            shm.read(DATA_PAGE, snapshot, 0, snapshot.capacity());
            reads++;
            final long first = snapshot.getLong(0);
            for (int w = 1; w < WORDS; w++)
            {
                if (snapshot.getLong(w * Long.BYTES) != first)
                {
                    inconsistent++;
                    break;
                }
            }
            if ((reads & 0x3FF) == 0 && (elapsed = System.nanoTime() - start) >= durationNanos)
            {
                break;
            }
        }
        final long retries = shm.counter(CounterId.READ_RETRIES) - retriesBefore;
        shm.writeLong(STOP_PAGE * shm.pageSize(), 1L);
        System.out.println("READER reads=" + reads + " retries=" + retries + " inconsistent=" + inconsistent +
            " nanos=" + elapsed);
    }
}
