package io.shmipc.tools;

import io.shmipc.SharedMemory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code shmipc write}: one atomic write of text, hex bytes or a file's bytes. */
@Command(
    name = "write",
    mixinStandardHelpOptions = true,
    description = {
        "Write bytes into a segment in one atomic write at data offset OFFSET: readers see all of it or none of it.",
        "Give exactly one of TEXT (written as UTF-8, no terminator), --hex HEX or --in FILE."
    })
final class WriteCommand implements Callable<Integer>
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

    @Parameters(index = "2", arity = "0..1", paramLabel = "TEXT", description = "Text to write, as UTF-8.")
    private String text;

    @Option(names = "--hex", paramLabel = "HEX", description = "Bytes to write as hex digits, e.g. 00ff10.")
    private String hex;

    @Option(names = "--in", paramLabel = "FILE", description = "Write the bytes of FILE.")
    private Path in;

    @Override
    public Integer call() throws IOException
    {
        final int sources = (text != null ? 1 : 0) + (hex != null ? 1 : 0) + (in != null ? 1 : 0);
        if (sources != 1)
        {
            throw new ParameterException(spec.commandLine(),
                "give exactly one of TEXT, --hex HEX or --in FILE (got " + sources + ")");
        }
        final byte[] bytes;
        if (text != null)
        {
            bytes = text.getBytes(StandardCharsets.UTF_8);
        }
        else if (hex != null)
        {
            bytes = Bytes.parseHex(hex);
        }
        else
        {
            bytes = Files.readAllBytes(in);
        }
        try (SharedMemory shm = openOptions.open(dir, name))
        {
            shm.write(offset, bytes);
            if (bytes.length == 0)
            {
                spec.commandLine().getOut().printf("wrote 0 bytes at offset %d%n", offset);
            }
            else
            {
                final int first = shm.pageOf(offset);
                final int last = shm.pageOf(offset + bytes.length - 1);
                spec.commandLine().getOut().printf("wrote %d bytes at offset %d (page%s %s, version %d)%n",
                    bytes.length, offset, first == last ? "" : "s",
                    first == last ? Integer.toString(first) : first + "-" + last, shm.version(first));
            }
        }
        return 0;
    }
}
