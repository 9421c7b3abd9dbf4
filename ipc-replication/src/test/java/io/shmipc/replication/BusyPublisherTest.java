package io.shmipc.replication;

import io.shmipc.SharedMemory;
import io.shmipc.replication.status.StatusField;
import io.shmipc.replication.testing.Await;
import io.shmipc.replication.testing.Dirs;
import io.shmipc.replication.testing.HostDirs;
import io.shmipc.replication.testing.Ports;
import io.shmipc.replication.transport.AeronTransport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A publisher whose source changes all the time sends pages on every scan, so its data stream is never quiet; a
 * replica that joins then, relying on the control channel the publisher announces, must still learn it and catch up.
 * (The announcement travels in heartbeats, which were sent only on a quiet stream and on the publication's first
 * connection: a second replica joining a busy publisher never heard one, could not ask for its full image, and stayed
 * catching up for as long as the source kept changing.)
 */
class BusyPublisherTest
{
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final String NAME = "busy";

    @RegisterExtension
    final HostDirs dirs = new HostDirs();
    private final Path sourceDir = dirs.source();
    private final Path firstReplicaDir = dirs.replica();

    @Test
    void aReplicaJoiningWhileTheSourceChangesAllTheTimeCatchesUp() throws Exception
    {
        final String channel = Ports.loopbackChannel();
        final Path secondReplicaDir = Dirs.create("dst2");
        final AtomicBoolean writing = new AtomicBoolean(true);
        try (AeronTransport transport = AeronTransport.embedded();
             SharedMemory source = SharedMemory.builder(NAME).directory(sourceDir).pages(8).create())
        {
            for (int page = 0; page < 8; page++)
            {
                source.writeLong(page * 4096, 100 + page);
            }
            // A data message every millisecond or so, against a heartbeat interval of 100 ms.
            final Thread writer = new Thread(() ->
            {
                long counter = 0;
                while (writing.get())
                {
                    source.writeLong(8, ++counter);
                    LockSupport.parkNanos(1_000_000);
                }
            }, "busy-writer");
            try (SegmentPublisher publisher = SegmentPublisher.builder(NAME).directory(sourceDir).channel(channel)
                    .controlChannel(Ports.CONTROL).heartbeat(Duration.ofMillis(100)).transport(transport).start();
                 SegmentReplica first = SegmentReplica.builder(NAME).directory(firstReplicaDir).channel(channel)
                    .transport(transport).start())
            {
                Await.until(TIMEOUT, () -> first.status().state() == ReplicationState.SYNCED,
                    () -> "the first replica to sync: " + first.status() + " / " + publisher.status());
                writer.start();
                Await.until(TIMEOUT, () -> first.sourceVersion(0) > source.version(0) - 100 &&
                    source.version(0) > 50, () -> "the writer to be followed: " + first.status());
                try (SegmentReplica second = SegmentReplica.builder(NAME).directory(secondReplicaDir)
                    .channel(channel).transport(transport).start())
                {
                    Await.until(TIMEOUT, () -> second.status().state() == ReplicationState.SYNCED,
                        () -> "the replica that joined a busy publisher to sync: " + second.status() + " / " +
                            publisher.status());
                    try (SharedMemory copy = SharedMemory.builder(NAME).directory(secondReplicaDir).open())
                    {
                        for (int page = 1; page < 8; page++)
                        {
                            assertEquals(100 + page, copy.readLong(page * 4096), "page " + page + " of the image");
                        }
                    }
                    // Heartbeats between pages are in sequence: the replica that followed all along saw no gap and
                    // needed no second full image.
                    assertEquals(0, first.status().get(StatusField.GAPS), first.status()::toString);
                    assertEquals(1, first.status().get(StatusField.FULL_IMAGES), first.status()::toString);
                }
            }
            finally
            {
                writing.set(false);
                writer.join();
            }
        }
        finally
        {
            Dirs.delete(secondReplicaDir);
        }
    }
}
