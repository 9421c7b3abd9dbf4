package io.shmipc.examples;

import io.shmipc.SegmentNotFoundException;
import io.shmipc.SharedMemory;
import org.HdrHistogram.Histogram;
import org.agrona.concurrent.UnsafeBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;

/**
 * Waits for the writer's segment, then follows its counter: prints what it sees once a second, with how stale each
 * snapshot was when read (now minus the writer's timestamp), until the writer's "done" marker or a time limit.
 * <pre>
 * java --add-exports java.base/jdk.internal.misc=ALL-UNNAMED -cp shmipc.jar io.shmipc.examples.ReaderDemo \
 *     [NAME] [MAX_SECONDS]
 * </pre>
 * Exits 0 if it saw the counter advance, 1 otherwise.
 */
public final class ReaderDemo
{
    private static final Logger LOG = LoggerFactory.getLogger(ReaderDemo.class);

    private ReaderDemo()
    {
    }

    public static void main(final String[] args) throws InterruptedException
    {
        final String name = args.length > 0 ? args[0] : "shmipc-demo";
        final long maxSeconds = args.length > 1 ? Long.parseLong(args[1]) : 30;
        final long end = System.nanoTime() + maxSeconds * 1_000_000_000L;

        try (SharedMemory shm = awaitSegment(name, end))
        {
            if (shm == null)
            {
                LOG.error("reader: no segment '{}' appeared within {} s", name, maxSeconds);
                System.exit(1);
                return;
            }
            LOG.info("reader: opened {} ({} bytes)", shm.path(), shm.capacity());
            final UnsafeBuffer record = new UnsafeBuffer(new byte[CounterRecord.LENGTH]);
            final Histogram staleness = new Histogram(3_600_000_000_000L, 3);
            long first = 0;
            long last = 0;
            long snapshots = 0;
            long version = -1;
            long nextLog = System.nanoTime() + 1_000_000_000L;
            while (System.nanoTime() < end)
            {
                version = shm.awaitChange(0, version, Duration.ofMillis(100));
                shm.read(0, record, 0, CounterRecord.LENGTH);
                final long now = System.nanoTime();
                final long counter = record.getLong(CounterRecord.COUNTER_OFFSET);
                if (counter == CounterRecord.DONE)
                {
                    break;
                }
                if (counter > last)
                {
                    first = first == 0 ? counter : first;
                    last = counter;
                    snapshots++;
                    staleness.recordValue(Math.max(0, now - record.getLong(CounterRecord.TIMESTAMP_OFFSET)));
                }
                if (now >= nextLog)
                {
                    report("reader: counter=" + last, staleness);
                    nextLog += 1_000_000_000L;
                }
            }
            report("reader: finished: saw counters " + first + ".." + last + " in " + snapshots + " snapshots,",
                staleness);
            System.exit(snapshots > 1 && last > first ? 0 : 1);
        }
    }

    private static void report(final String prefix, final Histogram staleness)
    {
        if (staleness.getTotalCount() == 0)
        {
            LOG.info("{} (no snapshot yet)", prefix);
            return;
        }
        LOG.info("{} staleness p50={} us p99={} us max={} us", prefix,
            micros(staleness.getValueAtPercentile(50)), micros(staleness.getValueAtPercentile(99)),
            micros(staleness.getMaxValue()));
    }

    private static String micros(final long nanos)
    {
        return String.format("%.1f", nanos / 1000.0);
    }

    private static SharedMemory awaitSegment(final String name, final long end) throws InterruptedException
    {
        while (System.nanoTime() < end)
        {
            try
            {
                return SharedMemory.open(name);
            }
            catch (final SegmentNotFoundException notYet)
            {
                Thread.sleep(20);
            }
        }
        return null;
    }
}
