package io.shmipc.tools;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.shmipc.SharedMemory;
import io.shmipc.segment.SegmentSecurity;
import io.shmipc.testing.JavaProcess;
import io.shmipc.testing.TestDirectory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static io.shmipc.tools.CliAssertions.assertOneLineError;
import static io.shmipc.tools.CliAssertions.fails;
import static io.shmipc.tools.CliAssertions.ok;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Who may see and open what: segments of another user, unreadable files, the processes mapping a segment with their
 * command lines, and whether a segment's creator is alive. Runs as root and as any other user.
 */
class ShmipcAccessTest
{
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int OTHER_UID = 4242;

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

    private static boolean root()
    {
        return SegmentSecurity.effectiveUid() == 0;
    }

    private static JsonNode row(final JsonNode rows, final String name)
    {
        for (final JsonNode row : rows)
        {
            if (row.get("name").asText().equals(name))
            {
                return row;
            }
        }
        throw new AssertionError("no row " + name + " in " + rows);
    }

    @Test
    @Tag("needs-root") // giving a file to another user takes root (chown): the root pass of scripts/test.sh runs it
    void aSegmentOfAnotherUserIsRefusedNamingTheToolsOptionAndOpensWithIt() throws IOException
    {
        ok("create", "theirs", "--pages", "1", "--mode", "0666", "--dir", dir);
        Files.setAttribute(directory.path().resolve("theirs"), "unix:uid", OTHER_UID, LinkOption.NOFOLLOW_LINKS);

        final List<String[]> opening = List.of(
            new String[] {"info", "theirs"},
            new String[] {"read", "theirs", "0", "4"},
            new String[] {"write", "theirs", "0", "x"},
            new String[] {"watch", "theirs", "--count", "1", "--duration", "0.1"},
            new String[] {"stat", "theirs", "--count", "1"});
        for (final String[] command : opening)
        {
            final List<String> args = new ArrayList<>(List.of(command));
            args.addAll(List.of("--dir", dir));
            final CliRun refused = fails(1, args.toArray(new String[0]));
            assertOneLineError(refused, "owned by uid " + OTHER_UID);
            assertTrue(refused.err.contains("--allow-foreign-owner"), refused::toString);
            assertFalse(refused.err.contains("SharedMemoryBuilder"), refused::toString);
            assertFalse(refused.err.contains("allowForeignOwner"), refused::toString);

            args.add("--allow-foreign-owner");
            ok(args.toArray(new String[0]));
        }
        assertEquals("x\n", ok("read", "theirs", "0", "4", "--text", "--allow-foreign-owner", "--dir", dir).out);

        final JsonNode theirs = row(JSON.readTree(ok("ls", "--json", "--dir", dir).out), "theirs");
        assertTrue(theirs.get("otherUser").asBoolean(), theirs::toString);
        assertEquals(OTHER_UID, theirs.get("ownerUid").asInt(), theirs::toString);
        assertTrue(ok("ls", "--dir", dir).out.contains(" (other user) "));
    }

    @Test
    void ownSegmentsAreNotMarked() throws IOException
    {
        ok("create", "mine", "--pages", "1", "--dir", dir);
        final JsonNode mine = row(JSON.readTree(ok("ls", "--json", "--dir", dir).out), "mine");
        assertFalse(mine.get("otherUser").asBoolean(), mine::toString);
        assertEquals(SegmentSecurity.effectiveUid(), mine.get("ownerUid").asInt());
        assertTrue(mine.get("readable").asBoolean());
        assertFalse(ok("ls", "--dir", dir).out.contains("(other user)"));
    }

