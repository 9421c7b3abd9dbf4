package io.shmipc.tools;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * How {@code shmipc read --as} shows bytes: as consecutive little-endian numbers (the segment layout's byte order,
 * and what {@code SharedMemory.readLong}/{@code readInt} return on every supported platform), or as hex or text.
 */
enum Decoding
{
    /** Signed 32-bit integers. */
    i32(Integer.BYTES),
    /** Signed 64-bit integers. */
    i64(Long.BYTES),
    /** Unsigned 64-bit integers. */
    u64(Long.BYTES),
    /** IEEE 754 doubles. */
    f64(Double.BYTES),
    /** All bytes as hex digits on one line. */
    hex(1),
    /** The bytes up to the first NUL as UTF-8. */
    text(1);

    private final int size;

    Decoding(final int size)
    {
        this.size = size;
    }

    /** @return the bytes per value: 4 or 8 for numbers, 1 for hex and text. */
    int size()
    {
        return size;
    }

    /** @return a problem with decoding {@code length} bytes this way, or {@code null} if there is none. */
    String problem(final int length)
    {
        if (length % size != 0)
        {
            return "length " + length + " is not a multiple of " + size + " bytes, the size of one " + name();
        }
        return null;
    }

    /** @return the lines to print for {@code bytes}: one per number, or one for hex and text. */
    List<String> decode(final byte[] bytes)
    {
        if (this == hex)
        {
            return List.of(Bytes.hex(bytes));
        }
        if (this == text)
        {
            return List.of(Bytes.text(bytes));
        }
        final ByteBuffer buffer = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        final List<String> values = new ArrayList<>(bytes.length / size);
        while (buffer.remaining() >= size)
        {
            switch (this)
            {
                case i32 -> values.add(Integer.toString(buffer.getInt()));
                case i64 -> values.add(Long.toString(buffer.getLong()));
                case u64 -> values.add(Long.toUnsignedString(buffer.getLong()));
                case f64 -> values.add(Double.toString(buffer.getDouble()));
                default -> throw new IllegalStateException("not a number type: " + this);
            }
        }
        return values;
    }
}
