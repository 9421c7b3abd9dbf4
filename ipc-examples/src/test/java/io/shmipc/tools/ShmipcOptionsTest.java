package io.shmipc.tools;

import io.shmipc.SharedMemory;
import io.shmipc.layout.SegmentDescriptor;
import io.shmipc.testing.TestDirectory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

import static io.shmipc.tools.CliAssertions.assertOneLineError;
import static io.shmipc.tools.CliAssertions.assertUsageError;
import static io.shmipc.tools.CliAssertions.fails;
import static io.shmipc.tools.CliAssertions.ok;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code shmipc}'s version, the ranges of its options, its help text and {@code read --as}. */
class ShmipcOptionsTest
{
    private TestDirectory directory;
    private String dir;

    @BeforeEach
    void setUp()
    {
        directory = TestDirectory.create();
        dir = directory.path().toString();
    }

    @AfterEach
    void tearDown()
    {
        directory.close();
    }

    @Test
    void versionIsTheMavenProjectVersionAndTheLayoutVersion()
    {
        final String expected = System.getProperty("shmipc.project.version");
        assertNotNull(expected, "surefire passes the project version as shmipc.project.version");
        assertFalse(expected.isBlank());
        assertEquals("shmipc " + expected + "\nsegment layout version " + SegmentDescriptor.LAYOUT_VERSION + "\n",
            ok("--version").out);
        assertEquals(expected, ShmipcVersion.projectVersion());
    }

    @Test
    void watchAndStatRejectZeroAndNegativeLimitsAsUsageErrors()
    {
        ok("create", "lim", "--pages", "1", "--dir", dir);
        // Each of these returns at once with status 2 (watch --count 0 used to wait forever).
        assertUsageError(CliRun.of("watch", "lim", "--count", "0", "--dir", dir), "--count 0 is out of range");
        assertUsageError(CliRun.of("watch", "lim", "--count", "-3", "--dir", dir), "--count -3 is out of range");
        assertUsageError(CliRun.of("watch", "lim", "--duration", "0", "--dir", dir), "--duration 0.0 is out of range");
        assertUsageError(CliRun.of("watch", "lim", "--bytes", "-1", "--count", "1", "--dir", dir),
            "--bytes -1 is negative");
        assertUsageError(CliRun.of("stat", "lim", "--interval", "0", "--dir", dir), "--interval 0.0 is out of range");
        assertUsageError(CliRun.of("stat", "lim", "--interval", "-1", "--dir", dir), "--interval -1.0 is out of range");
        assertUsageError(CliRun.of("stat", "lim", "--interval", "NaN", "--dir", dir), "--interval NaN is out of range");
        assertUsageError(CliRun.of("stat", "lim", "--interval", "1e9", "--dir", dir), "at most 86400 seconds");
        assertUsageError(CliRun.of("stat", "lim", "--count", "0", "--dir", dir), "--count 0 is out of range");
        // The smallest accepted values work.
        assertEquals(1, ok("stat", "lim", "--count", "1", "--interval", "0.001", "--json", "--dir", dir)
            .out.strip().split("\n").length);
        assertEquals("", ok("watch", "lim", "--duration", "0.01", "--dir", dir).out);
    }

    @Test
    void readDecodesLittleEndianValues()
    {
        ok("create", "rec", "--pages", "1", "--page-size", "64", "--dir", dir);
        final ByteBuffer record = ByteBuffer.allocate(32).order(ByteOrder.LITTLE_ENDIAN);
        record.putLong(42).putLong(1_700_000_000_123L).putLong(-1L).putDouble(2.5);
        try (SharedMemory shm = SharedMemory.builder("rec").directory(directory.path()).open())
        {
            shm.write(0, record.array());
        }
        assertEquals("42\n1700000000123\n", ok("read", "rec", "0", "16", "--as", "i64", "--dir", dir).out);
        assertEquals("-1\n", ok("read", "rec", "16", "8", "--as", "i64", "--dir", dir).out);
        assertEquals("18446744073709551615\n", ok("read", "rec", "16", "8", "--as", "u64", "--dir", dir).out);
        assertEquals("2.5\n", ok("read", "rec", "24", "8", "--as", "f64", "--dir", dir).out);
        assertEquals("42\n0\n", ok("read", "rec", "0", "8", "--as", "i32", "--dir", dir).out);
        assertEquals("42\n", ok("read", "rec", "0", "4", "--as", "I32", "--dir", dir).out, "case-insensitive");
        assertEquals("2a00000000000000\n", ok("read", "rec", "0", "8", "--as", "hex", "--dir", dir).out);
        assertEquals("*\n", ok("read", "rec", "0", "8", "--as", "text", "--dir", dir).out);

        assertUsageError(CliRun.of("read", "rec", "0", "12", "--as", "i64", "--dir", dir),
            "length 12 is not a multiple of 8 bytes");
        assertUsageError(CliRun.of("read", "rec", "0", "8", "--as", "i16", "--dir", dir), "i16");
        assertUsageError(CliRun.of("read", "rec", "0", "8", "--as", "i64", "--hex", "--dir", dir),
            "mutually exclusive");
        assertUsageError(CliRun.of("read", "rec", "0", "-8", "--dir", dir), "LENGTH -8 is negative");
        assertOneLineError(fails(1, "read", "rec", "60", "8", "--as", "i64", "--dir", dir), "60");
    }

    /** Only the command run is registered (start-up): its help is the same as with every command registered. */
    @Test
    void aCommandRegisteredAloneBehavesAsAmongAllOfThem()
    {
        final CommandLine all =
            Shmipc.commandLine(new PrintWriter(new StringWriter()), new PrintWriter(new StringWriter()));
        for (final String command : List.of("ls", "create", "rm", "info", "read", "write", "watch", "stat", "demo"))
        {
            final String alone = ok(command, "--help").out;
            assertEquals(all.getSubcommands().get(command).getUsageMessage(), alone, command);
            assertEquals(alone, ok("help", command).out, "help " + command);
        }
        final CliRun unknown = CliRun.of("lss");
        assertEquals(2, unknown.status, unknown::toString);
        // A misspelt command is matched against all of them.
        assertTrue(unknown.err.contains("Did you mean: shmipc ls?"), unknown::toString);
    }

    /**
     * Help is written as paragraphs that picocli wraps to the terminal: no description line of any command or
     * option is cut off mid-sentence in the source.
     */
    @Test
    void helpTextIsWrittenInWholeParagraphs()
    {
        final List<String> cut = new ArrayList<>();
        check(Shmipc.commandLine(new PrintWriter(new StringWriter()), new PrintWriter(new StringWriter())), cut);
        assertTrue(cut.isEmpty(), () -> "description lines that end mid-sentence:\n" + String.join("\n", cut));
    }

    private static void check(final CommandLine commandLine, final List<String> cut)
    {
        final CommandSpec spec = commandLine.getCommandSpec();
        for (final String line : spec.usageMessage().description())
        {
            paragraph(spec.qualifiedName(), line, cut);
        }
        for (final ArgSpec arg : spec.args())
        {
            for (final String line : arg.description())
            {
                paragraph(spec.qualifiedName() + " " + arg, line, cut);
            }
        }
        for (final CommandLine sub : commandLine.getSubcommands().values())
        {
            check(sub, cut);
        }
    }

    private static void paragraph(final String where, final String line, final List<String> cut)
    {
        final String text = line.replace("%n", "").strip();
        if (!text.isEmpty() && !text.endsWith(".") && !text.endsWith(".)") && !text.endsWith(":"))
        {
            cut.add(where + ": " + line);
        }
    }
}
