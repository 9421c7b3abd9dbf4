package io.shmipc.testing;

import io.shmipc.SharedMemory;

/**
 * A self-checking pattern for torn-read stress tests. A write stamps every 8-byte word {@code i} of a range with
 * {@code value + i * STEP}; a snapshot is consistent exactly when every word minus {@code i * STEP} gives the same
 * value. Any mix of two writes (different values) breaks that at the seam, wherever it falls.
 */
public final class StressPattern
{
    /** An odd constant, so consecutive words differ in every byte lane. */
    public static final long STEP = 0x9E37_79B9_7F4A_7C15L;

    private final int offset;
    private final int words;
    private final byte[] scratch;

    /**
     * @param offset first byte of the range in the segment (a multiple of 8).
     * @param words  number of 8-byte words in the range.
     */
    public StressPattern(final int offset, final int words)
    {
        this.offset = offset;
        this.words = words;
        this.scratch = new byte[words * Long.BYTES];
    }

    /** @return the value for writer {@code writer}'s {@code sequence}-th write: unique across writers. */
    public static long value(final int writer, final long sequence)
    {
        return ((long)writer << 48) | sequence;
    }

    /** @return the writer encoded in a value. */
    public static int writer(final long value)
    {
        return (int)(value >>> 48);
    }

    /** @return the sequence encoded in a value. */
    public static long sequence(final long value)
    {
        return value & 0xFFFF_FFFF_FFFFL;
    }

    /** Writes {@code value} over the whole range in one atomic write. */
    public void write(final SharedMemory shm, final long value)
    {
        for (int i = 0; i < words; i++)
        {
            putLong(scratch, i * Long.BYTES, value + i * STEP);
        }
        shm.write(offset, scratch, 0, scratch.length);
    }

    /**
     * Reads words {@code first..first+count-1} of the range as one snapshot.
     *
     * @return the value all words agree on, or {@code -1} if the snapshot is torn.
     */
    public long read(final SharedMemory shm, final int first, final int count)
    {
        shm.read(offset + first * Long.BYTES, scratch, 0, count * Long.BYTES);
        final long value = getLong(scratch, 0) - first * STEP;
        for (int i = 1; i < count; i++)
        {
            if (getLong(scratch, i * Long.BYTES) - (first + i) * STEP != value)
            {
                return -1;
            }
        }
        return value;
    }

    /** @return the number of words in the range. */
    public int words()
    {
        return words;
    }

    private static void putLong(final byte[] array, final int index, final long value)
    {
        for (int b = 0; b < Long.BYTES; b++)
        {
            array[index + b] = (byte)(value >>> (8 * b));
        }
    }

    private static long getLong(final byte[] array, final int index)
    {
        long value = 0;
        for (int b = Long.BYTES - 1; b >= 0; b--)
        {
            value = (value << 8) | (array[index + b] & 0xFF);
        }
        return value;
    }
}
