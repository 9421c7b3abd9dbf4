package io.shmipc.bench.replication;

import io.shmipc.SharedMemory;
import io.shmipc.bench.latency.Histograms;
import io.shmipc.replication.ReplicationState;
import io.shmipc.replication.status.ReplicationStatus;
import io.shmipc.replication.status.StatusField;
import io.shmipc.replication.status.StatusRole;
import io.shmipc.replication.status.StatusSegment;
import org.HdrHistogram.Histogram;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;

/**
 * Replication over Aeron on loopback, against one bare Aeron publication/subscription sending the same bytes
 * ({@code scripts/bench-replication.sh}). Every process is its own JVM with its own embedded media driver, as in a
 * deployment with one host per side:
 * <ol>
 *   <li>lag: one 64-byte write at a time to a 16-page source (1,000 per second), timed from before the write until
 *   the bytes are readable on the replica (this process spins on the replica's page); p50/p99/p99.9;</li>
 *   <li>idle CPU of the publisher and the replica processes, from /proc/PID/stat over 10 s with nothing written;</li>
 *   <li>a 64 MiB source (16,384 pages of 4 KiB): time for a new replica to hold the full image, pages per second
 *   applied on the replica while this process rewrites pages as fast as it can, the publisher's version scan, and
 *   idle CPU again;</li>
 *   <li>bare Aeron: one-way latency of 4,152-byte messages (a page and its header) at 1,000 per second, messages
 *   per second as fast as the sender can, idle CPU.</li>
 * </ol>
 * Usage: {@code ReplicationBenchmark [SECONDS]} (seconds per measurement, default 10).
 */
public final class ReplicationBenchmark
{
    private static final int PAGE = 4096;
    private static final int MESSAGE_BYTES = PAGE + 56;

    private ReplicationBenchmark()
    {
    }

    public static void main(final String[] args) throws Exception
    {
        final int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 10;
        final Path source = Files.createTempDirectory(Path.of("/dev/shm"), "shmipc-bench-src-");
        final Path replica = Files.createTempDirectory(Path.of("/dev/shm"), "shmipc-bench-dst-");
        try
        {
            lagAndIdle(source, replica, seconds);
            bigSegment(source, replica, seconds);
            bareAeron(seconds);
        }
        finally
        {
            delete(source);
            delete(replica);
        }
    }

    private static void lagAndIdle(final Path source, final Path replica, final int seconds) throws Exception
    {
        final String channel = channel();
        try (SharedMemory src = SharedMemory.builder("lag").directory(source).pages(16).create();
             BenchProcess publisher = BenchProcess.start("publish", source.toString(), "lag", channel);
             BenchProcess subscriber = BenchProcess.start("subscribe", replica.toString(), "lag", channel))
        {
            publisher.awaitLine("READY", 60);
            subscriber.awaitLine("READY", 60);
            awaitSynced(replica, "lag");
            try (SharedMemory dst = SharedMemory.builder("lag").directory(replica).open())
            {
                final UnsafeBuffer record = new UnsafeBuffer(new byte[64]);
                final Histogram lag = Histograms.create();
                final long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
                long next = System.nanoTime();
                long timeouts = 0;
                for (long seq = 1; System.nanoTime() - end < 0; seq++)
                {
                    final int offset = (int)(seq % 16) * PAGE;
                    final long start = System.nanoTime();
                    record.putLong(0, seq);
                    record.putLong(8, start);
                    src.write(offset, record, 0, 64);
                    while (dst.readLong(offset) != seq)
                    {
                        if (System.nanoTime() - start > TimeUnit.SECONDS.toNanos(1))
                        {
                            timeouts++;
                            break;
                        }
                        Thread.onSpinWait();
                    }
                    lag.recordValue(Math.min(Histograms.HIGHEST_NANOS, System.nanoTime() - start));
                    next += TimeUnit.MILLISECONDS.toNanos(1);
                    LockSupport.parkNanos(next - System.nanoTime());
                }
                print("replication lag, write to visible on the replica, 16 pages, 1,000 writes/s", lag);
                System.out.printf("  timeouts (>1 s): %d%n", timeouts);
            }
            idle("idle, 16-page segment", publisher, subscriber, seconds);
        }
    }

    private static void bigSegment(final Path source, final Path replica, final int seconds) throws Exception
    {
        final String channel = channel();
        final int pages = 16_384;
        try (SharedMemory src = SharedMemory.builder("big").directory(source).pages(pages).create())
        {
            final byte[] page = new byte[PAGE];
            for (int p = 0; p < pages; p++)
            {
                page[0] = (byte)p;
                src.write(p * PAGE, page);
            }
            try (BenchProcess publisher = BenchProcess.start("publish", source.toString(), "big", channel))
            {
                publisher.awaitLine("READY", 60);
                for (int round = 1; round <= 2; round++)
                {
                    final long start = System.nanoTime();
                    try (BenchProcess subscriber = BenchProcess.start("subscribe", replica.toString(), "big",
                        channel))
                    {
                        final ReplicationStatus synced = awaitSynced(replica, "big");
                        System.out.printf("full 64 MiB image on a %s replica: %.0f ms from JVM launch, " +
                            "%.0f ms from its first message (catch-up)%n", round == 1 ? "new" : "restarted",
                            (System.nanoTime() - start) / 1e6, synced.get(StatusField.CATCH_UP_NANOS) / 1e6);
                        if (round == 2)
                        {
                            throughput(src, replica, seconds);
                            final ReplicationStatus pub = StatusSegment.read(source, "big", StatusRole.PUBLISHER);
                            Thread.sleep(500);
                            final ReplicationStatus quiet = StatusSegment.read(source, "big", StatusRole.PUBLISHER);
                            System.out.printf("publisher version scan of 16,384 pages: %.0f us (%.1f ns/page); " +
                                "back-pressure events %d%n", quiet.get(StatusField.SCAN_NANOS) / 1e3,
                                quiet.get(StatusField.SCAN_NANOS) / (double)pages, pub.get(StatusField.BACK_PRESSURE));
                            idle("idle, 64 MiB segment", publisher, subscriber, seconds);
                        }
                    }
                    Thread.sleep(1500); // the status of the closed replica goes stale before the next one claims it
                }
            }
        }
    }

