package io.shmipc.bench.wakeup;

import io.shmipc.SharedMemory;
import io.shmipc.bench.latency.Histograms;
import org.HdrHistogram.Histogram;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.locks.LockSupport;

/**
 * One side of the wake-up benchmark, in its own JVM. Page 0 of the segment holds a record of two little-endian
 * {@code long}s: a counter and the {@code CLOCK_MONOTONIC} time ({@link System#nanoTime()} on Linux) of the write;
 * the same record the C side ({@code clients/c/bench/wakeup.c}) reads and writes.
 * <ul>
 *   <li>{@code publish DIR NAME COUNT PERIOD_MICROS}: writes COUNT records, one every PERIOD (with +-50% jitter), so
 *   that the subscriber is asleep each time; then the counter -1.</li>
 *   <li>{@code subscribe DIR NAME}: waits for each record with {@link SharedMemory#awaitChange} (the library's own
 *   waiting), reads it and records now - its time; prints {@code LATENCIES <histogram>} at the counter -1.</li>
 *   <li>{@code idle DIR NAME}: waits for a change that never comes, for the launcher to measure its CPU.</li>
 * </ul>
 */
public final class WakeupNode
{
    /** Printed by a subscriber or idle waiter once it waits. */
    static final String WAITING = "WAITING";
    /** Printed by a subscriber before its histogram. */
    static final String LATENCIES = "LATENCIES";

    private WakeupNode()
    {
    }

    /**
     * Runs one side.
     *
     * @param args see the class comment.
     */
    public static void main(final String[] args)
    {
        final Path dir = Path.of(args[1]);
        final String name = args[2];
        switch (args[0])
        {
            case "publish" -> publish(dir, name, Long.parseLong(args[3]), Long.parseLong(args[4]));
            case "subscribe" -> subscribe(dir, name);
            case "idle" -> idle(dir, name);
            default -> throw new IllegalArgumentException("unknown mode " + args[0]);
        }
    }

    private static void publish(final Path dir, final String name, final long count, final long periodMicros)
    {
        try (SharedMemory shm = SharedMemory.builder(name).directory(dir).pages(1).initTimeout(Duration.ofSeconds(30))
            .open())
        {
            final byte[] record = new byte[16];
            for (long i = 1; i <= count + 1; i++)
            {
                final long period = periodMicros * 1000L;
                LockSupport.parkNanos(period / 2 + ThreadLocalRandom.current().nextLong(period));
                final long counter = i <= count ? i : -1;
                putLong(record, 0, counter);
                putLong(record, 8, System.nanoTime());
                shm.write(0, record);
            }
        }
    }

    private static void subscribe(final Path dir, final String name)
    {
        final Histogram latencies = new Histogram(3_600_000_000_000L, 3);
        try (SharedMemory shm = SharedMemory.builder(name).directory(dir).pages(1).initTimeout(Duration.ofSeconds(30))
            .open())
        {
            long seen = shm.version(0);
            System.out.println(WAITING);
            System.out.flush();
            while (true)
            {
                seen = shm.awaitChange(0, seen, Duration.ofMinutes(5));
                final long counter = shm.readLong(0);
                final long nanos = shm.readLong(8);
                final long now = System.nanoTime();
                if (counter == -1)
                {
                    break;
                }
                latencies.recordValue(Math.max(0, now - nanos));
            }
        }
        System.out.println(LATENCIES + " " + Histograms.encode(latencies));
    }

    private static void idle(final Path dir, final String name)
    {
        try (SharedMemory shm = SharedMemory.builder(name).directory(dir).pages(1).initTimeout(Duration.ofSeconds(30))
            .open())
        {
            final long seen = shm.version(0);
            System.out.println(WAITING);
            System.out.flush();
            shm.awaitChange(0, seen, Duration.ofMinutes(10));
        }
    }

    private static void putLong(final byte[] bytes, final int at, final long value)
    {
        for (int i = 0; i < Long.BYTES; i++)
        {
            bytes[at + i] = (byte)(value >>> (8 * i));
        }
    }
}
