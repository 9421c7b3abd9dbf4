package io.shmipc.interop;

import io.shmipc.segment.AgronaAccess;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The three implementations of the segment format, each driven through its interop tool with the same commands
 * and output lines ({@code clients/c/tests/interop_tool.c} documents them): Java through {@link JavaTool}, in this
 * JVM or in a child JVM; C and Python through their tools in child processes.
 */
enum Language
{
    JAVA, C, PYTHON;

    /** The Java library's test hook (io.shmipc.lock.TestHooks): every write pauses this long holding its pages. */
    static final String JAVA_PAUSE_PROPERTY = "shmipc.test.pauseInWriteMillis";
    /** What the Java test hook prints when a write starts its pause. */
    static final String JAVA_PAUSED_MARKER = "SHMIPC-PAUSED-IN-WRITE";

    /** Runs {@code command DIR NAME args...} to completion (Java's in this JVM). */
    ToolResult run(final String command, final Path dir, final String name, final String... args)
    {
        final List<String> arguments = arguments(command, dir, name, args);
        if (this == JAVA)
        {
            return JavaTool.run(arguments);
        }
        return Clients.run(concat(tool(), arguments), null);
    }

    /** Starts {@code command DIR NAME args...} in a child process (Java's in a child JVM). */
    ToolProcess start(final String command, final Path dir, final String name, final String... args)
    {
        return ToolProcess.start(concat(processTool(), arguments(command, dir, name, args)));
    }

    /** @return the line prefix a {@code hold} command prints once it holds its pages with half its bytes copied. */
    String pausedMarker()
    {
        return this == JAVA ? JAVA_PAUSED_MARKER : "PAUSED";
    }

    private List<String> tool()
    {
        switch (this)
        {
            case C:
                return Clients.cTool();
            case PYTHON:
                return Clients.pythonTool();
            default:
                throw new IllegalStateException("Java runs in process");
        }
    }

    private List<String> processTool()
    {
        if (this != JAVA)
        {
            return tool();
        }
        final List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(List.of(AgronaAccess.requiredFlag().split(" ")));
        command.addAll(io.shmipc.sys.NativeAccess.childJvmOptions());
        if (Runtime.version().feature() >= 22)
        {
            command.add("--enable-native-access=ALL-UNNAMED"); // the library's FFM calls (futex, OFD locks)
        }
        // Every write pauses with its pages held (for hold; the other commands run in this JVM).
        command.add("-D" + JAVA_PAUSE_PROPERTY + "=600000");
        command.addAll(List.of("-Xmx128m", "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"),
            JavaTool.class.getName()));
        return command;
    }

    private static List<String> arguments(
        final String command, final Path dir, final String name, final String... args)
    {
        final List<String> arguments = new ArrayList<>(List.of(command, dir.toString(), name));
        arguments.addAll(List.of(args));
        return arguments;
    }

    private static List<String> concat(final List<String> first, final List<String> second)
    {
        final List<String> all = new ArrayList<>(first);
        all.addAll(second);
        return all;
    }

    @Override
    public String toString()
    {
        return this == PYTHON ? "Python" : this == JAVA ? "Java" : "C";
    }
}
