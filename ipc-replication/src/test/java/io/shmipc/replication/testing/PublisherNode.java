package io.shmipc.replication.testing;

import io.shmipc.SharedMemory;
import io.shmipc.replication.SegmentPublisher;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * A source host: creates segment {@code --name} in {@code --dir} (removing an old one), fills every record with
 * generation {@code --generation}, publishes it on {@code --channel}, then rewrites random records, each in one
 * multi-page write, at {@code --rate} per second for {@code --write-seconds}, and keeps publishing until killed.
 * Prints {@code READY epoch=...}, then {@code WRITES-DONE writes=...}.
 */
public final class PublisherNode
{
    private PublisherNode()
    {
    }

    public static void main(final String[] args) throws Exception
    {
        final NodeArgs a = new NodeArgs(args);
        final Path dir = Path.of(a.get("dir"));
        final String name = a.get("name");
        final long generation = Long.parseLong(a.get("generation", "1"));
        SharedMemory.builder(name).directory(dir).unlink();
        try (SharedMemory shm = SharedMemory.builder(name).directory(dir).pages(a.getInt("pages", 64)).create())
        {
            final int records = Records.count(shm.capacity());
            final long[] seqs = new long[records];
            final UnsafeBuffer record = new UnsafeBuffer(new byte[Records.RECORD_BYTES]);
            for (int id = 0; id < records; id++)
            {
                Records.encode(record, 0, generation, id, 0);
                shm.write(Records.offset(id), record, 0, Records.RECORD_BYTES);
            }
            try (SegmentPublisher publisher = SegmentPublisher.builder(name).directory(dir)
                .channel(a.get("channel")).controlChannel(a.get("control", Ports.CONTROL)).start())
            {
                Runtime.getRuntime().addShutdownHook(new Thread(publisher::close));
            System.out.println("READY epoch=" + Long.toHexString(publisher.status().epoch()));
                final double rate = a.getDouble("rate", 2000);
                final long writeNanos = (long)(a.getDouble("write-seconds", 3) * 1e9);
                final SplittableRandom random = new SplittableRandom(generation);
                final long start = System.nanoTime();
                final long interval = (long)(1e9 / rate);
                long writes = 0;
                long next = start;
                while (System.nanoTime() - start < writeNanos)
                {
                    final int id = random.nextInt(records);
                    Records.encode(record, 0, generation, id, ++seqs[id]);
                    shm.write(Records.offset(id), record, 0, Records.RECORD_BYTES);
                    writes++;
                    next += interval;
                    final long wait = next - System.nanoTime();
                    if (wait > 0)
                    {
                        LockSupport.parkNanos(wait);
                    }
                }
                System.out.println("WRITES-DONE writes=" + writes);
                while (true)
                {
                    System.out.println("STATUS " + publisher.status());
                    TimeUnit.MILLISECONDS.sleep(500);
                }
            }
        }
    }
}