    private static void throughput(final SharedMemory src, final Path replica, final int seconds)
    {
        final ReplicationStatus before = StatusSegment.read(replica, "big", StatusRole.REPLICA);
        final long start = System.nanoTime();
        final byte[] page = new byte[PAGE];
        long writes = 0;
        for (int p = 0; System.nanoTime() - start < TimeUnit.SECONDS.toNanos(seconds); p = (p + 1) % src.pageCount())
        {
            page[8] = (byte)writes;
            src.write(p * PAGE, page);
            writes++;
        }
        final double elapsed = (System.nanoTime() - start) / 1e9;
        final ReplicationStatus after = StatusSegment.read(replica, "big", StatusRole.REPLICA);
        System.out.printf("64 MiB segment rewritten page by page as fast as possible: %.0f page writes/s on the " +
            "source, %.0f pages/s applied on the replica (%.0f MB/s); the rest conflated%n", writes / elapsed,
            (after.get(StatusField.PAGES) - before.get(StatusField.PAGES)) / elapsed,
            (after.get(StatusField.BYTES) - before.get(StatusField.BYTES)) / elapsed / 1e6);
    }

    private static void bareAeron(final int seconds) throws Exception
    {
        String channel = channel();
        try (BenchProcess receiver = BenchProcess.start("bare-receive", channel);
             BenchProcess sender = BenchProcess.start("bare-send", channel, Integer.toString(MESSAGE_BYTES), "1000",
                 Integer.toString(seconds)))
        {
            receiver.awaitLine("READY", 60);
            sender.awaitLine("SENT", seconds + 60L);
            Thread.sleep(200);
            final String[] result = receiver.finish("RESULT").split(" ");
            print("bare Aeron one-way latency, " + MESSAGE_BYTES + "-byte messages, 1,000/s", Histograms.decode(result[2]));
        }
        channel = channel();
        try (BenchProcess receiver = BenchProcess.start("bare-receive", channel);
             BenchProcess sender = BenchProcess.start("bare-send", channel, Integer.toString(MESSAGE_BYTES), "0",
                 Integer.toString(seconds)))
        {
            receiver.awaitLine("READY", 60);
            sender.awaitLine("READY", 60);
            final long start = System.nanoTime();
            final long count0 = Long.parseLong(receiver.awaitLine("COUNT", 10).split(" ")[1]);
            final String sent = sender.awaitLine("SENT", seconds + 60L);
            final double elapsed = (System.nanoTime() - start) / 1e9;
            final long count1 = Long.parseLong(receiver.awaitLine("COUNT", 10).split(" ")[1]);
            System.out.printf("bare Aeron, %d-byte messages as fast as possible: %.0f messages/s received (%s)%n",
                MESSAGE_BYTES, (count1 - count0) / elapsed, sent);
            idle("idle, bare Aeron pair", sender, receiver, seconds);
        }
    }

    private static void idle(final String what, final BenchProcess a, final BenchProcess b, final int seconds)
        throws InterruptedException
    {
        Thread.sleep(2000);
        final long a0 = a.cpuNanos();
        final long b0 = b.cpuNanos();
        final long t0 = System.nanoTime();
        Thread.sleep(TimeUnit.SECONDS.toMillis(seconds));
        final double wall = System.nanoTime() - t0;
        System.out.printf("%s: CPU %.2f%% of a core (sender/publisher), %.2f%% (receiver/replica)%n", what,
            100 * (a.cpuNanos() - a0) / wall, 100 * (b.cpuNanos() - b0) / wall);
    }

    private static ReplicationStatus awaitSynced(final Path replica, final String name) throws InterruptedException
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (System.nanoTime() - deadline < 0)
        {
            final ReplicationStatus status = StatusSegment.read(replica, name, StatusRole.REPLICA);
            if (status != null && status.state() == ReplicationState.SYNCED && !StatusSegment.isStale(status))
            {
                return status;
            }
            Thread.sleep(2);
        }
        throw new IllegalStateException("replica of " + name + " did not sync: " +
            StatusSegment.read(replica, name, StatusRole.REPLICA));
    }

    private static void print(final String what, final Histogram h)
    {
        System.out.printf("%s: n=%d p50=%.1f us p99=%.1f us p99.9=%.1f us max=%.1f us%n", what, h.getTotalCount(),
            h.getValueAtPercentile(50) / 1e3, h.getValueAtPercentile(99) / 1e3, h.getValueAtPercentile(99.9) / 1e3,
            h.getMaxValue() / 1e3);
    }

    private static String channel() throws IOException
    {
        try (DatagramSocket socket = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)))
        {
            return "aeron:udp?endpoint=127.0.0.1:" + socket.getLocalPort();
        }
    }

    private static void delete(final Path dir) throws IOException
    {
        try (Stream<Path> files = Files.walk(dir))
        {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
