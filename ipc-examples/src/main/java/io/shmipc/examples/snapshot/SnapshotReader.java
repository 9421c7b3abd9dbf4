package io.shmipc.examples.snapshot;

import io.shmipc.SegmentNotFoundException;
import io.shmipc.SegmentNotReadyException;
import io.shmipc.SharedMemory;
import io.shmipc.SharedMemoryBuilder;
import io.shmipc.SharedMemoryException;
import io.shmipc.TornPageException;
import org.HdrHistogram.Histogram;
import org.agrona.concurrent.EpochNanoClock;
import org.agrona.concurrent.SystemEpochNanoClock;
import org.agrona.concurrent.UnsafeBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.time.Duration;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Samples random records of a {@link SnapshotPublisher}'s segment, checks that each is one whole update, and reports
 * every {@code --report} seconds: samples, inconsistent records (always 0: a read is a snapshot), torn pages met,
 * the newest publisher epoch and update seen, and the staleness of the records read (time since their update).
 * Exits 1 if it ever saw an inconsistent record.
 */
@Command(
    name = "snapshot-reader",
    mixinStandardHelpOptions = true,
    description = "Sample consistent records of a snapshot publisher's segment and report their staleness.")
public final class SnapshotReader implements Callable<Integer>
{
    private static final Logger LOG = LoggerFactory.getLogger(SnapshotReader.class);
    private static final long POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    @Option(names = "--name", defaultValue = "snapshot",
        description = "Segment name (default: ${DEFAULT-VALUE}).")
    private String name;

    @Option(names = {"-d", "--dir"}, paramLabel = "DIR", description = "Segment directory (default: /dev/shm).")
    private Path dir;

    @Option(names = "--id", description = "Name in the reports (default: reader-PID).")
    private String id;

    @Option(names = "--rate", defaultValue = "20000",
        description = "Samples per second, 0 for as fast as possible (default: ${DEFAULT-VALUE}).")
    private long rate;

    @Option(names = "--duration", defaultValue = "0",
        description = "Seconds to run, 0 until killed (default: ${DEFAULT-VALUE}).")
    private double duration;

    @Option(names = "--report", defaultValue = "1",
        description = "Seconds between reports (default: ${DEFAULT-VALUE}).")
    private double report;

    @Option(names = "--wait", defaultValue = "60",
        description = "Seconds to wait for the publisher's segment to appear (default: ${DEFAULT-VALUE}).")
    private double waitSeconds;

    private long samples;
    private long inconsistent;
    private long torn;
    private long newestEpoch;
    private long newestSeq;

    /** Runs the reader as its own program. */
    public static void main(final String[] args)
    {
        System.exit(new CommandLine(new SnapshotReader()).execute(args));
    }

    @Override
    public Integer call()
    {
        if (duration < 0 || !(report > 0) || waitSeconds < 0)
        {
            throw new IllegalArgumentException("--report must be positive, --duration and --wait not negative");
        }
        final String me = id != null ? id : "reader-" + ProcessHandle.current().pid();
        try (SharedMemory shm = awaitSegment(me))
        {
            if (shm == null)
            {
                return 1;
            }
            final int records = (int)shm.readLong(SnapshotLayout.RECORD_COUNT_OFFSET);
            LOG.info("{}: reading {} records of segment '{}'", me, records, shm.name());
            final EpochNanoClock clock = new SystemEpochNanoClock();
            final SplittableRandom random = new SplittableRandom();
            final UnsafeBuffer record = new UnsafeBuffer(new byte[SnapshotLayout.RECORD_LENGTH]);
            final Histogram ageMicros = new Histogram(TimeUnit.HOURS.toMicros(1), 2);
            final Pacer pacer = new Pacer(rate);
            final long start = System.nanoTime();
            final long reportNanos = (long)(report * 1e9);
            long nextReport = start + reportNanos;
            while (duration == 0 || System.nanoTime() - start < duration * 1e9)
            {
                pacer.awaitNext();
                sample(shm, random.nextInt(records), record, clock, ageMicros);
                if (System.nanoTime() - nextReport >= 0)
                {
                    report(me, ageMicros);
                    ageMicros.reset();
                    nextReport += reportNanos;
                }
            }
            if (ageMicros.getTotalCount() > 0)
            {
                report(me, ageMicros);
            }
            LOG.info("{}: done samples={} inconsistent={} torn={}", me, samples, inconsistent, torn);
        }
        return inconsistent == 0 ? 0 : 1;
    }

