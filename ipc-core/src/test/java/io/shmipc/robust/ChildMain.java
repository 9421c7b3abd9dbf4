package io.shmipc.robust;

import io.shmipc.SharedMemory;
import io.shmipc.SharedMemoryBuilder;
import io.shmipc.SharedMemoryException;
import io.shmipc.segment.SegmentSecurity;
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
    /** The library's test hook (package-private io.shmipc.lock.TestHooks): each write pauses this long, in ms. */
    static final String PAUSE_PROPERTY = "shmipc.test.pauseInWriteMillis";
    /** What a write prints when it starts its pause. */
    static final String PAUSED_MARKER = "SHMIPC-PAUSED-IN-WRITE";

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
            case "write" -> write(directory, name, Integer.parseInt(args[3]), Byte.parseByte(args[4]),
                args.length > 5 ? Integer.parseInt(args[5]) : 0);
            case "hammer" -> hammer(directory, name);
            case "probe" -> probe(directory, name, Integer.parseInt(args[3]));
            case "read-truncated" -> readTruncated(directory, name, args[3]);
            case "check-visibility" -> checkVisibility(directory, name);
            case "create" -> create(directory, name, Long.parseLong(args[3]));
            case "open" -> open(directory, name, args.length > 3 && args[3].equals("allow-foreign"), false);
            case "open-or-create" -> open(directory, name, false, true);
            case "churn" -> churn(directory, name, Integer.parseInt(args[3]));
            case "exhaust" -> exhaust(directory, name);
            case "overflow" -> overflow(directory, name);
            default -> throw new IllegalArgumentException("unknown mode " + mode);
        }
    }

    /** Creates a one-page segment holding {@code value} at offset 0, and exits (the segment stays). */
    private static void create(final Path directory, final String name, final long value)
    {
        try (SharedMemory shm = SharedMemory.builder(name).directory(directory).pages(1).create())
        {
            shm.writeLong(0, value);
            System.out.println("CREATED by uid " + SegmentSecurity.effectiveUid());
        }
    }

    /** Opens (or opens or creates) a one-page segment and prints {@code READ value}, or {@code REFUSED ...}. */
    private static void open(final Path directory, final String name, final boolean allowForeign,
        final boolean orCreate)
    {
        final SharedMemoryBuilder builder = SharedMemory.builder(name).directory(directory)
            .allowForeignOwner(allowForeign);
        try (SharedMemory shm = orCreate ? builder.pages(1).openOrCreate() : builder.open())
        {
            System.out.println("READ " + shm.readLong(0));
        }
        catch (final SharedMemoryException ex)
        {
            System.out.println("REFUSED " + ex.getClass().getSimpleName() + ": " + ex.getMessage());
        }
    }

    /**
     * Opens and closes the segment {@code cycles} times while one handle of it stays open, then prints the number of
     * open descriptors before and after ({@code FDS before after}).
     */
    private static void churn(final Path directory, final String name, final int cycles) throws Exception
    {
        try (SharedMemory kept = SharedMemory.builder(name).directory(directory).open())
        {
            final long before = openDescriptors();
            for (int i = 0; i < cycles; i++)
            {
                try (SharedMemory again = SharedMemory.builder(name).directory(directory).open())
                {
                    again.writeLong(8, i);
                }
            }
            System.out.println("FDS " + before + " " + openDescriptors() + " value " + kept.readLong(8));
        }
    }

    /** Creates segments {@code name-0}, {@code name-1}... keeping them all open, until one fails; prints how. */
    private static void exhaust(final Path directory, final String name)
    {
        final java.util.List<SharedMemory> open = new java.util.ArrayList<>();
        try
        {
            for (int i = 0; i < 100_000; i++)
            {
                open.add(SharedMemory.builder(name + "-" + i).directory(directory).pages(1).create());
            }
            System.out.println("NEVER FAILED");
        }
        catch (final RuntimeException ex)
        {
            System.out.println("FAILED after " + open.size() + ": " + ex.getClass().getSimpleName() + ": " +
                ex.getMessage());
        }
        open.forEach(SharedMemory::close);
    }

    /** Drives stack overflows into a multi-page write ({@link io.shmipc.testing.Overflow}) and prints the result. */
    private static void overflow(final Path directory, final String name) throws Exception
    {
        try (SharedMemory shm = SharedMemory.builder(name).directory(directory).open())
        {
            final String[] result = new String[1];
            final Thread thread = new Thread(null, () -> result[0] = io.shmipc.testing.Overflow.run(shm), "deep",
                256 * 1024);
            thread.start();
            thread.join();
            System.out.println("OVERFLOW " + result[0]);
        }
    }

    static long openDescriptors() throws Exception
    {
        try (var fds = java.nio.file.Files.list(Path.of("/proc/self/fd")))
        {
            return fds.count();
        }
    }

    /** Writes {@code length} bytes of {@code value} at {@code offset} (pausing inside if the test hook is on). */
    private static void write(final Path directory, final String name, final int length, final byte value,
        final int offset)
    {
        try (SharedMemory shm = SharedMemory.builder(name).directory(directory).open())
        {
            System.out.println("SLOT " + shm.ownerSlot());
            final byte[] bytes = new byte[length];
            Arrays.fill(bytes, value);
            shm.write(offset, bytes);
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
