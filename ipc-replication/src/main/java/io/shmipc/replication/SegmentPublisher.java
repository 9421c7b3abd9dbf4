package io.shmipc.replication;

import io.shmipc.InvalidSegmentException;
import io.shmipc.SegmentNotFoundException;
import io.shmipc.SharedMemory;
import io.shmipc.SharedMemoryBuilder;
import io.shmipc.replication.protocol.ChannelUris;
import io.shmipc.replication.publisher.PublisherAgent;
import io.shmipc.replication.status.ReplicationStatus;
import io.shmipc.replication.status.StatusRole;
import io.shmipc.replication.transport.AeronTransport;
import org.agrona.concurrent.IdleStrategy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Publishes a local segment to replicas over Aeron: finds pages whose version changed and sends them, a run of
 * adjacent pages at a time, each run one consistent snapshot (so a write spanning pages stays atomic on replicas).
 * It only reads the segment: local writers never wait for it. Replicas that join late, or restart, ask for a full
 * image and get one. See {@code docs/REPLICATION.md}.
 *
 * <pre>{@code
 * try (SegmentPublisher publisher = SegmentPublisher.builder("quotes")
 *         .channel("aeron:udp?endpoint=replica-host:40123").start()) {
 *     ... // runs on its own thread until closed
 * }
 * }</pre>
 *
 * One publisher per segment: a second one for the same segment and directory is refused (its status segment,
 * {@code NAME.publisher}, is taken).
 */
public final class SegmentPublisher implements AutoCloseable
{
    /** Default stream id of the data stream. */
    public static final int DEFAULT_STREAM_ID = 1001;
    /** Default stream id of the control stream (replicas' requests). */
    public static final int DEFAULT_CONTROL_STREAM_ID = 1002;
    /** Default control channel: any interface, a port the system picks, announced to replicas in heartbeats. */
    public static final String DEFAULT_CONTROL_CHANNEL = "aeron:udp?endpoint=0.0.0.0:0";
    /** Default interval of heartbeats (sent whether pages flow or not). */
    public static final Duration DEFAULT_HEARTBEAT = Duration.ofMillis(250);
    /** Default largest share of a core spent scanning an idle source ({@link Builder#maxIdleScanShare}). */
    public static final double DEFAULT_MAX_IDLE_SCAN_SHARE = 0.05;

    private final String name;
    private final AgentThread<PublisherAgent> thread;

    private SegmentPublisher(final String name, final AgentThread<PublisherAgent> thread)
    {
        this.name = name;
        this.thread = thread;
    }

    /** @return a builder for a publisher of segment {@code name}. */
    public static Builder builder(final String name)
    {
        return new Builder(name);
    }

    /** @return the segment's name. */
    public String name()
    {
        return name;
    }

    /** @return the live counters now. */
    public ReplicationStatus status()
    {
        return thread.status();
    }

    /** Stops publishing, closes the Aeron resources (and the embedded driver, if this publisher started one). */
    @Override
    public void close()
    {
        thread.close();
    }

    /** Options of a {@link SegmentPublisher}; not thread-safe. */
    public static final class Builder
    {
        private final String name;
        private Path directory;
        private String channel;
        private int streamId = DEFAULT_STREAM_ID;
        private String controlChannel = DEFAULT_CONTROL_CHANNEL;
        private int controlStreamId = DEFAULT_CONTROL_STREAM_ID;
        private AeronTransport transport;
        private Duration heartbeat = DEFAULT_HEARTBEAT;
        private IdleStrategy idleStrategy;
        private boolean statusSegment = true;
        private Duration awaitSource = Duration.ZERO;
        private double maxIdleScanShare = DEFAULT_MAX_IDLE_SCAN_SHARE;

        private Builder(final String name)
        {
            this.name = Objects.requireNonNull(name, "name");
        }

        /** Sets the source segment's directory; default {@code /dev/shm}. */
        public Builder directory(final Path directory)
        {
            this.directory = directory;
            return this;
        }

        /** Sets the data channel, for example {@code aeron:udp?endpoint=replica-host:40123} (required). */
        public Builder channel(final String channel)
        {
            this.channel = channel;
            return this;
        }

        /** Sets the data stream id; default {@value #DEFAULT_STREAM_ID}. */
        public Builder streamId(final int streamId)
        {
            this.streamId = streamId;
            return this;
        }