    private void sample(
        final SharedMemory shm,
        final int recordId,
        final UnsafeBuffer record,
        final EpochNanoClock clock,
        final Histogram ageMicros)
    {
        try
        {
            shm.read(SnapshotLayout.recordOffset(recordId), record, 0, SnapshotLayout.RECORD_LENGTH);
        }
        catch (final TornPageException ex)
        {
            torn++;
            return;
        }
        if (!SnapshotLayout.isConsistent(record, 0, recordId))
        {
            if (inconsistent++ < 5)
            {
                LOG.error("record {} is inconsistent: a read mixed two writes", recordId);
            }
            return;
        }
        samples++;
        final long epoch = record.getInt(SnapshotLayout.EPOCH);
        final long seq = record.getLong(SnapshotLayout.SEQ);
        if (epoch > newestEpoch || (epoch == newestEpoch && seq > newestSeq))
        {
            newestEpoch = epoch;
            newestSeq = seq;
        }
        final long age = Math.max(0, clock.nanoTime() - record.getLong(SnapshotLayout.TIME)) / 1000;
        ageMicros.recordValue(Math.min(age, ageMicros.getHighestTrackableValue()));
    }

    private void report(final String me, final Histogram ageMicros)
    {
        LOG.info("{}: samples={} inconsistent={} torn={} epoch={} newestSeq={} staleness_ms p50={} p99={} max={}",
            me, samples, inconsistent, torn, newestEpoch, newestSeq,
            millis(ageMicros.getValueAtPercentile(50)), millis(ageMicros.getValueAtPercentile(99)),
            millis(ageMicros.getMaxValue()));
    }

    /**
     * @return the segment once it exists and its control block is published, or {@code null} after the wait, or at
     * once if it cannot be opened for another reason than not being there yet (refused, not a segment, no memory):
     * waiting would not help, and the log says why.
     */
    private SharedMemory awaitSegment(final String me)
    {
        final SharedMemoryBuilder builder = SharedMemory.builder(name);
        if (dir != null)
        {
            builder.directory(dir);
        }
        final long deadline = System.nanoTime() + (long)(waitSeconds * 1e9);
        SharedMemory shm = null;
        while (true)
        {
            try
            {
                if (shm == null)
                {
                    // A segment being initialised is waited for inside open, up to the end of the whole wait.
                    shm = builder.initTimeout(Duration.ofNanos(Math.max(0, deadline - System.nanoTime()))).open();
                }
                if (shm.readLong(SnapshotLayout.MAGIC_OFFSET) == SnapshotLayout.MAGIC)
                {
                    return shm;
                }
            }
            catch (final SegmentNotFoundException | SegmentNotReadyException | TornPageException notYet)
            {
                // the publisher has not created, initialised or published it yet
            }
            catch (final SharedMemoryException cannotOpen)
            {
                LOG.error("{}: cannot open segment '{}': {}", me, name, cannotOpen.getMessage());
                if (shm != null)
                {
                    shm.close();
                }
                return null;
            }
            if (System.nanoTime() - deadline >= 0)
            {
                LOG.error("{}: no published segment '{}' within {} s", me, name, waitSeconds);
                if (shm != null)
                {
                    shm.close();
                }
                return null;
            }
            LockSupport.parkNanos(POLL_NANOS);
        }
    }

    private static String millis(final long micros)
    {
        return String.format("%.3f", micros / 1000.0);
    }
}
