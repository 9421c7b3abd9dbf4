package io.shmipc.replication.protocol;

import io.aeron.ChannelUri;
import io.aeron.CommonContext;
import io.shmipc.replication.ReplicationException;

import java.util.List;

/** Checks and adjusts the Aeron channel URIs replication uses. */
public final class ChannelUris
{
    /** Default term length of the data stream's publication: messages of up to 1/8 of it, 512 KiB. */
    public static final int DEFAULT_TERM_LENGTH = 4 << 20;
    /** Aeron's largest term length. */
    public static final int MAX_TERM_LENGTH = 1 << 30;

    private ChannelUris()
    {
    }

    /** @return the parsed channel, or a {@link ReplicationException} naming the bad value. */
    public static ChannelUri parse(final String what, final String channel)
    {
        if (channel == null || channel.isBlank())
        {
            throw new ReplicationException(what + " channel is missing: give an Aeron channel such as " +
                "aeron:udp?endpoint=HOST:PORT");
        }
        try
        {
            return ChannelUri.parse(channel);
        }
        catch (final RuntimeException ex)
        {
            throw new ReplicationException(what + " channel '" + channel + "' is not an Aeron channel URI: " +
                ex.getMessage(), ex);
        }
    }

    /**
     * @return the data channel with a {@code term-length} large enough for one page and its header in a message,
     * unless it already sets one.
     */
    public static String withTermLength(final String channel, final int pageSize)
    {
        final ChannelUri uri = parse("data", channel);
        if (uri.containsKey(CommonContext.TERM_LENGTH_PARAM_NAME))
        {
            return channel;
        }
        final long needed = 8L * 2 * (Wire.pagesHeaderLength(2) + (long)pageSize);
        long termLength = DEFAULT_TERM_LENGTH;
        while (termLength < needed && termLength < MAX_TERM_LENGTH)
        {
            termLength <<= 1;
        }
        uri.put(CommonContext.TERM_LENGTH_PARAM_NAME, Long.toString(termLength));
        return uri.toString();
    }

    /**
     * @return the channel a replica sends RESEND requests to: {@code announced} (from a heartbeat) with a wildcard
     * host (0.0.0.0, [::]) replaced by the host of {@code sourceIdentity}, the address the heartbeat came from.
     */
    public static String resolveControl(final String announced, final String sourceIdentity)
    {
        final ChannelUri uri = ChannelUri.parse(announced);
        final String endpoint = uri.get(CommonContext.ENDPOINT_PARAM_NAME);
        if (endpoint == null || sourceIdentity == null)
        {
            return announced;
        }
        final int colon = endpoint.lastIndexOf(':');
        final String host = colon > 0 ? endpoint.substring(0, colon) : endpoint;
        if (!List.of("0.0.0.0", "[::]", "*").contains(host))
        {
            return announced;
        }
        final int sourceColon = sourceIdentity.lastIndexOf(':');
        if (sourceColon <= 0)
        {
            return announced;
        }
        uri.put(CommonContext.ENDPOINT_PARAM_NAME,
            sourceIdentity.substring(0, sourceColon) + endpoint.substring(colon));
        return uri.toString();
    }

    /**
     * @return {@code channel} with its endpoint replaced by {@code boundAddress} ("host:port", as Aeron reports a
     * bound socket), so that a port 0 becomes the port actually bound.
     */
    public static String withEndpoint(final String channel, final String boundAddress)
    {
        final ChannelUri uri = ChannelUri.parse(channel);
        uri.put(CommonContext.ENDPOINT_PARAM_NAME, boundAddress);
        return uri.toString();
    }
}
