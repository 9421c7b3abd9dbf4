package io.shmipc.replication;

import io.shmipc.SharedMemory;
import io.shmipc.replication.status.StatusField;
import io.shmipc.replication.testing.Await;
import io.shmipc.replication.testing.HostDirs;
import io.shmipc.replication.testing.Ports;
import io.shmipc.replication.testing.Records;
import io.shmipc.replication.testing.SnapshotChecker;
import io.shmipc.replication.transport.AeronTransport;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.file.Path;
import java.time.Duration;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.LongStream;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A publisher restarted at once, again and again, each time on a new source segment of the next generation that a
 * writer keeps rewriting: the replica switches to each new epoch from a full image, and a checker reading it sees
 * whole records of one generation per snapshot, generations going only forward. The new publisher's first pages go
 * out before the replica's request for a full image reaches it, so that request sends them again while the writer
 * runs: the case of a page sent again unchanged next to newer ones.
 */
class PublisherRestartTest
{
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final String NAME = "restarted";
    private static final int GENERATIONS = 20;

    @RegisterExtension
    final HostDirs dirs = new HostDirs();
    private final Path sourceDir = dirs.source();
    private final Path replicaDir = dirs.replica();

    @Test
    void aPublisherRestartedAtOnceOnANewSourceIsFollowedWithoutAMixOrATornRecord() throws Exception
    {
        final String channel = Ports.loopbackChannel();
        final SnapshotChecker checker = SnapshotChecker.start(replicaDir, NAME);
        try (AeronTransport transport = AeronTransport.embedded();
             SegmentReplica replica = SegmentReplica.builder(NAME).directory(replicaDir).channel(channel)
                .transport(transport).start())
        {
            for (long generation = 1; generation <= GENERATIONS && checker.failure() == null; generation++)
            {
                SharedMemory.builder(NAME).directory(sourceDir).unlink();
                try (SharedMemory source = SharedMemory.builder(NAME).directory(sourceDir).pages(64).create())
                {
                    fill(source, generation);
                    final AtomicBoolean writing = new AtomicBoolean(true);
                    final Thread writer = writer(source, generation, writing);
                    try (SegmentPublisher publisher = SegmentPublisher.builder(NAME).directory(sourceDir)
                        .channel(channel).controlChannel(Ports.CONTROL).transport(transport).start())
                    {
                        final long epoch = publisher.status().epoch();
                        writer.start();
                        final long images = generation;
                        Await.until(TIMEOUT, () -> checker.failure() != null ||
                            replica.status().state() == ReplicationState.SYNCED && replica.status().epoch() == epoch &&
                            replica.status().get(StatusField.FULL_IMAGES) >= images,
                            () -> "the replica to sync to generation " + images + ": " + replica.status());
                        Thread.sleep(150);
                    }
                    finally
                    {
                        writing.set(false);
                        writer.join();
                    }
                }
            }
            final long last = GENERATIONS;
            Await.until(TIMEOUT, () -> checker.failure() != null || checker.generation() == last,
                () -> "the checker to see generation " + last);
        }
        finally
        {
            checker.stop();
        }
        assertEquals(LongStream.rangeClosed(1, GENERATIONS).boxed().toList(),
            checker.generationsSeen().stream().filter(g -> g != 0).toList());
        assertEquals(0, checker.tornReads());
    }

    private static void fill(final SharedMemory source, final long generation)
    {
        final UnsafeBuffer record = new UnsafeBuffer(new byte[Records.RECORD_BYTES]);
        for (int id = 0; id < Records.count(source.capacity()); id++)
        {
            Records.encode(record, 0, generation, id, 0);
            source.write(Records.offset(id), record, 0, Records.RECORD_BYTES);
        }
    }

    /** @return a thread rewriting random records of {@code generation} every 50 µs or so until told to stop. */
    private static Thread writer(final SharedMemory source, final long generation, final AtomicBoolean writing)
    {
        return new Thread(() ->
        {
            final int records = Records.count(source.capacity());
            final UnsafeBuffer record = new UnsafeBuffer(new byte[Records.RECORD_BYTES]);
            final long[] seqs = new long[records];
            final SplittableRandom random = new SplittableRandom(generation);
            while (writing.get())
            {
                final int id = random.nextInt(records);
                Records.encode(record, 0, generation, id, ++seqs[id]);
                source.write(Records.offset(id), record, 0, Records.RECORD_BYTES);
                LockSupport.parkNanos(50_000);
            }
        }, "writer-" + generation);
    }
}
