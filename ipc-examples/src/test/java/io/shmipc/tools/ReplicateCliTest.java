package io.shmipc.tools;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.shmipc.SharedMemory;
import io.shmipc.testing.TestDirectory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** {@code shmipc replicate publish | subscribe | status}, in-process, over UDP on 127.0.0.1. */
class ReplicateCliTest
{
    private static final ObjectMapper JSON = new ObjectMapper();

    private final TestDirectory source = TestDirectory.create();
    private final TestDirectory replica = TestDirectory.create();
    private final ExecutorService commands = Executors.newCachedThreadPool();

    @AfterEach
    void tearDown()
    {
        commands.shutdownNow();
        source.close();
        replica.close();
    }

    @Test
    void publishAndSubscribeKeepAReplicaAndShowLiveStatus() throws Exception
    {
        final String channel = "aeron:udp?endpoint=127.0.0.1:" + freeUdpPort();
        try (SharedMemory shm = SharedMemory.builder("quotes").directory(source.path()).pages(3).create())
        {
            shm.write(4090, "across pages 0 and 1".getBytes());
            // Threads of their own: the common pool has a single thread on a 2-core machine and would run the two
            // commands one after the other.
            final CompletableFuture<CliRun> subscribe = CompletableFuture.supplyAsync(() -> CliRun.of(
                "replicate", "subscribe", "quotes", "-d", replica.path().toString(), "--channel", channel,
                "--interval", "0.2", "--duration", "6", "--json"), commands);
            final CompletableFuture<CliRun> publish = CompletableFuture.supplyAsync(() -> CliRun.of(
                "replicate", "publish", "quotes", "-d", source.path().toString(), "--channel", channel,
                "--control", "aeron:udp?endpoint=127.0.0.1:0", "--interval", "0.2", "--duration", "6"), commands);

            // Another "process" (here a third command) reads the replica's status segment.
            awaitStatus("SYNCED");
            final CliRun status = CliRun.of("replicate", "status", "quotes", "-d", replica.path().toString());
            assertEquals(0, status.status, status::toString);
            assertTrue(status.out.startsWith("replica SYNCED"), status::toString);

            try (SharedMemory copy = SharedMemory.builder("quotes").directory(replica.path()).open())
            {
                assertArrayEquals(bytes(shm), bytes(copy));
                shm.writeLong(8192, 123);
                final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
                while (copy.readLong(8192) != 123)
                {
                    assertTrue(System.nanoTime() - deadline < 0, "the change did not reach the replica");
                    Thread.sleep(5);
                }
                assertEquals("across pages 0 and 1", new String(read(copy, 4090, 20)));
            }

            final CliRun subscribed = subscribe.get(60, TimeUnit.SECONDS);
            final CliRun published = publish.get(60, TimeUnit.SECONDS);
            assertEquals(0, subscribed.status, subscribed::toString);
            assertEquals(0, published.status, published::toString);
            final List<JsonNode> lines = new ArrayList<>();
            for (final String line : subscribed.out.strip().split("\n"))
            {
                lines.add(JSON.readTree(line));
            }
            assertTrue(lines.size() >= 5, subscribed::toString);
            final JsonNode last = lines.get(lines.size() - 1);
            assertEquals("replica", last.get("role").asText());
            assertEquals("SYNCED", last.get("state").asText(), last::toString);
            assertEquals(1, last.get("fullImages").asLong(), last::toString);
            assertTrue(published.out.contains("publisher SYNCED"), published::toString);
        }
    }

    @Test
    void aMissingChannelIsAUsageError()
    {
        final CliRun run = CliRun.of("replicate", "subscribe", "quotes", "-d", replica.path().toString());
        assertEquals(Shmipc.EXIT_USAGE, run.status, run::toString);
        assertTrue(run.err.contains("--channel"), run::toString);
    }

    @Test
    void aBadChannelIsOneLineNamingIt()
    {
        final CliRun run = CliRun.of("replicate", "subscribe", "quotes", "-d", replica.path().toString(),
            "--channel", "udp://nowhere", "--duration", "1");
        assertEquals(Shmipc.EXIT_ERROR, run.status, run::toString);
        assertEquals(1, run.err.strip().split("\n").length, run::toString);
        assertTrue(run.err.startsWith("shmipc replicate subscribe: ") && run.err.contains("udp://nowhere"),
            run::toString);
    }

    @Test
    void publishingAMissingSegmentFailsNamingIt()
    {
        final CliRun run = CliRun.of("replicate", "publish", "absent", "-d", source.path().toString(),
            "--channel", "aeron:udp?endpoint=127.0.0.1:" + freeUdpPort(), "--duration", "1");
        assertEquals(Shmipc.EXIT_ERROR, run.status, run::toString);
        assertTrue(run.err.contains("absent"), run::toString);
    }

    @Test
    void anIdleScanShareOutsideItsRangeIsRefusedNamingItAndTheRange()
    {
        final CliRun run = CliRun.of("replicate", "publish", "quotes", "-d", source.path().toString(),
            "--channel", "aeron:udp?endpoint=127.0.0.1:" + freeUdpPort(), "--idle-scan-share", "2", "--duration", "1");
        assertNotEquals(0, run.status, run::toString);
        assertTrue(run.err.contains("--idle-scan-share") && run.err.contains("(0, 1]") && run.err.contains("2.0"),
            run::toString);
    }

    @Test
    void statusWithoutPublisherOrReplicaFailsSayingWhereItLooked()
    {
        final CliRun run = CliRun.of("replicate", "status", "quotes", "-d", replica.path().toString());
        assertEquals(Shmipc.EXIT_ERROR, run.status, run::toString);
        assertTrue(run.err.contains("quotes.replica") && run.err.contains("quotes.publisher"), run::toString);
    }

    private void awaitStatus(final String state) throws Exception
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        CliRun run = null;
        while (System.nanoTime() - deadline < 0)
        {
            run = CliRun.of("replicate", "status", "quotes", "-d", replica.path().toString(), "--json");
            if (run.status == 0 && JSON.readTree(run.out.strip().split("\n")[0]).get("state").asText().equals(state))
            {
                return;
            }
            Thread.sleep(50);
        }
        fail("the replica did not reach " + state + ": " + run);
    }

    private static byte[] bytes(final SharedMemory shm)
    {
        return read(shm, 0, shm.capacity());
    }

    private static byte[] read(final SharedMemory shm, final int offset, final int length)
    {
        final byte[] bytes = new byte[length];
        shm.read(offset, bytes);
        return Arrays.copyOf(bytes, length);
    }

    private static int freeUdpPort()
    {
        try (DatagramSocket socket = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)))
        {
            return socket.getLocalPort();
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }
}
