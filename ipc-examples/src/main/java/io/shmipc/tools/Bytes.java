package io.shmipc.tools;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;

/** Renderings of segment bytes for people and scripts: hex, a hexdump, printable text. */
final class Bytes
{
    private static final HexFormat HEX = HexFormat.of();
    private static final int DUMP_WIDTH = 16;

    private Bytes()
    {
    }

    /** @return the bytes as lowercase hex digits, two per byte, without separators. */
    static String hex(final byte[] bytes)
    {
        return HEX.formatHex(bytes);
    }

    /**
     * @return the bytes of {@code hex} (two digits per byte; spaces, colons and a {@code 0x} prefix are ignored).
     * @throws IllegalArgumentException naming the bad input.
     */
    static byte[] parseHex(final String hex)
    {
        String digits = hex.strip();
        if (digits.startsWith("0x") || digits.startsWith("0X"))
        {
            digits = digits.substring(2);
        }
        digits = digits.replace(" ", "").replace(":", "");
        if (digits.length() % 2 != 0)
        {
            throw new IllegalArgumentException("hex '" + hex + "' has an odd number of digits (" + digits.length() +
                "); give two per byte");
        }
        try
        {
            return HEX.parseHex(digits);
        }
        catch (final IllegalArgumentException ex)
        {
            throw new IllegalArgumentException("hex '" + hex + "' is not hexadecimal: " + ex.getMessage(), ex);
        }
    }

    /** @return the bytes up to the first NUL, decoded as UTF-8 (C-string style). */
    static String text(final byte[] bytes)
    {
        int end = 0;
        while (end < bytes.length && bytes[end] != 0)
        {
            end++;
        }
        return new String(bytes, 0, end, StandardCharsets.UTF_8);
    }

    /** @return the bytes with every non-printable ASCII byte shown as '.', as in the right column of a hexdump. */
    static String printable(final byte[] bytes)
    {
        final StringBuilder sb = new StringBuilder(bytes.length);
        for (final byte b : bytes)
        {
            sb.append(b >= 0x20 && b < 0x7F ? (char)b : '.');
        }
        return sb.toString();
    }

    /** @return a {@code hexdump -C} style dump, offsets counted from {@code baseOffset}, one line per 16 bytes. */
    static String dump(final byte[] bytes, final long baseOffset)
    {
        final StringBuilder sb = new StringBuilder();
        for (int line = 0; line < bytes.length; line += DUMP_WIDTH)
        {
            final int end = Math.min(bytes.length, line + DUMP_WIDTH);
            sb.append(String.format("%08x ", baseOffset + line));
            for (int i = line; i < line + DUMP_WIDTH; i++)
            {
                if (i == line + DUMP_WIDTH / 2)
                {
                    sb.append(' ');
                }
                sb.append(i < end ? String.format(" %02x", bytes[i] & 0xFF) : "   ");
            }
            final byte[] chunk = new byte[end - line];
            System.arraycopy(bytes, line, chunk, 0, chunk.length);
            sb.append("  |").append(printable(chunk)).append("|\n");
        }
        return sb.toString();
    }
}
