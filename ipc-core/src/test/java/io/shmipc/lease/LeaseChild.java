package io.shmipc.lease;

import io.shmipc.ExclusiveWriter;
import io.shmipc.PageLeasedException;
import io.shmipc.SharedMemory;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;

/**
 * The other process of {@link ExclusiveWriterTest}: {@code main(mode, directory, name, ...)}, printing what happened.
 * <ul>
 *   <li>{@code lease first count}: leases the pages, prints {@code LEASED <slot>}, then writes them until killed;</li>
 *   <li>{@code write offset length value}: writes once, prints {@code WROTE} or {@code REFUSED <page> <slot>
 *   <message>};</li>
 *   <li>{@code try-lease first count}: prints {@code LEASED <slot>} (and gives it back) or {@code REFUSED ...}.</li>
 * </ul>
 */
public final class LeaseChild
{
    static final String LEASED = "LEASED";
    static final String WROTE = "WROTE";
    static final String REFUSED = "REFUSED";

    private LeaseChild()
    {
    }

    public static void main(final String[] args) throws Exception
    {
        final Path directory = Path.of(args[1]);
        try (SharedMemory shm = SharedMemory.builder(args[2]).directory(directory).open())
        {
            switch (args[0])
            {
                case "lease" -> leaseAndWrite(shm, Integer.parseInt(args[3]), Integer.parseInt(args[4]));
                case "write" -> write(shm, Integer.parseInt(args[3]), Integer.parseInt(args[4]),
                    Byte.parseByte(args[5]));
                case "try-lease" -> tryLease(shm, Integer.parseInt(args[3]), Integer.parseInt(args[4]));
                default -> throw new IllegalArgumentException("unknown mode " + args[0]);
            }
        }
    }

    private static void leaseAndWrite(final SharedMemory shm, final int first, final int count) throws Exception
    {
        final ExclusiveWriter writer = shm.exclusiveWriter(first, count);
        System.out.println(LEASED + " " + shm.ownerSlot());
        System.out.flush();
        final byte[] bytes = new byte[shm.pageSize()];
        for (long i = 0; ; i++)
        {
            Arrays.fill(bytes, (byte)i);
            writer.write(first * shm.pageSize(), bytes);
            if ((i & 0xFFFF) == 0)
            {
                TimeUnit.MILLISECONDS.sleep(1);
            }
        }
    }

    private static void write(final SharedMemory shm, final int offset, final int length, final byte value)
    {
        final byte[] bytes = new byte[length];
        Arrays.fill(bytes, value);
        try
        {
            shm.write(offset, bytes);
            System.out.println(WROTE);
        }
        catch (final PageLeasedException refused)
        {
            System.out.println(REFUSED + " " + refused.page() + " " + refused.holderSlot() + " " +
                refused.getMessage());
        }
    }

    private static void tryLease(final SharedMemory shm, final int first, final int count)
    {
        try (ExclusiveWriter writer = shm.exclusiveWriter(first, count))
        {
            System.out.println(LEASED + " " + shm.ownerSlot() + " " + writer.pageCount());
        }
        catch (final PageLeasedException refused)
        {
            System.out.println(REFUSED + " " + refused.page() + " " + refused.holderSlot() + " " +
                refused.getMessage());
        }
    }
}
