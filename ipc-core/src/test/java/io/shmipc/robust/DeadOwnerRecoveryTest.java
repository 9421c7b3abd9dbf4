package io.shmipc.robust;

import io.shmipc.SharedMemory;
import io.shmipc.SharedMemoryBuilder;
import io.shmipc.TornPageException;
import io.shmipc.layout.CounterId;
import io.shmipc.layout.LockWord;
import io.shmipc.testing.JavaProcess;
import io.shmipc.testing.TestDirectoryExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A writer process killed with SIGKILL while it holds page locks blocks nobody for ever: another process takes the
 * pages over, reports them torn until a whole-page write, and a live writer that is merely slow keeps its locks.
 */
class DeadOwnerRecoveryTest
{
    private static final Logger LOG = LoggerFactory.getLogger(DeadOwnerRecoveryTest.class);
    private static final String PAUSE_FOREVER = "-D" + ChildMain.PAUSE_PROPERTY + "=600000";

    @RegisterExtension
    final TestDirectoryExtension dir = new TestDirectoryExtension();

    private SharedMemoryBuilder builder(final String name)
    {
        return SharedMemory.builder(name).directory(dir.path());
    }

    @Test
    void writerKilledInsideItsCriticalSectionIsRecoveredReportedTornAndClearedByAWholeWrite()
    {
        final int pageSize = 4096;
        try (SharedMemory shm = builder("killed").pages(2).create())
        {
            final byte[] before = filled(2 * pageSize, (byte)1);
            shm.write(0, before);
            try (JavaProcess child = JavaProcess.startWith(List.of(PAUSE_FOREVER), ChildMain.class,
                "write", dir.path().toString(), "killed", String.valueOf(2 * pageSize), "2"))
            {
                child.awaitLine(ChildMain.PAUSED_MARKER, 60);
                final int childSlot = Integer.parseInt(child.lastLineStartingWith("SLOT ").substring(5));
                assertNotEquals(shm.ownerSlot(), childSlot);
                for (int page = 0; page < 2; page++)
                {
                    final long word = shm.lockWord(page);
                    assertTrue(LockWord.isHeld(word), LockWord.describe(word));
                    assertEquals(childSlot, LockWord.owner(word), LockWord.describe(word));
                }
                child.kill();
            }

            final long start = System.nanoTime();
            final byte[] copy = new byte[2 * pageSize];
            final TornPageException torn = assertThrows(TornPageException.class, () -> shm.read(0, copy));
            final long recoveryNanos = System.nanoTime() - start;
            LOG.info("recovery after SIGKILL with the default timeout: {} ms", recoveryNanos / 1_000_000);
            assertEquals(0, torn.page());
            assertEquals(1, shm.counter(CounterId.OWNER_RECOVERIES));
            assertTrue(LockWord.isTorn(shm.lockWord(0)) && !LockWord.isHeld(shm.lockWord(0)));
            // Page 1 is held by the same dead slot: recovered at once, also torn.
            assertEquals(1, assertThrows(TornPageException.class, () -> shm.readLong(pageSize)).page());
            assertEquals(2, shm.counter(CounterId.OWNER_RECOVERIES));

            // A write that covers only part of a torn page leaves it torn.
            shm.writeLong(0, 5L);
            assertThrows(TornPageException.class, () -> shm.readLong(0));

            // A write that covers both pages whole clears the mark; the bytes read back are exactly that write.
            final byte[] after = filled(2 * pageSize, (byte)3);
            shm.write(0, after);
            shm.read(0, copy);
            assertArrayEquals(after, copy);
            for (int page = 0; page < 2; page++)
            {
                final long word = shm.lockWord(page);
                assertFalse(LockWord.isTorn(word) || LockWord.isHeld(word), LockWord.describe(word));
            }
        }
    }

    @Test
    void aWriterWaitingOnADeadOwnerTakesThePageOverAndItsWholeWriteIsClean()
    {
        try (SharedMemory shm = builder("takeover").pages(1).recoveryTimeout(Duration.ofMillis(50)).create())
        {
            try (JavaProcess child = JavaProcess.startWith(List.of(PAUSE_FOREVER), ChildMain.class,
                "write", dir.path().toString(), "takeover", "100", "9"))
            {
                child.awaitLine(ChildMain.PAUSED_MARKER, 60);
                child.kill();
            }
            final byte[] page = filled(shm.pageSize(), (byte)4);
            shm.write(0, page); // waits 50 ms, finds the owner dead, takes the page over
            assertEquals(1, shm.counter(CounterId.OWNER_RECOVERIES));
            final byte[] copy = new byte[shm.pageSize()];
            shm.read(0, copy);
            assertArrayEquals(page, copy);
            assertFalse(LockWord.isTorn(shm.lockWord(0)));
        }
    }

