package io.shmipc.replication.testing;

import io.shmipc.InvalidSegmentException;
import io.shmipc.SegmentNotFoundException;
import io.shmipc.SharedMemory;
import io.shmipc.TornPageException;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A local reader on the replica's host: takes snapshots of the whole replica segment (one read each) as fast as it
 * can and checks every one: each record is one whole write (no torn multi-page write), every record of a snapshot
 * has the same generation (never a mix of an old and a new source), generations never go back, and within a
 * generation no record's sequence ever goes back (versions never go backwards). A read refused because a page is
 * marked torn (a replica killed mid-write) serves no data: it is counted ({@link #tornReads()}), for the test to
 * judge when it may happen, and not checked. Runs on its own thread until
 * {@link #stop()}; the first violation is kept and reported by {@link #stop()}.
 */
public final class SnapshotChecker implements Runnable
{
    private final Path directory;
    private final String name;
    private final Thread thread;
    private final AtomicLong snapshots = new AtomicLong();
    private final AtomicLong tornReads = new AtomicLong();
    private final List<Long> generationsSeen = new ArrayList<>();
    private volatile boolean running = true;
    private volatile Throwable failure;
    private volatile long generation;

    private SnapshotChecker(final Path directory, final String name)
    {
        this.directory = directory;
        this.name = name;
        this.thread = new Thread(this, "snapshot-checker-" + name);
        this.thread.setDaemon(true);
    }

    /** Starts checking segment {@code name} in {@code directory} (waiting for it to appear). */
    public static SnapshotChecker start(final Path directory, final String name)
    {
        final SnapshotChecker checker = new SnapshotChecker(directory, name);
        checker.thread.start();
        return checker;
    }

    @Override
    public void run()
    {
        try (SharedMemory shm = awaitSegment())
        {
            if (shm == null)
            {
                return;
            }
            final int records = Records.count(shm.capacity());
            final UnsafeBuffer snapshot = new UnsafeBuffer(new byte[records * Records.RECORD_BYTES]);
            final long[] seqs = new long[records];
            while (running)
            {
                try
                {
                    shm.read(0, snapshot, 0, snapshot.capacity());
                }
                catch (final TornPageException ex)
                {
                    // A replica killed in the middle of a write leaves its pages marked torn: no data is served.
                    tornReads.incrementAndGet();
                    Thread.sleep(1);
                    continue;
                }
                check(snapshot, records, seqs);
                snapshots.incrementAndGet();
            }
        }
        catch (final Throwable ex)
        {
            failure = ex;
        }
    }

    private void check(final UnsafeBuffer snapshot, final int records, final long[] seqs)
    {
        final long first = Records.check(snapshot, 0, 0);
        for (int id = 0; id < records; id++)
        {
            final int offset = Records.offset(id);
            final long g = Records.check(snapshot, offset, id);
            if (g != first)
            {
                throw new AssertionError("snapshot " + snapshots.get() + " mixes generations " + first + " and " +
                    g + " (record " + id + ")");
            }
        }
        if (first < generation)
        {
            throw new AssertionError("generation went back from " + generation + " to " + first);
        }
        if (first != generation)
        {
            generation = first;
            synchronized (generationsSeen)
            {
                generationsSeen.add(first);
            }
            java.util.Arrays.fill(seqs, Long.MIN_VALUE);
        }
        for (int id = 0; id < records; id++)
        {
            final long seq = Records.seq(snapshot, Records.offset(id));
            if (seq < seqs[id])
            {
                throw new AssertionError("record " + id + " of generation " + first + " went back from seq " +
                    seqs[id] + " to " + seq);
            }
            seqs[id] = seq;
        }
    }

    private SharedMemory awaitSegment() throws InterruptedException
    {
        while (running)
        {
            try
            {
                return SharedMemory.builder(name).directory(directory).initTimeout(Duration.ofMillis(100)).open();
            }
            catch (final SegmentNotFoundException | InvalidSegmentException notYet)
            {
                Thread.sleep(5);
            }
        }
        return null;
    }

    /** @return snapshots checked so far. */
    public long snapshots()
    {
        return snapshots.get();
    }

    /**
     * @return reads refused because a page is marked torn ({@link TornPageException}): what local readers get after a
     * replica was killed in the middle of applying a write, until the next replica's full image overwrites it.
     */
    public long tornReads()
    {
        return tornReads.get();
    }

    /** @return the generation of the newest snapshot. */
    public long generation()
    {
        return generation;
    }

    /** @return the generations in the order first seen. */
    public List<Long> generationsSeen()
    {
        synchronized (generationsSeen)
        {
            return List.copyOf(generationsSeen);
        }
    }

    /** @return the first violation found so far, or {@code null}. */
    public Throwable failure()
    {
        return failure;
    }

    /** Stops and rethrows the first violation found, if any. */
    public void stop() throws InterruptedException
    {
        running = false;
        thread.join(10_000);
        if (failure != null)
        {
            throw new AssertionError("a replica snapshot failed its check: " + failure.getMessage(), failure);
        }
    }
}
