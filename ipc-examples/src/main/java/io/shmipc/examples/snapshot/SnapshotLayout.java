package io.shmipc.examples.snapshot;

import org.agrona.MutableDirectBuffer;

/**
 * Layout of the snapshot demo's segment: a control block at offset 0, then {@code recordCount} records of
 * {@value #RECORD_LENGTH} bytes from {@value #RECORDS_OFFSET}. Records straddle page boundaries on purpose: a read or
 * write of one spans two pages and is still atomic.
 * <pre>
 *   control (offset 0):  magic (8) | record count (4) | record length (4) | epoch (8)
 *   record i:            id (4) | epoch (4) | seq (8) | price (8, double) | size (8) | time (8, epoch ns) | check (8)
 * </pre>
 * The epoch counts publishers: each new publisher of the same segment takes the next one. {@code seq} counts the
 * updates of one publisher. {@code check} mixes every other field, so a record made of two different writes fails
 * {@link #isConsistent}.
 */
final class SnapshotLayout
{
    static final long MAGIC = 0x534E_4150_5348_4F54L; // "SNAPSHOT"
    static final int MAGIC_OFFSET = 0;
    static final int RECORD_COUNT_OFFSET = 8;
    static final int RECORD_LENGTH_OFFSET = 12;
    static final int EPOCH_OFFSET = 16;
    static final int RECORDS_OFFSET = 64;

    static final int RECORD_LENGTH = 48;
    static final int ID = 0;
    static final int EPOCH = 4;
    static final int SEQ = 8;
    static final int PRICE = 16;
    static final int SIZE = 24;
    static final int TIME = 32;
    static final int CHECK = 40;

    private SnapshotLayout()
    {
    }

    /** @return the data offset of record {@code id}. */
    static int recordOffset(final int id)
    {
        return RECORDS_OFFSET + id * RECORD_LENGTH;
    }

    /** @return bytes of data needed for {@code records} records. */
    static int bytesFor(final int records)
    {
        return RECORDS_OFFSET + records * RECORD_LENGTH;
    }

    /** Encodes a record into {@code buffer} at {@code offset}, with its check value. */
    static void encode(
        final MutableDirectBuffer buffer,
        final int offset,
        final int id,
        final int epoch,
        final long seq,
        final double price,
        final long size,
        final long timeNanos)
    {
        buffer.putInt(offset + ID, id);
        buffer.putInt(offset + EPOCH, epoch);
        buffer.putLong(offset + SEQ, seq);
        buffer.putDouble(offset + PRICE, price);
        buffer.putLong(offset + SIZE, size);
        buffer.putLong(offset + TIME, timeNanos);
        buffer.putLong(offset + CHECK, check(id, epoch, seq, Double.doubleToRawLongBits(price), size, timeNanos));
    }

    /** @return whether the record at {@code offset} is one publisher's whole write of record {@code id}. */
    static boolean isConsistent(final MutableDirectBuffer buffer, final int offset, final int id)
    {
        return buffer.getInt(offset + ID) == id && buffer.getLong(offset + CHECK) == check(
            buffer.getInt(offset + ID), buffer.getInt(offset + EPOCH), buffer.getLong(offset + SEQ),
            buffer.getLong(offset + PRICE), buffer.getLong(offset + SIZE), buffer.getLong(offset + TIME));
    }

    private static long check(
        final int id, final int epoch, final long seq, final long priceBits, final long size, final long time)
    {
        long h = 0x9E37_79B9_7F4A_7C15L;
        h = mix(h ^ id);
        h = mix(h ^ epoch);
        h = mix(h ^ seq);
        h = mix(h ^ priceBits);
        h = mix(h ^ size);
        return mix(h ^ time);
    }

    private static long mix(final long x)
    {
        // splitmix64's finaliser: every input bit affects every output bit.
        long z = x * 0xBF58_476D_1CE4_E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D0_49BB_1331_11EBL;
        return z ^ (z >>> 31);
    }
}
