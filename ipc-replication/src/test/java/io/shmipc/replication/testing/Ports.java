package io.shmipc.replication.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;

/** Free UDP ports on the loopback interface, so parallel builds on one machine do not collide. */
public final class Ports
{
    private Ports()
    {
    }

    /** @return a UDP port on 127.0.0.1 that was free a moment ago. */
    public static int freeUdpPort()
    {
        try (DatagramSocket socket = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)))
        {
            return socket.getLocalPort();
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    /** @return {@code aeron:udp?endpoint=127.0.0.1:PORT} on a free port. */
    public static String loopbackChannel()
    {
        return "aeron:udp?endpoint=127.0.0.1:" + freeUdpPort();
    }

    /** The control channel tests use: loopback, a port the system picks. */
    public static final String CONTROL = "aeron:udp?endpoint=127.0.0.1:0";
}
