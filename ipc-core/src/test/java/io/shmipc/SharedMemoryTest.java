package io.shmipc;

import io.shmipc.layout.LockWord;
import io.shmipc.testing.TestDirectory;
import io.shmipc.testing.TestDirectoryExtension;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every public method of {@link SharedMemory} and its builder, on the happy path. */
class SharedMemoryTest
{
    @RegisterExtension
    final TestDirectoryExtension dir = new TestDirectoryExtension();

    private SharedMemoryBuilder builder(final String name)
    {
        return SharedMemory.builder(name).directory(dir.path());
    }

    @Test
    void createDescribesTheSegment()
    {
        try (SharedMemory shm = builder("quotes").pages(4).create())
        {
            assertEquals("quotes", shm.name());
            assertEquals(dir.path().resolve("quotes"), shm.path());
            assertEquals(4096, shm.pageSize());
            assertEquals(4, shm.pageCount());
            assertEquals(4 * 4096, shm.capacity());
            assertTrue(shm.created());
            assertFalse(shm.isClosed());
            assertTrue(Files.isRegularFile(shm.path()));
            for (int page = 0; page < 4; page++)
            {
                assertEquals(0, shm.version(page));
            }
        }
    }

    @Test
    void createIsOwnerOnlyByDefaultAndHonoursRequestedPermissions() throws Exception
    {
        try (SharedMemory shm = builder("private").pages(1).create())
        {
            assertEquals("rw-------", PosixFilePermissions.toString(
                Files.getPosixFilePermissions(shm.path(), LinkOption.NOFOLLOW_LINKS)));
        }
        try (SharedMemory shm = builder("shared").pages(1)
            .permissions(PosixFilePermissions.fromString("rw-rw-rw-")).create())
        {
            // exact, whatever the umask
            assertEquals("rw-rw-rw-", PosixFilePermissions.toString(
                Files.getPosixFilePermissions(shm.path(), LinkOption.NOFOLLOW_LINKS)));
        }
    }

    @Test
    void createFailsIfTheNameExists()
    {
        try (SharedMemory ignored = builder("taken").pages(1).create())
        {
            final SegmentExistsException ex =
                assertThrows(SegmentExistsException.class, () -> builder("taken").pages(1).create());
            assertTrue(ex.getMessage().contains("taken"), ex.getMessage());
        }
    }

    @Test
    void openSeesWhatCreateWrote()
    {
        try (SharedMemory writer = builder("seg").pages(2).pageSize(1024).create();
            SharedMemory reader = builder("seg").open())
        {
            assertFalse(reader.created());
            assertEquals(1024, reader.pageSize());
            assertEquals(2, reader.pageCount());
            writer.write(10, "hello".getBytes());
            final byte[] dst = new byte[5];
            reader.read(10, dst);
            assertEquals("hello", new String(dst));
            assertEquals(1, reader.version(0));
        }
    }

    @Test
    void openOrCreateCreatesThenOpens()
    {
        try (SharedMemory first = builder("either").pages(3).openOrCreate();
            SharedMemory second = builder("either").pages(3).openOrCreate())
        {
            assertTrue(first.created());
            assertFalse(second.created());
            first.writeLong(0, 77);
            assertEquals(77, second.readLong(0));
        }
    }

    @Test
    void openOrCreateRefusesAnotherGeometry()
    {
        try (SharedMemory ignored = builder("geo").pages(3).openOrCreate())
        {
            final InvalidSegmentException ex =
                assertThrows(InvalidSegmentException.class, () -> builder("geo").pages(4).openOrCreate());
            assertTrue(ex.getMessage().contains("3 pages") && ex.getMessage().contains("4 pages"), ex.getMessage());
        }
    }

