package io.shmipc.tools;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.shmipc.SharedMemory;
import io.shmipc.layout.CounterId;
import io.shmipc.layout.LockWord;
import io.shmipc.layout.SegmentDescriptor;
import io.shmipc.testing.JavaProcess;
import io.shmipc.testing.TestDirectory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every {@code shmipc} command, in-process, against segments in a fresh directory: output, JSON and exit codes. */
class ShmipcCliTest
{
    private static final ObjectMapper JSON = new ObjectMapper();

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

    private CliRun ok(final String... args)
    {
        final CliRun run = CliRun.of(args);
        assertEquals(0, run.status, () -> String.join(" ", args) + ": " + run);
        return run;
    }

    private CliRun fails(final int status, final String... args)
    {
        final CliRun run = CliRun.of(args);
        assertEquals(status, run.status, () -> String.join(" ", args) + ": " + run);
        return run;
    }

    /** An error is exactly one line on stderr, naming the command, and nothing on stdout. */
    private static void assertOneLineError(final CliRun run, final String expected)
    {
        final String[] lines = run.err.strip().split("\n");
        assertEquals(1, lines.length, run::toString);
        assertTrue(lines[0].startsWith("shmipc "), run::toString);
        assertTrue(lines[0].contains(expected), () -> "expected '" + expected + "' in " + run);
        assertEquals("", run.out, run::toString);
    }

    private static JsonNode json(final String text) throws IOException
    {
        return JSON.readTree(text);
    }

    // ----------------------------------------------------------------------------------------------------------
    // Help and usage errors
    // ----------------------------------------------------------------------------------------------------------

    @Test
    void topLevelHelpListsEveryCommand()
    {
        final CliRun run = ok("--help");
        for (final String command : List.of("ls", "create", "rm", "info", "read", "write", "watch", "stat", "demo"))
        {
            assertTrue(run.out.contains("\n  " + command + " "), () -> command + " missing from " + run.out);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"ls", "create", "rm", "info", "read", "write", "watch", "stat", "demo"})
    void everyCommandHasHelp(final String command)
    {
        final CliRun run = ok(command, "--help");
        assertTrue(run.out.startsWith("Usage: shmipc " + command), run::toString);
        assertTrue(run.out.contains("--help"), run::toString);
    }

    @ParameterizedTest
    @ValueSource(strings = {"pingpong", "snapshot-publisher", "snapshot-reader", "writer", "reader"})
    void everyDemoHasHelp(final String demo)
    {
        final CliRun run = ok("demo", demo, "--help");
        assertTrue(run.out.startsWith("Usage: shmipc demo " + demo), run::toString);
    }

    @Test
    void usageErrorsExitWithTwo()
    {
        assertTrue(fails(2).err.contains("missing command"));
        assertTrue(fails(2, "frobnicate").err.contains("frobnicate"));
        assertTrue(fails(2, "create", "x").err.contains("--pages"));
        assertTrue(fails(2, "read", "x", "0").err.contains("LENGTH"));
        assertTrue(fails(2, "create", "x", "--pages", "many", "--dir", dir).err.contains("many"));
        assertTrue(fails(2, "read", "x", "0", "4", "--hex", "--text", "--dir", dir).err.contains("mutually exclusive"));
        assertFalse(Files.exists(directory.path().resolve("x")));
    }

    // ----------------------------------------------------------------------------------------------------------
    // create, ls, rm
    // ----------------------------------------------------------------------------------------------------------

