package io.shmipc.examples;

import io.shmipc.testing.JavaProcess;
import io.shmipc.testing.TestDirectory;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The writer and reader demos, as two JVMs: the reader follows the writer's counter and nothing is left behind. */
class WriterReaderDemoTest
{
    @Test
    void readerFollowsWriterAcrossProcesses()
    {
        final String name = TestDirectory.uniqueName("demo-test");
        try (JavaProcess writer = JavaProcess.start(WriterDemo.class, name, "4", "1000");
            JavaProcess reader = JavaProcess.start(ReaderDemo.class, name, "30"))
        {
            assertEquals(0, reader.waitFor(60), reader.describe());
            assertEquals(0, writer.waitFor(60), writer.describe());
            final String finished = reader.lastLineContaining("reader: finished: saw counters");
            assertNotNull(finished, reader.describe());
            final String range = finished.replaceAll(".*saw counters (\\d+)\\.\\.(\\d+) in (\\d+) snapshots.*", "$1 $2 $3");
            final String[] parts = range.split(" ");
            final long first = Long.parseLong(parts[0]);
            final long last = Long.parseLong(parts[1]);
            final long snapshots = Long.parseLong(parts[2]);
            assertTrue(last > first && snapshots > 10, finished);
            assertTrue(writer.output().contains("writer: done after " + last + " updates"),
                "the reader saw the writer's last counter: " + writer.describe());
            assertFalse(Files.exists(Path.of("/dev/shm", name)), "segment unlinked");
        }
    }
}
