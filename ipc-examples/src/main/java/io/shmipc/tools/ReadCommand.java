package io.shmipc.tools;

import io.shmipc.SharedMemory;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
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
        "Reads LENGTH bytes at data offset OFFSET and prints a hexdump, unless --as, --hex, --text or --out says " +
            "otherwise.",
        "--as decodes the bytes as consecutive little-endian values, one per line: i32, i64 (signed), u64 " +
            "(unsigned), f64 (IEEE double); LENGTH must be a multiple of the value's size. --as hex and --as text " +
            "are --hex and --text."
    })
final class ReadCommand implements Callable<Integer>
{
    @Spec
    private CommandSpec spec;

    @Mixin
    private DirectoryOption dir;

    @Mixin
    private OpenOptions openOptions;

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

        @Option(names = "--as", paramLabel = "TYPE",
            description = "Decode the bytes as ${COMPLETION-CANDIDATES}: numbers one per line, little-endian.")
        Decoding as;
    }

    @Override
    public Integer call() throws IOException
    {
        if (length < 0)
        {
            throw new ParameterException(spec.commandLine(), "LENGTH " + length + " is negative");
        }
        if (format.as != null && format.as.problem(length) != null)
        {
            throw new ParameterException(spec.commandLine(), "--as " + format.as + ": " + format.as.problem(length));
        }
        final byte[] bytes;
        try (SharedMemory shm = openOptions.open(dir, name))
        {
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
        else if (format.as != null)
        {
            format.as.decode(bytes).forEach(out::println);
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
