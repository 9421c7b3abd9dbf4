package io.shmipc.replication.replica;

import io.aeron.Aeron;
import io.aeron.ExclusivePublication;
import io.shmipc.replication.protocol.ChannelUris;
import io.shmipc.replication.protocol.Wire;
import io.shmipc.replication.status.StatusClock;
import org.agrona.CloseHelper;
import org.agrona.concurrent.UnsafeBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.ThreadLocalRandom;

/**
 * The replica's way back to the publisher: a publication on the publisher's control channel, as configured or as
 * announced in its heartbeats, carrying RESEND requests. A request waits until the publication can take it.
 */
final class ControlLink implements AutoCloseable
{
    private static final Logger LOG = LoggerFactory.getLogger(ControlLink.class);

    private final Aeron aeron;
    private final String configured;
    private final int configuredStreamId;
    private final long replicaId = ThreadLocalRandom.current().nextLong();
    private final UnsafeBuffer request = new UnsafeBuffer(new byte[Wire.RESEND_LENGTH]);
    private ExclusivePublication publication;
    private String channel;
    private int streamId;
    private int pendingFirst = -1;
    private int pendingLast = -1;

    /**
     * @param aeron             the client.
     * @param configured        the control channel to use whatever heartbeats announce, or {@code null}.
     * @param configuredStreamId its stream id.
     */
    ControlLink(final Aeron aeron, final String configured, final int configuredStreamId)
    {
        this.aeron = aeron;
        this.configured = configured;
        this.configuredStreamId = configuredStreamId;
        if (configured != null)
        {
            connect(configured, configuredStreamId);
        }
    }

    /** Notes the control channel a heartbeat announced; {@code sourceIdentity} is where it came from. */
    void onAnnounced(final String announced, final int announcedStreamId, final String sourceIdentity)
    {
        if (configured != null || announced.isEmpty())
        {
            return;
        }
        final String resolved = ChannelUris.resolveControl(announced, sourceIdentity);
        if (!resolved.equals(channel) || announcedStreamId != streamId)
        {
            connect(resolved, announcedStreamId);
        }
    }

    /** Asks for pages {@code first..last}, merged with a request still waiting. */
    void request(final int first, final int last)
    {
        pendingFirst = pendingFirst < 0 ? first : Math.min(pendingFirst, first);
        pendingLast = Math.max(pendingLast, last);
    }

    /** @return whether a request is waiting to be sent. */
    boolean hasPending()
    {
        return pendingFirst >= 0;
    }

    /** Sends the waiting request if the publication takes it; returns 1 if it did. */
    int doWork(final long epoch)
    {
        if (pendingFirst < 0 || publication == null)
        {
            return 0;
        }
        Wire.putHeader(request, 0, Wire.RESEND, epoch, replicaId, StatusClock.epochNanos());
        Wire.putInt(request, 0, Wire.RESEND_FIRST_OFFSET, pendingFirst);
        Wire.putInt(request, 0, Wire.RESEND_LAST_OFFSET, pendingLast);
        if (publication.offer(request, 0, Wire.RESEND_LENGTH) > 0)
        {
            LOG.debug("asked for pages {}..{} on {}", pendingFirst, pendingLast, channel);
            pendingFirst = -1;
            pendingLast = -1;
            return 1;
        }
        return 0;
    }

    private void connect(final String newChannel, final int newStreamId)
    {
        CloseHelper.quietClose(publication);
        publication = null;
        channel = newChannel;
        streamId = newStreamId;
        try
        {
            publication = aeron.addExclusivePublication(newChannel, newStreamId);
            LOG.debug("control channel {} stream {}", newChannel, newStreamId);
        }
        catch (final RuntimeException ex)
        {
            LOG.warn("cannot open the publisher's control channel '{}': {}", newChannel, ex.getMessage());
        }
    }

    @Override
    public void close()
    {
        CloseHelper.quietClose(publication);
    }
}