    @Test
    void createMakesASegmentWithTheGeometryAndMode() throws IOException
    {
        final CliRun run = ok("create", "quotes", "--pages", "3", "--page-size", "1024", "--mode", "0640",
            "--dir", dir);
        assertTrue(run.out.startsWith("created quotes: 3 pages x 1024 bytes"), run::toString);
        assertTrue(run.err.contains("warning: mode 0640 lets other users read") && run.err.contains("read locks"),
            run::toString);
        assertFalse(ok("create", "private", "--pages", "1", "--dir", dir).err.contains("warning"),
            "the default mode 0600 warns of nothing");
        final Path file = directory.path().resolve("quotes");
        assertEquals("rw-r-----", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        try (SharedMemory shm = SharedMemory.builder("quotes").directory(directory.path()).open())
        {
            assertEquals(3, shm.pageCount());
            assertEquals(1024, shm.pageSize());
        }
    }

    @Test
    void createWithLeasesMakesLayoutVersionFourAndInfoNamesTheLeaseHolder() throws IOException
    {
        final CliRun run = ok("create", "leased", "--pages", "2", "--leases", "--dir", dir);
        assertTrue(run.out.contains("with leases (layout version 4)"), run::toString);
        try (SharedMemory shm = SharedMemory.builder("leased").directory(directory.path()).open();
             io.shmipc.ExclusiveWriter writer = shm.exclusiveWriter(1, 1))
        {
            final com.fasterxml.jackson.databind.JsonNode info =
                JSON.readTree(ok("info", "leased", "--json", "--dir", dir).out);
            assertEquals(4, info.get("layoutVersion").asInt());
            assertEquals(0, info.get("pageStates").get(0).get("leasedTo").asInt());
            assertEquals(shm.ownerSlot(), info.get("pageStates").get(1).get("leasedTo").asInt());
            assertTrue(ok("info", "leased", "--dir", dir).out.contains("leased to owner slot " + shm.ownerSlot()));
        }
    }

    @Test
    void createRefusesAnExistingNameAndBadValues()
    {
        ok("create", "quotes", "--pages", "1", "--dir", dir);
        assertOneLineError(fails(1, "create", "quotes", "--pages", "1", "--dir", dir), "already exists");
        assertOneLineError(fails(1, "create", "q2", "--pages", "1", "--page-size", "100", "--dir", dir),
            "page size 100");
        assertTrue(fails(2, "create", "q3", "--pages", "1", "--mode", "0999", "--dir", dir).err.contains("0999"));
        assertFalse(Files.exists(directory.path().resolve("q2")));
        assertFalse(Files.exists(directory.path().resolve("q3")));
    }

    @Test
    void lsListsSegmentsWithTheProcessesThatMapThem() throws IOException
    {
        ok("create", "b-seg", "--pages", "2", "--dir", dir);
        // Created by another process, which has exited: nobody maps it. (In this JVM a mapping lasts until GC.)
        try (JavaProcess child = JavaProcess.start(Shmipc.class,
            "create", "a-seg", "--pages", "5", "--page-size", "256", "--dir", dir))
        {
            assertEquals(0, child.waitFor(60), child::describe);
        }
        Files.writeString(directory.path().resolve("not-a-segment"), "hello");
        try (SharedMemory mapped = SharedMemory.builder("b-seg").directory(directory.path()).open())
        {
            final JsonNode rows = json(ok("ls", "--json", "--dir", dir).out);
            assertEquals(2, rows.size(), rows::toString);
            assertEquals("a-seg", rows.get(0).get("name").asText());
            assertEquals(5, rows.get(0).get("pages").asInt());
            assertEquals(256, rows.get(0).get("pageSize").asInt());
            assertEquals(Files.size(directory.path().resolve("a-seg")), rows.get(0).get("fileBytes").asLong());
            assertEquals(0, rows.get(0).get("mappedBy").size(), "nobody maps a-seg: " + rows);
            final List<Long> pids = new ArrayList<>();
            rows.get(1).get("mappedBy").forEach(m -> pids.add(m.get("pid").asLong()));
            assertTrue(pids.contains(ProcessHandle.current().pid()), "this JVM maps b-seg: " + rows);

            final String table = ok("ls", "--dir", dir).out;
            assertTrue(table.startsWith("NAME"), table);
            assertTrue(table.contains(ProcessHandle.current().pid() + "("), table);
            assertFalse(table.contains("not-a-segment"), table);
        }
        final JsonNode all = json(ok("ls", "--all", "--json", "--dir", dir).out);
        assertEquals(3, all.size(), all::toString);
        assertEquals("not-a-segment", all.get(2).get("name").asText());
        assertFalse(all.get(2).get("segment").asBoolean());
        assertTrue(all.get(2).get("reason").asText().contains("too short"), all::toString);
    }

    @Test
    void lsOfAMissingDirectoryFails()
    {
        assertOneLineError(fails(1, "ls", "--dir", dir + "/nope"), "does not exist");
    }

    @Test
    void rmRemovesSegmentsOnly() throws IOException
    {
        ok("create", "gone", "--pages", "1", "--dir", dir);
        Files.writeString(directory.path().resolve("precious"), "x".repeat(5000));
        assertEquals("removed gone\n", ok("rm", "gone", "--dir", dir).out);
        assertFalse(Files.exists(directory.path().resolve("gone")));
        assertOneLineError(fails(1, "rm", "gone", "--dir", dir), "no segment 'gone'");
        assertEquals("", ok("rm", "-f", "gone", "--dir", dir).out);
        assertOneLineError(fails(1, "rm", "precious", "--dir", dir), "not a segment");
        assertTrue(Files.exists(directory.path().resolve("precious")));
        assertOneLineError(fails(1, "rm", "../etc", "--dir", dir), "contains '/'");
    }

    // ----------------------------------------------------------------------------------------------------------
    // write, read
    // ----------------------------------------------------------------------------------------------------------

    @Test
    void writeThenReadInEveryFormat() throws IOException
    {
        ok("create", "data", "--pages", "2", "--page-size", "64", "--dir", dir);
        final CliRun write = ok("write", "data", "60", "hello", "--dir", dir);
        assertEquals("wrote 5 bytes at offset 60 (pages 0-1, version 1)\n", write.out);

        assertEquals("hello\n", ok("read", "data", "60", "8", "--text", "--dir", dir).out);
        assertEquals("68656c6c6f000000\n", ok("read", "data", "60", "8", "--hex", "--dir", dir).out);
        final String dump = ok("read", "data", "56", "16", "--dir", dir).out;
        assertEquals("00000038  00 00 00 00 68 65 6c 6c  6f 00 00 00 00 00 00 00  |....hello.......|\n", dump);

        ok("write", "data", "0", "--hex", "00ff10", "--dir", dir);
        assertEquals("00ff1000\n", ok("read", "data", "0", "4", "--hex", "--dir", dir).out);

        final Path in = directory.path().resolve("in.bin");
        Files.write(in, new byte[] {1, 2, 3});
        ok("write", "data", "0x10", "--in", in.toString(), "--dir", dir);
        final Path out = directory.path().resolve("out.bin");
        ok("read", "data", "16", "3", "--out", out.toString(), "--dir", dir);
        assertEquals("010203", Bytes.hex(Files.readAllBytes(out)));
    }

    @Test
    void writeAndReadRejectBadInput()
    {
        ok("create", "data", "--pages", "1", "--page-size", "64", "--dir", dir);
        assertTrue(fails(2, "write", "data", "0", "--dir", dir).err.contains("exactly one"));
        assertTrue(fails(2, "write", "data", "0", "text", "--hex", "00", "--dir", dir).err.contains("exactly one"));
        assertOneLineError(fails(1, "write", "data", "0", "--hex", "abc", "--dir", dir), "odd number");
        assertOneLineError(fails(1, "write", "data", "0", "--hex", "zz", "--dir", dir), "not hexadecimal");
        assertOneLineError(fails(1, "write", "data", "60", "too long", "--dir", dir), "60");
        assertOneLineError(fails(1, "read", "data", "0", "65", "--dir", dir), "exceeds");
        assertOneLineError(fails(1, "read", "data", "-1", "4", "--dir", dir), "-1");
        assertOneLineError(fails(1, "read", "absent", "0", "4", "--dir", dir), "no segment 'absent'");
        assertOneLineError(fails(1, "write", "absent", "0", "x", "--dir", dir), "no segment 'absent'");
        assertEquals("\n", ok("read", "data", "0", "64", "--text", "--dir", dir).out, "nothing was written");
    }

    // ----------------------------------------------------------------------------------------------------------
    // info
    // ----------------------------------------------------------------------------------------------------------

    @Test
    void infoShowsHeaderVersionsAndLockStates() throws IOException
    {
        ok("create", "inf", "--pages", "3", "--page-size", "128", "--dir", dir);
        ok("write", "inf", "0", "a", "--dir", dir);
        ok("write", "inf", "0", "b", "--dir", dir);
        ok("write", "inf", "127", "cd", "--dir", dir);
        final Path file = directory.path().resolve("inf");
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE))
        {
            final MappedByteBuffer raw = channel.map(FileChannel.MapMode.READ_WRITE, 0, channel.size());
            raw.order(ByteOrder.LITTLE_ENDIAN);
            // Page 2: held by owner slot 7 (sequence 1); a counter with a known value.
            raw.putLong((int)SegmentDescriptor.lockWordOffset(2), LockWord.SEQUENCE_ONE | 7);
            raw.putLong(CounterId.READ_RETRIES.offset(), 42);

            final JsonNode info = json(ok("info", "inf", "--json", "--dir", dir).out);
            assertEquals("inf", info.get("name").asText());
            assertEquals(3, info.get("pages").asInt());
            assertEquals(128, info.get("pageSize").asInt());
            assertEquals(Files.size(file), info.get("fileBytes").asLong());
            assertEquals("rw-------", info.get("mode").asText());
            assertEquals(ProcessHandle.current().pid(), info.get("creatorPid").asLong());
            assertEquals(42, info.get("counters").get("readRetries").asLong());
            assertEquals(0, info.get("counters").get("ownerRecoveries").asLong());
            final JsonNode pages = info.get("pageStates");
            assertEquals(3, pages.size());
            assertEquals(3, pages.get(0).get("version").asLong(), pages::toString);
            assertEquals("free", pages.get(0).get("state").asText());
            assertEquals(1, pages.get(1).get("version").asLong(), pages::toString);
            assertEquals("held by slot 7", pages.get(2).get("state").asText());
            assertEquals(7, pages.get(2).get("owner").asInt());

            // Page 2 released but marked torn, as a dead writer's page is after recovery.
            raw.putLong((int)SegmentDescriptor.lockWordOffset(2), 2 * LockWord.SEQUENCE_ONE | LockWord.TORN_BIT);
            final String text = ok("info", "inf", "--dir", dir).out;
            assertTrue(text.matches("(?s).*\\n\\s+2\\s+1\\s+torn\\n.*"), text);
            assertTrue(text.contains("read retries           42"), text);
        }
    }

    // ----------------------------------------------------------------------------------------------------------
    // watch, stat
    // ----------------------------------------------------------------------------------------------------------

    @Test
    void watchPrintsEachChangeOfAPage() throws Exception
    {
        ok("create", "w", "--pages", "2", "--page-size", "64", "--dir", dir);
        final AtomicReference<CliRun> watched = new AtomicReference<>();
        final CountDownLatch done = new CountDownLatch(1);
        final Thread watcher = new Thread(() ->
        {
            watched.set(CliRun.of("watch", "w", "--page", "1", "--count", "3", "--bytes", "4", "--json",
                "--duration", "60", "--dir", dir));
            done.countDown();
        });
        watcher.start();
        try (SharedMemory shm = SharedMemory.builder("w").directory(directory.path()).open())
        {
            // Write until the watcher has seen three changes: it may start after the first writes.
            for (int i = 0; done.getCount() > 0 && i < 60_000; i++)
            {
                shm.write(64, ("v" + i % 10 + "..").getBytes(StandardCharsets.US_ASCII));
                shm.write(0, new byte[] {1}); // page 0 is not watched
                Thread.sleep(1);
            }
        }
        watcher.join(10_000);
        final CliRun run = watched.get();
        assertEquals(0, run.status, run::toString);
        final String[] lines = run.out.strip().split("\n");
        assertEquals(3, lines.length, run::toString);
        long previous = 0;
        for (final String line : lines)
        {
            final JsonNode change = json(line);
            assertEquals(1, change.get("page").asInt(), line);
            assertTrue(change.get("version").asLong() > previous, run::toString);
            assertTrue(change.get("writes").asLong() >= 1, line);
            assertTrue(change.get("text").asText().matches("v\\d\\.\\."), line);
            previous = change.get("version").asLong();
        }
    }

    @Test
    void watchStopsAfterItsDurationWithoutChanges()
    {
        ok("create", "quiet", "--pages", "2", "--dir", dir);
        final CliRun run = ok("watch", "quiet", "--duration", "0.3", "--dir", dir);
        assertEquals("", run.out);
        assertOneLineError(fails(1, "watch", "quiet", "--page", "2", "--count", "1", "--dir", dir),
            "page 2 is outside 0..1");
    }

    @Test
    void statSamplesTheLiveCounters() throws IOException
    {
        ok("create", "s", "--pages", "4", "--page-size", "64", "--dir", dir);
        for (int i = 0; i < 5; i++)
        {
            ok("write", "s", "60", "vwxyz", "--dir", dir); // bytes 60..64: pages 0 and 1, two versions per write
        }
        try (FileChannel channel = FileChannel.open(directory.path().resolve("s"),
            StandardOpenOption.READ, StandardOpenOption.WRITE))
        {
            final MappedByteBuffer raw = channel.map(FileChannel.MapMode.READ_WRITE, 0, channel.size());
            raw.order(ByteOrder.LITTLE_ENDIAN);
            raw.putLong(CounterId.WRITE_CONTENDED.offset(), 3);
            raw.putLong(CounterId.SLOW_WAITS.offset(), 2);
        }
        final CliRun run = ok("stat", "s", "--count", "2", "--interval", "0.1", "--json", "--dir", dir);
        final String[] lines = run.out.strip().split("\n");
        assertEquals(2, lines.length, run::toString);
        final JsonNode first = json(lines[0]);
        assertEquals(10, first.get("writes").asLong());
        assertEquals(0, first.get("readRetries").asLong());
        assertEquals(3, first.get("writeContended").asLong());
        assertEquals(2, first.get("slowWaits").asLong());
        assertEquals(0, first.get("pagesHeld").asInt());
        assertFalse(first.has("perSecond"));
        final JsonNode second = json(lines[1]);
        assertEquals(0.0, second.get("perSecond").get("writes").asDouble());

        final String plain = ok("stat", "s", "--count", "1", "--dir", dir).out;
        assertTrue(plain.contains(" writes=10 ") && plain.contains(" writeContended=3 "), plain);
        assertOneLineError(fails(1, "stat", "absent", "--count", "1", "--dir", dir), "no segment 'absent'");
        assertTrue(fails(2, "stat", "s", "--interval", "0", "--dir", dir).err
            .contains("--interval 0.0 is out of range"));
    }
}
