package io.shmipc.segment;

import java.nio.charset.StandardCharsets;

/**
 * Rules for segment names: a single file name in the segment directory, the same string C's
 * {@code shm_open("/name")} and Python's {@code SharedMemory("name")} use.
 */
public final class SegmentNames
{
    /** Longest name in UTF-8 bytes ({@code NAME_MAX} on Linux). */
    public static final int MAX_NAME_BYTES = 255;

    private SegmentNames()
    {
    }

    /**
     * @return {@code name} if it is a valid segment name.
     * @throws IllegalArgumentException naming the bad value and the rule it breaks.
     */
    public static String validate(final String name)
    {
        if (name == null)
        {
            throw new IllegalArgumentException("segment name is null");
        }
        if (name.isEmpty())
        {
            throw new IllegalArgumentException("segment name is empty");
        }
        if (name.equals(".") || name.equals(".."))
        {
            throw new IllegalArgumentException("segment name '" + name + "' is not allowed");
        }
        if (name.indexOf('/') >= 0)
        {
            throw new IllegalArgumentException("segment name '" + name + "' contains '/'; a name is one file name");
        }
        if (name.indexOf('\0') >= 0)
        {
            throw new IllegalArgumentException("segment name '" + name.replace('\0', '?') + "' contains a NUL");
        }
        final int bytes = name.getBytes(StandardCharsets.UTF_8).length;
        if (bytes > MAX_NAME_BYTES)
        {
            throw new IllegalArgumentException("segment name is " + bytes + " bytes long in UTF-8; the limit is " +
                MAX_NAME_BYTES + " (name starts '" + name.substring(0, 16) + "...')");
        }
        return name;
    }
}
