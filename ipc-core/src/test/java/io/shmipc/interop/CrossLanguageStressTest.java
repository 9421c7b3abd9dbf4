package io.shmipc.interop;

import io.shmipc.SharedMemory;
import io.shmipc.layout.CounterId;
import io.shmipc.testing.StressPattern;
import io.shmipc.testing.TestDirectoryExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Java, C and Python writers and readers on one record that straddles three pages, all at once: a Java writer and
 * a Java reader thread in this JVM, a C process and a Python process that each write the record and read it back
 * in turns. Every write stamps a self-checking pattern ({@link StressPattern}); not one read of any of them may mix
 * two writes, and each must see the others' writes.
 */
class CrossLanguageStressTest
{
    private static final int PAGE = 4096;
    private static final int OFFSET = PAGE - 1000;
    private static final int WORDS = (PAGE + 2000) / Long.BYTES;
    private static final String MILLIS = "3000";
    private static final int JAVA_ID = 1;
    private static final int C_ID = 2;
    private static final int PYTHON_ID = 3;

    @RegisterExtension
    final TestDirectoryExtension dir = new TestDirectoryExtension();

    @Test
    void javaCAndPythonWriteAndReadOneMultiPageRecordConcurrentlyWithoutATornRead() throws Exception
    {
        Clients.cTool();
        try (SharedMemory shm = SharedMemory.builder("stress").directory(dir.path()).pages(4).create())
        {
            new StressPattern(OFFSET, WORDS).write(shm, StressPattern.value(JAVA_ID, 0));
            final AtomicBoolean stop = new AtomicBoolean();
            final AtomicLong javaWrites = new AtomicLong();
            final AtomicLong javaTorn = new AtomicLong();
            final AtomicLongArray javaSaw = new AtomicLongArray(8);
            final Thread writer = new Thread(() ->
            {
                final StressPattern pattern = new StressPattern(OFFSET, WORDS);
                long sequence = 0;
                while (!stop.get())
                {
                    pattern.write(shm, StressPattern.value(JAVA_ID, ++sequence));
                }
                javaWrites.set(sequence);
            });
            final Thread reader = new Thread(() ->
            {
                final StressPattern pattern = new StressPattern(OFFSET, WORDS);
                while (!stop.get())
                {
                    final long value = pattern.read(shm, 0, WORDS);
                    if (value == -1)
                    {
                        javaTorn.incrementAndGet();
                    }
                    else
                    {
                        javaSaw.accumulateAndGet(StressPattern.writer(value), StressPattern.sequence(value), Math::max);
                    }
                }
            });
            final String[] args = {String.valueOf(OFFSET), String.valueOf(WORDS), MILLIS};
            writer.start();
            reader.start();
            final Map<String, Long> c;
            final Map<String, Long> python;
            try (ToolProcess cProcess = Language.C.start("stress", dir.path(), "stress", with(args, C_ID));
                 ToolProcess pyProcess = Language.PYTHON.start("stress", dir.path(), "stress", with(args, PYTHON_ID)))
            {
                c = parse(cProcess.await(120));
                python = parse(pyProcess.await(120));
            }
            finally
            {
                stop.set(true);
                writer.join(30_000);
                reader.join(30_000);
            }

            assertEquals(0L, c.get("torn"), "C saw torn reads: " + c);
            assertEquals(0L, python.get("torn"), "Python saw torn reads: " + python);
            assertEquals(0, javaTorn.get(), "Java saw torn reads");
            assertTrue(javaSaw.get(C_ID) > 0 && javaSaw.get(PYTHON_ID) > 0,
                "Java's reader saw C's and Python's writes: " + javaSaw);
            assertTrue(c.get("max" + JAVA_ID) + c.get("max" + PYTHON_ID) > 0, "C saw another writer: " + c);
            assertTrue(python.get("max" + JAVA_ID) + python.get("max" + C_ID) > 0, "Python saw another writer: " +
                python);
            assertTrue(javaWrites.get() > 0 && c.get("writes") > 0 && python.get("writes") > 0);
            assertTrue(javaSaw.get(C_ID) <= c.get("writes") && javaSaw.get(PYTHON_ID) <= python.get("writes"),
                "no sequence beyond what was written");
            assertEquals(0, shm.counter(CounterId.OWNER_RECOVERIES), "live writers are never taken over");
        }
    }

    private static String[] with(final String[] args, final int id)
    {
        final String[] all = java.util.Arrays.copyOf(args, args.length + 1);
        all[args.length] = String.valueOf(id);
        return all;
    }

    private static Map<String, Long> parse(final ToolResult result)
    {
        assertEquals(0, result.exitCode, result.toString());
        final Map<String, Long> values = new HashMap<>();
        for (final String pair : result.lastLine().split(" "))
        {
            final String[] kv = pair.split("=");
            values.put(kv[0], Long.parseLong(kv[1]));
        }
        assertTrue(values.containsKey("torn") && values.containsKey("max7"), "no result line: " + result);
        return values;
    }
}
