package io.shmipc.bench.latency;

import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.UnsafeBuffer;

import java.lang.invoke.VarHandle;

/**
 * Experiments, not an API: what a seqlock round trip costs with each of the two protocol options issue 9 names, alone
 * and together. Per direction a mapped file holds a seqlock word (odd while written) and a 56-byte message whose first
 * 8 bytes carry the sequence; the reader spins on the word, copies the message, and checks the word again, as
 * FORMAT.md 7.2 does. Two choices, one {@link Variant} per combination:
 * <ul>
 *   <li>{@link Placement}: the message on the word's cache line (bytes 8 to 63), or on a line of its own 256 bytes
 *       after the word (beyond the adjacent-line prefetcher), as {@code SharedMemory} places a page's data;</li>
 *   <li>{@link Take}: the writer marks the word odd with a plain store, as a single writer may, or with a
 *       compare-and-swap from the even word it stored last (no load first, as a {@code SharedMemory} take from its
 *       remembered word does), or with a plain store and a full fence plus a load of the word after its release (what
 *       a single writer would add to check for sleepers registered beside the word).</li>
 * </ul>
 * The two directions' words are 1024 bytes apart.
 */
public final class HandSeqlockExchange implements Exchange
{
    /** Bytes of message carried: with the word, one line in all. */
    static final int PAYLOAD = 56;
    private static final int PING_OFFSET = 0;
    private static final int PONG_OFFSET = 1024;
    private static final int FILE_LENGTH = 4096;

    /** Where the message lies relative to the word. */
    public enum Placement
    {
        /** Bytes 8 to 63 of the word's own line. */
        ONE_LINE(Long.BYTES),
        /** A line of its own, 256 bytes after the word. */
        SEPARATE_LINES(256);

        final int dataOffset;

        Placement(final int dataOffset)
        {
            this.dataOffset = dataOffset;
        }
    }

    /** How the writer marks the word odd, and what it does after its release. */
    public enum Take
    {
        /** A plain store of the odd word (one writer, nothing to exclude). */
        PLAIN,
        /** A compare-and-swap from the even word this writer stored last. */
        CAS,
        /** {@link #PLAIN}, then after the release a full fence and a load of the word. */
        PLAIN_THEN_FENCE
    }

    /** The combinations the harness runs. */
    public enum Variant
    {
        /** Word and message on one line, no CAS: the experiment's first form (2026-11). */
        ONE_LINE_PLAIN("one-line", Placement.ONE_LINE, Take.PLAIN),
        /** Word and message on one line, taken by a CAS. */
        ONE_LINE_CAS("one-line-cas", Placement.ONE_LINE, Take.CAS),
        /** Separate lines, no CAS. */
        SEPARATE_PLAIN("two-line", Placement.SEPARATE_LINES, Take.PLAIN),
        /** Separate lines, taken by a CAS: the protocol {@code SharedMemory} follows, by hand. */
        SEPARATE_CAS("two-line-cas", Placement.SEPARATE_LINES, Take.CAS),
        /** Separate lines, no CAS, a full fence and a load after the release. */
        SEPARATE_PLAIN_FENCE("two-line-fence", Placement.SEPARATE_LINES, Take.PLAIN_THEN_FENCE);

        final String id;
        final Placement placement;
        final Take take;

        Variant(final String id, final Placement placement, final Take take)
        {
            this.id = id;
            this.placement = placement;
            this.take = take;
        }

        /** @return the harness's case id. */
        public String id()
        {
            return id;
        }

        /** @return a readable label. */
        public String label()
        {
            return "seqlock by hand: " + PAYLOAD + " B " +
                (placement == Placement.ONE_LINE ? "on the word's line" : "on a line of its own") + ", " +
                (take == Take.CAS ? "CAS take" : take == Take.PLAIN ? "plain take" : "plain take, fence after") +
                " (experiment)";
        }
    }

    private final UnsafeBuffer file;
    private final int sendOffset;
    private final int receiveOffset;
    private final int dataOffset;
    private final Take take;
    private final IdleStrategy idle;
    private final UnsafeBuffer message = new UnsafeBuffer(new byte[PAYLOAD]);
    private final UnsafeBuffer received = new UnsafeBuffer(new byte[PAYLOAD]);
    private long sendWord;
    private long lastReceived;
    /** What the fenced variant loads, kept so that the load is not dead code. */
    private long sink;

    private HandSeqlockExchange(
        final Variant variant, final UnsafeBuffer file, final boolean pinger, final IdleStrategy idle)
    {
        this.file = file;
        this.sendOffset = pinger ? PING_OFFSET : PONG_OFFSET;
        this.receiveOffset = pinger ? PONG_OFFSET : PING_OFFSET;
        this.dataOffset = variant.placement.dataOffset;
        this.take = variant.take;
        this.idle = idle;
    }

    /**
     * @param variant the placement and take.
     * @return how to set this exchange up between two processes.
     */
    public static ExchangeKind kind(final Variant variant)
    {
        return new MappedFileKind(variant.id + ".dat", FILE_LENGTH,
            (file, pinger, idle) -> new HandSeqlockExchange(variant, file, pinger, idle));
    }

    @Override
    public void send(final long sequence)
    {
        message.putLong(0, sequence);
        if (take == Take.CAS)
        {
            // CAS from the word this writer stored last: the peer only reads, so it always succeeds.
            if (!file.compareAndSetLong(sendOffset, sendWord, sendWord + 1))
            {
                throw new IllegalStateException("word at " + sendOffset + " is not " + sendWord);
            }
        }
        else
        {
            // the only writer of this word: the odd word needs no CAS
            file.putLong(sendOffset, sendWord + 1);
            // storeStoreFence: the odd word becomes visible before any byte of the message.
            VarHandle.storeStoreFence();
        }
        file.putBytes(sendOffset + dataOffset, message, 0, PAYLOAD);
        sendWord += 2;
        // release: the message becomes visible before the even word.
        file.putLongRelease(sendOffset, sendWord);
        if (take == Take.PLAIN_THEN_FENCE)
        {
            // fullFence: the even word's store is ordered before the load after it (a store-load, as Dekker's).
            VarHandle.fullFence();
            sink += file.getLong(sendOffset);
        }
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
                file.getBytes(receiveOffset + dataOffset, received, 0, PAYLOAD);
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
