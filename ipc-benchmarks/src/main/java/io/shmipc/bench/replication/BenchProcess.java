package io.shmipc.bench.replication;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** A {@link BenchNode} in a JVM of its own; closing it closes the node's standard input, which ends it. */
final class BenchProcess implements AutoCloseable
{
    private final Process process;
    private final List<String> lines = new ArrayList<>();
    private final String description;

    private BenchProcess(final Process process, final String description)
    {
        this.process = process;
        this.description = description;
        final Thread reader = new Thread(() ->
        {
            try (BufferedReader out = new BufferedReader(
                new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8)))
            {
                String line;
                while ((line = out.readLine()) != null)
                {
                    synchronized (lines)
                    {
                        lines.add(line);
                    }
                }
            }
            catch (final IOException ignored)
            {
                // process gone
            }
        }, "output-" + description);
        reader.setDaemon(true);
        reader.start();
    }

    static BenchProcess start(final String... args)
    {
        final List<String> command = new ArrayList<>(List.of(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED", "-Xmx512m", "-XX:+UseSerialGC",
            "-Dshmipc.log.level=WARN", "-cp", System.getProperty("java.class.path"), BenchNode.class.getName()));
        command.addAll(1, io.shmipc.sys.NativeAccess.childJvmOptions());
        command.addAll(List.of(args));
        try
        {
            final ProcessBuilder builder = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT);
            builder.environment().remove("JAVA_TOOL_OPTIONS");
            return new BenchProcess(builder.start(), String.join(" ", args));
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    /** @return the last line starting with {@code prefix}, waiting up to {@code seconds} for one. */
    String awaitLine(final String prefix, final long seconds) throws InterruptedException
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (System.nanoTime() - deadline < 0)
        {
            synchronized (lines)
            {
                for (int i = lines.size() - 1; i >= 0; i--)
                {
                    if (lines.get(i).startsWith(prefix))
                    {
                        return lines.get(i);
                    }
                }
            }
            if (!process.isAlive())
            {
                break;
            }
            Thread.sleep(5);
        }
        throw new IllegalStateException(description + " printed no '" + prefix + "' line (alive: " +
            process.isAlive() + ")");
    }

    /** Closes its input and waits for the final line starting with {@code prefix}. */
    String finish(final String prefix) throws InterruptedException, IOException
    {
        process.getOutputStream().close();
        process.waitFor(30, TimeUnit.SECONDS);
        return awaitLine(prefix, 5);
    }

    long pid()
    {
        return process.pid();
    }

    /** @return user plus system CPU time of the process so far, in nanoseconds (from /proc/PID/stat). */
    long cpuNanos()
    {
        try
        {
            final String stat = Files.readString(Path.of("/proc/" + process.pid() + "/stat"));
            final String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            final long ticks = Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
            return ticks * TimeUnit.SECONDS.toNanos(1) / 100; // USER_HZ is 100 on Linux
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    @Override
    public void close()
    {
        try
        {
            process.getOutputStream().close();
            if (!process.waitFor(20, TimeUnit.SECONDS))
            {
                process.destroyForcibly().waitFor();
            }
        }
        catch (final IOException | InterruptedException ex)
        {
            process.destroyForcibly();
        }
    }
}
