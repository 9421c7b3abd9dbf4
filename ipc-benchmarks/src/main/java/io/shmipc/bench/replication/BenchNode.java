package io.shmipc.bench.replication;

import io.aeron.ExclusivePublication;
import io.aeron.FragmentAssembler;
import io.aeron.Subscription;
import io.shmipc.bench.latency.Histograms;
import io.shmipc.replication.SegmentPublisher;
import io.shmipc.replication.SegmentReplica;
import io.shmipc.replication.transport.AeronTransport;
import org.HdrHistogram.Histogram;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;

/**
 * One process of the replication benchmark, started by {@link ReplicationBenchmark}; ends when its standard input
 * closes (the launcher ended or closed it).
 * <pre>
 *   publish   DIR NAME CHANNEL            a SegmentPublisher with an embedded driver
 *   subscribe DIR NAME CHANNEL            a SegmentReplica with an embedded driver
 *   bare-receive CHANNEL                  an Aeron subscription: one-way latency of stamped messages, message count
 *   bare-send CHANNEL BYTES RATE SECONDS  an Aeron publication sending stamped messages (RATE 0: as fast as it can)
 * </pre>
 * The bare pair uses the same embedded driver settings as replication and the same idle strategy.
 */
public final class BenchNode
{
    private BenchNode()
    {
    }

    public static void main(final String[] args) throws Exception
    {
        final AtomicBoolean running = new AtomicBoolean(true);
        final Thread watchdog = new Thread(() ->
        {
            try
            {
                while (System.in.read() >= 0)
                {
                    // wait for EOF
                }
            }
            catch (final IOException ignored)
            {
                // the launcher is gone
            }
            running.set(false);
        }, "stdin-watchdog");
        watchdog.setDaemon(true);
        watchdog.start();
        switch (args[0])
        {
            case "publish" -> publish(args, running);
            case "subscribe" -> subscribe(args, running);
            case "bare-receive" -> bareReceive(args, running);
            case "bare-send" -> bareSend(args, running);
            default -> throw new IllegalArgumentException("unknown mode " + args[0]);
        }
    }

    private static void publish(final String[] args, final AtomicBoolean running)
    {
        try (SegmentPublisher publisher = SegmentPublisher.builder(args[2]).directory(Path.of(args[1]))
            .channel(args[3]).controlChannel("aeron:udp?endpoint=127.0.0.1:0").start())
        {
            System.out.println("READY");
            awaitEnd(running);
        }
    }

    private static void subscribe(final String[] args, final AtomicBoolean running)
    {
        try (SegmentReplica replica = SegmentReplica.builder(args[2]).directory(Path.of(args[1]))
            .channel(args[3]).start())
        {
            System.out.println("READY");
            awaitEnd(running);
        }
    }

    private static void bareReceive(final String[] args, final AtomicBoolean running)
    {
        final Histogram histogram = Histograms.create();
        final long[] count = {0};
        try (AeronTransport transport = AeronTransport.embedded();
             Subscription subscription = transport.aeron().addSubscription(args[1], 2001))
        {
            final FragmentAssembler assembler = new FragmentAssembler((buffer, offset, length, header) ->
            {
                final long sent = buffer.getLong(offset);
                if (sent != 0)
                {
                    histogram.recordValue(Math.min(Histograms.HIGHEST_NANOS, Math.max(0, System.nanoTime() - sent)));
                }
                count[0]++;
            });
            final IdleStrategy idle = new BackoffIdleStrategy(100, 10, 1_000, TimeUnit.MILLISECONDS.toNanos(1));
            System.out.println("READY");
            long lastReport = System.nanoTime();
            while (running.get())
            {
                idle.idle(subscription.poll(assembler, 64));
                if (System.nanoTime() - lastReport > TimeUnit.MILLISECONDS.toNanos(200))
                {
                    lastReport = System.nanoTime();
                    System.out.println("COUNT " + count[0]);
                }
            }
        }
        System.out.println("RESULT " + count[0] + " " + Histograms.encode(histogram));
    }

    private static void bareSend(final String[] args, final AtomicBoolean running)
    {
        final int bytes = Integer.parseInt(args[2]);
        final double rate = Double.parseDouble(args[3]);
        final long seconds = Long.parseLong(args[4]);
        final UnsafeBuffer message = new UnsafeBuffer(new byte[bytes]);
        try (AeronTransport transport = AeronTransport.embedded();
             ExclusivePublication publication = transport.aeron().addExclusivePublication(
                 args[1] + "|term-length=4m", 2001))
        {
            while (!publication.isConnected() && running.get())
            {
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
            }
            System.out.println("READY");
            final long start = System.nanoTime();
            final long interval = rate > 0 ? (long)(1e9 / rate) : 0;
            long next = start;
            long sent = 0;
            while (running.get() && System.nanoTime() - start < TimeUnit.SECONDS.toNanos(seconds))
            {
                message.putLong(0, rate > 0 ? System.nanoTime() : 0);
                if (publication.offer(message, 0, bytes) > 0)
                {
                    sent++;
                    if (interval > 0)
                    {
                        next += interval;
                        final long wait = next - System.nanoTime();
                        if (wait > 0)
                        {
                            LockSupport.parkNanos(wait);
                        }
                    }
                }
                else
                {
                    Thread.onSpinWait();
                }
            }
            System.out.println("SENT " + sent);
            awaitEnd(running);
        }
    }

    private static void awaitEnd(final AtomicBoolean running)
    {
        while (running.get())
        {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
        }
    }
}
