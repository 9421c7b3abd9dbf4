package io.shmipc.interop;

import io.shmipc.segment.SegmentSecurity;
import io.shmipc.testing.OtherUsers;
import io.shmipc.testing.TestDirectory;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Java, C and Python end the same way on every case of the shared list of damaged and hostile files
 * ({@code clients/testdata/hostile-files.tsv}): the same refusal (or acceptance), with a message naming the bad
 * value. The cases that need root (giving a file to another user) carry the tag {@value OtherUsers#TAG} and run in
 * the root pass; those that need a non-root user (root ignores file modes) are reported as skipped when run as root.
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
     * Layout version 3 (lease words for exclusive writers, docs/FORMAT.md section 7.6) is the one place where the
     * languages differ on purpose: Java reads it; the C and Python clients implement version 2 and must refuse it,
     * which is what keeps them from writing a leased page.
     */
    @Test
    void aSegmentWithLeaseWordsOpensInJavaAndIsRefusedByTheVersionTwoClients() throws Exception
    {
        try (TestDirectory dir = TestDirectory.create())
        {
            final byte[] file = HostileCase.validFile();
            java.nio.ByteBuffer.wrap(file).order(java.nio.ByteOrder.LITTLE_ENDIAN).putInt(8, 3);
            final java.nio.file.Path path = dir.path().resolve("leased");
            java.nio.file.Files.write(path, file);
            java.nio.file.Files.setPosixFilePermissions(path, java.nio.file.attribute.PosixFilePermissions
                .fromString("rw-------"));
            for (final Language language : Language.values())
            {
                final ToolResult result = language.run("open", dir.path(), "leased", INIT_TIMEOUT_MILLIS);
                if (language == Language.JAVA)
                {
                    assertTrue(result.ok(), "Java must open a layout-version-3 segment: " + result);
                }
                else
                {
                    final String line = result.lastLine();
                    assertTrue(line.startsWith("ERROR invalid ") && line.contains("layout version 3"),
                        language + " must refuse layout version 3 as invalid: " + result);
                }
            }
        }
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
