package io.shmipc.bench.latency;

import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;

import java.io.IOException;
import java.nio.file.Path;

/** Two Agrona {@link OneToOneRingBuffer}s, one per direction, in one mapped file. */
public final class RingBufferExchange implements Exchange, MessageHandler
{
    /** File name under the run directory. */
    static final String FILE = "rings.dat";
    private static final int CAPACITY = 64 * 1024;
    private static final int RING_LENGTH = CAPACITY + RingBufferDescriptor.TRAILER_LENGTH;
    private static final int MESSAGE_TYPE = 1;

    private final OneToOneRingBuffer out;
    private final OneToOneRingBuffer in;
    private final IdleStrategy idle;
    private final UnsafeBuffer outgoing = new UnsafeBuffer(new byte[MESSAGE_LENGTH]);
    private final MutableDirectBuffer incoming = new UnsafeBuffer(new byte[MESSAGE_LENGTH]);

    private RingBufferExchange(final UnsafeBuffer file, final boolean pinger, final IdleStrategy idle)
    {
        final OneToOneRingBuffer pingToPong = new OneToOneRingBuffer(new UnsafeBuffer(file, 0, RING_LENGTH));
        final OneToOneRingBuffer pongToPing =
            new OneToOneRingBuffer(new UnsafeBuffer(file, RING_LENGTH, RING_LENGTH));
        this.out = pinger ? pingToPong : pongToPing;
        this.in = pinger ? pongToPing : pingToPong;
        this.idle = idle;
        for (int i = Long.BYTES; i < MESSAGE_LENGTH; i++)
        {
            outgoing.putByte(i, (byte)i);
        }
    }

    /** @return how to set this exchange up between two processes. */
    public static ExchangeKind kind()
    {
        return new ExchangeKind()
        {
            private UnsafeBuffer file;

            @Override
            public String listen(final Path dir) throws IOException
            {
                file = MappedFiles.create(dir.resolve(FILE), 2 * RING_LENGTH);
                return "";
            }

            @Override
            public Exchange accept(final IdleStrategy idle)
            {
                return new RingBufferExchange(file, false, idle);
            }

            @Override
            public Exchange connect(final Path dir, final String info, final IdleStrategy idle) throws IOException
            {
                return new RingBufferExchange(MappedFiles.open(dir.resolve(FILE)), true, idle);
            }
        };
    }

    @Override
    public void send(final long sequence)
    {
        outgoing.putLong(0, sequence);
        idle.reset();
        while (!out.write(MESSAGE_TYPE, outgoing, 0, MESSAGE_LENGTH))
        {
            idle.idle();
        }
    }

    @Override
    public long receive()
    {
        idle.reset();
        while (in.read(this, 1) == 0)
        {
            idle.idle();
        }
        return incoming.getLong(0);
    }

    @Override
    public void onMessage(final int msgTypeId, final MutableDirectBuffer buffer, final int index, final int length)
    {
        buffer.getBytes(index, incoming, 0, length);
    }

    @Override
    public void close()
    {
        // the mapping is released by the garbage collector
    }
}
