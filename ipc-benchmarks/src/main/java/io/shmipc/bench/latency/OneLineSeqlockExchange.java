package io.shmipc.bench.latency;

import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.UnsafeBuffer;

import java.lang.invoke.VarHandle;

/**
 * An experiment, not an API: what the round trip would cost if a page's lock word and a small message shared one
 * cache line and its single writer took it without a compare-and-swap (the two protocol options issue 9 measured
 * one at a time). Per direction one 64-byte line of a mapped file: a seqlock word at 0 (odd while written) and 56
 * bytes of message after it, the sequence in the first 8. The writer stores the odd word, the message and the next
 * even word with plain and release stores; the reader spins on the word, copies the message, and checks the word
 * again, as FORMAT.md 7.2 does. Lines 256 bytes apart, beyond the adjacent-line prefetcher.
 */
public final class OneLineSeqlockExchange implements Exchange
{
    /** File name under the run directory. */
    static final String FILE = "one-line.dat";
    /** Bytes of message carried after the word: one line in all. */
    static final int PAYLOAD = 56;
    private static final int PING_OFFSET = 0;
    private static final int PONG_OFFSET = 256;
    private static final int FILE_LENGTH = 4096;

    private final UnsafeBuffer file;
    private final int sendOffset;
    private final int receiveOffset;
    private final IdleStrategy idle;
    private final UnsafeBuffer message = new UnsafeBuffer(new byte[PAYLOAD]);
    private final UnsafeBuffer received = new UnsafeBuffer(new byte[PAYLOAD]);
    private long sendWord;
    private long lastReceived;

    private OneLineSeqlockExchange(final UnsafeBuffer file, final boolean pinger, final IdleStrategy idle)
    {
        this.file = file;
        this.sendOffset = pinger ? PING_OFFSET : PONG_OFFSET;
        this.receiveOffset = pinger ? PONG_OFFSET : PING_OFFSET;
        this.idle = idle;
    }

    /** @return how to set this exchange up between two processes. */
    public static ExchangeKind kind()
    {
        return new MappedFileKind(FILE, FILE_LENGTH, OneLineSeqlockExchange::new);
    }

    @Override
    public void send(final long sequence)
    {
        message.putLong(0, sequence);
        // the only writer of this line: the odd word needs no CAS
        file.putLong(sendOffset, sendWord + 1);
        // storeStoreFence: the odd word becomes visible before any byte of the message.
        VarHandle.storeStoreFence();
        file.putBytes(sendOffset + 8, message, 0, PAYLOAD);
        sendWord += 2;
        // release: the message becomes visible before the even word.
        file.putLongRelease(sendOffset, sendWord);
    }

    @Override
    public long receive()
    {
        idle.reset();
        while (true)
        {
            // acquire: the copy cannot be performed before this load.
            final long word = file.getLongAcquire(receiveOffset);
            if ((word & 1) == 0 && word != lastReceived)
            {
                file.getBytes(receiveOffset + 8, received, 0, PAYLOAD);
                // acquireFence: the copy's loads complete before the word is loaded again.
                VarHandle.acquireFence();
                if (file.getLong(receiveOffset) == word)
                {
                    lastReceived = word;
                    return received.getLong(0);
                }
            }
            idle.idle();
        }
    }

    @Override
    public void close()
    {
        // the mapping is released by the garbage collector
    }
}
