package io.shmipc.examples.snapshot;

import io.shmipc.SharedMemory;
import io.shmipc.TornPageException;
import org.agrona.concurrent.EpochNanoClock;
import org.agrona.concurrent.SystemEpochNanoClock;
import org.agrona.concurrent.UnsafeBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;

/**
 * Keeps {@code --records} instrument records (price, size, time) up to date in one segment, updating random
 * records at {@code --rate} per second. A new publisher of an existing segment takes the next epoch and first
 * rewrites the whole segment in one atomic write (which also clears any torn mark a dead predecessor left).
 */
@Command(
    name = "snapshot-publisher",
    mixinStandardHelpOptions = true,
    description = "Publish N instrument records (price, size, time) in one segment, updating random ones.")
public final class SnapshotPublisher implements Callable<Integer>
{
    private static final Logger LOG = LoggerFactory.getLogger(SnapshotPublisher.class);
    private static final int PAGE_SIZE = 4096;

    @Option(names = "--name", defaultValue = "snapshot",
        description = "Segment name (default: ${DEFAULT-VALUE}).")
    private String name;

    @Option(names = {"-d", "--dir"}, paramLabel = "DIR", description = "Segment directory (default: /dev/shm).")
    private Path dir;

    @Option(names = "--records", defaultValue = "1000",
        description = "Number of records (default: ${DEFAULT-VALUE}).")
    private int records;

    @Option(names = "--rate", defaultValue = "10000",
        description = "Updates per second, 0 for as fast as possible (default: ${DEFAULT-VALUE}).")
    private long rate;

    @Option(names = "--duration", defaultValue = "0",
        description = "Seconds to run, 0 until killed (default: ${DEFAULT-VALUE}).")
    private double duration;

    @Option(names = "--report", defaultValue = "1",
        description = "Seconds between reports (default: ${DEFAULT-VALUE}).")
    private double report;

    /** Runs the publisher as its own program. */
    public static void main(final String[] args)
    {
        System.exit(new CommandLine(new SnapshotPublisher()).execute(args));
    }

    @Override
    public Integer call()
    {
        if (records <= 0 || duration < 0 || !(report > 0))
        {
            throw new IllegalArgumentException("--records and --report must be positive, --duration not negative");
        }
        final int pages = (SnapshotLayout.bytesFor(records) + PAGE_SIZE - 1) / PAGE_SIZE;
        final var builder = SharedMemory.builder(name).pages(pages).pageSize(PAGE_SIZE);
        if (dir != null)
        {
            builder.directory(dir);
        }
        final EpochNanoClock clock = new SystemEpochNanoClock();
        try (SharedMemory shm = builder.openOrCreate())
        {
            final int epoch = nextEpoch(shm);
            final double[] prices = new double[records];
            final SplittableRandom random = new SplittableRandom();
            publishImage(shm, epoch, prices, clock.nanoTime());
            LOG.info("publisher: epoch {} publishing {} records in segment '{}' ({} pages), {} updates/s",
                epoch, records, shm.name(), pages, rate == 0 ? "max" : rate);

            final UnsafeBuffer record = new UnsafeBuffer(new byte[SnapshotLayout.RECORD_LENGTH]);
            final Pacer pacer = new Pacer(rate);
            final long start = System.nanoTime();
            final long reportNanos = (long)(report * 1e9);
            long nextReport = start + reportNanos;
            long lastReportSeq = 0;
            long seq = 0;
            while (duration == 0 || System.nanoTime() - start < duration * 1e9)
            {
                pacer.awaitNext();
                final int id = random.nextInt(records);
                prices[id] = Math.max(0.01, prices[id] + (random.nextInt(21) - 10) * 0.01);
                SnapshotLayout.encode(record, 0, id, epoch, ++seq, prices[id], 1 + random.nextInt(1000),
                    clock.nanoTime());
                shm.write(SnapshotLayout.recordOffset(id), record, 0, SnapshotLayout.RECORD_LENGTH);
                final long now = System.nanoTime();
                if (now - nextReport >= 0)
                {
                    LOG.info("publisher: epoch={} updates={} rate={}/s", epoch, seq,
                        Math.round((seq - lastReportSeq) / (report + (now - nextReport) / 1e9)));
                    lastReportSeq = seq;
                    nextReport = now + reportNanos;
                }
            }
            LOG.info("publisher: done, epoch={} updates={}", epoch, seq);
        }
        return 0;
    }

    /** @return 1 for a new segment, else the previous publisher's epoch plus one. */
    private int nextEpoch(final SharedMemory shm)
    {
        try
        {
            if (shm.readLong(SnapshotLayout.MAGIC_OFFSET) != SnapshotLayout.MAGIC)
            {
                return 1;
            }
            return (int)shm.readLong(SnapshotLayout.EPOCH_OFFSET) + 1;
        }
        catch (final TornPageException ex)
        {
            LOG.warn("publisher: the control block is torn (a publisher died writing it); starting at epoch 1");
            return 1;
        }
    }

    /** Writes the control block and every record in one atomic write covering every page. */
    private void publishImage(final SharedMemory shm, final int epoch, final double[] prices, final long now)
    {
        final UnsafeBuffer image = new UnsafeBuffer(new byte[shm.capacity()]);
        image.putLong(SnapshotLayout.MAGIC_OFFSET, SnapshotLayout.MAGIC);
        image.putInt(SnapshotLayout.RECORD_COUNT_OFFSET, records);
        image.putInt(SnapshotLayout.RECORD_LENGTH_OFFSET, SnapshotLayout.RECORD_LENGTH);
        image.putLong(SnapshotLayout.EPOCH_OFFSET, epoch);
        for (int id = 0; id < records; id++)
        {
            prices[id] = 100.0 + id;
            SnapshotLayout.encode(image, SnapshotLayout.recordOffset(id), id, epoch, 0, prices[id], 100, now);
        }
        shm.write(0, image, 0, image.capacity());
    }
}
