package io.shmipc.testing;

import io.shmipc.SharedMemory;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.locks.LockSupport;

/**
 * Child-process side of the multi-process stress test.
 * <pre>
 * StressWorker writer DIR NAME MILLIS ID OFFSET WORDS   prints "writes=N"
 * StressWorker reader DIR NAME MILLIS ID OFFSET WORDS   prints "reads=N torn=T max1=S1 max2=S2 ..."
 * </pre>
 * Readers print, per writer id, the highest sequence they saw, so the test can check they saw progress.
 */
public final class StressWorker
{
    private static final int MAX_WRITERS = 8;

    /**
     * The file, in the segment's directory, whose creation starts every worker at once: each prints "ready" once its
     * segment is open, then waits for it. Without it, a worker whose JVM starts seconds late on a loaded machine could
     * run after a reader had finished (a reader that never saw that writer's values).
     */
    public static final String GO_FILE = "stress-go";

    private StressWorker()
    {
    }

    private static void awaitGo(final Path go)
    {
        final long deadline = System.nanoTime() + 120_000_000_000L;
        while (!Files.exists(go))
        {
            if (System.nanoTime() > deadline)
            {
                throw new IllegalStateException("no " + go + " within 120 s");
            }
            LockSupport.parkNanos(1_000_000L);
        }
    }

    public static void main(final String[] args)
    {
        final String role = args[0];
        final Path dir = Path.of(args[1]);
        final String name = args[2];
        final long millis = Long.parseLong(args[3]);
        final int id = Integer.parseInt(args[4]);
        final int offset = Integer.parseInt(args[5]);
        final int words = Integer.parseInt(args[6]);
        try (SharedMemory shm = SharedMemory.builder(name).directory(dir).open())
        {
            final StressPattern pattern = new StressPattern(offset, words);
            System.out.println("ready");
            System.out.flush();
            awaitGo(dir.resolve(GO_FILE));
            final long end = System.nanoTime() + millis * 1_000_000L;
            if (role.equals("writer"))
            {
                long sequence = 0;
                while (System.nanoTime() < end)
                {
                    pattern.write(shm, StressPattern.value(id, ++sequence));
                }
                System.out.println("writes=" + sequence);
            }
            else
            {
                final long[] max = new long[MAX_WRITERS];
                final ThreadLocalRandom random = ThreadLocalRandom.current();
                long reads = 0;
                long torn = 0;
                while (System.nanoTime() < end)
                {
                    final int first = (reads & 1) == 0 ? 0 : random.nextInt(words);
                    final int count = (reads & 1) == 0 ? words : 1 + random.nextInt(words - first);
                    final long value = pattern.read(shm, first, count);
                    reads++;
                    if (value == -1)
                    {
                        torn++;
                    }
                    else if (value != 0)
                    {
                        final int writer = StressPattern.writer(value);
                        max[writer] = Math.max(max[writer], StressPattern.sequence(value));
                    }
                }
                final StringBuilder line = new StringBuilder("reads=" + reads + " torn=" + torn);
                for (int w = 1; w < MAX_WRITERS; w++)
                {
                    line.append(" max").append(w).append('=').append(max[w]);
                }
                System.out.println(line);
            }
        }
    }
}
