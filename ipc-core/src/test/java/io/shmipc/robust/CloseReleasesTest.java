package io.shmipc.robust;

import io.shmipc.SharedMemory;
import io.shmipc.segment.Attachments;
import io.shmipc.testing.JavaProcess;
import io.shmipc.testing.TestDirectoryExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What a handle holds goes when the last handle of its file closes, with no garbage collection: the descriptor, the
 * mapping, the owner slot. Handles of one file share one descriptor, so reopening costs none. Runs as any user.
 */
class CloseReleasesTest
{
    @RegisterExtension
    final TestDirectoryExtension dir = new TestDirectoryExtension();

    /** @return how many of this process's descriptors have {@code path} open. */
    private static long descriptorsOf(final Path path) throws IOException
    {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd")))
        {
            return fds.filter(fd ->
            {
                try
                {
                    return Files.readSymbolicLink(fd).equals(path);
                }
                catch (final IOException gone)
                {
                    return false;
                }
            }).count();
        }
    }

    /** @return how many mappings of {@code path} this process has. */
    private static long mappingsOf(final Path path) throws IOException
    {
        try (Stream<String> maps = Files.lines(Path.of("/proc/self/maps")))
        {
            return maps.filter(line -> line.endsWith(" " + path)).count();
        }
    }

    private String probe(final String name, final int slot)
    {
        try (JavaProcess child = JavaProcess.start(ChildMain.class, "probe", dir.path().toString(), name,
            String.valueOf(slot)))
        {
            assertEquals(0, child.waitFor(60), child.describe());
            return child.output().contains("ALIVE") ? "ALIVE" : child.output().contains("DEAD") ? "DEAD" :
                child.describe();
        }
    }

    /** Waits (up to 10 s) for the JDK 17 path, which detaches once no thread is inside a call. */
    private static void awaitDetached() throws InterruptedException
    {
        final long deadline = System.nanoTime() + 10_000_000_000L;
        while (Attachments.attachedCount() != 0 && System.nanoTime() < deadline)
        {
            Thread.sleep(1);
        }
    }

    @Test
    void closingTheLastHandleReleasesDescriptorMappingAndSlotWithoutGarbageCollection() throws Exception
    {
        final SharedMemory first = SharedMemory.builder("held").directory(dir.path()).pages(4).create();
        final Path path = first.path();
        final int slot = first.ownerSlot();
        final SharedMemory second = SharedMemory.builder("held").directory(dir.path()).open();
        assertEquals(1, descriptorsOf(path), "two handles, one descriptor");
        assertEquals(1, mappingsOf(path), "two handles, one mapping");
        assertEquals(slot, second.ownerSlot());

        second.close();
        assertEquals(1, descriptorsOf(path), "another handle still uses the file");
        assertEquals("ALIVE", probe("held", slot));
        first.writeLong(0, 1L);

        first.close();
        awaitDetached();
        assertEquals(0, descriptorsOf(path), "the last close closes the descriptor");
        assertEquals(0, mappingsOf(path), "and the mapping");
        assertEquals("DEAD", probe("held", slot), "and releases the owner slot");
    }

    @Test
    void reopeningAFileThatIsOpenCostsNoDescriptorEvenUnderASmallLimit()
    {
        SharedMemory.builder("reopened").directory(dir.path()).pages(1).create().close();
        try (JavaProcess child = JavaProcess.launch(ChildMain.class).fileLimit(256)
            .args("churn", dir.path().toString(), "reopened", "1000").start())
        {
            assertEquals(0, child.waitFor(120), child.describe());
            final String line = child.lastLineStartingWith("FDS ");
            assertTrue(line != null, child.describe());
            final String[] fields = line.split(" ");
            assertEquals(fields[1], fields[2], "descriptors before and after 1,000 open/close cycles: " + line);
            assertEquals("999", fields[4], line);
        }
    }

    @Test
    void runningOutOfDescriptorsIsReportedAsSuch()
    {
        try (JavaProcess child = JavaProcess.launch(ChildMain.class).fileLimit(64)
            .args("exhaust", dir.path().toString(), "many").start())
        {
            assertEquals(0, child.waitFor(120), child.describe());
            final String line = child.lastLineStartingWith("FAILED");
            assertTrue(line != null, child.describe());
            assertTrue(line.contains("SegmentIOException") && line.contains("Too many open files") &&
                line.contains("ulimit -n"), line);
        }
    }
}
