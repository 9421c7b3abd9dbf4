package io.shmipc.interop;

import io.shmipc.ExclusiveWriter;
import io.shmipc.SharedMemory;
import io.shmipc.segment.SegmentSecurity;
import io.shmipc.testing.OtherUsers;
import io.shmipc.testing.TestDirectory;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Java, C and Python end the same way on every case of the shared list of damaged and hostile files
 * ({@code clients/testdata/hostile-files.tsv}): the same refusal (or acceptance), with a message naming the bad
 * value. The cases that need root (giving a file to another user) carry the tag {@value OtherUsers#TAG} and run in
 * the root pass; those that need a non-root user (root ignores file modes) are reported as skipped when run as root.
 * Besides, the C and Python clients honour a Java exclusive writer's page leases (layout version 3).
 */
class HostileFilesInteropTest
{
    private static final String INIT_TIMEOUT_MILLIS = "300";

    @TestFactory
    Stream<DynamicTest> everyLanguageTreatsEachHostileFileTheSameWay()
    {
        final List<HostileCase> cases = HostileCase.load();
        assertTrue(cases.size() > 20, "the shared list has " + cases.size() + " cases");
        return cases.stream().filter(c -> !c.requires.equals("root"))
            .map(c -> DynamicTest.dynamicTest(c.name, () -> check(c)));
    }

    @Tag(OtherUsers.TAG)
    @TestFactory
    Stream<DynamicTest> everyLanguageTreatsEachRootOnlyHostileFileTheSameWay()
    {
        assertTrue(SegmentSecurity.effectiveUid() == 0, "tagged " + OtherUsers.TAG + ": run as root");
        return HostileCase.load().stream().filter(c -> c.requires.equals("root"))
            .map(c -> DynamicTest.dynamicTest(c.name, () -> check(c)));
    }

    @Tag(OtherUsers.TAG)
    @Test
    void aForeignOwnerIsAcceptedWhenAllowed() throws Exception
    {
        assertTrue(SegmentSecurity.effectiveUid() == 0, "tagged " + OtherUsers.TAG + ": run as root");
        try (TestDirectory dir = TestDirectory.create())
        {
            final HostileCase foreign = HostileCase.load().stream().filter(c -> c.name.equals("foreign-owner"))
                .findFirst().orElseThrow();
            foreign.build(dir.path());
            for (final Language language : Language.values())
            {
                final ToolResult result = language.run("open", dir.path(), foreign.name, INIT_TIMEOUT_MILLIS,
                    "allow-foreign");
                assertTrue(result.ok(), language + ": " + result);
            }
        }
    }

    /**
     * Layout version 3 (lease words for exclusive writers, docs/FORMAT.md section 7.6) across languages: a Java
     * exclusive writer publishes on its leased page 0; the C and Python clients read it, are refused a write to it
     * while Java lives (naming Java's owner slot, and leaving its bytes and its lease alone, also when the write
     * starts on page 1), and write page 1, which is not leased and which Java reads. The exclusive writer goes on
     * writing after each refusal, and the others read its new bytes. (The shared list above has version-3 files too:
     * every language opens them.)
     */
    @Test
    void cAndPythonReadAJavaExclusiveWritersPagesAndAreRefusedWritesToThem() throws Exception
    {
        try (TestDirectory dir = TestDirectory.create();
             SharedMemory shm = SharedMemory.builder("leased").directory(dir.path()).pages(2).pageSize(4096)
                 .leases(true).create();
             ExclusiveWriter publisher = shm.exclusiveWriter(0, 1))
        {
            final int slot = shm.ownerSlot();
            int published = 0x5A;
            publisher.write(0, filled(4096, published));
            for (final Language language : List.of(Language.C, Language.PYTHON))
            {
                final ToolResult info = language.run("info", dir.path(), "leased");
                assertTrue(info.output.contains("\nleases=" + slot + ",0\n"), language + ": " + info);
                assertTrue(language.run("check", dir.path(), "leased", "0", "4096", Integer.toString(published))
                    .ok(), language + " reads the exclusive writer's bytes");

                for (final String[] range : new String[][] {{"0", "4096"}, {"100", "50"}, {"4000", "200"}})
                {
                    final ToolResult refused = language.run("fill", dir.path(), "leased", range[0], range[1], "1");
                    assertEquals(3, refused.exitCode, language + ": " + refused);
                    assertTrue(refused.lastLine().startsWith("ERROR leased page=0 slot=" + slot + " ") &&
                        refused.lastLine().contains("owner slot " + slot), language + " must be refused the " +
                        "leased page, naming Java's slot " + slot + ": " + refused);
                }
                final byte[] page0 = new byte[4096];
                shm.read(0, page0);
                assertArrayEquals(filled(4096, published), page0, language + " wrote nothing on the leased page");
                assertEquals(slot, shm.leaseHolder(0), "the lease stays Java's");

                final int value = language == Language.C ? 0x0C : 0x0B;
                assertTrue(language.run("fill", dir.path(), "leased", "4096", "4096", Integer.toString(value)).ok(),
                    language + " writes page 1, not leased");
                final byte[] page1 = new byte[4096];
                shm.read(4096, page1);
                assertArrayEquals(filled(4096, value), page1, "Java reads " + language + "'s page 1");
                assertEquals(0, shm.leaseHolder(1));

                published++;
                publisher.write(0, filled(4096, published)); // the leased page was not left held nor blocked
                assertTrue(language.run("check", dir.path(), "leased", "0", "4096", Integer.toString(published))
                    .ok(), language + " reads the exclusive writer's next bytes");
            }
        }
    }

    private static byte[] filled(final int length, final int value)
    {
        final byte[] bytes = new byte[length];
        Arrays.fill(bytes, (byte)value);
        return bytes;
    }

    private static void check(final HostileCase hostile) throws Exception
    {
        assumeTrue(!hostile.requires.equals("nonroot") || SegmentSecurity.effectiveUid() != 0,
            "root ignores file modes: this case runs in the non-root pass");
        try (TestDirectory dir = TestDirectory.create())
        {
            hostile.build(dir.path());
            for (final Language language : Language.values())
            {
                final ToolResult result = language.run("open", dir.path(), hostile.name, INIT_TIMEOUT_MILLIS);
                final String line = result.lastLine();
                if (hostile.expect.equals("ok"))
                {
                    assertTrue(result.ok(), language + " must accept " + hostile + ": " + result);
                }
                else
                {
                    assertTrue(line.startsWith("ERROR " + hostile.expect + " "),
                        language + " must refuse " + hostile + " as " + hostile.expect + ": " + result);
                    assertTrue(hostile.mentions.equals("-") || line.contains(hostile.mentions),
                        language + "'s message must name '" + hostile.mentions + "': " + line);
                }
            }
        }
    }
}
