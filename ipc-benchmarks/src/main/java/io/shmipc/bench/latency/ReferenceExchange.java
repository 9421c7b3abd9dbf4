package io.shmipc.bench.latency;

import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.UnsafeBuffer;


/**
 * The floor under any shared-memory exchange: one {@code long} per direction, each alone on its own cache line (128
 * bytes apart, beyond the adjacent-line prefetcher) of a mapped file, written with a release store and polled with a
 * volatile load. It carries only the sequence, not a 64-byte message.
 */
public final class ReferenceExchange implements Exchange
{
    /** File name under the run directory. */
    static final String FILE = "reference.dat";
    private static final int PING_OFFSET = 0;
    private static final int PONG_OFFSET = 128;
    private static final int FILE_LENGTH = 4096;

    private final UnsafeBuffer file;
    private final int sendOffset;
    private final int receiveOffset;
    private final IdleStrategy idle;
    private long lastReceived;

    private ReferenceExchange(final UnsafeBuffer file, final boolean pinger, final IdleStrategy idle)
    {
        this.file = file;
        this.sendOffset = pinger ? PING_OFFSET : PONG_OFFSET;
        this.receiveOffset = pinger ? PONG_OFFSET : PING_OFFSET;
        this.idle = idle;
    }

    /** @return how to set this exchange up between two processes. */
    public static ExchangeKind kind()
    {
        return new MappedFileKind(FILE, FILE_LENGTH, ReferenceExchange::new);
    }

    @Override
    public void send(final long sequence)
    {
        // release: everything before it is visible to the peer once it sees the new sequence.
        file.putLongRelease(sendOffset, sequence);
    }

    @Override
    public long receive()
    {
        long value;
        idle.reset();
        while ((value = file.getLongVolatile(receiveOffset)) == lastReceived)
        {
            idle.idle();
        }
        lastReceived = value;
        return value;
    }

    @Override
    public void close()
    {
        // the mapping is released by the garbage collector
    }
}
