package io.shmipc.replication;

import io.shmipc.SharedMemory;
import io.shmipc.SharedMemoryBuilder;
import io.shmipc.replication.protocol.ChannelUris;
import io.shmipc.replication.replica.ReplicaAgent;
import io.shmipc.replication.status.ReplicationStatus;
import io.shmipc.replication.status.StatusRole;
import io.shmipc.replication.transport.AeronTransport;
import org.agrona.concurrent.IdleStrategy;

import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.util.Objects;
import java.util.Set;

/**
 * Keeps a local copy of a segment published by a {@link SegmentPublisher} on another host (or the same one): a
 * normal segment of the same geometry, created if missing, that local readers use as any other, with every
 * guarantee (consistent snapshots, {@code awaitChange}, the CLI). Updates are applied through
 * {@link SharedMemory#write}, one write per run of pages, never an older version of a page over a newer one.
 *
 * <p>A replica is read-only to its users: a local write is found within {@link Builder#localCheck(Duration)},
 * counted, and undone by asking the publisher for the page again. See {@code docs/REPLICATION.md}.
 *
 * <pre>{@code
 * try (SegmentReplica replica = SegmentReplica.builder("quotes")
 *         .channel("aeron:udp?endpoint=0.0.0.0:40123").start()) {
 *     ... // /dev/shm/quotes follows the publisher's segment until closed
 * }
 * }</pre>
 */
public final class SegmentReplica implements AutoCloseable
{
    /** Default interval of the search for local writes. */
    public static final Duration DEFAULT_LOCAL_CHECK = Duration.ofMillis(250);

    private final String name;
    private final AgentThread<ReplicaAgent> thread;

    private SegmentReplica(final String name, final AgentThread<ReplicaAgent> thread)
    {
        this.name = name;
        this.thread = thread;
    }

    /** @return a builder for a replica kept in local segment {@code name}. */
    public static Builder builder(final String name)
    {
        return new Builder(name);
    }

    /** @return the local segment's name. */
    public String name()
    {
        return name;
    }

    /** @return the live counters now. */
    public ReplicationStatus status()
    {
        return thread.status();
    }

    /**
     * @return the source version last applied to {@code page} ({@link Long#MIN_VALUE} before the first full image);
     * read racily from the replica's thread, for tools and tests.
     */
    public long sourceVersion(final int page)
    {
        return thread.agent().sourceVersion(page);
    }

    /** Stops replicating; the local segment stays, with the last image applied. */
    @Override
    public void close()
    {
        thread.close();
    }

    /** Options of a {@link SegmentReplica}; not thread-safe. */
    public static final class Builder
    {
        private final String name;
        private Path directory;
        private String channel;
        private int streamId = SegmentPublisher.DEFAULT_STREAM_ID;
        private String controlChannel;
        private int controlStreamId = SegmentPublisher.DEFAULT_CONTROL_STREAM_ID;
        private AeronTransport transport;
        private Duration localCheck = DEFAULT_LOCAL_CHECK;
        private IdleStrategy idleStrategy;
        private boolean statusSegment = true;
        private Set<PosixFilePermission> permissions;

        private Builder(final String name)
        {
            this.name = Objects.requireNonNull(name, "name");
        }

        /** Sets the local segment's directory; default {@code /dev/shm}. */
        public Builder directory(final Path directory)
        {
            this.directory = directory;
            return this;
        }

        /** Sets the data channel to subscribe to, for example {@code aeron:udp?endpoint=0.0.0.0:40123} (required). */
        public Builder channel(final String channel)
        {
            this.channel = channel;
            return this;
        }

        /** Sets the data stream id; default {@value SegmentPublisher#DEFAULT_STREAM_ID}. */
        public Builder streamId(final int streamId)
        {
            this.streamId = streamId;
            return this;
        }

        /**
         * Sets the publisher's control channel; default: the one its heartbeats announce (needed only when the
         * publisher is reachable at another address than the one its data comes from, as behind NAT).
         */
        public Builder controlChannel(final String controlChannel)
        {
            this.controlChannel = controlChannel;
            return this;
        }

        /** Sets the control stream id used with {@link #controlChannel(String)}. */
        public Builder controlStreamId(final int controlStreamId)
        {
            this.controlStreamId = controlStreamId;
            return this;
        }

        /** Uses {@code transport} (not closed by the replica) instead of starting an embedded media driver. */
        public Builder transport(final AeronTransport transport)
        {
            this.transport = transport;
            return this;
        }

        /** Sets how often the local segment is searched for local writes; default 250 ms. */
        public Builder localCheck(final Duration localCheck)
        {
            if (localCheck.isNegative() || localCheck.isZero())
            {
                throw new IllegalArgumentException("local check interval " + localCheck + " must be positive");
            }
            this.localCheck = localCheck;
            return this;
        }

        /** Sets how the replica's thread idles; default: spin, yield, then park up to 1 ms. */
        public Builder idleStrategy(final IdleStrategy idleStrategy)
        {
            this.idleStrategy = idleStrategy;
            return this;
        }

        /** Whether to keep the status segment {@code NAME.replica} (default true). */
        public Builder statusSegment(final boolean statusSegment)
        {
            this.statusSegment = statusSegment;
            return this;
        }

        /** Sets the file mode of a local segment the replica creates; default owner-only. */
        public Builder permissions(final Set<PosixFilePermission> permissions)
        {
            this.permissions = Set.copyOf(permissions);
            return this;
        }

        /**
         * Connects to Aeron and starts replicating on a new thread. The local segment is created (or checked) when
         * the first message tells the source's geometry.
         *
         * @throws ReplicationException if Aeron refuses the channel, or another replica of the segment runs.
         */
        public SegmentReplica start()
        {
            ChannelUris.parse("data", channel);
            if (controlChannel != null)
            {
                ChannelUris.parse("control", controlChannel);
            }
            final SharedMemoryBuilder localBuilder = SharedMemory.builder(name);
            if (directory != null)
            {
                localBuilder.directory(directory);
            }
            if (permissions != null)
            {
                localBuilder.permissions(permissions);
            }
            return new SegmentReplica(name, AgentThread.start(name, directory, StatusRole.REPLICA, statusSegment,
                transport, idleStrategy, (board, status, used) -> new ReplicaAgent(name, localBuilder, used, channel,
                    streamId, controlChannel, controlStreamId, localCheck.toNanos(), board, status), null));
        }
    }
}