    /**
     * A file this user cannot read may be a segment: ls lists it, marked unreadable, even without --all. As root
     * (who reads everything) the listing runs in a child without the capabilities that override file modes.
     */
    @Test
    void lsListsAFileItCannotReadAsUnreadable() throws Exception
    {
        ok("create", "locked", "--pages", "1", "--dir", dir);
        ok("create", "open", "--pages", "1", "--dir", dir);
        Files.setPosixFilePermissions(directory.path().resolve("locked"), PosixFilePermissions.fromString("---------"));
        final List<String> asUnprivileged = root() ?
            List.of("setpriv", "--inh-caps=-dac_override,-dac_read_search",
                "--bounding-set=-dac_override,-dac_read_search") :
            List.of();

        final CliRun json = ToolProcess.run(asUnprivileged, "ls", "--json", "--dir", dir);
        assertEquals(0, json.status, json::toString);
        final JsonNode rows = JSON.readTree(json.out);
        assertEquals(2, rows.size(), rows::toString);
        final JsonNode locked = row(rows, "locked");
        assertFalse(locked.get("readable").asBoolean(), locked::toString);
        assertTrue(locked.get("segment").isNull(), locked::toString);
        assertEquals("unreadable: permission denied", locked.get("reason").asText());
        assertTrue(row(rows, "open").get("readable").asBoolean());

        final CliRun table = ToolProcess.run(asUnprivileged, "ls", "--dir", dir);
        assertTrue(table.out.lines().anyMatch(l -> l.startsWith("locked ") &&
            l.contains("unreadable: permission denied")), table::toString);

        final CliRun info = ToolProcess.run(asUnprivileged, "info", "locked", "--dir", dir);
        assertEquals(1, info.status, info::toString);
        assertTrue(info.err.startsWith("shmipc info: ") && info.err.contains("permission denied"), info::toString);
    }

    @Test
    void lsVerboseShowsTheWholeCommandLineOfEachMappingProcess() throws IOException
    {
        ok("create", "mapped", "--pages", "1", "--dir", dir);
        final long me = ProcessHandle.current().pid();
        final String myArguments = String.join(" ", ProcessHandle.current().info().arguments().orElseThrow());
        try (SharedMemory mapped = SharedMemory.builder("mapped").directory(directory.path()).open())
        {
            final JsonNode plain = row(JSON.readTree(ok("ls", "--json", "--dir", dir).out), "mapped");
            assertFalse(plain.get("mappedBy").get(0).has("commandLine"), plain::toString);

            final JsonNode verbose = row(JSON.readTree(ok("ls", "--json", "--verbose", "--dir", dir).out), "mapped");
            JsonNode mine = null;
            for (final JsonNode mapper : verbose.get("mappedBy"))
            {
                mine = mapper.get("pid").asLong() == me ? mapper : mine;
            }
            assertTrue(mine != null, verbose::toString);
            assertTrue(mine.get("commandLine").asText().endsWith(" " + myArguments), mine::toString);

            final String table = ok("ls", "-v", "--dir", dir).out;
            assertTrue(table.contains("\n    " + me + ": "), table);
            assertTrue(table.contains(myArguments + "\n"), table);
        }
    }

    @Test
    void infoSaysWhetherTheCreatorIsAlive() throws Exception
    {
        ok("create", "by-me", "--pages", "1", "--dir", dir);
        final JsonNode byMe = JSON.readTree(ok("info", "by-me", "--json", "--dir", dir).out);
        assertEquals("alive", byMe.get("creatorAlive").asText(), byMe::toString);
        assertTrue(byMe.get("creatorAliveReason").asText().startsWith("process " + ProcessHandle.current().pid() +
            " (this one) in this PID namespace"), byMe::toString);

        try (JavaProcess holder = JavaProcess.start(HoldSegment.class, dir, "held", "60"))
        {
            holder.awaitLine("holding", 60);
            final JsonNode held = JSON.readTree(ok("info", "held", "--json", "--dir", dir).out);
            assertEquals(holder.pid(), held.get("creatorPid").asLong());
            assertEquals("alive", held.get("creatorAlive").asText(), held::toString);
            assertTrue(held.get("creatorAliveReason").asText().startsWith("process " + holder.pid() + " in this"),
                held::toString);
            assertTrue(ok("info", "held", "--dir", dir).out.contains("by pid " + holder.pid() +
                " (in its creator's PID namespace): alive ("), "the text form says it too");
            holder.kill();
            final JsonNode gone = JSON.readTree(ok("info", "held", "--json", "--dir", dir).out);
            assertEquals("not running", gone.get("creatorAlive").asText(), gone::toString);
            assertEquals("no process " + holder.pid() + " in this PID namespace",
                gone.get("creatorAliveReason").asText());
        }
    }

