package io.shmipc;

import io.shmipc.testing.StressPattern;
import io.shmipc.testing.TestDirectory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * docs/FORMAT.md is enough to interoperate: a C11 program written from it alone (src/test/c/interop.c, using
 * shm_open, mmap and C11 atomics) validates a segment the library made, and writes and reads it concurrently with
 * Java writers and readers without a single torn read on either side.
 */
class CInteropTest
{
    private static final int PAGE = 4096;
    private static final int OFFSET = PAGE - 1000;
    private static final int WORDS = (PAGE + 2000) / Long.BYTES;
    private static final long MILLIS = 2_000;

    private static Path binary;

    @BeforeAll
    static void compile() throws Exception
    {
        final boolean gcc = run(Path.of("."), "sh", "-c", "command -v gcc").exitCode == 0;
        if (!gcc && "true".equals(System.getenv("CI")))
        {
            throw new AssertionError("gcc is required in CI for the C interoperability test");
        }
        assumeTrue(gcc, "gcc not found: the C interoperability test cannot run here");
        binary = Path.of("target", "interop").toAbsolutePath();
        Files.createDirectories(binary.getParent());
        final Result result = run(Path.of("."), "gcc", "-std=c11", "-O2", "-Wall", "-Wextra", "-Werror",
            "-o", binary.toString(), "src/test/c/interop.c");
        assertEquals(0, result.exitCode, "gcc failed:\n" + result.output);
    }

    @Test
    void cReadsTheHeaderAndVersionsJavaWrote() throws Exception
    {
        final String name = TestDirectory.uniqueName("interop-check");
        try (SharedMemory shm = SharedMemory.create(name, 3))
        {
            shm.writeLong(PAGE, 1);
            shm.writeLong(PAGE + 8, 2);
            final Result result = run(Path.of("."), binary.toString(), "check", name);
            assertEquals(0, result.exitCode, result.output);
            assertTrue(result.output.contains("pageSize=4096 pageCount=3 dataOffset=8192 fileLength=20480"),
                result.output);
            assertTrue(result.output.contains("version0=0\nversion1=2\nversion2=0"), result.output);
        }
        finally
        {
            SharedMemory.unlink(name);
        }
    }

    @Test
    void cAndJavaWriteAndReadConcurrentlyWithoutTearing() throws Exception
    {
        final String name = TestDirectory.uniqueName("interop-stress");
        try (SharedMemory shm = SharedMemory.create(name, 4))
        {
            new StressPattern(OFFSET, WORDS).write(shm, 0);
            final AtomicBoolean stop = new AtomicBoolean();
            final AtomicLong javaWrites = new AtomicLong();
            final AtomicLong torn = new AtomicLong();
            final AtomicLong sawC = new AtomicLong();
            final Thread writer = new Thread(() ->
            {
                final StressPattern pattern = new StressPattern(OFFSET, WORDS);
                long sequence = 0;
                while (!stop.get())
                {
                    pattern.write(shm, StressPattern.value(1, ++sequence));
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
                        torn.incrementAndGet();
                    }
                    else if (StressPattern.writer(value) == 2)
                    {
                        sawC.accumulateAndGet(StressPattern.sequence(value), Math::max);
                    }
                }
            });
            writer.start();
            reader.start();
            final Result c = run(Path.of("."), binary.toString(), "stress", name, String.valueOf(OFFSET),
                String.valueOf(WORDS), String.valueOf(MILLIS), "2");
            stop.set(true);
            writer.join(30_000);
            reader.join(30_000);

            assertEquals(0, c.exitCode, c.output);
            final Map<String, Long> values = parse(c.output);
            assertEquals(0L, values.get("torn"), "C saw torn reads: " + c.output);
            assertTrue(values.get("writes") > 100, c.output);
            assertTrue(values.get("max1") > 0 && values.get("max1") <= javaWrites.get(),
                "C saw the Java writer's progress: " + c.output + " java writes " + javaWrites.get());
            assertEquals(0, torn.get(), "Java saw torn reads");
            assertTrue(sawC.get() > 0 && sawC.get() <= values.get("writes"),
                "Java saw the C writer's progress: " + sawC.get());
        }
        finally
        {
            SharedMemory.unlink(name);
        }
    }

    private static Map<String, Long> parse(final String output)
    {
        final Map<String, Long> values = new HashMap<>();
        for (final String line : output.split("\n"))
        {
            if (line.startsWith("writes="))
            {
                for (final String pair : line.trim().split(" "))
                {
                    final String[] kv = pair.split("=");
                    values.put(kv[0], Long.parseLong(kv[1]));
                }
            }
        }
        assertTrue(values.containsKey("torn"), "no result line in: " + output);
        return values;
    }

    private static final class Result
    {
        final int exitCode;
        final String output;

        Result(final int exitCode, final String output)
        {
            this.exitCode = exitCode;
            this.output = output;
        }
    }

    private static Result run(final Path dir, final String... command) throws IOException, InterruptedException
    {
        final Process process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        final byte[] out = process.getInputStream().readAllBytes();
        if (!process.waitFor(60, TimeUnit.SECONDS))
        {
            process.destroyForcibly();
            throw new AssertionError(String.join(" ", command) + " did not finish");
        }
        return new Result(process.exitValue(), new String(out, StandardCharsets.UTF_8));
    }
}
