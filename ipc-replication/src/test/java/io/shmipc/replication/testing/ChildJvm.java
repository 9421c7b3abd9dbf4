package io.shmipc.replication.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** A test's main class in a JVM of its own (this JVM's class path, Agrona's flag), output captured to a file. */
public final class ChildJvm implements AutoCloseable
{
    private final Process process;
    private final Path output;
    private final String description;

    private ChildJvm(final Process process, final Path output, final String description)
    {
        this.process = process;
        this.output = output;
        this.description = description;
    }

    /** Starts {@code mainClass} with {@code jvmOptions} and {@code args}. */
    public static ChildJvm start(final Class<?> mainClass, final List<String> jvmOptions, final String... args)
    {
        final List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("--add-exports");
        command.add("java.base/jdk.internal.misc=ALL-UNNAMED");
        command.addAll(io.shmipc.sys.NativeAccess.childJvmOptions());
        command.add("-Xmx256m");
        command.add("-XX:+UseSerialGC");
        command.addAll(jvmOptions);
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(mainClass.getName());
        command.addAll(List.of(args));
        try
        {
            final Path log = Files.createTempFile("shmipc-repl-child-", ".log");
            final ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(log.toFile());
            builder.environment().remove("JAVA_TOOL_OPTIONS");
            return new ChildJvm(builder.start(), log, mainClass.getSimpleName() + " " + String.join(" ", args));
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    /** @return the first line starting with {@code prefix}, waiting for it up to {@code timeoutSeconds}. */
    public String awaitLine(final String prefix, final long timeoutSeconds)
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
            if (!process.isAlive())
            {
                throw new AssertionError(description + " exited (" + process.exitValue() + ") without printing '" +
                    prefix + "':\n" + output());
            }
            if (System.nanoTime() - deadline >= 0)
            {
                throw new AssertionError(description + " did not print '" + prefix + "' within " + timeoutSeconds +
                    " s:\n" + output());
            }
            sleep(10);
        }
    }

    /** @return the value of {@code key=} in the first line starting with {@code prefix}. */
    public String awaitValue(final String prefix, final String key, final long timeoutSeconds)
    {
        for (final String token : awaitLine(prefix, timeoutSeconds).split(" "))
        {
            if (token.startsWith(key + "="))
            {
                return token.substring(key.length() + 1);
            }
        }
        throw new AssertionError("no " + key + "= in the '" + prefix + "' line of " + description);
    }

    /**
     * Kills the process (SIGKILL), waits for it to be gone, and removes the media driver directory it leaves
     * ({@code shmipc-aeron-<its pid>-*}).
     */
    public void kill()
    {
        process.destroyForcibly();
        awaitExit();
        removeDriverDirectories();
    }

    /** Stops the process (SIGTERM), waits for it to be gone, and removes a driver directory it left. */
    public int stop()
    {
        process.destroy();
        final int exit = awaitExit();
        removeDriverDirectories();
        return exit;
    }

    public long pid()
    {
        return process.pid();
    }

    public boolean isAlive()
    {
        return process.isAlive();
    }

    private int awaitExit()
    {
        try
        {
            if (!process.waitFor(30, TimeUnit.SECONDS))
            {
                process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
                throw new AssertionError(description + " did not stop within 30 s");
            }
            return process.exitValue();
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", ex);
        }
    }

    /** @return everything the process printed so far. */
    public String output()
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

    @Override
    public void close()
    {
        if (process.isAlive())
        {
            kill();
        }
        removeDriverDirectories();
        try
        {
            Files.deleteIfExists(output);
        }
        catch (final IOException ex)
        {
            // a leftover log in the temp directory is harmless
        }
    }

    /**
     * Removes the embedded media driver directories of this process, once it is gone: a killed child cannot remove
     * its own, and the next embedded driver removes another process's only after 30 s. Only directories named with
     * this child's PID are touched.
     */
    private void removeDriverDirectories()
    {
        if (process.isAlive())
        {
            return;
        }
        final Path shm = Path.of("/dev/shm");
        final Path parent = Files.isDirectory(shm) && Files.isWritable(shm) ? shm :
            Path.of(System.getProperty("java.io.tmpdir"));
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(parent, "shmipc-aeron-" + process.pid() + "-*"))
        {
            for (final Path dir : dirs)
            {
                Dirs.delete(dir);
            }
        }
        catch (final IOException | UncheckedIOException ex)
        {
            System.err.println("could not remove the media driver directory of " + description + ": " + ex);
        }
    }

    private static void sleep(final long millis)
    {
        try
        {
            Thread.sleep(millis);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", ex);
        }
    }
}
