package io.shmipc.lease;

import io.shmipc.ExclusiveWriter;
import io.shmipc.InvalidSegmentException;
import io.shmipc.SharedMemory;
import io.shmipc.SharedMemoryBuilder;
import io.shmipc.layout.CounterId;
import io.shmipc.testing.JavaProcess;
import io.shmipc.testing.TestDirectoryExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Exclusive writers (page leases, layout version 4): other processes refused clearly and without side effects, the
 * lease ending with the writer, its handle or its process, and the writer's writes still atomic snapshots that wake
 * waiters, mixed with the same process's ordinary writes where the writer is not sole ({@link SoleWriterTest}).
 */
class ExclusiveWriterTest
{
    private static final int PAGE = 4096;

    @RegisterExtension
    final TestDirectoryExtension dir = new TestDirectoryExtension();

    private SharedMemoryBuilder leased(final String name, final int pages)
    {
        return SharedMemory.builder(name).directory(dir.path()).pages(pages).leases(true);
    }

    @Test
    void aSegmentWithoutLeasesRefusesAnExclusiveWriter()
    {
        try (SharedMemory shm = SharedMemory.builder("plain").directory(dir.path()).pages(2).create())
        {
            assertFalse(shm.hasLeases());
            final IllegalStateException refused = assertThrows(IllegalStateException.class,
                () -> shm.exclusiveWriter(0, 1));
            assertTrue(refused.getMessage().contains("leases(true)"), refused.getMessage());
            assertEquals(0, shm.version(0), "a refused lease touches no page");
        }
    }

    @Test
    void aLeasedSegmentIsLayoutVersionFourAndReopensWithLeases() throws Exception
    {
        try (SharedMemory shm = leased("v4", 2).create();
             SharedMemory again = SharedMemory.builder("v4").directory(dir.path()).open())
        {
            assertTrue(shm.hasLeases());
            assertTrue(again.hasLeases());
            final java.nio.ByteBuffer header = java.nio.ByteBuffer.wrap(
                java.nio.file.Files.readAllBytes(shm.path()), 0, 16).order(java.nio.ByteOrder.LITTLE_ENDIAN);
            assertEquals(4, header.getInt(8), "layout version");
        }
    }

    @Test
    void badRangesAndBytesOutsideTheLeaseAreRefusedNamingThem()
    {
        try (SharedMemory shm = leased("ranges", 4).create())
        {
            assertThrows(IndexOutOfBoundsException.class, () -> shm.exclusiveWriter(-1, 1));
            assertThrows(IndexOutOfBoundsException.class, () -> shm.exclusiveWriter(3, 2));
            assertThrows(IndexOutOfBoundsException.class, () -> shm.exclusiveWriter(0, 0));
            try (ExclusiveWriter writer = shm.exclusiveWriter(1, 2))
            {
                final IndexOutOfBoundsException before = assertThrows(IndexOutOfBoundsException.class,
                    () -> writer.write(PAGE - 1, new byte[2]));
                assertTrue(before.getMessage().contains("leased pages 1..2"), before.getMessage());
                assertThrows(IndexOutOfBoundsException.class, () -> writer.writeLong(3 * PAGE - 4, 1L));
                assertThrows(IndexOutOfBoundsException.class, () -> writer.write(PAGE, new byte[4], 0, -1));
                writer.write(3 * PAGE - 8, new byte[8]); // the last leased bytes: fine
                writer.writeLong(PAGE, 42L);
                assertEquals(42L, shm.readLong(PAGE));
            }
        }
    }

    @Test
    void aSecondExclusiveWriterOfThisProcessIsRefusedUntilTheFirstCloses()
    {
        try (SharedMemory shm = leased("twice", 4).create())
        {
            final ExclusiveWriter first = shm.exclusiveWriter(1, 2);
            final IllegalStateException refused = assertThrows(IllegalStateException.class,
                () -> shm.exclusiveWriter(0, 2));
            assertTrue(refused.getMessage().contains("already leased to this process"), refused.getMessage());
            assertEquals(0, shm.leaseHolder(0), "page 0, leased before the refusal, was given back");
            assertEquals(shm.ownerSlot(), shm.leaseHolder(1));
            first.close();
            first.close(); // idempotent
            assertThrows(IllegalStateException.class, () -> first.writeLong(PAGE, 1L));
            assertEquals(0, shm.leaseHolder(1));
            try (ExclusiveWriter second = shm.exclusiveWriter(0, 2))
            {
                second.writeLong(0, 7L);
                assertEquals(7L, shm.readLong(0));
            }
        }
    }

