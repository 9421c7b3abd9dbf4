package io.shmipc.interop;

import io.shmipc.InvalidSegmentException;
import io.shmipc.PageLeasedException;
import io.shmipc.SegmentAccessDeniedException;
import io.shmipc.SegmentExistsException;
import io.shmipc.SegmentIOException;
import io.shmipc.SegmentNotFoundException;
import io.shmipc.SegmentNotReadyException;
import io.shmipc.SharedMemory;
import io.shmipc.SharedMemoryBuilder;
import io.shmipc.TornPageException;
import io.shmipc.layout.CounterId;
import io.shmipc.layout.SegmentDescriptor;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;

/**
 * The Java side of the cross-language tests: the commands and output lines of the C and Python interop tools
 * ({@code clients/c/tests/interop_tool.c} documents them), on the Java library. The tests run it in their own JVM
 * ({@link #run(List)}), or in a child JVM ({@link #main(String[])}) for a process they kill.
 */
public final class JavaTool
{
    private JavaTool()
    {
    }

    /** {@code JavaTool COMMAND DIR NAME ...}: prints the result lines, exits with the tool's exit code. */
    public static void main(final String[] args)
    {
        final int code = execute(List.of(args), line ->
        {
            System.out.println(line);
            System.out.flush();
        });
        System.exit(code);
    }

    /** Runs one command in this JVM. */
    static ToolResult run(final List<String> args)
    {
        final StringBuilder out = new StringBuilder();
        final int code = execute(args, line -> out.append(line).append('\n'));
        return new ToolResult(code, out.toString());
    }

    private static int execute(final List<String> args, final Consumer<String> print)
    {
        final String command = args.get(0);
        final Path dir = Path.of(args.get(1));
        final String name = args.get(2);
        final SharedMemoryBuilder builder = SharedMemory.builder(name).directory(dir);
        try
        {
            switch (command)
            {
                case "unlink" ->
                {
                    if (!builder.unlink())
                    {
                        throw new SegmentNotFoundException("no segment '" + name + "' in " + dir);
                    }
                    print.accept("OK");
                }
                case "create" ->
                {
                    try (SharedMemory shm = builder.pages(Integer.parseInt(args.get(3)))
                        .pageSize(Integer.parseInt(args.get(4))).create())
                    {
                        print.accept("OK slot=" + shm.ownerSlot());
                    }
                }
                case "open" ->
                {
                    builder.initTimeout(Duration.ofMillis(Long.parseLong(args.get(3))))
                        .allowForeignOwner(args.size() > 4 && args.get(4).equals("allow-foreign"));
                    try (SharedMemory shm = builder.open())
                    {
                        print.accept("OK pageSize=" + shm.pageSize() + " pageCount=" + shm.pageCount() + " slot=" +
                            shm.ownerSlot());
                    }
                }
                default -> withSegment(command, args, builder, print);
            }
            return 0;
        }
        catch (final TornPageException ex)
        {
            print.accept("ERROR torn page=" + ex.page() + " " + ex.getMessage());
            return 3;
        }
        catch (final PageLeasedException ex)
        {
            print.accept("ERROR leased page=" + ex.page() + " slot=" + ex.holderSlot() + " " + ex.getMessage());
            return 3;
        }
        catch (final RuntimeException ex)
        {
            print.accept("ERROR " + kind(ex) + " " + ex.getMessage());
            return 3;
        }
    }

    private static void withSegment(
        final String command, final List<String> args, final SharedMemoryBuilder builder,
        final Consumer<String> print)
    {
        if ((command.equals("check") || command.equals("fill")) && args.size() > 6)
        {
            builder.recoveryTimeout(Duration.ofMillis(Long.parseLong(args.get(6))));
        }
        try (SharedMemory shm = builder.open())
        {
            switch (command)
            {
                case "info" ->
                {
                    final ByteBuffer header = header(shm.path());
                    print.accept("pageSize=" + shm.pageSize() + " pageCount=" + shm.pageCount() + " dataOffset=" +
                        header.getLong(SegmentDescriptor.DATA_OFFSET_OFFSET) + " fileLength=" +
                        header.getLong(SegmentDescriptor.FILE_LENGTH_OFFSET));
                    final StringBuilder versions = new StringBuilder("versions=");
                    for (int page = 0; page < shm.pageCount(); page++)
                    {
                        versions.append(page == 0 ? "" : ",").append(shm.version(page));
                    }
                    print.accept(versions.toString());
                    if (shm.hasLeases())
                    {
                        final StringBuilder leases = new StringBuilder("leases=");
                        for (int page = 0; page < shm.pageCount(); page++)
                        {
                            leases.append(page == 0 ? "" : ",").append(shm.leaseHolder(page));
                        }
                        print.accept(leases.toString());
                    }
                }
                case "counters" ->
                {
                    final long[] counters = new long[SegmentDescriptor.COUNTER_SLOTS];
                    for (final CounterId id : CounterId.values())
                    {
                        counters[id.index()] = shm.counter(id);
                    }
                    print.accept("counters=" + String.join(",",
                        Arrays.stream(counters).mapToObj(Long::toString).toArray(String[]::new)));
                }
                case "fill", "hold" ->
                {
                    final byte[] bytes = new byte[Integer.parseInt(args.get(4))];
                    Arrays.fill(bytes, (byte)Integer.parseInt(args.get(5)));
                    if (command.equals("hold"))
                    {
                        print.accept("SLOT " + shm.ownerSlot());
                    }
                    shm.write(Integer.parseInt(args.get(3)), bytes);
                    print.accept("OK");
                }
                case "check" ->
                {
                    final byte[] bytes = new byte[Integer.parseInt(args.get(4))];
                    final byte value = (byte)Integer.parseInt(args.get(5));
                    shm.read(Integer.parseInt(args.get(3)), bytes);
                    int bad = -1;
                    for (int i = 0; i < bytes.length && bad < 0; i++)
                    {
                        bad = bytes[i] == value ? -1 : i;
                    }
                    print.accept(bad < 0 ? "OK" : "MISMATCH at=" + bad + " byte=" + (bytes[bad] & 0xFF));
                }
                default -> throw new IllegalArgumentException("unknown command " + command);
            }
        }
    }

    /** @return the segment file's header bytes as stored, little-endian. */
    private static ByteBuffer header(final Path path)
    {
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ))
        {
            final ByteBuffer header = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN);
            channel.read(header, 0);
            return header;
        }
        catch (final IOException ex)
        {
            throw new SegmentIOException("cannot read the header of " + path, ex);
        }
    }

    /** @return the tools' name for the kind of failure {@code ex} is. */
    static String kind(final RuntimeException ex)
    {
        if (ex instanceof SegmentNotReadyException)
        {
            return "not-ready";
        }
        if (ex instanceof SegmentNotFoundException)
        {
            return "not-found";
        }
        if (ex instanceof SegmentExistsException)
        {
            return "exists";
        }
        if (ex instanceof SegmentAccessDeniedException)
        {
            return "access";
        }
        if (ex instanceof InvalidSegmentException)
        {
            return "invalid";
        }
        if (ex instanceof SegmentIOException)
        {
            return "io";
        }
        if (ex instanceof IllegalArgumentException || ex instanceof IndexOutOfBoundsException)
        {
            return "arg";
        }
        if (ex.getClass().getSimpleName().contains("Lost"))
        {
            return "lost";
        }
        return "unknown(" + ex.getClass().getName() + ")";
    }
}