    @Test
    void infoSaysUnknownWhenProcShowsAnotherPidNamespace() throws Exception
    {
        ok("create", "seg", "--pages", "1", "--dir", dir);
        final Path proc = Files.createTempDirectory("shmipc-fake-proc-");
        try
        {
            // A /proc whose "self" is someone else: a /proc of another PID namespace.
            Files.createSymbolicLink(proc.resolve("self"), Path.of("1"));
            final JsonNode info =
                JSON.readTree(ok("info", "seg", "--json", "--proc", proc.toString(), "--dir", dir).out);
            assertEquals("unknown", info.get("creatorAlive").asText(), info::toString);
            assertTrue(info.get("creatorAliveReason").asText().contains("another PID namespace"), info::toString);
        }
        finally
        {
            delete(proc);
        }
    }

    /**
     * Containers that share /dev/shm each have their own PID namespace, where the creator's PID (often 1) may be
     * another process, even this one: a process that started after the segment was created is not its creator.
     */
    @Test
    void aProcessThatStartedAfterTheSegmentWasCreatedIsNotItsCreatorEvenThisOne() throws Exception
    {
        ok("create", "seg", "--pages", "1", "--dir", dir);
        final long me = ProcessHandle.current().pid();
        final Path proc = fakeProc(me, me);
        try
        {
            final JsonNode info =
                JSON.readTree(ok("info", "seg", "--json", "--proc", proc.toString(), "--dir", dir).out);
            assertEquals(me, info.get("creatorPid").asLong());
            assertEquals("not running", info.get("creatorAlive").asText(), info::toString);
            assertTrue(info.get("creatorAliveReason").asText().startsWith("process " + me + " (this one) started at "),
                info::toString);
            assertTrue(info.get("creatorAliveReason").asText().endsWith("ran in another PID namespace"),
                info::toString);
        }
        finally
        {
            delete(proc);
        }
    }

    /**
     * @return a fake /proc whose "self" is {@code self}, booted 1000 s ago, where process {@code pid} started
     * 1060 s after boot: a minute from now, so after any segment created so far.
     */
    private static Path fakeProc(final long self, final long pid) throws IOException
    {
        final Path proc = Files.createTempDirectory("shmipc-fake-proc-");
        Files.createSymbolicLink(proc.resolve("self"), Path.of(Long.toString(self)));
        final long boot = Instant.now().getEpochSecond() - 1000;
        Files.writeString(proc.resolve("stat"), "cpu 1 2 3\nbtime " + boot + "\n");
        final Path process = Files.createDirectories(proc.resolve(Long.toString(pid)));
        final StringBuilder stat = new StringBuilder(pid + " (java (x)) S");
        for (int field = 4; field <= 21; field++)
        {
            stat.append(" 0");
        }
        stat.append(' ').append(1060 * 100).append(" 0 0\n"); // field 22: start time in clock ticks since boot
        Files.writeString(process.resolve("stat"), stat);
        return proc;
    }

    private static void delete(final Path tree) throws IOException
    {
        try (var files = Files.walk(tree))
        {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    @Test
    void infoSaysNotRunningWhenTheCreatorsPidNowBelongsToAYoungerProcess() throws Exception
    {
        try (JavaProcess creator = JavaProcess.start(Shmipc.class, "create", "seg", "--pages", "1", "--dir", dir))
        {
            assertEquals(0, creator.waitFor(60), creator::describe);
        }
        final long creator = JSON.readTree(ok("info", "seg", "--json", "--dir", dir).out).get("creatorPid").asLong();
        final Path proc = fakeProc(ProcessHandle.current().pid(), creator);
        try
        {
            final JsonNode info =
                JSON.readTree(ok("info", "seg", "--json", "--proc", proc.toString(), "--dir", dir).out);
            assertEquals("not running", info.get("creatorAlive").asText(), info::toString);
            assertTrue(info.get("creatorAliveReason").asText().startsWith("process " + creator + " started at "),
                info::toString);
        }
        finally
        {
            delete(proc);
        }
    }
}
