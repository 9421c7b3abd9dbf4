package io.shmipc;

import io.shmipc.testing.JavaProcess;
import io.shmipc.testing.StressPattern;
import io.shmipc.testing.StressWorker;
import io.shmipc.testing.TestDirectory;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two writer JVMs and two reader JVMs hammer one range that straddles three pages for a few seconds: zero torn reads
 * in any reader, and every reader sees both writers' progress.
 */
class MultiProcessStressTest
{
    private static final int PAGE = 4096;
    private static final int OFFSET = PAGE - 1000;
    private static final int WORDS = (PAGE + 2000) / Long.BYTES;
    private static final long MILLIS = 3_000;

    @Test
    void writersAndReadersInSeparateProcessesNeverTear() throws Exception
    {
        try (TestDirectory dir = TestDirectory.create();
            SharedMemory shm = SharedMemory.builder("mp").directory(dir.path()).pages(4).create())
        {
            new StressPattern(OFFSET, WORDS).write(shm, 0); // the initial state is a valid pattern too
            final List<JavaProcess> writers = new ArrayList<>();
            final List<JavaProcess> readers = new ArrayList<>();
            try
            {
                for (int i = 1; i <= 2; i++)
                {
                    readers.add(start("reader", dir, i));
                    writers.add(start("writer", dir, i));
                }
                // all four start together once every one has the segment open (JVMs start seconds apart under load)
                for (final JavaProcess process : readers)
                {
                    process.awaitLine("ready", 60);
                }
                for (final JavaProcess process : writers)
                {
                    process.awaitLine("ready", 60);
                }
                Files.createFile(dir.path().resolve(StressWorker.GO_FILE));
                final Map<Integer, Long> writes = new HashMap<>();
                for (int i = 0; i < writers.size(); i++)
                {
                    final JavaProcess writer = writers.get(i);
                    assertEquals(0, writer.waitFor(60), writer.describe());
                    final String line = writer.lastLineStartingWith("writes=");
                    assertNotNull(line, writer.describe());
                    writes.put(i + 1, Long.parseLong(line.substring("writes=".length())));
                    assertTrue(writes.get(i + 1) > 100, writer.describe());
                }
                for (final JavaProcess reader : readers)
                {
                    assertEquals(0, reader.waitFor(60), reader.describe());
                    final Map<String, Long> result = parse(reader.lastLineStartingWith("reads="), reader);
                    assertEquals(0L, result.get("torn"), "torn reads: " + reader.describe());
                    assertTrue(result.get("reads") > 100, reader.describe());
                    for (int w = 1; w <= 2; w++)
                    {
                        final long seen = result.get("max" + w);
                        assertTrue(seen > 0 && seen <= writes.get(w),
                            "reader saw writer " + w + " progress " + seen + " of " + writes.get(w) + ": " +
                            reader.describe());
                    }
                }
                // after everyone is done, the range holds one writer's last complete write
                final long last = new StressPattern(OFFSET, WORDS).read(shm, 0, WORDS);
                final int writer = StressPattern.writer(last);
                assertTrue(writer == 1 || writer == 2, "final value " + Long.toHexString(last));
                assertEquals((long)writes.get(writer), StressPattern.sequence(last));
            }
            finally
            {
                writers.forEach(JavaProcess::close);
                readers.forEach(JavaProcess::close);
            }
        }
    }

    private static JavaProcess start(final String role, final TestDirectory dir, final int id)
    {
        return JavaProcess.start(StressWorker.class, role, dir.path().toString(), "mp", String.valueOf(MILLIS),
            String.valueOf(id), String.valueOf(OFFSET), String.valueOf(WORDS));
    }

    private static Map<String, Long> parse(final String line, final JavaProcess process)
    {
        assertNotNull(line, process.describe());
        final Map<String, Long> values = new HashMap<>();
        for (final String pair : line.trim().split(" "))
        {
            final String[] kv = pair.split("=");
            values.put(kv[0], Long.parseLong(kv[1]));
        }
        return values;
    }
}
