package io.shmipc.tools;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.HelpCommand;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code shmipc} command-line tool: list, create, remove, inspect, read, write, watch and monitor segments, and
 * run the demos. Exit status: 0 on success, 1 on an error (one line on stderr), 2 on a usage error.
 *
 * <p>Started by {@code scripts/shmipc} or {@code java -jar shmipc.jar}; tests call {@link #execute} in-process.
 */
@Command(
    name = "shmipc",
    mixinStandardHelpOptions = true,
    versionProvider = ShmipcVersion.class,
    description = "Inspect and use shm-ipc segments (files in /dev/shm with a per-page sequence lock).",
    commandListHeading = "%nCommands:%n",
    footer = {"", "Exit status: 0 success, 1 error, 2 usage error. Every command takes --dir (default /dev/shm)."})
public final class Shmipc implements Runnable
{
    /** The commands, in the order of the help; registered on demand (see {@code commandLine(out, err, args)}). */
    private static final Map<String, Class<?>> COMMANDS = commands();

    /** Exit status of a failed command. */
    public static final int EXIT_ERROR = CommandLine.ExitCode.SOFTWARE;
    /** Exit status of a command line that could not be parsed. */
    public static final int EXIT_USAGE = CommandLine.ExitCode.USAGE;

    @Spec
    private CommandSpec spec;

    /** Runs the tool and exits the JVM with its status. */
    public static void main(final String[] args)
    {
        final PrintWriter out = new PrintWriter(System.out, true, StandardCharsets.UTF_8);
        final PrintWriter err = new PrintWriter(System.err, true, StandardCharsets.UTF_8);
        System.exit(execute(out, err, args));
    }

    /**
     * Runs one command line with the given output streams, without exiting.
     *
     * @return the exit status: 0, 1 or 2.
     */
    public static int execute(final PrintWriter out, final PrintWriter err, final String... args)
    {
        final int status = commandLine(out, err, args).execute(args);
        out.flush();
        err.flush();
        return status;
    }

    /** @return the tool's command line with every command, printing to {@code out} and {@code err}. */
    public static CommandLine commandLine(final PrintWriter out, final PrintWriter err)
    {
        return commandLine(out, err, new String[0]);
    }

    /**
     * @return the tool's command line for {@code args}, printing to {@code out} and {@code err}. When {@code args}
     * names a command, only that one is registered: picocli reflects over every registered command's annotations
     * up front, which is most of a short command's start-up. Anything else (no command, a misspelt one, help) gets
     * them all, so usage and errors are the same as ever.
     */
    public static CommandLine commandLine(final PrintWriter out, final PrintWriter err, final String... args)
    {
        final CommandLine commandLine = new CommandLine(new Shmipc());
        final String first = args.length > 0 ? args[0] : "";
        if (COMMANDS.containsKey(first) && !"help".equals(first))
        {
            commandLine.addSubcommand(COMMANDS.get(first));
        }
        else
        {
            COMMANDS.values().forEach(commandLine::addSubcommand);
        }
        commandLine.setOut(out);
        commandLine.setErr(err);
        commandLine.setExecutionExceptionHandler(new ErrorReporter());
        commandLine.setCaseInsensitiveEnumValuesAllowed(true);
        commandLine.setUsageHelpAutoWidth(true);
        return commandLine;
    }

    private static Map<String, Class<?>> commands()
    {
        final Map<String, Class<?>> commands = new LinkedHashMap<>();
        for (final Class<?> command : List.of(LsCommand.class, CreateCommand.class, RmCommand.class,
            InfoCommand.class, ReadCommand.class, WriteCommand.class, WatchCommand.class, StatCommand.class,
            DemoCommand.class, HelpCommand.class))
        {
            commands.put(command.getAnnotation(Command.class).name(), command);
        }
        return commands;
    }

    /** Without a command: print the usage and fail as a usage error. */
    @Override
    public void run()
    {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing command");
    }
}
