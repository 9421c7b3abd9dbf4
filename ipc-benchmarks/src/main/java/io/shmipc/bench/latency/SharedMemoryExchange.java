package io.shmipc.bench.latency;

import io.shmipc.SharedMemory;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * The exchange through {@link SharedMemory}: the pinger writes page 0 (A) and the ponger page 1 (B), 64 bytes each;
 * each side waits for the other's page to change ({@link SharedMemory#awaitChange}, or a plain loop on
 * {@link SharedMemory#version} in the {@code spin} variant) and then reads it under the page's sequence lock.
 */
public final class SharedMemoryExchange implements Exchange
{
    /** Segment name under the run directory. */
    static final String SEGMENT = "shm-exchange";
    private static final int PING_PAGE = 0;
    private static final int PONG_PAGE = 1;
    private static final long TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(60);

    private final SharedMemory shm;
    private final int sendOffset;
    private final int receivePage;
    private final int receiveOffset;
    private final boolean useAwaitChange;
    private final IdleStrategy idle;
    private final byte[] outgoing = new byte[MESSAGE_LENGTH];
    private final byte[] incoming = new byte[MESSAGE_LENGTH];
    private final UnsafeBuffer outgoingView = new UnsafeBuffer(outgoing);
    private final UnsafeBuffer incomingView = new UnsafeBuffer(incoming);
    private long seenVersion;

    private SharedMemoryExchange(
        final SharedMemory shm, final boolean pinger, final boolean useAwaitChange, final IdleStrategy idle)
    {
        this.shm = shm;
        final int sendPage = pinger ? PING_PAGE : PONG_PAGE;
        this.sendOffset = sendPage * shm.pageSize();
        this.receivePage = pinger ? PONG_PAGE : PING_PAGE;
        this.receiveOffset = receivePage * shm.pageSize();
        this.useAwaitChange = useAwaitChange;
        this.idle = idle;
        this.seenVersion = shm.version(receivePage);
        for (int i = Long.BYTES; i < MESSAGE_LENGTH; i++)
        {
            outgoing[i] = (byte)i;
        }
    }

    /**
     * @param useAwaitChange {@code true} to wait with {@link SharedMemory#awaitChange}, {@code false} to spin on
     *                       {@link SharedMemory#version}.
     * @return how to set this exchange up between two processes.
     */
    public static ExchangeKind kind(final boolean useAwaitChange)
    {
        return new ExchangeKind()
        {
            private SharedMemory shm;

            @Override
            public String listen(final Path dir)
            {
                shm = SharedMemory.builder(SEGMENT).directory(dir).pages(2).create();
                return "";
            }

            @Override
            public Exchange accept(final IdleStrategy idle)
            {
                return new SharedMemoryExchange(shm, false, useAwaitChange, idle);
            }

            @Override
            public Exchange connect(final Path dir, final String info, final IdleStrategy idle)
            {
                return new SharedMemoryExchange(
                    SharedMemory.builder(SEGMENT).directory(dir).open(), true, useAwaitChange, idle);
            }
        };
    }

    @Override
    public void send(final long sequence)
    {
        outgoingView.putLong(0, sequence);
        shm.write(sendOffset, outgoing, 0, MESSAGE_LENGTH);
    }

    @Override
    public long receive()
    {
        final long seen = seenVersion;
        long version;
        if (useAwaitChange)
        {
            version = shm.awaitChange(receivePage, seen, TIMEOUT_NANOS, idle);
            if (version == seen)
            {
                throw new IllegalStateException("no message on page " + receivePage + " within 60 s");
            }
        }
        else
        {
            idle.reset();
            while ((version = shm.version(receivePage)) == seen)
            {
                idle.idle();
            }
        }
        seenVersion = version;
        shm.read(receiveOffset, incoming, 0, MESSAGE_LENGTH);
        return incomingView.getLong(0);
    }

    @Override
    public void close()
    {
        shm.close();
    }
}
