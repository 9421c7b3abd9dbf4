package io.shmipc.replication;

import io.shmipc.SharedMemory;
import io.shmipc.replication.status.StatusField;
import io.shmipc.replication.testing.Await;
import io.shmipc.replication.testing.HostDirs;
import io.shmipc.replication.testing.Ports;
import io.shmipc.replication.transport.AeronTransport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Publisher and replica in one JVM (one media driver), each with its own directory: the basic behaviours. */
class InProcessReplicationTest
{
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    @RegisterExtension
    final HostDirs dirs = new HostDirs();
    private final Path sourceDir = dirs.source();
    private final Path replicaDir = dirs.replica();

    @Test
    void replicaConvergesToTheSourceAndFollowsItsChanges()
    {
        final String channel = Ports.loopbackChannel();
        try (AeronTransport transport = AeronTransport.embedded();
             SharedMemory source = SharedMemory.builder("quotes").directory(sourceDir).pages(8).create())
        {
            for (int page = 0; page < 8; page++)
            {
                source.writeLong(page * 4096, 1000 + page);
            }
            try (SegmentPublisher publisher = SegmentPublisher.builder("quotes").directory(sourceDir)
                    .channel(channel).controlChannel(Ports.CONTROL).transport(transport).start();
                 SegmentReplica replica = SegmentReplica.builder("quotes").directory(replicaDir)
                    .channel(channel).transport(transport).start())
            {
                Await.until(TIMEOUT, () -> replica.status().state() == ReplicationState.SYNCED,
                    () -> "the replica to sync: " + replica.status() + " / " + publisher.status());
                try (SharedMemory copy = SharedMemory.builder("quotes").directory(replicaDir).open())
                {
                    assertEquals(8, copy.pageCount());
                    assertEquals(4096, copy.pageSize());
                    assertArrayEquals(bytes(source), bytes(copy));

                    final byte[] text = "spans pages 2 and 3".getBytes();
                    source.write(3 * 4096 - 5, text);
                    Await.until(TIMEOUT, () -> Arrays.equals(bytes(source), bytes(copy)),
                        () -> "the change to reach the replica: " + replica.status());
                    assertEquals(source.version(2), replica.sourceVersion(2));
                    assertEquals(source.version(3), replica.sourceVersion(3));
                    assertEquals(1, replica.status().get(StatusField.FULL_IMAGES));
                    assertTrue(replica.status().get(StatusField.PAGES) >= 8 + 2, replica.status()::toString);
                }
            }
        }
    }

    @Test
    void aLocalWriteOnTheReplicaIsFoundCountedAndUndone()
    {
        final String channel = Ports.loopbackChannel();
        try (AeronTransport transport = AeronTransport.embedded();
             SharedMemory source = SharedMemory.builder("book").directory(sourceDir).pages(4).create();
             SegmentPublisher publisher = SegmentPublisher.builder("book").directory(sourceDir)
                .channel(channel).controlChannel(Ports.CONTROL).transport(transport).start();
             SegmentReplica replica = SegmentReplica.builder("book").directory(replicaDir)
                .channel(channel).transport(transport).localCheck(Duration.ofMillis(20)).start())
        {
            source.writeLong(4096, 7);
            Await.until(TIMEOUT, () -> replica.status().state() == ReplicationState.SYNCED,
                () -> "the replica to sync: " + replica.status());
            try (SharedMemory copy = SharedMemory.builder("book").directory(replicaDir).open())
            {
                Await.until(TIMEOUT, () -> copy.readLong(4096) == 7, () -> "page 1 to arrive");
                copy.writeLong(4096, -1); // a user writing to a replica
                Await.until(TIMEOUT, () -> replica.status().get(StatusField.LOCAL_WRITES) == 1,
                    () -> "the local write to be found: " + replica.status());
                Await.until(TIMEOUT, () -> copy.readLong(4096) == 7, () -> "the page to be restored");
                assertArrayEquals(bytes(source), bytes(copy));
                assertEquals(1, replica.status().get(StatusField.LOCAL_WRITES));
            }
        }
    }

