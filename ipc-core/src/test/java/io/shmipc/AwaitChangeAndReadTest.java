package io.shmipc;

import io.shmipc.testing.TestDirectoryExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The receiving side of a message exchange in one call: the next version of a page and the bytes written with it. */
class AwaitChangeAndReadTest
{
    @RegisterExtension
    final TestDirectoryExtension dir = new TestDirectoryExtension();

    @Test
    void returnsTheNewVersionAndTheBytesWrittenWithIt() throws Exception
    {
        final ExecutorService threads = Executors.newSingleThreadExecutor();
        try (SharedMemory shm = SharedMemory.builder("messages").directory(dir.path()).pages(2).create())
        {
            final long seen = shm.version(1);
            final byte[] message = new byte[11];
            final CompletableFuture<Long> received = CompletableFuture.supplyAsync(
                () -> shm.awaitChangeAndRead(4096 + 100, message, 0, 11, seen, Duration.ofMinutes(1)), threads);
            Thread.sleep(100);
            shm.write(4096 + 100, "hello there".getBytes(StandardCharsets.US_ASCII));
            assertEquals(seen + 1, received.get(30, TimeUnit.SECONDS));
            assertArrayEquals("hello there".getBytes(StandardCharsets.US_ASCII), message);

            final byte[] none = new byte[4];
            assertEquals(seen + 1, shm.awaitChangeAndRead(4096, none, 0, 4, seen + 1, Duration.ofMillis(20)),
                "no newer version within the timeout: the version seen comes back");
            assertEquals(seen + 1, shm.awaitChangeAndRead(4096, none, 0, 4, seen, Duration.ZERO),
                "a change already there is read at once");
        }
        finally
        {
            threads.shutdownNow();
        }
    }

    @Test
    void refusesBytesThatSpanPagesAndBadArguments()
    {
        try (SharedMemory shm = SharedMemory.builder("bad").directory(dir.path()).pages(2).create())
        {
            final IllegalArgumentException span = assertThrows(IllegalArgumentException.class,
                () -> shm.awaitChangeAndRead(4090, new byte[16], 0, 16, 0, Duration.ZERO));
            assertTrue(span.getMessage().contains("span pages 0 to 1"), span.getMessage());
            assertThrows(IndexOutOfBoundsException.class,
                () -> shm.awaitChangeAndRead(0, new byte[4], 2, 4, 0, Duration.ZERO));
            assertThrows(NullPointerException.class, () -> shm.awaitChangeAndRead(0, null, 0, 4, 0, Duration.ZERO));
        }
    }
}
