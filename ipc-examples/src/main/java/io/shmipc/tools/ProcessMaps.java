package io.shmipc.tools;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Which processes have files of one directory mapped, from {@code /proc/<pid>/maps}. Only processes this user may
 * read and that share this PID namespace show up: a process in another container is invisible here even when it maps
 * the same segment.
 */
final class ProcessMaps
{
    private static final String DELETED = " (deleted)";

    private final Path proc;
    private final Map<String, Set<Long>> pidsByName;
    private final Map<Long, String> commands;

    private ProcessMaps(final Path proc, final Map<String, Set<Long>> pidsByName, final Map<Long, String> commands)
    {
        this.proc = proc;
        this.pidsByName = pidsByName;
        this.commands = commands;
    }

    /** Scans {@code proc} (normally {@code /proc}) for mappings of files directly in {@code directory}. */
    static ProcessMaps scan(final Path proc, final Path directory)
    {
        final String prefix = realPath(directory) + "/";
        final Map<String, Set<Long>> pidsByName = new TreeMap<>();
        final Map<Long, String> commands = new TreeMap<>();
        try (DirectoryStream<Path> processes = Files.newDirectoryStream(proc, entry -> isPid(entry.getFileName())))
        {
            for (final Path process : processes)
            {
                final long pid = Long.parseLong(process.getFileName().toString());
                for (final String name : mappedNames(process.resolve("maps"), prefix))
                {
                    pidsByName.computeIfAbsent(name, k -> new TreeSet<>()).add(pid);
                    commands.computeIfAbsent(pid, p -> command(process));
                }
            }
        }
        catch (final IOException | RuntimeException ex)
        {
            // no /proc (not Linux) or it vanished: nothing is known to map anything
        }
        return new ProcessMaps(proc, pidsByName, commands);
    }

    /** @return the PIDs that map file {@code name} of the directory, ascending (empty if none are visible). */
    Set<Long> pids(final String name)
    {
        return pidsByName.getOrDefault(name, Set.of());
    }

    /** @return the command name ({@code /proc/<pid>/comm}) of a PID returned by {@link #pids}. */
    String command(final long pid)
    {
        return commands.getOrDefault(pid, "?");
    }

    /**
     * @return the whole command line of a PID returned by {@link #pids} ({@code /proc/<pid>/cmdline}, arguments
     * separated by spaces), or {@code "?"} if it cannot be read (the process exited, or is a kernel thread).
     */
    String commandLine(final long pid)
    {
        try
        {
            final byte[] raw = Files.readAllBytes(proc.resolve(Long.toString(pid)).resolve("cmdline"));
            int end = raw.length;
            while (end > 0 && raw[end - 1] == 0)
            {
                end--;
            }
            final String line = new String(raw, 0, end, StandardCharsets.UTF_8).replace('\0', ' ');
            return line.isEmpty() ? "?" : line;
        }
        catch (final IOException | RuntimeException ex)
        {
            return "?";
        }
    }

    private static List<String> mappedNames(final Path maps, final String prefix)
    {
        final List<String> names = new ArrayList<>();
        try (BufferedReader reader = Files.newBufferedReader(maps, StandardCharsets.UTF_8))
        {
            String line;
            while ((line = reader.readLine()) != null)
            {
                // address perms offset dev inode path: the path is the only field that contains '/'.
                final int slash = line.indexOf('/');
                if (slash < 0 || !line.startsWith(prefix, slash))
                {
                    continue;
                }
                final String name = line.substring(slash + prefix.length());
                if (name.endsWith(DELETED))
                {
                    continue; // unlinked: no longer the file of that name
                }
                if (!name.isEmpty() && name.indexOf('/') < 0 && !names.contains(name))
                {
                    names.add(name);
                }
            }
        }
        catch (final IOException | RuntimeException ex)
        {
            // not ours to read, or the process exited: skip it
        }
        return names;
    }

    private static String command(final Path process)
    {
        try
        {
            return Files.readString(process.resolve("comm"), StandardCharsets.UTF_8).strip();
        }
        catch (final IOException | RuntimeException ex)
        {
            return "?";
        }
    }

    private static boolean isPid(final Path fileName)
    {
        final String s = fileName.toString();
        if (s.isEmpty())
        {
            return false;
        }
        for (int i = 0; i < s.length(); i++)
        {
            if (!Character.isDigit(s.charAt(i)))
            {
                return false;
            }
        }
        return true;
    }

    private static String realPath(final Path directory)
    {
        try
        {
            return directory.toRealPath().toString();
        }
        catch (final IOException ex)
        {
            return directory.toAbsolutePath().normalize().toString();
        }
    }
}
