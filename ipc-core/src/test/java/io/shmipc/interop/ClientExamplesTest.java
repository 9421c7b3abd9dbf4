package io.shmipc.interop;

import io.shmipc.SharedMemory;
import io.shmipc.testing.TestDirectoryExtension;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The reader examples of docs/CLIENTS.md ({@code clients/python/examples/reader.py}, {@code
 * clients/c/examples/reader.c}) follow a Java publisher that writes what the Java WriterDemo writes: a counter and
 * a timestamp at offset 0, then counter -1. Each prints the counters it saw, in order, and stops at the end.
 */
class ClientExamplesTest
{
    private static final int READER_LINES_BEFORE_END = 20;

    @RegisterExtension
    final TestDirectoryExtension dir = new TestDirectoryExtension();

    @Test
    void thePythonAndCReaderExamplesFollowAJavaPublisher()
    {
        final String reader = Clients.cBuildDirectory().resolve("reader").toString();
        final String python = Clients.python();
        try (SharedMemory shm = SharedMemory.builder("quotes").directory(dir.path()).pages(1).create())
        {
            final UnsafeBuffer record = new UnsafeBuffer(new byte[16]);
            publish(shm, record, 0);
            try (ToolProcess pythonReader = ToolProcess.start(List.of(python,
                     Clients.root().resolve("clients/python/examples/reader.py").toString(), "quotes",
                     dir.path().toString()),
                     Map.of("PYTHONPATH", Clients.root().resolve("clients/python").toString()));
                 ToolProcess cReader = ToolProcess.start(List.of(reader, "quotes", dir.path().toString())))
            {
                // Publish every millisecond until both readers have printed a good number of records.
                final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                long counter = 0;
                while (lines(pythonReader) < READER_LINES_BEFORE_END || lines(cReader) < READER_LINES_BEFORE_END)
                {
                    assertTrue(System.nanoTime() < deadline, "readers too slow:\n" + pythonReader.output() + "\n" +
                        cReader.output());
                    publish(shm, record, ++counter);
                    ToolProcess.sleep(1);
                }
                publish(shm, record, -1);
                for (final ToolProcess process : List.of(pythonReader, cReader))
                {
                    final ToolResult result = process.await(60);
                    assertEquals(0, result.exitCode, result.toString());
                    assertCountersAscend(result.output, counter);
                }
            }
        }
    }

    private static void publish(final SharedMemory shm, final UnsafeBuffer record, final long counter)
    {
        record.putLong(0, counter);
        record.putLong(8, System.nanoTime());
        shm.write(0, record, 0, 16);
    }

    private static int lines(final ToolProcess process)
    {
        return (int)process.output().lines().filter(l -> l.startsWith("counter=")).count();
    }

    private static void assertCountersAscend(final String output, final long last)
    {
        long previous = -1;
        int distinct = 0;
        for (final String line : output.strip().split("\n"))
        {
            assertTrue(line.matches("counter=\\d+ nanos=\\d+"), "unexpected line '" + line + "' in:\n" + output);
            final long counter = Long.parseLong(line.substring("counter=".length(), line.indexOf(' ')));
            assertTrue(counter >= previous && counter <= last, "counter " + counter + " after " + previous);
            distinct += counter != previous ? 1 : 0;
            previous = counter;
        }
        assertTrue(distinct >= READER_LINES_BEFORE_END / 2, "few distinct records:\n" + output);
    }
}
