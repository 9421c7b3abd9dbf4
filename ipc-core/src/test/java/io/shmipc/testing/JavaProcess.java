package io.shmipc.testing;

import io.shmipc.segment.AgronaAccess;
import io.shmipc.sys.NativeAccess;

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
        return start(agronaFlag, List.of(), mainClass, args);
    }

    /** Starts {@code mainClass} with {@code args} in a new JVM that has the Agrona flag and {@code jvmOptions}. */
    public static JavaProcess startWith(final List<String> jvmOptions, final Class<?> mainClass, final String... args)
    {
        return start(true, jvmOptions, mainClass, args);
    }

    private static JavaProcess start(
        final boolean agronaFlag, final List<String> jvmOptions, final Class<?> mainClass, final String... args)
    {
        return launch(mainClass).agronaFlag(agronaFlag).jvmOptions(jvmOptions).args(args).start();
    }

    /** @return a launch of {@code mainClass} to configure further: user, descriptor limit, options. */
    public static Launch launch(final Class<?> mainClass)
    {
        return new Launch(mainClass);
    }

    /** How to start a child JVM: with or without the Agrona flag, as another user, under a descriptor limit. */
    public static final class Launch
    {
        private final Class<?> mainClass;
        private boolean agronaFlag = true;
        private List<String> jvmOptions = List.of();
        private List<String> args = List.of();
        private List<String> prefix = List.of();
        private String classPath = System.getProperty("java.class.path");
        private String description = "";

        private Launch(final Class<?> mainClass)
        {
            this.mainClass = mainClass;
        }

        /** @return this launch, with or without the flag Agrona needs. */
        public Launch agronaFlag(final boolean agronaFlag)
        {
            this.agronaFlag = agronaFlag;
            return this;
        }

        /** @return this launch, with these JVM options. */
        public Launch jvmOptions(final List<String> jvmOptions)
        {
            this.jvmOptions = List.copyOf(jvmOptions);
            return this;
        }

        /** @return this launch, with these program arguments. */
        public Launch args(final String... args)
        {
            this.args = List.of(args);
            return this;
        }

        /**
         * Runs the child as user {@code uid} and group {@code gid} ({@code setpriv}; needs root) with a copy of the
         * class path that user can read.
         *
         * @return this launch.
         */
        public Launch asUser(final int uid, final int gid)
        {
            this.prefix = concat(prefix, OtherUsers.commandPrefix(uid, gid));
            this.classPath = OtherUsers.readableClassPath();
            this.description += " as uid " + uid;
            return this;
        }

        /** @return this launch, under {@code ulimit -n limit}. */
        public Launch fileLimit(final int limit)
        {
            this.prefix = concat(prefix, List.of("prlimit", "--nofile=" + limit + ":" + limit, "--"));
            this.description += " with ulimit -n " + limit;
            return this;
        }

        /** Starts the child, capturing its output. */
        public JavaProcess start()
        {
            final List<String> command = new ArrayList<>(prefix);
            command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            if (agronaFlag)
            {
                command.addAll(List.of(AgronaAccess.requiredFlag().split(" ")));
            }
            command.addAll(NativeAccess.childJvmOptions());
            command.addAll(jvmOptions);
            command.add("-Xmx256m");
            command.add("-XX:+UseSerialGC");
            command.add("-cp");
            command.add(classPath);
            command.add(mainClass.getName());
            command.addAll(args);
            try
            {
                final Path output = Files.createTempFile("shmipc-child-", ".log");
                final ProcessBuilder builder = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(output.toFile());
                builder.environment().remove("JAVA_TOOL_OPTIONS");
                return new JavaProcess(builder.start(), output,
                    mainClass.getSimpleName() + " " + String.join(" ", args) + description);
            }
            catch (final IOException ex)
            {
                throw new UncheckedIOException(ex);
            }
        }

        private static List<String> concat(final List<String> a, final List<String> b)
        {
            final List<String> all = new ArrayList<>(a);
            all.addAll(b);
            return all;
        }
    }

    /** @return the process. */
    public Process process()
    {
        return process;
    }

    /** @return the process id (in this PID namespace). */
    public long pid()
    {
        return process.pid();
    }

    /**
     * Waits until the process prints a line starting with {@code prefix} and returns it.
     *
     * @throws AssertionError if the process exits, or {@code timeoutSeconds} pass, first.
     */
    public String awaitLine(final String prefix, final long timeoutSeconds)
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
        while (true)
        {
            final String line = lastLineStartingWith(prefix);
            if (line != null)
            {
                return line;
            }
            if (!process.isAlive())
            {
                throw new AssertionError(description + " exited (" + process.exitValue() + ") without printing '" +
                    prefix + "'; output:\n" + output());
            }
            if (System.nanoTime() - deadline >= 0)
            {
                throw new AssertionError(description + " did not print '" + prefix + "' within " + timeoutSeconds +
                    " s; output:\n" + output());
            }
            try
            {
                Thread.sleep(2);
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted waiting for " + description, ex);
            }
        }
    }

    /** Kills the process with SIGKILL ({@link Process#destroyForcibly()} on Linux) and waits until it is gone. */
    public void kill()
    {
        process.destroyForcibly();
        try
        {
            if (!process.waitFor(30, TimeUnit.SECONDS))
            {
                throw new AssertionError(description + " survived SIGKILL for 30 s");
            }
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted killing " + description, ex);
        }
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
