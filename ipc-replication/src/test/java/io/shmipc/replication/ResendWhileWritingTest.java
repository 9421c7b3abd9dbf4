package io.shmipc.replication;

import io.aeron.ExclusivePublication;
import io.shmipc.SharedMemory;
import io.shmipc.replication.protocol.Wire;
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
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Pages sent again on request while the source is being written: the publisher labels each page with its version
 * read before the copy, so a page it sends again unchanged can carry the data of a write that lands between that
 * read and the copy, labelled with the version the replica already holds, next to the write's other pages labelled
 * newer. A replica that skipped the page as "not newer" while applying its neighbours would serve that write torn.
 *
 * <p>Requests for every page come from a second "replica" (as another replica catching up would send them, or a
 * replica asking again) while a synced replica is checked by a {@link SnapshotChecker}.
 */
class ResendWhileWritingTest
{
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final String NAME = "resent";

    @RegisterExtension
    final HostDirs dirs = new HostDirs();
    private final Path sourceDir = dirs.source();
    private final Path replicaDir = dirs.replica();

    @Test
    void pagesSentAgainWhileTheSourceIsWrittenNeverTearAWriteOnASyncedReplica() throws Exception
    {
        final String channel = Ports.loopbackChannel();
        final String control = "aeron:udp?endpoint=127.0.0.1:" + Ports.freeUdpPort();
        final AtomicBoolean writing = new AtomicBoolean(true);
        final AtomicLong writes = new AtomicLong();
        SnapshotChecker checker = null;
        try (AeronTransport transport = AeronTransport.embedded();
             SharedMemory source = SharedMemory.builder(NAME).directory(sourceDir).pages(64).create())
        {
            final int records = Records.count(source.capacity());
            final UnsafeBuffer record = new UnsafeBuffer(new byte[Records.RECORD_BYTES]);
            for (int id = 0; id < records; id++)
            {
                Records.encode(record, 0, 1, id, 0);
                source.write(Records.offset(id), record, 0, Records.RECORD_BYTES);
            }
            checker = SnapshotChecker.start(replicaDir, NAME);
            try (SegmentPublisher publisher = SegmentPublisher.builder(NAME).directory(sourceDir).channel(channel)
                    .controlChannel(control).transport(transport).start();
                 SegmentReplica replica = SegmentReplica.builder(NAME).directory(replicaDir).channel(channel)
                    .transport(transport).start();
                 ExclusivePublication requests = transport.aeron().addExclusivePublication(control,
                    SegmentPublisher.DEFAULT_CONTROL_STREAM_ID))
            {
                Await.until(TIMEOUT, () -> replica.status().state() == ReplicationState.SYNCED,
                    () -> "the replica to sync: " + replica.status());
                final Thread writer = new Thread(() ->
                {
                    final UnsafeBuffer buffer = new UnsafeBuffer(new byte[Records.RECORD_BYTES]);
                    final long[] seqs = new long[records];
                    final SplittableRandom random = new SplittableRandom(7);
                    while (writing.get())
                    {
                        final int id = random.nextInt(records);
                        Records.encode(buffer, 0, 1, id, ++seqs[id]);
                        source.write(Records.offset(id), buffer, 0, Records.RECORD_BYTES);
                        writes.incrementAndGet();
                        LockSupport.parkNanos(20_000);
                    }
                }, "record-writer");
                writer.start();
                final UnsafeBuffer resend = new UnsafeBuffer(new byte[Wire.RESEND_LENGTH]);
                final long end = System.nanoTime() + Duration.ofSeconds(4).toNanos();
                long sent = 0;
                while (System.nanoTime() - end < 0 && checker.failure() == null)
                {
                    Wire.putHeader(resend, 0, Wire.RESEND, 0, 42, 0);
                    Wire.putInt(resend, 0, Wire.RESEND_FIRST_OFFSET, 0);
                    Wire.putInt(resend, 0, Wire.RESEND_LAST_OFFSET, source.pageCount() - 1);
                    if (requests.offer(resend, 0, Wire.RESEND_LENGTH) > 0)
                    {
                        sent++;
                    }
                    Thread.sleep(1);
                }
                writing.set(false);
                writer.join();
                final long requested = sent;
                assertTrue(requested > 100, () -> "only " + requested + " requests were sent");
                final SnapshotChecker checking = checker;
                try (SharedMemory copy = SharedMemory.builder(NAME).directory(replicaDir).open())
                {
                    Await.until(TIMEOUT, () -> checking.failure() != null ||
                        Arrays.equals(InProcessReplicationTest.bytes(source),
                            InProcessReplicationTest.bytes(copy)),
                        () -> "the replica to converge: " + replica.status());
                }
            }
        }
        finally
        {
            writing.set(false);
            if (checker != null)
            {
                checker.stop();
            }
        }
        assertTrue(writes.get() > 1000, () -> "only " + writes.get() + " writes");
    }
}