    @Test
    void aLiveWriterPausedLongerThanTheRecoveryTimeoutKeepsItsLock()
    {
        try (SharedMemory shm = builder("slow").pages(1).recoveryTimeout(Duration.ofMillis(50)).create())
        {
            shm.writeLong(0, 1L);
            try (JavaProcess child = JavaProcess.startWith(
                List.of("-D" + ChildMain.PAUSE_PROPERTY + "=1500"), ChildMain.class,
                "write", dir.path().toString(), "slow", "8", "7"))
            {
                child.awaitLine(ChildMain.PAUSED_MARKER, 60);
                assertTrue(LockWord.isHeld(shm.lockWord(0)));
                // The child stays alive and holds the page for 1.5 s, 30 times the recovery timeout: this read
                // waits for it and checks its liveness every 10 ms meanwhile, and must never take the page over.
                final long value = shm.readLong(0);
                assertEquals(0x0707070707070707L, value);
                assertEquals(0, child.waitFor(60), child.describe());
                assertTrue(child.output().contains(ChildMain.WROTE), child.describe());
            }
            assertEquals(0, shm.counter(CounterId.OWNER_RECOVERIES));
            assertTrue(shm.counter(CounterId.SLOW_WAITS) >= 1, "the read did wait");
            assertFalse(LockWord.isTorn(shm.lockWord(0)));
            assertEquals(2, shm.version(0));
        }
    }

    @Test
    void multiPageWritesKilledAtRandomMomentsAreAlwaysRecoveredOrClean()
    {
        final int rounds = 12;
        final int pages = 512; // 2 MiB of 4 KiB pages
        final List<Long> recoveryMillis = new ArrayList<>();
        try (SharedMemory shm = builder("random-kill").pages(pages).recoveryTimeout(Duration.ofMillis(100)).create())
        {
            final byte[] all = new byte[shm.capacity()];
            for (int round = 0; round < rounds; round++)
            {
                final long recoveriesBefore = shm.counter(CounterId.OWNER_RECOVERIES);
                try (JavaProcess child = JavaProcess.start(ChildMain.class,
                    "hammer", dir.path().toString(), "random-kill"))
                {
                    child.awaitLine(ChildMain.WRITING, 60);
                    sleepMillis(ThreadLocalRandom.current().nextInt(1, 60));
                    child.kill();
                }
                final long killed = System.nanoTime();
                boolean torn = false;
                // A fresh handle has not yet seen this child's slot die, so its read measures the full path:
                // the recovery timeout, then the liveness probe, then the takeover.
                try (SharedMemory reader = builder("random-kill").recoveryTimeout(Duration.ofMillis(100)).open())
                {
                    reader.read(0, all);
                }
                catch (final TornPageException ex)
                {
                    torn = true;
                }
                final long elapsed = System.nanoTime() - killed;
                if (!torn)
                {
                    assertUniform(all, round);
                }
                final boolean recovered = shm.counter(CounterId.OWNER_RECOVERIES) > recoveriesBefore;
                assertEquals(recovered, torn, "a read reports torn exactly when a dead writer's page was recovered");
                if (recovered)
                {
                    recoveryMillis.add(elapsed / 1_000_000);
                }

                final byte value = (byte)(0x30 + round);
                final byte[] fresh = filled(shm.capacity(), value);
                shm.write(0, fresh);
                shm.read(0, all);
                assertArrayEquals(fresh, all, "round " + round);
                for (int page = 0; page < pages; page++)
                {
                    final long word = shm.lockWord(page);
                    assertFalse(LockWord.isTorn(word) || LockWord.isHeld(word), "page " + page + ": " +
                        LockWord.describe(word));
                }
            }
        }
        // The child spends nearly all its time inside write(): killing it 12 times and never catching it there
        // would mean the test does not exercise recovery.
        assertFalse(recoveryMillis.isEmpty(), "no round killed the writer inside a write");
        final long[] sorted = recoveryMillis.stream().mapToLong(Long::longValue).sorted().toArray();
        LOG.info("recovery after SIGKILL with a 100 ms timeout, {} of {} rounds: median {} ms, max {} ms",
            sorted.length, rounds, sorted[sorted.length / 2], sorted[sorted.length - 1]);
    }

    private static void assertUniform(final byte[] bytes, final int round)
    {
        for (int i = 1; i < bytes.length; i++)
        {
            if (bytes[i] != bytes[0])
            {
                throw new AssertionError("round " + round + ": a read that was not reported torn mixes two " +
                    "writes: byte 0 is " + bytes[0] + ", byte " + i + " is " + bytes[i]);
            }
        }
    }

    private static byte[] filled(final int length, final byte value)
    {
        final byte[] bytes = new byte[length];
        Arrays.fill(bytes, value);
        return bytes;
    }

    private static void sleepMillis(final long millis)
    {
        try
        {
            Thread.sleep(millis);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new AssertionError(ex);
        }
    }
}
