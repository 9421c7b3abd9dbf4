package io.shmipc.lease;

import io.shmipc.ExclusiveWriter;
import io.shmipc.PageLeasedException;
import io.shmipc.SharedMemory;
import io.shmipc.SharedMemoryBuilder;
import io.shmipc.TornPageException;
import io.shmipc.layout.CounterId;
import io.shmipc.layout.LockWord;
import io.shmipc.layout.SegmentDescriptor;
import io.shmipc.segment.Attachments;
import io.shmipc.sys.Futex;
import io.shmipc.testing.JavaProcess;
import io.shmipc.testing.Overflow;
import io.shmipc.testing.TestDirectoryExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Sole writers ({@code docs/FORMAT.md} 7.7, layout version 4): on JDK 22+ an {@link ExclusiveWriter} takes its pages
 * with plain stores, so this process's other writes to them are refused; waiters on its pages register in the
 * sleepers word, never W, and are woken; a close waits for the write in flight; a stack overflow or a kill in the
 * middle of a write leaves no page held; a version-3 segment keeps compare-and-swap writes. On JDK 17 to 21 the same
 * calls run, and the tests check the compare-and-swap behaviour instead (no test is skipped).
 */
class SoleWriterTest
{
    private static final int PAGE = 4096;
    /** Whether this JVM's exclusive writers are sole: JDK 22+, futex and OFD locks through the FFM API. */
    private static final boolean SOLE = Futex.isSupported();

    @RegisterExtension
    final TestDirectoryExtension dir = new TestDirectoryExtension();

    private SharedMemoryBuilder leased(final String name, final int pages)
    {
        return SharedMemory.builder(name).directory(dir.path()).pages(pages).leases(true);
    }

    @Test
    void onJdk22TheWriterIsSoleAndThisProcesssOtherWritesAreRefusedUntilItCloses()
    {
        try (SharedMemory shm = leased("sole", 3).create();
             SharedMemory other = SharedMemory.builder("sole").directory(dir.path()).open())
        {
            final ExclusiveWriter writer = shm.exclusiveWriter(1, 1);
            assertEquals(SOLE, writer.isSole(), writer.toString());
            final long before = shm.version(1);
            writer.writeLong(PAGE, 7L);
            writer.write(PAGE + 8, new byte[] {1, 2, 3});
            assertEquals(before + 2, shm.version(1), "one version per write");
            assertEquals(7L, shm.readLong(PAGE));
            assertFalse(LockWord.isHeld(shm.lockWord(1)), LockWord.describe(shm.lockWord(1)));
            if (SOLE)
            {
                for (final SharedMemory handle : List.of(shm, other))
                {
                    final PageLeasedException refused = assertThrows(PageLeasedException.class,
                        () -> handle.writeLong(PAGE, 8L));
                    assertEquals(1, refused.page());
                    assertEquals(shm.ownerSlot(), refused.holderSlot());
                    assertTrue(refused.getMessage().contains("this process") &&
                        refused.getMessage().contains("ExclusiveWriter"), refused.getMessage());
                }
                assertEquals(7L, shm.readLong(PAGE), "a refused write changes nothing");
                assertEquals(before + 2, shm.version(1), "a refused write changes nothing");
            }
            else
            {
                shm.writeLong(PAGE, 8L); // the same slot's writes are not refused when the writer takes by CAS
                assertEquals(8L, other.readLong(PAGE));
            }
            shm.writeLong(0, 1L); // pages outside the lease are not affected
            writer.close();
            assertEquals(0, shm.leaseHolder(1));
            other.writeLong(PAGE, 9L);
            assertEquals(9L, shm.readLong(PAGE));
        }
    }

