package io.shmipc.bench.latency;

import org.HdrHistogram.Histogram;

import java.nio.ByteBuffer;
import java.util.Base64;
import java.util.concurrent.TimeUnit;
import java.util.zip.DataFormatException;

/** The harness's latency histograms (nanoseconds, 3 significant digits) and their text form between processes. */
public final class Histograms
{
    /** Largest latency recorded exactly; longer ones are recorded as this. */
    public static final long HIGHEST_NANOS = TimeUnit.SECONDS.toNanos(10);

    private Histograms()
    {
    }

    /** @return an empty histogram of nanoseconds up to {@link #HIGHEST_NANOS}. */
    public static Histogram create()
    {
        return new Histogram(HIGHEST_NANOS, 3);
    }

    /** @return {@code histogram} compressed and Base64-encoded, one token with no spaces. */
    public static String encode(final Histogram histogram)
    {
        final ByteBuffer buffer = ByteBuffer.allocate(histogram.getNeededByteBufferCapacity());
        final int length = histogram.encodeIntoCompressedByteBuffer(buffer);
        final byte[] bytes = new byte[length];
        buffer.flip();
        buffer.get(bytes);
        return Base64.getEncoder().encodeToString(bytes);
    }

    /** @return the histogram {@link #encode} produced {@code text} from. */
    public static Histogram decode(final String text)
    {
        try
        {
            return Histogram.decodeFromCompressedByteBuffer(
                ByteBuffer.wrap(Base64.getDecoder().decode(text)), HIGHEST_NANOS);
        }
        catch (final DataFormatException ex)
        {
            throw new IllegalArgumentException("not an encoded histogram: " + ex.getMessage(), ex);
        }
    }
}
