package io.shmipc.bench.latency;

import org.agrona.concurrent.IdleStrategy;

import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;

/**
 * A socket exchange: a Unix domain socket ({@link UnixDomainSocketAddress}) or loopback TCP with
 * {@code TCP_NODELAY}, both non-blocking and read by busy-spinning, 64-byte messages through direct buffers.
 */
public final class SocketExchange implements Exchange
{
    /** Socket file name under the run directory, for the Unix domain socket. */
    static final String SOCKET_FILE = "uds.sock";

    private final SocketChannel channel;
    private final IdleStrategy idle;
    private final ByteBuffer outgoing = ByteBuffer.allocateDirect(MESSAGE_LENGTH);
    private final ByteBuffer incoming = ByteBuffer.allocateDirect(MESSAGE_LENGTH);

    private SocketExchange(final SocketChannel channel, final IdleStrategy idle) throws IOException
    {
        this.channel = channel;
        this.idle = idle;
        channel.configureBlocking(false);
        for (int i = Long.BYTES; i < MESSAGE_LENGTH; i++)
        {
            outgoing.put(i, (byte)i);
        }
    }

    /** @return how to set up a Unix domain socket exchange between two processes. */
    public static ExchangeKind unixDomain()
    {
        return new Kind(false);
    }

    /** @return how to set up a loopback TCP exchange between two processes. */
    public static ExchangeKind tcp()
    {
        return new Kind(true);
    }

    @Override
    public void send(final long sequence)
    {
        outgoing.clear();
        outgoing.putLong(0, sequence);
        try
        {
            idle.reset();
            while (outgoing.hasRemaining())
            {
                if (channel.write(outgoing) == 0)
                {
                    idle.idle();
                }
            }
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    @Override
    public long receive()
    {
        incoming.clear();
        try
        {
            idle.reset();
            while (incoming.hasRemaining())
            {
                final int read = channel.read(incoming);
                if (read < 0)
                {
                    throw new EOFException("peer closed the socket");
                }
                if (read == 0)
                {
                    idle.idle();
                }
            }
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
        return incoming.getLong(0);
    }

    @Override
    public void close()
    {
        try
        {
            channel.close();
        }
        catch (final IOException ignore)
        {
            // closing at the end of a run: nothing to recover
        }
    }

    private static final class Kind implements ExchangeKind
    {
        private final boolean tcp;
        private ServerSocketChannel server;

        Kind(final boolean tcp)
        {
            this.tcp = tcp;
        }

        @Override
        public String listen(final Path dir) throws IOException
        {
            if (tcp)
            {
                server = ServerSocketChannel.open(StandardProtocolFamily.INET);
                server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 1);
                return Integer.toString(((InetSocketAddress)server.getLocalAddress()).getPort());
            }
            server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
            server.bind(UnixDomainSocketAddress.of(dir.resolve(SOCKET_FILE)), 1);
            return "";
        }

        @Override
        public Exchange accept(final IdleStrategy idle) throws IOException
        {
            final SocketChannel channel = server.accept();
            server.close();
            if (tcp)
            {
                channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
            }
            return new SocketExchange(channel, idle);
        }

        @Override
        public Exchange connect(final Path dir, final String info, final IdleStrategy idle) throws IOException
        {
            if (tcp)
            {
                final SocketChannel channel = SocketChannel.open(
                    new InetSocketAddress(InetAddress.getLoopbackAddress(), Integer.parseInt(info)));
                channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
                return new SocketExchange(channel, idle);
            }
            return new SocketExchange(
                SocketChannel.open(UnixDomainSocketAddress.of(dir.resolve(SOCKET_FILE))), idle);
        }
    }
}