    @Test
    void aVersionThreeSegmentKeepsLeasesWrittenByCompareAndSwap() throws java.io.IOException
    {
        leased("v3", 2).create().close();
        final Path file = dir.path().resolve("v3");
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE))
        {
            final ByteBuffer version = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN);
            assertEquals(4, channel.read(version, SegmentDescriptor.LAYOUT_VERSION_OFFSET));
            assertEquals(SegmentDescriptor.SOLE_LAYOUT_VERSION, version.getInt(0), "leases(true) makes version 4");
            version.clear();
            version.putInt(0, SegmentDescriptor.LEASES_LAYOUT_VERSION);
            channel.write(version, SegmentDescriptor.LAYOUT_VERSION_OFFSET);
        }
        try (SharedMemory shm = SharedMemory.builder("v3").directory(dir.path()).open();
             ExclusiveWriter writer = shm.exclusiveWriter(0, 1))
        {
            assertTrue(shm.hasLeases());
            assertFalse(writer.isSole(), "no sleepers words: the leaseholder takes by compare-and-swap");
            writer.writeLong(0, 5L);
            shm.writeLong(8, 6L); // the same process's writes are not refused on version 3
            assertEquals(5L, shm.readLong(0));
            assertEquals(6L, shm.readLong(8));
        }
    }

    @Test
    void aWaiterOnALeasedPageRegistersInTheSleepersWordNotInTheLockWordAndIsWoken() throws Exception
    {
        try (SharedMemory shm = leased("sleepers", 2).create();
             ExclusiveWriter writer = shm.exclusiveWriter(1, 1))
        {
            final long seen = shm.version(1);
            final ExecutorService thread = Executors.newSingleThreadExecutor();
            try
            {
                final Future<Long> waiter = thread.submit(() -> shm.awaitChange(1, seen, Duration.ofSeconds(60)));
                if (Futex.isSupported())
                {
                    final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                    while (shm.counter(CounterId.SLEEPS) == 0 && System.nanoTime() - deadline < 0)
                    {
                        Thread.sleep(1);
                    }
                    assertTrue(shm.counter(CounterId.SLEEPS) > 0, "the waiter went to sleep");
                    assertEquals(1L, sleepersWord(shm, 1), "registered beside the word");
                }
                assertEquals(0, shm.lockWord(1) & LockWord.WAITERS_BIT, "never W on a leased page: " +
                    LockWord.describe(shm.lockWord(1)));
                writer.writeLong(PAGE, 99L);
                final long version = waiter.get(30, TimeUnit.SECONDS);
                assertNotEquals(seen, version);
                assertEquals(99L, shm.readLong(PAGE));
                assertEquals(0L, sleepersWord(shm, 1), "the writer cleared the registration it woke");
                assertEquals(0, shm.lockWord(1) & LockWord.WAITERS_BIT);
            }
            finally
            {
                thread.shutdownNow();
            }
        }
    }

    @Test
    void sleepersOfALeaseThatEndsAreWokenAndTheWordIsLeftFree() throws Exception
    {
        try (SharedMemory shm = leased("ends", 1).create())
        {
            final ExclusiveWriter writer = shm.exclusiveWriter(0, 1);
            final long seen = shm.version(0);
            final ExecutorService thread = Executors.newSingleThreadExecutor();
            try
            {
                final Future<Long> waiter = thread.submit(() -> shm.awaitChange(0, seen, Duration.ofSeconds(60)));
                final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (Futex.isSupported() && sleepersWord(shm, 0) == 0 && System.nanoTime() - deadline < 0)
                {
                    Thread.sleep(1);
                }
                writer.close(); // the give-back advances the version and wakes the registered sleepers
                assertNotEquals(seen, waiter.get(30, TimeUnit.SECONDS));
                assertEquals(0L, sleepersWord(shm, 0));
                assertEquals(0, shm.leaseHolder(0));
                final long word = shm.lockWord(0);
                assertFalse(LockWord.isHeld(word) || LockWord.isTorn(word), LockWord.describe(word));
            }
            finally
            {
                thread.shutdownNow();
            }
        }
    }

    @Test
    void writesFromSeveralThreadsThroughOneWriterStayAtomicSnapshots() throws Exception
    {
        // A bounded access timeout: a page left held by a broken writer fails the test instead of hanging it.
        try (SharedMemory shm = leased("threads", 3).accessTimeout(Duration.ofSeconds(10)).create();
             ExclusiveWriter writer = shm.exclusiveWriter(0, 3))
        {
            final int offset = PAGE - 100; // pages 0 and 1, neither whole
            final int length = PAGE + 200;
            final long granted = shm.version(0);
            final AtomicBoolean running = new AtomicBoolean(true);
            final ExecutorService threads = Executors.newFixedThreadPool(3);
            try
            {
                final Future<?> first = threads.submit(() -> writeLoop(running, writer, offset, length, (byte)1));
                final Future<?> second = threads.submit(() -> writeLoop(running, writer, offset, length, (byte)2));
                final byte[] copy = new byte[length];
                long reads = 0;
                final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(1500);
                while (System.nanoTime() - deadline < 0)
                {
                    shm.read(offset, copy);
                    for (int i = 1; i < length; i++)
                    {
                        assertEquals(copy[0], copy[i], "torn read at byte " + i);
                    }
                    reads++;
                }
                running.set(false);
                final long writes = (Long)first.get(60, TimeUnit.SECONDS) + (Long)second.get(60, TimeUnit.SECONDS);
                assertTrue(reads > 0 && writes > 0);
                for (int page = 0; page < 3; page++)
                {
                    final long word = shm.lockWord(page);
                    assertFalse(LockWord.isHeld(word) || LockWord.isTorn(word), LockWord.describe(word));
                }
                assertEquals(granted + writes, shm.version(0), "one version per write: no write lost its take");
            }
            finally
            {
                running.set(false);
                threads.shutdownNow();
            }
        }
    }

    @Test
    void closingWhileAnotherThreadWritesWaitsForTheWriteAndLeavesEveryPageFree() throws Exception
    {
        for (int round = 0; round < 20; round++)
        {
            try (SharedMemory shm = leased("close-" + round, 2).create())
            {
                final ExclusiveWriter writer = shm.exclusiveWriter(0, 2);
                final AtomicBoolean running = new AtomicBoolean(true);
                final ExecutorService thread = Executors.newSingleThreadExecutor();
                try
                {
                    final Future<Long> writes = thread.submit(() -> writeLoop(running, writer, 0, 2 * PAGE, (byte)3));
                    while (shm.version(0) < 10)
                    {
                        Thread.onSpinWait();
                    }
                    writer.close();
                    final java.util.concurrent.ExecutionException ended = assertThrows(
                        java.util.concurrent.ExecutionException.class, () -> writes.get(60, TimeUnit.SECONDS));
                    assertTrue(ended.getCause() instanceof IllegalStateException &&
                        ended.getCause().getMessage().contains("closed"), String.valueOf(ended.getCause()));
                    for (int page = 0; page < 2; page++)
                    {
                        final long word = shm.lockWord(page);
                        assertFalse(LockWord.isHeld(word) || LockWord.isTorn(word), LockWord.describe(word));
                        assertEquals(0, shm.leaseHolder(page));
                    }
                    shm.write(0, new byte[2 * PAGE]); // this process writes the pages again
                }
                finally
                {
                    running.set(false);
                    thread.shutdownNow();
                }
            }
        }
    }

    @Test
    void aStackOverflowInsideASoleWriteLeavesNoPageHeld() throws Exception
    {
        try (SharedMemory shm = leased("deep", 4).create();
             ExclusiveWriter writer = shm.exclusiveWriter(0, 4))
        {
            final String[] result = new String[1];
            final Throwable[] failure = new Throwable[1];
            final Thread thread = new Thread(null, () ->
            {
                try
                {
                    result[0] = Overflow.run(shm, writer);
                }
                catch (final Throwable t)
                {
                    failure[0] = t;
                }
            }, "deep", 256 * 1024);
            thread.start();
            thread.join();
            assertEquals(null, failure[0], String.valueOf(failure[0]));
            assertTrue(result[0].contains("HELD 0"), result[0]);
            writer.write(0, new byte[4 * PAGE]); // and the writer goes on
            assertEquals(0L, shm.readLong(0));
        }
    }

    @Test
    void aSoleWriterKilledInItsWriteIsRecoveredTornAndItsLeaseAndSleepersCleared() throws Exception
    {
        try (SharedMemory shm = leased("killed", 2).recoveryTimeout(Duration.ofMillis(100)).create())
        {
            final ExecutorService thread = Executors.newSingleThreadExecutor();
            // A child JVM of the same JDK: sole on JDK 22+, where it pauses inside its first write, holding page 0.
            try (JavaProcess child = JavaProcess.startWith(List.of("-Dshmipc.test.pauseInSoleWriteMillis=600000"),
                LeaseChild.class, "lease", dir.path().toString(), "killed", "0", "1"))
            {
                child.awaitLine(SOLE ? "SHMIPC-PAUSED-IN-WRITE" : LeaseChild.LEASED, 60);
                final int childSlot = Integer.parseInt(child.lastLineStartingWith(LeaseChild.LEASED).split(" ")[1]);
                assertEquals(childSlot, shm.leaseHolder(0));
                if (SOLE)
                {
                    final long held = shm.lockWord(0);
                    assertTrue(LockWord.isHeld(held) && LockWord.owner(held) == childSlot, LockWord.describe(held));
                    final long seen = shm.version(0);
                    // A waiter that sleeps on the held, leased page: registered in the sleepers word.
                    final Future<Long> waiter = thread.submit(() ->
                        shm.awaitChange(0, seen, Duration.ofSeconds(60)));
                    final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                    while (sleepersWord(shm, 0) == 0 && System.nanoTime() - deadline < 0)
                    {
                        Thread.sleep(1);
                    }
                    assertEquals(1L, sleepersWord(shm, 0));
                    child.kill();
                    assertThrows(TornPageException.class, () -> shm.readLong(0)); // recovered after the timeout
                    assertNotEquals(seen, waiter.get(30, TimeUnit.SECONDS));
                    assertEquals(0L, sleepersWord(shm, 0), "the recovery woke the sleepers it found");
                }
                else
                {
                    child.kill(); // JDK 17 to 21: no sole writes; the kill lands wherever the child's loop is
                }
            }
            finally
            {
                thread.shutdownNow();
            }
            // The dead process's lease is void: this process writes the page whole, which clears any torn mark.
            final byte[] whole = new byte[PAGE];
            Arrays.fill(whole, (byte)4);
            shm.write(0, whole);
            assertEquals(0, shm.leaseHolder(0));
            final byte[] copy = new byte[PAGE];
            shm.read(0, copy);
            assertArrayEquals(whole, copy);
        }
    }

    private static long writeLoop(
        final AtomicBoolean running, final ExclusiveWriter writer, final int offset, final int length, final byte seed)
    {
        final byte[] bytes = new byte[length];
        long writes = 0;
        for (int i = 0; running.get(); i++)
        {
            Arrays.fill(bytes, (byte)(seed + 2 * (i & 0x3F)));
            writer.write(offset, bytes);
            writes++;
        }
        return writes;
    }

    /** @return page {@code page}'s sleepers word, read through this JVM's descriptor of the file (none is closed). */
    private static long sleepersWord(final SharedMemory shm, final int page)
    {
        final ByteBuffer word = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        Attachments.read(shm.path(), word, SegmentDescriptor.lockTableOffset() +
            (long)page * SegmentDescriptor.LOCK_STRIDE + SegmentDescriptor.SLEEPERS_WORD_OFFSET);
        return word.getLong(0);
    }
}
