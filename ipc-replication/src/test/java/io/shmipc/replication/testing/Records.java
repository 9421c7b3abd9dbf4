package io.shmipc.replication.testing;

import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * The test segments' content: records of {@value #RECORD_BYTES} bytes laid end to end, so most span three or four
 * 4 KiB pages, each written whole in one write. A record holds its generation (which source segment wrote it), its
 * id, its sequence (how many times it was written) and filler derived from those, ending in a checksum of all of it:
 * a record made of two writes fails {@link #check}.
 * <pre>
 *   0 generation (long) | 8 id (long) | 16 seq (long) | 24.. filler | RECORD_BYTES - 8: checksum (long)
 * </pre>
 * An all-zero record is a record never written (generation 0).
 */
public final class Records
{
    public static final int RECORD_BYTES = 10_000;
    private static final int GENERATION = 0;
    private static final int ID = 8;
    private static final int SEQ = 16;
    private static final int FILLER = 24;
    private static final int CHECKSUM = RECORD_BYTES - 8;

    private Records()
    {
    }

    /** @return how many records fit in {@code capacity} bytes. */
    public static int count(final int capacity)
    {
        return capacity / RECORD_BYTES;
    }

    public static int offset(final int id)
    {
        return id * RECORD_BYTES;
    }

    /** Encodes record {@code id} at {@code offset} of {@code buffer}. */
    public static void encode(final MutableDirectBuffer buffer, final int offset, final long generation, final int id,
        final long seq)
    {
        buffer.putLong(offset + GENERATION, generation);
        buffer.putLong(offset + ID, id);
        buffer.putLong(offset + SEQ, seq);
        long h = seed(generation, id, seq);
        for (int i = FILLER; i < CHECKSUM; i += 8)
        {
            h = mix(h + i);
            buffer.putLong(offset + i, h);
        }
        buffer.putLong(offset + CHECKSUM, checksum(buffer, offset));
    }

    /**
     * @return the record's generation (0 if never written) after checking it is one whole write of record {@code id}
     * @throws AssertionError describing the damage otherwise.
     */
    public static long check(final UnsafeBuffer buffer, final int offset, final int id)
    {
        final long generation = buffer.getLong(offset + GENERATION);
        if (generation == 0 && buffer.getLong(offset + CHECKSUM) == 0 && buffer.getLong(offset + SEQ) == 0)
        {
            return 0;
        }
        if (buffer.getLong(offset + ID) != id)
        {
            throw new AssertionError("record " + id + " holds id " + buffer.getLong(offset + ID));
        }
        if (buffer.getLong(offset + CHECKSUM) != checksum(buffer, offset))
        {
            throw new AssertionError("record " + id + " (generation " + generation + ", seq " + seq(buffer, offset) +
                ") is torn: its checksum does not match its bytes");
        }
        return generation;
    }

    public static long seq(final UnsafeBuffer buffer, final int offset)
    {
        return buffer.getLong(offset + SEQ);
    }

    private static long checksum(final org.agrona.DirectBuffer buffer, final int offset)
    {
        long h = 0x9E37_79B9_7F4A_7C15L;
        for (int i = 0; i < CHECKSUM; i += 8)
        {
            h = mix(h ^ buffer.getLong(offset + i));
        }
        return h;
    }

    private static long seed(final long generation, final int id, final long seq)
    {
        return mix(mix(mix(generation) ^ id) ^ seq);
    }

    private static long mix(final long x)
    {
        long z = x * 0xBF58_476D_1CE4_E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D0_49BB_1331_11EBL;
        return z ^ (z >>> 31);
    }
}
