package io.shmipc.bench.latency;

import io.shmipc.ExclusiveWriter;
import io.shmipc.SharedMemory;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * The exchange through {@link SharedMemory}: the pinger writes page 0 (A) and the ponger page 1 (B), 64 bytes each;
 * each side waits for the other's page to change and reads it under the page's sequence lock, in one of three ways
 * ({@link Receive}).
 */
public final class SharedMemoryExchange implements Exchange
{
    /** Segment name under the run directory. */
    static final String SEGMENT = "shm-exchange";
    private static final int PING_PAGE = 0;
    private static final int PONG_PAGE = 1;
    private static final long NO_WORD = -1L;
    private static final long TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(60);

    private final SharedMemory shm;
    private final int sendOffset;
    private final int receivePage;
    private final int receiveOffset;
    private final Receive receive;
    private final IdleStrategy idle;
    private final byte[] outgoing = new byte[MESSAGE_LENGTH];
    private final byte[] incoming = new byte[MESSAGE_LENGTH];
    private final UnsafeBuffer outgoingView = new UnsafeBuffer(outgoing);
    private final UnsafeBuffer incomingView = new UnsafeBuffer(incoming);
    private long seenVersion;
    private long lastReceived;
    /** The even word the plain writer stored last, or {@link #NO_WORD} before its first write. */
    private long plainWord = NO_WORD;
    private final UnsafeBuffer raw;
    private final int rawData;
    private final ExclusiveWriter exclusive;

    private SharedMemoryExchange(
        final SharedMemory shm, final boolean pinger, final Receive receive, final IdleStrategy idle)
    {
        this.shm = shm;
        final int sendPage = pinger ? PING_PAGE : PONG_PAGE;
        this.sendOffset = sendPage * shm.pageSize();
        this.receivePage = pinger ? PONG_PAGE : PING_PAGE;
        this.receiveOffset = receivePage * shm.pageSize();
        this.receive = receive;
        this.idle = idle;
        this.seenVersion = shm.version(receivePage);
        this.raw = receive == Receive.PLAIN_WRITER ?
            io.shmipc.segment.Attachments.open(shm.path().getParent(), shm.name(), Duration.ofSeconds(5), false)
                .file() : null;
        this.rawData = (int)io.shmipc.layout.SegmentDescriptor.dataOffset(shm.pageCount());
        this.exclusive = receive == Receive.EXCLUSIVE_WRITER ? shm.exclusiveWriter(sendPage, 1) : null;
        for (int i = Long.BYTES; i < MESSAGE_LENGTH; i++)
        {
            outgoing[i] = (byte)i;
        }
    }

    /** How the receiving side waits for the peer's page and reads it. */
    public enum Receive
    {
        /** {@link SharedMemory#awaitChange(int, long, long, IdleStrategy)} with the library's own waiting, then read. */
        AWAIT_CHANGE,
        /** A loop on {@link SharedMemory#version} with the harness's idle strategy, then read. */
        SPIN_ON_VERSION,
        /** awaitChange + read, the sender writing through an {@link ExclusiveWriter} leasing its page. */
        EXCLUSIVE_WRITER,
        /**
         * Experiment: awaitChange + read, the sender writing without CAS: plain stores from the word it stored last, no
         * load first (as a single writer could, if nothing else ever changed its word).
         */
        PLAIN_WRITER
    }

    /**
     * @param receive how the receiving side waits and reads.
     * @return how to set this exchange up between two processes.
     */
    public static ExchangeKind kind(final Receive receive)
    {
        return new ExchangeKind()
        {
            private SharedMemory shm;

            @Override
            public String listen(final Path dir)
            {
                shm = SharedMemory.builder(SEGMENT).directory(dir).pages(2)
                    .leases(receive == Receive.EXCLUSIVE_WRITER).create();
                return "";
            }

            @Override
            public Exchange accept(final IdleStrategy idle)
            {
                return new SharedMemoryExchange(shm, false, receive, idle);
            }

            @Override
            public Exchange connect(final Path dir, final String info, final IdleStrategy idle)
            {
                return new SharedMemoryExchange(
                    SharedMemory.builder(SEGMENT).directory(dir).open(), true, receive, idle);
            }
        };
    }

    @Override
    public void send(final long sequence)
    {
        outgoingView.putLong(0, sequence);
        if (receive == Receive.PLAIN_WRITER)
        {
            final UnsafeBuffer file = raw;
            final int word = io.shmipc.lock.PageLocks.wordOffset(sendOffset / shm.pageSize());
            // the word this side stored last (loaded once): no load before the odd store, as a single writer could
            final long w = plainWord == NO_WORD ? file.getLong(word) : plainWord;
            plainWord = w + 2 * io.shmipc.layout.LockWord.SEQUENCE_ONE;
            file.putLong(word, w + io.shmipc.layout.LockWord.SEQUENCE_ONE);
            java.lang.invoke.VarHandle.releaseFence();
            file.putBytes(rawData + sendOffset, outgoing, 0, MESSAGE_LENGTH);
            file.putLongRelease(word, w + 2 * io.shmipc.layout.LockWord.SEQUENCE_ONE);
            return;
        }
        if (exclusive != null)
        {
            exclusive.write(sendOffset, outgoing, 0, MESSAGE_LENGTH);
            return;
        }
        shm.write(sendOffset, outgoing, 0, MESSAGE_LENGTH);
    }

    @Override
    public long receive()
    {
        final long seen = seenVersion;
        long version;
        switch (receive)
        {
            case AWAIT_CHANGE:
            case EXCLUSIVE_WRITER:
            case PLAIN_WRITER:
                version = shm.awaitChange(receivePage, seen, TIMEOUT_NANOS, null);
                requireMessage(version, seen);
                break;
            default:
                idle.reset();
                while ((version = shm.version(receivePage)) == seen)
                {
                    idle.idle();
                }
        }
        seenVersion = version;
        shm.read(receiveOffset, incoming, 0, MESSAGE_LENGTH);
        final long message = incomingView.getLong(0);
        if (receive == Receive.EXCLUSIVE_WRITER && message == lastReceived)
        {
            // The peer's lease grant advanced the page's version without a message (ExclusiveWriter): wait on.
            return receive();
        }
        lastReceived = message;
        return message;
    }

    private void requireMessage(final long version, final long seen)
    {
        if (version == seen)
        {
            throw new IllegalStateException("no message on page " + receivePage + " within 60 s");
        }
    }

    @Override
    public void close()
    {
        if (exclusive != null)
        {
            exclusive.close();
        }
        shm.close();
    }
}
