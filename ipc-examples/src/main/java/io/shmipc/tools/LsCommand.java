package io.shmipc.tools;

import io.shmipc.SharedMemoryException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code shmipc ls}: the segments in a directory, with their geometry, age and the processes mapping them. */
@Command(
    name = "ls",
    mixinStandardHelpOptions = true,
    description = {
        "List the segments in the directory, and the processes that map them.",
        "Shows name, pages, page size, file bytes, creation time and the processes that map each segment",
        "(from /proc/*/maps: only processes you may read, in this PID namespace).",
        "Files that are not segments are skipped, or listed as foreign with --all."
    })
final class LsCommand implements Callable<Integer>
{
    @Spec
    private CommandSpec spec;

    @Mixin
    private DirectoryOption dir;

    @Option(names = {"-a", "--all"}, description = "Also list files that are not segments, as foreign.")
    private boolean all;

    @Option(names = "--json", description = "One JSON array of objects.")
    private boolean json;

    @Option(names = "--proc", hidden = true, defaultValue = "/proc", description = "Where /proc is (tests).")
    private Path proc;

    @Override
    public Integer call() throws IOException
    {
        final Path directory = dir.directory();
        if (!Files.isDirectory(directory))
        {
            throw new SharedMemoryException("segment directory " + directory + " does not exist");
        }
        final ProcessMaps maps = ProcessMaps.scan(proc, directory);
        final List<Map<String, Object>> rows = new ArrayList<>();
        for (final Path file : sortedEntries(directory))
        {
            final String name = file.getFileName().toString();
            if (Files.isDirectory(file, LinkOption.NOFOLLOW_LINKS))
            {
                continue;
            }
            final Map<String, Object> row = new LinkedHashMap<>();
            row.put("name", name);
            try
            {
                final SegmentHeader header = SegmentHeader.read(file);
                row.put("segment", true);
                row.put("pages", header.geometry().pageCount());
                row.put("pageSize", header.geometry().pageSize());
                row.put("capacity", header.geometry().capacity());
                row.put("fileBytes", header.geometry().fileLength());
                row.put("created", header.created().toString());
                final List<Map<String, Object>> mappers = new ArrayList<>();
                for (final long pid : maps.pids(name))
                {
                    final Map<String, Object> mapper = new LinkedHashMap<>();
                    mapper.put("pid", pid);
                    mapper.put("command", maps.command(pid));
                    mappers.add(mapper);
                }
                row.put("mappedBy", mappers);
            }
            catch (final SharedMemoryException notOurs)
            {
                if (!all)
                {
                    continue;
                }
                row.put("segment", false);
                row.put("reason", notOurs.getMessage());
                row.put("fileBytes", sizeOrMinusOne(file));
            }
            rows.add(row);
        }
        final PrintWriter out = spec.commandLine().getOut();
        if (json)
        {
            Json.println(out, rows);
        }
        else
        {
            printTable(out, rows);
        }
        return 0;
    }

    private static void printTable(final PrintWriter out, final List<Map<String, Object>> rows)
    {
        int nameWidth = 4;
        for (final Map<String, Object> row : rows)
        {
            nameWidth = Math.max(nameWidth, row.get("name").toString().length());
        }
        final String format = "%-" + nameWidth + "s  %7s  %9s  %12s  %-24s  %s%n";
        out.printf(format, "NAME", "PAGES", "PAGE_SIZE", "BYTES", "CREATED", "MAPPED_BY");
        for (final Map<String, Object> row : rows)
        {
            if (Boolean.TRUE.equals(row.get("segment")))
            {
                final StringBuilder mappers = new StringBuilder();
                @SuppressWarnings("unchecked")
                final List<Map<String, Object>> list = (List<Map<String, Object>>)row.get("mappedBy");
                for (final Map<String, Object> mapper : list)
                {
                    mappers.append(mappers.length() == 0 ? "" : " ")
                        .append(mapper.get("pid")).append('(').append(mapper.get("command")).append(')');
                }
                out.printf(format, row.get("name"), row.get("pages"), row.get("pageSize"), row.get("fileBytes"),
                    row.get("created"), mappers.length() == 0 ? "-" : mappers);
            }
            else
            {
                out.printf(format, row.get("name"), "-", "-", row.get("fileBytes"), "foreign: " + row.get("reason"),
                    "");
            }
        }
    }

    private static List<Path> sortedEntries(final Path directory) throws IOException
    {
        final List<Path> entries = new ArrayList<>();
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(directory))
        {
            stream.forEach(entries::add);
        }
        entries.sort(null);
        return entries;
    }

    private static long sizeOrMinusOne(final Path file)
    {
        try
        {
            return Files.size(file);
        }
        catch (final IOException ex)
        {
            return -1;
        }
    }
}