    @Test
    void unlinkWhileMappedKeepsTheMappingAndFreesTheName()
    {
        try (SharedMemory old = builder("reborn").pages(1).create())
        {
            old.writeLong(0, 1111);
            assertTrue(builder("reborn").unlink());
            assertFalse(Files.exists(old.path()));
            assertFalse(builder("reborn").unlink(), "second unlink finds nothing");

            old.writeLong(8, 2222);
            assertEquals(1111, old.readLong(0));
            assertEquals(2222, old.readLong(8));

            try (SharedMemory fresh = builder("reborn").pages(1).create())
            {
                assertEquals(0, fresh.readLong(0), "a new segment, not the unlinked one");
                fresh.writeLong(0, 3333);
                assertEquals(1111, old.readLong(0), "the old mapping is separate");
            }
        }
    }

    @Test
    void defaultDirectoryIsDevShm()
    {
        final String name = TestDirectory.uniqueName("default-dir");
        try (SharedMemory shm = SharedMemory.create(name, 1))
        {
            assertEquals(java.nio.file.Path.of("/dev/shm", name), shm.path());
            try (SharedMemory same = SharedMemory.open(name);
                SharedMemory again = SharedMemory.openOrCreate(name, 1))
            {
                shm.writeInt(0, 5);
                assertEquals(5, same.readInt(0));
                assertEquals(5, again.readInt(0));
            }
        }
        finally
        {
            assertTrue(SharedMemory.unlink(name));
        }
    }

    @Test
    void byteArrayReadAndWriteAcrossPages()
    {
        try (SharedMemory shm = builder("bytes").pages(4).pageSize(64).create())
        {
            final byte[] src = new byte[200];
            for (int i = 0; i < src.length; i++)
            {
                src[i] = (byte)(i * 7 + 1);
            }
            shm.write(30, src, 0, src.length);                 // pages 0..3
            final byte[] dst = new byte[210];
            shm.read(30, dst, 5, 200);
            assertArrayEquals(src, Arrays.copyOfRange(dst, 5, 205));
            for (int page = 0; page < 4; page++)
            {
                assertEquals(1, shm.version(page), "every touched page counts the write");
            }
            shm.write(64, src, 10, 4);                          // page 1 only
            assertEquals(2, shm.version(1));
            assertEquals(1, shm.version(0));
            assertEquals(1, shm.version(2));
        }
    }

    @Test
    void directBufferAndByteBufferVariants()
    {
        try (SharedMemory shm = builder("buffers").pages(2).create())
        {
            final UnsafeBuffer src = new UnsafeBuffer(new byte[64]);
            src.putLong(8, 0x1122334455667788L);
            shm.write(4090, src, 8, 8);                         // straddles pages 0 and 1
            final UnsafeBuffer dst = new UnsafeBuffer(ByteBuffer.allocateDirect(32));
            shm.read(4090, dst, 16, 8);
            assertEquals(0x1122334455667788L, dst.getLong(16));

            final ByteBuffer heap = ByteBuffer.allocate(16).order(java.nio.ByteOrder.LITTLE_ENDIAN);
            heap.putInt(4, 0xCAFEBABE);
            heap.position(12);
            shm.write(100, heap, 4, 4);
            assertEquals(12, heap.position(), "position untouched");
            final ByteBuffer direct = ByteBuffer.allocateDirect(16).order(java.nio.ByteOrder.LITTLE_ENDIAN);
            shm.read(100, direct, 0, 4);
            assertEquals(0, direct.position());
            assertEquals(0xCAFEBABE, direct.getInt(0));
            assertEquals(0xCAFEBABE, shm.readInt(100));
        }
    }

    @Test
    void longAndIntHelpersAreLittleEndianAndMayStraddlePages()
    {
        try (SharedMemory shm = builder("values").pages(2).pageSize(64).create())
        {
            shm.writeLong(60, -2L);                            // bytes 60..67: pages 0 and 1
            assertEquals(-2L, shm.readLong(60));
            assertEquals(1, shm.version(0));
            assertEquals(1, shm.version(1));
            shm.writeInt(0, 0x01020304);
            final byte[] raw = new byte[4];
            shm.read(0, raw);
            assertArrayEquals(new byte[] {4, 3, 2, 1}, raw);
        }
    }

