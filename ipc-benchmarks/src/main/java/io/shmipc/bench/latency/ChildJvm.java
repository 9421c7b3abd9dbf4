package io.shmipc.bench.latency;

import io.shmipc.segment.AgronaAccess;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A benchmark process: a main class of this module in a new JVM with this JVM's class path and Agrona's flag. Its
 * standard output is read line by line by the launcher; its standard error goes to the launcher's.
 */
public final class ChildJvm implements AutoCloseable
{
    private final Process process;
    private final BufferedReader output;
    private final String description;

    private ChildJvm(final Process process, final String description)
    {
        this.process = process;
        this.output = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        this.description = description;
    }

    /** Starts {@code mainClass} with {@code args}. */
    static ChildJvm start(final Class<?> mainClass, final List<String> jvmArgs, final String... args)
        throws IOException
    {
        return start(Path.of(System.getProperty("java.home")), mainClass, jvmArgs, args);
    }

    /**
     * Starts {@code mainClass} with {@code args} on the JDK at {@code javaHome}, which may differ from this JVM's (the
     * class path is this JVM's; its classes are Java 17 bytecode).
     *
     * @param javaHome  the JDK or JRE to run.
     * @param mainClass the class.
     * @param jvmArgs   JVM options.
     * @param args      program arguments.
     * @return the process.
     * @throws IOException if it cannot start.
     */
    public static ChildJvm start(final Path javaHome, final Class<?> mainClass, final List<String> jvmArgs,
        final String... args) throws IOException
    {
        final List<String> command = new ArrayList<>();
        command.add(javaHome.resolve("bin").resolve("java").toString());
        command.addAll(List.of(AgronaAccess.requiredFlag().split(" ")));
        if (featureVersion(javaHome) >= 22)
        {
            command.add("--enable-native-access=ALL-UNNAMED");
        }
        command.addAll(jvmArgs);
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(mainClass.getName());
        command.addAll(List.of(args));
        final ProcessBuilder builder = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT);
        builder.environment().remove("JAVA_TOOL_OPTIONS");
        return new ChildJvm(builder.start(), mainClass.getSimpleName() + " " + String.join(" ", args));
    }

    /**
     * Starts any program (a C benchmark, say), reading its output as for a JVM.
     *
     * @param command the program and its arguments.
     * @return the process.
     * @throws IOException if it cannot start.
     */
    public static ChildJvm startProgram(final List<String> command) throws IOException
    {
        final ProcessBuilder builder = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT);
        return new ChildJvm(builder.start(), String.join(" ", command));
    }

    /** @return the process id (in this PID namespace). */
    public long pid()
    {
        return process.pid();
    }

    /**
     * @param javaHome a JDK or JRE.
     * @return its feature version (17, 25...), from its {@code release} file; this JVM's if that cannot be read.
     */
    public static int featureVersion(final Path javaHome)
    {
        try
        {
            for (final String line : java.nio.file.Files.readAllLines(javaHome.resolve("release")))
            {
                if (line.startsWith("JAVA_VERSION="))
                {
                    final String version = line.substring("JAVA_VERSION=".length()).replace("\"", "");
                    return Integer.parseInt(version.split("[.+-]")[0]);
                }
            }
        }
        catch (final IOException | RuntimeException ignore)
        {
            // fall through
        }
        return Runtime.version().feature();
    }

    /**
     * @return the next output line that starts with {@code prefix}, skipping others.
     * @throws IOException if the process ends first.
     */
    public String awaitLine(final String prefix) throws IOException
    {
        String line;
        while ((line = output.readLine()) != null)
        {
            if (line.startsWith(prefix))
            {
                return line;
            }
        }
        throw new IOException(description + " ended (exit " + exitCodeOrRunning() + ") without printing '" +
            prefix + "'");
    }

    /** Waits for the process to end; kills it and fails after {@code timeoutSeconds}. */
    public void awaitExit(final long timeoutSeconds) throws IOException, InterruptedException
    {
        if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS))
        {
            process.destroyForcibly().waitFor();
            throw new IOException(description + " did not end within " + timeoutSeconds + " s");
        }
        if (process.exitValue() != 0)
        {
            throw new IOException(description + " failed with exit code " + process.exitValue());
        }
    }

    private String exitCodeOrRunning()
    {
        try
        {
            return process.waitFor(5, TimeUnit.SECONDS) ? Integer.toString(process.exitValue()) : "still running";
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            return "unknown";
        }
    }

    @Override
    public void close()
    {
        if (process.isAlive())
        {
            process.destroyForcibly();
        }
        try
        {
            output.close();
        }
        catch (final IOException ignore)
        {
            // the process is gone
        }
    }
}
