package io.shmipc.examples.pingpong;

import io.shmipc.SharedMemory;
import org.HdrHistogram.Histogram;
import org.agrona.concurrent.BusySpinIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.YieldingIdleStrategy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

/**
 * Two processes bounce a number through two pages of one segment: {@code ping} writes round {@code i} to page 0,
 * {@code pong} copies it to page 1, and {@code ping} measures the round trip. Each side waits for the other's
 * write by watching the page's version. {@code ping} prints round-trip percentiles at the end.
 *
 * <pre>
 *   shmipc demo pingpong pong --name pp &amp;
 *   shmipc demo pingpong ping --name pp --rounds 100000
 * </pre>
 */
@Command(
    name = "pingpong",
    mixinStandardHelpOptions = true,
    description = {
        "Bounce a message between two processes through two pages and print round-trip percentiles.",
        "Start 'pong' first (or at the same time), then 'ping'; ping removes the segment when done."
    })
public final class PingPongDemo implements Callable<Integer>
{
    /** Byte offset of the ping page's value (page 0). */
    static final int PING_OFFSET = 0;
    /** Message that tells pong to stop. */
    static final long STOP = -1;
    /** Pong's first write: it is ready. */
    static final long READY = -2;

    private static final Logger LOG = LoggerFactory.getLogger(PingPongDemo.class);
    private static final int PAGES = 2;
    private static final int PAGE_SIZE = 64;
    private static final int PONG_OFFSET = PAGE_SIZE;
    private static final long WAIT_NANOS = TimeUnit.SECONDS.toNanos(30);

    /** The two sides. */
    enum Role
    {
        ping, pong
    }

    /** How a side waits for the other's write. */
    enum Idle
    {
        spin, yield
    }

    @Parameters(index = "0", paramLabel = "ROLE", description = "ping or pong.")
    private Role role;

    @Option(names = "--name", defaultValue = "pingpong",
        description = "Segment name (default: ${DEFAULT-VALUE}).")
    private String name;

    @Option(names = {"-d", "--dir"}, paramLabel = "DIR", description = "Segment directory (default: /dev/shm).")
    private Path dir;

    @Option(names = "--rounds", defaultValue = "100000",
        description = "Measured round trips (default: ${DEFAULT-VALUE}).")
    private int rounds;

    @Option(names = "--warmup", defaultValue = "20000",
        description = "Unmeasured round trips first (default: ${DEFAULT-VALUE}).")
    private int warmup;

    @Option(names = "--idle", defaultValue = "yield",
        description = "How to wait: spin (lowest latency, burns a core) or yield (default: ${DEFAULT-VALUE}).")
    private Idle idle;

    /** Runs the demo as its own program. */
    public static void main(final String[] args)
    {
        System.exit(new CommandLine(new PingPongDemo()).execute(args));
    }

    @Override
    public Integer call()
    {
        if (rounds <= 0 || warmup < 0)
        {
            throw new IllegalArgumentException("--rounds must be positive and --warmup not negative");
        }
        final var builder = SharedMemory.builder(name).pages(PAGES).pageSize(PAGE_SIZE);
        if (dir != null)
        {
            builder.directory(dir);
        }
        try (SharedMemory shm = builder.openOrCreate())
        {
            final IdleStrategy idleStrategy =
                idle == Idle.spin ? new BusySpinIdleStrategy() : new YieldingIdleStrategy();
            return role == Role.ping ? ping(shm, idleStrategy) : pong(shm, idleStrategy);
        }
    }

    private int pong(final SharedMemory shm, final IdleStrategy idleStrategy)
    {
        long seen = shm.version(0);
        shm.writeLong(PONG_OFFSET, READY);
        LOG.info("pong: ready on segment '{}'", shm.name());
        long bounced = 0;
        while (true)
        {
            final long version = shm.awaitChange(0, seen, WAIT_NANOS, idleStrategy);
            if (version == seen)
            {
                LOG.error("pong: no ping for {} s; giving up", TimeUnit.NANOSECONDS.toSeconds(WAIT_NANOS));
                return 1;
            }
            seen = version;
            final long value = shm.readLong(PING_OFFSET);
            if (value == STOP)
            {
                LOG.info("pong: stopped after {} messages", bounced);
                return 0;
            }
            shm.writeLong(PONG_OFFSET, value);
            bounced++;
        }
    }

    private int ping(final SharedMemory shm, final IdleStrategy idleStrategy)
    {
        final long readyDeadline = System.nanoTime() + WAIT_NANOS;
        while (shm.readLong(PONG_OFFSET) != READY)
        {
            if (System.nanoTime() - readyDeadline > 0)
            {
                LOG.error("ping: pong did not start within {} s", TimeUnit.NANOSECONDS.toSeconds(WAIT_NANOS));
                return 1;
            }
            shm.awaitChange(1, shm.version(1), Duration.ofMillis(10));
        }
        final Histogram histogram = new Histogram(TimeUnit.SECONDS.toNanos(10), 3);
        final long start = System.nanoTime();
        for (long i = 1; i <= warmup + (long)rounds; i++)
        {
            long seen = shm.version(1);
            final long sent = System.nanoTime();
            shm.writeLong(PING_OFFSET, i);
            do
            {
                final long version = shm.awaitChange(1, seen, WAIT_NANOS, idleStrategy);
                if (version == seen)
                {
                    LOG.error("ping: no answer to round {} within {} s", i, TimeUnit.NANOSECONDS.toSeconds(WAIT_NANOS));
                    return 1;
                }
                seen = version;
            }
            while (shm.readLong(PONG_OFFSET) != i);
            if (i > warmup)
            {
                histogram.recordValue(Math.min(System.nanoTime() - sent, histogram.getHighestTrackableValue()));
            }
        }
        final double seconds = (System.nanoTime() - start) / 1e9;
        shm.writeLong(PING_OFFSET, STOP);
        SharedMemory.builder(name).directory(shm.path().getParent()).unlink();
        LOG.info("ping: {} round trips (+{} warm-up) in {} s, idle={}: rtt p50={} us p90={} us p99={} us " +
            "p99.9={} us max={} us",
            rounds, warmup, String.format("%.2f", seconds), idle,
            micros(histogram.getValueAtPercentile(50)), micros(histogram.getValueAtPercentile(90)),
            micros(histogram.getValueAtPercentile(99)), micros(histogram.getValueAtPercentile(99.9)),
            micros(histogram.getMaxValue()));
        return 0;
    }

    private static String micros(final long nanos)
    {
        return String.format("%.2f", nanos / 1000.0);
    }
}