    @Test
    void aLocalSegmentOfAnotherGeometryIsAnErrorThatNamesBoth()
    {
        final String channel = Ports.loopbackChannel();
        try (AeronTransport transport = AeronTransport.embedded();
             SharedMemory source = SharedMemory.builder("geo").directory(sourceDir).pages(4).create();
             SharedMemory other = SharedMemory.builder("geo").directory(replicaDir).pages(2).create();
             SegmentPublisher publisher = SegmentPublisher.builder("geo").directory(sourceDir)
                .channel(channel).controlChannel(Ports.CONTROL).transport(transport).start();
             SegmentReplica replica = SegmentReplica.builder("geo").directory(replicaDir)
                .channel(channel).transport(transport).start())
        {
            Await.until(TIMEOUT, () -> replica.status().state() == ReplicationState.ERROR,
                () -> "the replica to report the mismatch: " + replica.status());
            final String error = replica.status().error();
            assertTrue(error.contains("'geo'") && error.contains("4 pages of 4096"), error);
            other.writeLong(0, 5);
            assertEquals(5, other.readLong(0), "the mismatched local segment is left alone");
        }
    }

    @Test
    void oneReplicaPerSegmentAndDirectory()
    {
        final String channel = Ports.loopbackChannel();
        try (AeronTransport transport = AeronTransport.embedded();
             SegmentReplica first = SegmentReplica.builder("solo").directory(replicaDir)
                .channel(channel).transport(transport).start())
        {
            final ReplicationException refused = org.junit.jupiter.api.Assertions.assertThrows(
                ReplicationException.class, () -> SegmentReplica.builder("solo").directory(replicaDir)
                    .channel(Ports.loopbackChannel()).transport(transport).start());
            assertTrue(refused.getMessage().contains("already has a running replica"), refused.getMessage());
            assertEquals("solo", first.name());
        }
    }

    @Test
    void anExternalMediaDriverCanBeUsedInsteadOfAnEmbeddedOne()
    {
        final String channel = Ports.loopbackChannel();
        try (AeronTransport driverOwner = AeronTransport.embedded();
             AeronTransport external = AeronTransport.external(driverOwner.directory());
             SharedMemory source = SharedMemory.builder("ext").directory(sourceDir).pages(2).create();
             SegmentPublisher publisher = SegmentPublisher.builder("ext").directory(sourceDir)
                .channel(channel).controlChannel(Ports.CONTROL).transport(external).start();
             SegmentReplica replica = SegmentReplica.builder("ext").directory(replicaDir)
                .channel(channel).transport(external).start())
        {
            assertTrue(!external.isEmbedded() && external.directory().equals(driverOwner.directory()));
            source.writeLong(0, 99);
            Await.until(TIMEOUT, () -> replica.status().state() == ReplicationState.SYNCED,
                () -> "the replica to sync: " + replica.status());
            try (SharedMemory copy = SharedMemory.builder("ext").directory(replicaDir).open())
            {
                Await.until(TIMEOUT, () -> copy.readLong(0) == 99, () -> "the write to arrive");
            }
        }
    }

    @Test
    void noDriverInTheGivenDirectoryIsAClearError()
    {
        final Path nowhere = sourceDir.resolve("no-driver-here");
        final ReplicationException ex = org.junit.jupiter.api.Assertions.assertThrows(ReplicationException.class,
            () -> AeronTransport.external(nowhere));
        assertTrue(ex.getMessage().contains(nowhere.toString()), ex.getMessage());
    }

    @Test
    void theEmbeddedDriverDirectoryIsRemovedOnClose()
    {
        final Path dir;
        try (AeronTransport transport = AeronTransport.embedded())
        {
            dir = transport.directory();
            assertTrue(java.nio.file.Files.isDirectory(dir), dir::toString);
        }
        assertTrue(!java.nio.file.Files.exists(dir) && !java.nio.file.Files.exists(dir.getParent()), dir::toString);
    }

    static byte[] bytes(final SharedMemory shm)
    {
        final byte[] all = new byte[shm.capacity()];
        shm.read(0, all);
        return all;
    }
}
