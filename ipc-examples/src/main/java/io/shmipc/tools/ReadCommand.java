package io.shmipc.tools;

import io.shmipc.SharedMemory;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code shmipc read}: a consistent snapshot of a byte range, as a hexdump, hex, text or a file. */
@Command(
    name = "read",
    mixinStandardHelpOptions = true,
    description = {
        "Read bytes of a segment: one consistent snapshot, never a mix of two writes.",
        "Reads LENGTH bytes at data offset OFFSET.",
        "Prints a hexdump unless --hex, --text or --out is given."
    })
final class ReadCommand implements Callable<Integer>
{
    @Spec
    private CommandSpec spec;

    @Mixin
    private DirectoryOption dir;

    @Parameters(index = "0", paramLabel = "NAME", description = "Segment name.")
    private String name;

    @Parameters(index = "1", paramLabel = "OFFSET", converter = OffsetConverter.class,
        description = "Data offset (decimal, or hex with 0x).")
    private int offset;

    @Parameters(index = "2", paramLabel = "LENGTH", converter = OffsetConverter.class,
        description = "Number of bytes.")
    private int length;

    @ArgGroup(exclusive = true)
    private Format format = new Format();

    /** At most one output format. */
    static final class Format
    {
        @Option(names = "--hex", description = "Print the bytes as hex digits on one line.")
        boolean hex;

        @Option(names = "--text", description = "Print the bytes up to the first NUL as UTF-8 text.")
        boolean text;

        @Option(names = "--out", paramLabel = "FILE", description = "Write the raw bytes to FILE.")
        Path out;
    }

    @Override
    public Integer call() throws IOException
    {
        final byte[] bytes;
        try (SharedMemory shm = dir.segment(name).open())
        {
            if (length < 0)
            {
                throw new IllegalArgumentException("length " + length + " is negative");
            }
            if (length > shm.capacity())
            {
                throw new IllegalArgumentException("length " + length + " exceeds the segment's " + shm.capacity() +
                    " bytes of data");
            }
            bytes = new byte[length];
            shm.read(offset, bytes);
        }
        final PrintWriter out = spec.commandLine().getOut();
        if (format.out != null)
        {
            Files.write(format.out, bytes);
            out.printf("read %d bytes at offset %d into %s%n", length, offset, format.out);
        }
        else if (format.hex)
        {
            out.println(Bytes.hex(bytes));
        }
        else if (format.text)
        {
            out.println(Bytes.text(bytes));
        }
        else
        {
            out.print(Bytes.dump(bytes, offset));
        }
        return 0;
    }
}