        /**
         * Sets the channel on which replicas' requests arrive; default {@value #DEFAULT_CONTROL_CHANNEL}. Its bound
         * address is announced in heartbeats, a wildcard host standing for the address the data comes from.
         */
        public Builder controlChannel(final String controlChannel)
        {
            this.controlChannel = controlChannel;
            return this;
        }

        /** Sets the control stream id; default {@value #DEFAULT_CONTROL_STREAM_ID}. */
        public Builder controlStreamId(final int controlStreamId)
        {
            this.controlStreamId = controlStreamId;
            return this;
        }

        /** Uses {@code transport} (not closed by the publisher) instead of starting an embedded media driver. */
        public Builder transport(final AeronTransport transport)
        {
            this.transport = transport;
            return this;
        }

        /**
         * Sets the interval of heartbeats, which announce the epoch, the geometry and the control channel; they are sent
         * whether pages flow or not, so that a replica joining a busy publisher hears one within the interval; default
         * 250 ms.
         */
        public Builder heartbeat(final Duration heartbeat)
        {
            if (heartbeat.isNegative() || heartbeat.isZero())
            {
                throw new IllegalArgumentException("heartbeat interval " + heartbeat + " must be positive");
            }
            this.heartbeat = heartbeat;
            return this;
        }

        /** Sets how the publisher's thread idles; default: spin, yield, then park up to 1 ms. */
        public Builder idleStrategy(final IdleStrategy idleStrategy)
        {
            this.idleStrategy = idleStrategy;
            return this;
        }

        /**
         * Sets the largest share of a core the publisher spends scanning its source for changes while nothing
         * changes; default {@value #DEFAULT_MAX_IDLE_SCAN_SHARE}. After a scan that found nothing, the next waits until scanning has taken at most
         * this share of the time (at most 20 ms): a small segment, whose scan is short, is scanned on every duty cycle
         * as before; an idle 64 MiB one about every 5 ms, so a write after a quiet period is sent up to that much
         * later. 1 scans on every duty cycle whatever it costs.
         *
         * @throws IllegalArgumentException if {@code share} is not in (0, 1].
         */
        public Builder maxIdleScanShare(final double share)
        {
            if (!(share > 0 && share <= 1))
            {
                throw new IllegalArgumentException("idle scan share " + share + " must be in (0, 1]");
            }
            this.maxIdleScanShare = share;
            return this;
        }

        /** Whether to keep the status segment {@code NAME.publisher} (default true). */
        public Builder statusSegment(final boolean statusSegment)
        {
            this.statusSegment = statusSegment;
            return this;
        }

        /** Waits up to {@code awaitSource} for the source segment to be created; default: not at all. */
        public Builder awaitSource(final Duration awaitSource)
        {
            if (awaitSource.isNegative())
            {
                throw new IllegalArgumentException("source wait " + awaitSource + " is negative");
            }
            this.awaitSource = awaitSource;
            return this;
        }

        /**
         * Opens the source segment, connects to Aeron and starts publishing on a new thread.
         *
         * @throws io.shmipc.SegmentNotFoundException if the segment does not exist.
         * @throws ReplicationException               if Aeron refuses a channel, or another publisher runs.
         */
        public SegmentPublisher start()
        {
            ChannelUris.parse("data", channel);
            ChannelUris.parse("control", controlChannel);
            final SharedMemoryBuilder sourceBuilder = SharedMemory.builder(name);
            if (directory != null)
            {
                sourceBuilder.directory(directory);
            }
            final SharedMemory source = openSource(sourceBuilder);
            return new SegmentPublisher(name, AgentThread.start(name, directory, StatusRole.PUBLISHER, statusSegment,
                transport, idleStrategy, (board, status, used) -> new PublisherAgent(name, sourceBuilder, source, used,
                    ChannelUris.withTermLength(channel, source.pageSize()), streamId, controlChannel, controlStreamId,
                    heartbeat.toNanos(), board, status, maxIdleScanShare), source));
        }

        private SharedMemory openSource(final SharedMemoryBuilder sourceBuilder)
        {
            final long deadline = System.nanoTime() + awaitSource.toNanos();
            while (true)
            {
                try
                {
                    return sourceBuilder.open();
                }
                catch (final SegmentNotFoundException | InvalidSegmentException notYet)
                {
                    if (System.nanoTime() - deadline >= 0)
                    {
                        throw notYet;
                    }
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
                }
            }
        }
    }
}
