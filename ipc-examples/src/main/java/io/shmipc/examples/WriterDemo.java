package io.shmipc.examples;

import io.shmipc.SharedMemory;
import org.agrona.concurrent.UnsafeBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.locks.LockSupport;

/**
 * Publishes a counter and a timestamp into page 0 of a segment, once per interval, for a while; then publishes the
 * "done" marker and unlinks the segment.
 * <pre>
 * java --add-exports java.base/jdk.internal.misc=ALL-UNNAMED -cp shmipc.jar io.shmipc.examples.WriterDemo \
 *     [NAME] [SECONDS] [INTERVAL_MICROS]
 * </pre>
 * Defaults: {@code shmipc-demo}, 5 s, 1000 us.
 */
public final class WriterDemo
{
    private static final Logger LOG = LoggerFactory.getLogger(WriterDemo.class);

    private WriterDemo()
    {
    }

    public static void main(final String[] args)
    {
        final String name = args.length > 0 ? args[0] : "shmipc-demo";
        final long seconds = args.length > 1 ? Long.parseLong(args[1]) : 5;
        final long intervalNanos = (args.length > 2 ? Long.parseLong(args[2]) : 1000) * 1000L;

        try (SharedMemory shm = SharedMemory.openOrCreate(name, 1))
        {
            LOG.info("writer: {} segment {} ({} bytes), publishing every {} us for {} s",
                shm.created() ? "created" : "opened", shm.path(), shm.capacity(), intervalNanos / 1000, seconds);
            final UnsafeBuffer record = new UnsafeBuffer(new byte[CounterRecord.LENGTH]);
            final long end = System.nanoTime() + seconds * 1_000_000_000L;
            long nextLog = System.nanoTime();
            long counter = 0;
            while (System.nanoTime() < end)
            {
                counter++;
                record.putLong(CounterRecord.COUNTER_OFFSET, counter);
                record.putLong(CounterRecord.TIMESTAMP_OFFSET, System.nanoTime());
                shm.write(0, record, 0, CounterRecord.LENGTH);
                if (System.nanoTime() >= nextLog)
                {
                    LOG.info("writer: published counter={} (page 0 version {})", counter, shm.version(0));
                    nextLog += 1_000_000_000L;
                }
                LockSupport.parkNanos(intervalNanos);
            }
            record.putLong(CounterRecord.COUNTER_OFFSET, CounterRecord.DONE);
            record.putLong(CounterRecord.TIMESTAMP_OFFSET, System.nanoTime());
            shm.write(0, record, 0, CounterRecord.LENGTH);
            LOG.info("writer: done after {} updates; unlinking {}", counter, shm.path());
            SharedMemory.unlink(name);
        }
    }
}