    @Test
    void zeroLengthAccessesTouchNothing()
    {
        try (SharedMemory shm = builder("empty").pages(1).create())
        {
            shm.write(4096, new byte[0], 0, 0);
            shm.read(4096, new byte[0], 0, 0);
            assertEquals(0, shm.version(0));
        }
    }

    @Test
    void versionCountsCompletedWritesAndLockWordIsFreeAfterEach()
    {
        try (SharedMemory shm = builder("versions").pages(1).create())
        {
            for (int i = 1; i <= 5; i++)
            {
                shm.writeLong(0, i);
                assertEquals(i, shm.version(0));
                final long word = shm.lockWord(0);
                assertFalse(LockWord.isHeld(word));
                assertEquals(0, LockWord.owner(word));
                assertEquals(2L * i, LockWord.sequence(word));
            }
        }
    }

    @Test
    void awaitChangeReturnsOnAWriteFromAnotherThread() throws Exception
    {
        try (SharedMemory shm = builder("await").pages(2).create())
        {
            final long seen = shm.version(1);
            final CompletableFuture<Long> waiter =
                CompletableFuture.supplyAsync(() -> shm.awaitChange(1, seen, Duration.ofSeconds(30)));
            Thread.sleep(50);
            assertFalse(waiter.isDone(), "no write yet");
            shm.writeLong(4096, 9);
            assertEquals(seen + 1, waiter.get(10, TimeUnit.SECONDS));
        }
    }

    @Test
    void awaitChangeTimesOutWithTheSameVersion()
    {
        try (SharedMemory shm = builder("timeout").pages(1).create())
        {
            shm.writeLong(0, 1);
            final long seen = shm.version(0);
            final long start = System.nanoTime();
            assertEquals(seen, shm.awaitChange(0, seen, Duration.ofMillis(20)));
            assertTrue(System.nanoTime() - start >= 20_000_000L, "waited at least the timeout");
            assertEquals(seen, shm.awaitChange(0, seen, 0, new org.agrona.concurrent.BusySpinIdleStrategy()));
            assertEquals(seen, shm.awaitChange(0, seen - 1, Duration.ZERO), "already different: no wait");
            assertEquals(seen, shm.awaitChange(0, seen - 1, java.time.temporal.ChronoUnit.FOREVER.getDuration()),
                "a timeout too long for a long of nanoseconds is accepted");
            assertEquals(seen, shm.awaitChange(0, seen, Duration.ofSeconds(-5)), "negative: no wait");
        }
    }

    @Test
    void closeMakesEveryCallThrowButLeavesTheSegment()
    {
        final SharedMemory shm = builder("closing").pages(1).create();
        shm.close();
        shm.close(); // idempotent
        assertTrue(shm.isClosed());
        final byte[] b = new byte[1];
        assertClosed(() -> shm.read(0, b, 0, 1));
        assertClosed(() -> shm.write(0, b, 0, 1));
        assertClosed(() -> shm.readLong(0));
        assertClosed(() -> shm.writeLong(0, 1));
        assertClosed(() -> shm.version(0));
        assertClosed(() -> shm.awaitChange(0, 0, Duration.ZERO));
        try (SharedMemory again = builder("closing").open())
        {
            assertNotEquals(null, again);
        }
    }

    @Test
    void closeWakesAWaiterWithIllegalStateException() throws Exception
    {
        final SharedMemory shm = builder("close-wait").pages(1).create();
        final CompletableFuture<Long> waiter =
            CompletableFuture.supplyAsync(() -> shm.awaitChange(0, 0, Duration.ofSeconds(30)));
        Thread.sleep(50);
        shm.close();
        final Exception ex = assertThrows(Exception.class, () -> waiter.get(10, TimeUnit.SECONDS));
        assertTrue(ex.getCause() instanceof IllegalStateException, String.valueOf(ex.getCause()));
    }

    private static void assertClosed(final org.junit.jupiter.api.function.Executable call)
    {
        final IllegalStateException ex = assertThrows(IllegalStateException.class, call);
        assertTrue(ex.getMessage().contains("closed"), ex.getMessage());
    }
}
