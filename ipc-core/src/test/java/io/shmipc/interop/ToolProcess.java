package io.shmipc.interop;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** An interop tool running in a child process, its output collected in a file, killed with SIGKILL at the end. */
final class ToolProcess implements AutoCloseable
{
    private final Process process;
    private final Path output;
    private final String description;

    private ToolProcess(final Process process, final Path output, final String description)
    {
        this.process = process;
        this.output = output;
        this.description = description;
    }

    static ToolProcess start(final List<String> command)
    {
        return start(command, Map.of());
    }

    /** Starts {@code command} with {@code environment} added to this process's. */
    static ToolProcess start(final List<String> command, final Map<String, String> environment)
    {
        try
        {
            final Path output = Files.createTempFile("shmipc-interop-", ".log");
            final ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(output.toFile());
            builder.environment().remove("JAVA_TOOL_OPTIONS");
            builder.environment().putAll(environment);
            return new ToolProcess(builder.start(), output, String.join(" ", command));
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    /** @return the first line starting with {@code prefix}, waiting for it. */
    String awaitLine(final String prefix, final long timeoutSeconds)
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
        while (true)
        {
            for (final String line : output().split("\n"))
            {
                if (line.startsWith(prefix))
                {
                    return line;
                }
            }
            if (!process.isAlive() || System.nanoTime() - deadline >= 0)
            {
                throw new AssertionError(description + (process.isAlive() ? " did not print '" : " exited without '") +
                    prefix + "':\n" + output());
            }
            sleep(5);
        }
    }

    /** Waits for the process to exit and returns what it printed. */
    ToolResult await(final long timeoutSeconds)
    {
        try
        {
            if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS))
            {
                throw new AssertionError(description + " did not exit within " + timeoutSeconds + " s:\n" + output());
            }
            return new ToolResult(process.exitValue(), output());
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new AssertionError(ex);
        }
    }

    /** Kills the process with SIGKILL and waits until it is gone. */
    void kill()
    {
        process.destroyForcibly();
        try
        {
            if (!process.waitFor(30, TimeUnit.SECONDS))
            {
                throw new AssertionError(description + " survived SIGKILL");
            }
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new AssertionError(ex);
        }
    }

    String output()
    {
        try
        {
            return Files.readString(output, StandardCharsets.UTF_8);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    static void sleep(final long millis)
    {
        try
        {
            Thread.sleep(millis);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new AssertionError(ex);
        }
    }

    @Override
    public void close()
    {
        kill();
        try
        {
            Files.deleteIfExists(output);
        }
        catch (final IOException ignore)
        {
            // a leftover log in the temp directory is harmless
        }
    }
}