    @Test
    void anotherProcessIsRefusedWithoutSideEffectsWhileLeasedAndWritesAfterTheClose()
    {
        try (SharedMemory shm = leased("others", 4).create())
        {
            final ExclusiveWriter writer = shm.exclusiveWriter(1, 2);
            writer.writeLong(2 * PAGE, 5L);
            final long version = shm.version(2);
            final String refused = runChild("others", "write", String.valueOf(2 * PAGE), "8", "9");
            assertTrue(refused.startsWith(LeaseChild.REFUSED + " 2 " + shm.ownerSlot() + " "), refused);
            assertTrue(refused.contains("leased to the exclusive writer of owner slot " + shm.ownerSlot()), refused);
            assertEquals(version, shm.version(2), "the refused write changed nothing");
            assertEquals(5L, shm.readLong(2 * PAGE));
            assertTrue(runChild("others", "try-lease", "0", "2").startsWith(LeaseChild.REFUSED + " 1 "),
                "another process cannot lease a leased page");
            assertEquals(0, shm.leaseHolder(0), "its partial lease of page 0 was given back");
            assertEquals(LeaseChild.WROTE, runChild("others", "write", String.valueOf(3 * PAGE), "8", "9"),
                "pages outside the lease stay writable");
            writer.close();
            assertEquals(LeaseChild.WROTE, runChild("others", "write", String.valueOf(2 * PAGE), "8", "9"));
            final byte[] nines = new byte[8];
            Arrays.fill(nines, (byte)9);
            final byte[] read = new byte[8];
            shm.read(2 * PAGE, read);
            assertEquals(Arrays.toString(nines), Arrays.toString(read));
        }
    }

    @Test
    void closingTheHandleGivesTheLeaseBack()
    {
        final SharedMemory shm = leased("handle", 2).create();
        final ExclusiveWriter writer = shm.exclusiveWriter(0, 1);
        shm.close();
        assertTrue(writer.isClosed());
        assertThrows(IllegalStateException.class, () -> writer.writeLong(0, 1L));
        assertEquals(LeaseChild.WROTE, runChild("handle", "write", "0", "8", "3"));
    }

    @Test
    void theLeaseOfAProcessThatDiedIsVoid() throws Exception
    {
        try (SharedMemory shm = leased("dead", 2).recoveryTimeout(Duration.ofMillis(50)).create())
        {
            final int slot;
            try (JavaProcess child = JavaProcess.start(LeaseChild.class, "lease", dir.path().toString(), "dead",
                "0", "1"))
            {
                slot = Integer.parseInt(child.awaitLine(LeaseChild.LEASED, 60).split(" ")[1]);
                assertEquals(slot, shm.leaseHolder(0));
                assertThrows(io.shmipc.PageLeasedException.class, () -> shm.writeLong(0, 1L));
                child.kill(); // possibly in the middle of a write: then the page is taken over, torn
            }
            final byte[] whole = new byte[PAGE];
            Arrays.fill(whole, (byte)4);
            shm.write(0, whole); // covers the page: clears a torn mark too
            assertEquals(0, shm.leaseHolder(0), "the dead process's lease was cleared");
            final byte[] read = new byte[PAGE];
            shm.read(0, read);
            assertEquals(Arrays.toString(whole), Arrays.toString(read));
            try (ExclusiveWriter writer = shm.exclusiveWriter(0, 2))
            {
                writer.writeLong(0, 11L);
            }
        }
    }

