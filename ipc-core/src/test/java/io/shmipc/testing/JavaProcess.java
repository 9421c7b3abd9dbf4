package io.shmipc.testing;

import io.shmipc.segment.AgronaAccess;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Starts a class's {@code main} in a separate JVM with this JVM's class path (and, unless told otherwise, the JVM
 * flag Agrona needs), capturing its output, so tests can put writers and readers in different processes.
 */
public final class JavaProcess implements AutoCloseable
{
    private final Process process;
    private final Path output;
    private final String description;

    private JavaProcess(final Process process, final Path output, final String description)
    {
        this.process = process;
        this.output = output;
        this.description = description;
    }

    /** Starts {@code mainClass} with {@code args} in a new JVM that has the Agrona flag. */
    public static JavaProcess start(final Class<?> mainClass, final String... args)
    {
        return start(true, mainClass, args);
    }

    /** Starts {@code mainClass} with {@code args} in a new JVM, with or without the Agrona flag. */
    public static JavaProcess start(final boolean agronaFlag, final Class<?> mainClass, final String... args)
    {
        final List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        if (agronaFlag)
        {
            command.addAll(List.of(AgronaAccess.requiredFlag().split(" ")));
        }
        command.add("-Xmx256m");
        command.add("-XX:+UseSerialGC");
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(mainClass.getName());
        command.addAll(List.of(args));
        try
        {
            final Path output = Files.createTempFile("shmipc-child-", ".log");
            final ProcessBuilder builder = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(output.toFile());
            builder.environment().remove("JAVA_TOOL_OPTIONS");
            return new JavaProcess(builder.start(), output, mainClass.getSimpleName() + " " + String.join(" ", args));
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    /** @return the process. */
    public Process process()
    {
        return process;
    }

    /** Waits for the process to exit, killing it after {@code timeoutSeconds}; returns the exit code. */
    public int waitFor(final long timeoutSeconds)
    {
        try
        {
            if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS))
            {
                process.destroyForcibly().waitFor();
                throw new AssertionError(description + " did not exit within " + timeoutSeconds + " s; output:\n" +
                    output());
            }
            return process.exitValue();
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted waiting for " + description, ex);
        }
    }

    /** @return everything the process printed so far (stdout and stderr). */
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

    /** @return the last line the process printed that starts with {@code prefix}, or {@code null}. */
    public String lastLineStartingWith(final String prefix)
    {
        String found = null;
        for (final String line : output().split("\n"))
        {
            if (line.startsWith(prefix))
            {
                found = line;
            }
        }
        return found;
    }

    /** @return the last line the process printed that contains {@code text}, or {@code null}. */
    public String lastLineContaining(final String text)
    {
        String found = null;
        for (final String line : output().split("\n"))
        {
            if (line.contains(text))
            {
                found = line;
            }
        }
        return found;
    }

    /** @return a description and the output, for assertion messages. */
    public String describe()
    {
        return description + ":\n" + output();
    }

    @Override
    public void close()
    {
        process.destroyForcibly();
        try
        {
            process.waitFor(10, TimeUnit.SECONDS);
            Files.deleteIfExists(output);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
        catch (final IOException ignore)
        {
            // a leftover temp file is harmless
        }
    }
}
