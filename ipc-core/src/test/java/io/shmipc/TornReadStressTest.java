package io.shmipc;

import io.shmipc.testing.StressPattern;
import io.shmipc.testing.TestDirectory;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Writer threads stamp a range that straddles three pages with a self-checking pattern while reader threads
 * verify every snapshot, whole-range and partial, single- and multi-page: no read may ever be torn.
 */
class TornReadStressTest
{
    private static final long DURATION_NANOS = 2_000_000_000L;
    private static final int PAGE = 4096;
    /** From 1000 bytes before the end of page 0 to 1000 bytes into page 2. */
    private static final int OFFSET = PAGE - 1000;
    private static final int WORDS = (PAGE + 2000) / Long.BYTES;

    @Test
    void noReadIsEverTorn() throws Exception
    {
        try (TestDirectory dir = TestDirectory.create();
            SharedMemory shm = SharedMemory.builder("torn").directory(dir.path()).pages(4).create())
        {
            new StressPattern(OFFSET, WORDS).write(shm, 0); // the initial state is a valid pattern too
            final AtomicBoolean stop = new AtomicBoolean();
            final AtomicLong torn = new AtomicLong();
            final AtomicLong reads = new AtomicLong();
            final AtomicLong writes = new AtomicLong();
            final List<Thread> threads = new ArrayList<>();
            final List<Throwable> failures = new java.util.concurrent.CopyOnWriteArrayList<>();

            for (int w = 1; w <= 2; w++)
            {
                final int writer = w;
                threads.add(new Thread(() ->
                {
                    final StressPattern pattern = new StressPattern(OFFSET, WORDS);
                    long sequence = 0;
                    while (!stop.get())
                    {
                        pattern.write(shm, StressPattern.value(writer, ++sequence));
                    }
                    writes.addAndGet(sequence);
                }, "writer-" + w));
            }
            for (int r = 0; r < 2; r++)
            {
                threads.add(new Thread(() ->
                {
                    final StressPattern pattern = new StressPattern(OFFSET, WORDS);
                    final ThreadLocalRandom random = ThreadLocalRandom.current();
                    long count = 0;
                    while (!stop.get())
                    {
                        // alternate whole-range reads with random sub-ranges (some within one page)
                        final int first = (count & 1) == 0 ? 0 : random.nextInt(WORDS);
                        final int words = (count & 1) == 0 ? WORDS : 1 + random.nextInt(WORDS - first);
                        if (pattern.read(shm, first, words) == -1)
                        {
                            torn.incrementAndGet();
                        }
                        count++;
                    }
                    reads.addAndGet(count);
                }, "reader-" + r));
            }
            threads.forEach(t -> t.setUncaughtExceptionHandler((th, ex) -> failures.add(ex)));
            threads.forEach(Thread::start);
            Thread.sleep(DURATION_NANOS / 1_000_000);
            stop.set(true);
            for (final Thread t : threads)
            {
                t.join(30_000);
            }

            assertTrue(failures.isEmpty(), "threads failed: " + failures);
            assertEquals(0, torn.get(), "torn reads out of " + reads.get());
            assertTrue(reads.get() > 1000, "readers made progress: " + reads.get());
            assertTrue(writes.get() > 1000, "writers made progress: " + writes.get());
            // the last write wins as a whole
            final long last = new StressPattern(OFFSET, WORDS).read(shm, 0, WORDS);
            assertTrue(last > 0, "final snapshot consistent: " + last);
        }
    }

    @Test
    void theCheckerDetectsATornSnapshot()
    {
        // The checker must be able to fail: write two values unguarded halves and it reports -1.
        try (TestDirectory dir = TestDirectory.create();
            SharedMemory shm = SharedMemory.builder("checker").directory(dir.path()).pages(4).create())
        {
            final StressPattern pattern = new StressPattern(OFFSET, WORDS);
            pattern.write(shm, StressPattern.value(1, 1));
            assertEquals(StressPattern.value(1, 1), pattern.read(shm, 0, WORDS));
            final StressPattern other = new StressPattern(OFFSET, WORDS / 2);
            other.write(shm, StressPattern.value(2, 5));   // overwrite the first half with another write
            assertEquals(-1, pattern.read(shm, 0, WORDS));
        }
    }
}
