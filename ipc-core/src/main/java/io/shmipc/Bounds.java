package io.shmipc;

import java.nio.ByteBuffer;
import java.nio.ReadOnlyBufferException;

/** Argument checks of {@link SharedMemory}: each failure names the bad value and the limit it breaks. */
final class Bounds
{
    private Bounds()
    {
    }

    /** Checks that {@code [offset, offset + length)} lies within a segment of {@code capacity} bytes. */
    static void checkRange(final int offset, final int length, final int capacity)
    {
        if (offset < 0 || length < 0 || (long)offset + length > capacity)
        {
            throw new IndexOutOfBoundsException(rangeMessage("offset", offset, length, "segment capacity", capacity));
        }
    }

    /** Checks that {@code [index, index + length)} lies within a source or destination of {@code capacity} bytes. */
    static void checkSide(final String what, final int index, final int length, final long capacity)
    {
        if (index < 0 || (long)index + length > capacity)
        {
            throw new IndexOutOfBoundsException(rangeMessage(what + " offset", index, length, what + " length",
                capacity));
        }
    }

    static void checkWritable(final ByteBuffer dst)
    {
        if (dst.isReadOnly())
        {
            throw new ReadOnlyBufferException();
        }
    }

    static void checkPage(final int page, final int pageCount)
    {
        if (page < 0 || page >= pageCount)
        {
            throw new IndexOutOfBoundsException("page " + page + " is outside 0.." + (pageCount - 1));
        }
    }

    private static String rangeMessage(
        final String offsetName, final int offset, final int length, final String limitName, final long limit)
    {
        if (offset < 0)
        {
            return offsetName + " " + offset + " is negative";
        }
        if (length < 0)
        {
            return "length " + length + " is negative";
        }
        return offsetName + " " + offset + " + length " + length + " = " + ((long)offset + length) + " exceeds " +
            limitName + " " + limit;
    }
}
