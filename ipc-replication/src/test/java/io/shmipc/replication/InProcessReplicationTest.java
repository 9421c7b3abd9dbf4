package io.shmipc.replication;

import io.shmipc.SharedMemory;
import io.shmipc.replication.status.StatusField;
import io.shmipc.replication.testing.Await;
import io.shmipc.replication.testing.Dirs;
import io.shmipc.replication.testing.Ports;
import io.shmipc.replication.transport.AeronTransport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

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

    private final Path sourceDir = Dirs.create("src");
    private final Path replicaDir = Dirs.create("dst");

    @AfterEach
    void cleanUp()
    {
        Dirs.delete(sourceDir);
        Dirs.delete(replicaDir);
    }

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

    static byte[] bytes(final SharedMemory shm)
    {
        final byte[] all = new byte[shm.capacity()];
        shm.read(0, all);
        return all;
    }
}
