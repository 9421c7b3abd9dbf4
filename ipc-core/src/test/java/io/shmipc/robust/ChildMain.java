package io.shmipc.robust;

import io.shmipc.SharedMemory;
import io.shmipc.TornPageException;

import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;

/**
 * The other process in the robustness tests: {@code main(mode, directory, name, ...)}. Every mode prints what it
 * saw on standard output, which the test reads.
 */
public final class ChildMain
{
    /** Printed by {@code hammer} once its first write has started. */
    static final String WRITING = "WRITING";
    /** Printed by {@code write} after its write returned. */
    static final String WROTE = "WROTE";

    private ChildMain()
    {
    }

    public static void main(final String[] args) throws Exception
    {
        final String mode = args[0];
        final Path directory = Path.of(args[1]);
        final String name = args[2];
        switch (mode)
        {
            case "write" -> write(directory, name, Integer.parseInt(args[3]), Byte.parseByte(args[4]));
            case "hammer" -> hammer(directory, name);
            case "probe" -> probe(directory, name, Integer.parseInt(args[3]));
            case "read-truncated" -> readTruncated(directory, name, args[3]);
            case "check-visibility" -> checkVisibility(directory, name);
            default -> throw new IllegalArgumentException("unknown mode " + mode);
        }
    }

    /** Writes {@code length} bytes of {@code value} at offset 0 (pausing inside if the test hook is on). */
    private static void write(final Path directory, final String name, final int length, final byte value)
    {
        try (SharedMemory shm = SharedMemory.builder(name).directory(directory).open())
        {
            System.out.println("SLOT " + shm.ownerSlot());
            final byte[] bytes = new byte[length];
            Arrays.fill(bytes, value);
            shm.write(0, bytes);
            System.out.println(WROTE);
        }
    }

    /** Writes the whole segment over and over, alternating two patterns, until killed. */
    private static void hammer(final Path directory, final String name)
    {
        try (SharedMemory shm = SharedMemory.builder(name).directory(directory).open())
        {
            final byte[] a = new byte[shm.capacity()];
            final byte[] b = new byte[shm.capacity()];
            Arrays.fill(a, (byte)0x11);
            Arrays.fill(b, (byte)0x22);
            System.out.println(WRITING);
            System.out.flush();
            for (long i = 0; ; i++)
            {
                shm.write(0, (i & 1) == 0 ? a : b);
            }
        }
    }

    /**
     * Tries the record lock of owner slot {@code slot} as any program following docs/FORMAT.md would, through a
     * channel of its own, and prints {@code ALIVE} (someone holds it) or {@code DEAD}.
     */
    private static void probe(final Path directory, final String name, final int slot) throws Exception
    {
        try (FileChannel channel = FileChannel.open(directory.resolve(name), StandardOpenOption.READ,
            StandardOpenOption.WRITE))
        {
            final FileLock lock = channel.tryLock((1L << 62) + slot, 1, false);
            System.out.println(lock == null ? "ALIVE" : "DEAD");
        }
    }

    /**
     * Reads segment {@code name} in a loop while the test truncates its file, and reports how the fault surfaced;
     * then shows that segment {@code other} still works.
     */
    private static void readTruncated(final Path directory, final String name, final String other)
    {
        final SharedMemory victim = SharedMemory.builder(name).directory(directory).open();
        final SharedMemory survivor = SharedMemory.builder(other).directory(directory).open();
        final byte[] page = new byte[victim.pageSize()];
        long sum = 0;
        System.out.println("READY");
        System.out.flush();
        final long deadline = System.nanoTime() + 30_000_000_000L;
        try
        {
            while (System.nanoTime() < deadline)
            {
                for (int p = 0; p < victim.pageCount(); p++)
                {
                    victim.read(p * victim.pageSize(), page);
                    sum += page[p & 63];
                    victim.writeLong(p * victim.pageSize(), sum);
                }
            }
            System.out.println("NO-FAULT " + sum);
        }
        catch (final Throwable t)
        {
            System.out.println("CAUGHT " + t.getClass().getName() + ": " + t.getMessage());
        }
        survivor.writeLong(0, 1234L);
        System.out.println(survivor.readLong(0) == 1234L ? "OTHER-OK" : "OTHER-BROKEN");
        System.out.flush();
    }

    /**
     * Until the marker at page 1 reaches {@code last}: reads the marker, then the value at page 0; the value's
     * write returned before the marker's began, so a read of it that starts after the marker was seen must see it.
     */
    /**
     * Reader side of the visibility test: page 1 holds a marker written after the value on page 0 was written, so a
     * value older than the marker read before it is a lost write. Reports its progress on page 2 (offset 0) so the
     * writer keeps going until the two have overlapped enough, and stops when the writer sets page 2's offset 8.
     */
    private static void checkVisibility(final Path directory, final String name)
    {
        try (SharedMemory shm = SharedMemory.builder(name).directory(directory).open())
        {
            System.out.println("READY");
            System.out.flush();
            final int progress = 2 * shm.pageSize();
            long checks = 0;
            long violations = 0;
            long marker = 0;
            final long deadline = System.nanoTime() + 60_000_000_000L;
            while (System.nanoTime() < deadline)
            {
                final boolean stop = shm.readLong(progress + 8) != 0;
                marker = shm.readLong(shm.pageSize());
                final long value = shm.readLong(0);
                checks++;
                if (value < marker)
                {
                    violations++;
                    System.out.println("STALE value " + value + " after marker " + marker);
                }
                if ((checks & 0xFF) == 0)
                {
                    shm.writeLong(progress, checks);
                }
                if (stop)
                {
                    break;
                }
            }
            System.out.println("RESULT checks=" + checks + " violations=" + violations + " marker=" + marker);
        }
        catch (final TornPageException ex)
        {
            System.out.println("TORN " + ex.getMessage());
        }
    }
}