    @Test
    void exclusiveAndOrdinaryWritesOfThisProcessStayAtomicSnapshots() throws Exception
    {
        try (SharedMemory shm = leased("atomic", 3).create();
             ExclusiveWriter writer = shm.exclusiveWriter(0, 3))
        {
            final AtomicBoolean running = new AtomicBoolean(true);
            final ExecutorService threads = Executors.newFixedThreadPool(3);
            try
            {
                final int offset = PAGE - 100; // spans pages 0 and 1
                final int length = PAGE + 200;
                final Future<?> exclusive = threads.submit(() -> writeLoop(running, length,
                    bytes -> writer.write(offset, bytes), (byte)1));
                // A sole writer (JDK 22+) refuses this process's other writes: a second thread writes through it then.
                final Future<?> ordinary = threads.submit(() -> writeLoop(running, length,
                    writer.isSole() ? bytes -> writer.write(offset, bytes) : bytes -> shm.write(offset, bytes),
                    (byte)2));
                final Future<Long> reader = threads.submit(() ->
                {
                    final byte[] copy = new byte[length];
                    long reads = 0;
                    final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(1500);
                    while (System.nanoTime() - deadline < 0)
                    {
                        shm.read(offset, copy);
                        for (int i = 1; i < length; i++)
                        {
                            if (copy[i] != copy[0])
                            {
                                throw new AssertionError("torn read: byte " + i + " is " + copy[i] + ", byte 0 is " +
                                    copy[0]);
                            }
                        }
                        reads++;
                    }
                    return reads;
                });
                final long reads = reader.get(60, TimeUnit.SECONDS);
                running.set(false);
                exclusive.get(60, TimeUnit.SECONDS);
                ordinary.get(60, TimeUnit.SECONDS);
                assertTrue(reads > 0);
                assertEquals(0, shm.lockWord(0) & 1L << 16, "page 0 is free");
                assertEquals(0, shm.lockWord(1) & 1L << 16, "page 1 is free");
                assertEquals(0, shm.counter(CounterId.LOST_OWNERSHIPS));
            }
            finally
            {
                running.set(false);
                threads.shutdownNow();
            }
        }
    }

    @Test
    void anExclusiveWriteWakesAWaiterAsleepOnThePage() throws Exception
    {
        try (SharedMemory shm = leased("wake", 2).create();
             ExclusiveWriter writer = shm.exclusiveWriter(1, 1))
        {
            final long seen = shm.version(1);
            final ExecutorService thread = Executors.newSingleThreadExecutor();
            try
            {
                final Future<Long> waiter = thread.submit(() -> shm.awaitChange(1, seen, Duration.ofSeconds(60)));
                final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                // On JDK 22+ the waiter goes to sleep in FUTEX_WAIT (counted); on 17 it parks, which counts nothing.
                while (shm.counter(CounterId.SLEEPS) == 0 && System.nanoTime() - deadline < 0 &&
                    Runtime.version().feature() >= 22)
                {
                    Thread.sleep(1);
                }
                Thread.sleep(20);
                writer.writeLong(PAGE, 99L);
                final long version = waiter.get(30, TimeUnit.SECONDS);
                assertNotEquals(seen, version);
                assertEquals(99L, shm.readLong(PAGE));
            }
            finally
            {
                thread.shutdownNow();
            }
        }
    }

    private void writeLoop(
        final AtomicBoolean running, final int length, final java.util.function.Consumer<byte[]> write, final byte seed)
    {
        final byte[] bytes = new byte[length];
        for (int i = 0; running.get(); i++)
        {
            Arrays.fill(bytes, (byte)(seed + 2 * (i & 0x3F)));
            write.accept(bytes);
        }
    }

    /** Runs {@link LeaseChild} on segment {@code name} and returns the line it printed about the outcome. */
    private String runChild(final String name, final String mode, final String... args)
    {
        final String[] all = new String[3 + args.length];
        all[0] = mode;
        all[1] = dir.path().toString();
        all[2] = name;
        System.arraycopy(args, 0, all, 3, args.length);
        try (JavaProcess child = JavaProcess.start(LeaseChild.class, all))
        {
            assertEquals(0, child.waitFor(60), child.output());
            return child.output().lines()
                .filter(line -> line.startsWith(LeaseChild.WROTE) || line.startsWith(LeaseChild.REFUSED) ||
                    line.startsWith(LeaseChild.LEASED))
                .reduce((a, b) -> b)
                .orElseThrow(() -> new AssertionError("no outcome printed:\n" + child.output()));
        }
    }
}
