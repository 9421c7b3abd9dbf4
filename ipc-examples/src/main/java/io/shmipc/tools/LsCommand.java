package io.shmipc.tools;

import io.shmipc.SegmentAccessDeniedException;
import io.shmipc.SharedMemoryException;
import io.shmipc.segment.SegmentSecurity;
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
        "Shows name, pages, page size, file bytes, creation time, owner and the processes that map each segment " +
            "(from /proc/*/maps: only processes you may read, in this PID namespace).",
        "A segment owned by another user is marked 'other user' (opening it needs --allow-foreign-owner); a file " +
            "this user may not read is listed as unreadable, since it may be a segment.",
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

    @Option(names = {"-v", "--verbose"},
        description = "Show the whole command line of each process that maps a segment.")
    private boolean verbose;

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
        final int myUid = SegmentSecurity.effectiveUid();
        final List<Map<String, Object>> rows = new ArrayList<>();
        for (final Path file : sortedEntries(directory))
        {
            if (Files.isDirectory(file, LinkOption.NOFOLLOW_LINKS))
            {
                continue;
            }
            final Map<String, Object> row = row(file, maps, myUid);
            if (row != null)
            {
                rows.add(row);
            }
        }
        final PrintWriter out = spec.commandLine().getOut();
        if (json)
        {
            Json.println(out, rows);
        }
        else
        {
            LsTable.print(out, rows, verbose);
        }
        return 0;
    }

    /** @return the listing of one file, or {@code null} to leave it out (not a segment, without --all). */
    private Map<String, Object> row(final Path file, final ProcessMaps maps, final int myUid)
    {
        final String name = file.getFileName().toString();
        final Map<String, Object> row = new LinkedHashMap<>();
        row.put("name", name);
        try
        {
            final SegmentHeader header = SegmentHeader.read(file);
            row.put("segment", true);
            row.put("readable", true);
            row.put("pages", header.geometry().pageCount());
            row.put("pageSize", header.geometry().pageSize());
            row.put("capacity", header.geometry().capacity());
            row.put("fileBytes", header.geometry().fileLength());
            row.put("created", header.created().toString());
            putOwner(row, file, myUid);
            final List<Map<String, Object>> mappers = new ArrayList<>();
            for (final long pid : maps.pids(name))
            {
                final Map<String, Object> mapper = new LinkedHashMap<>();
                mapper.put("pid", pid);
                mapper.put("command", maps.command(pid));
                if (verbose)
                {
                    mapper.put("commandLine", maps.commandLine(pid));
                }
                mappers.add(mapper);
            }
            row.put("mappedBy", mappers);
        }
        catch (final SegmentAccessDeniedException unreadable)
        {
            // It may well be a segment: list it whatever --all says, so that it is not silently missing.
            row.put("segment", null);
            row.put("readable", false);
            row.put("reason", "unreadable: permission denied");
            row.put("fileBytes", sizeOrMinusOne(file));
            putOwner(row, file, myUid);
        }
        catch (final SharedMemoryException notOurs)
        {
            if (!all)
            {
                return null;
            }
            row.put("segment", false);
            row.put("readable", true);
            row.put("reason", notOurs.getMessage());
            row.put("fileBytes", sizeOrMinusOne(file));
            putOwner(row, file, myUid);
        }
        return row;
    }

    /** Adds {@code owner} (user name, or uid), {@code ownerUid} and {@code otherUser} (not this process's user). */
    private static void putOwner(final Map<String, Object> row, final Path file, final int myUid)
    {
        try
        {
            final int uid = (Integer)Files.getAttribute(file, "unix:uid", LinkOption.NOFOLLOW_LINKS);
            row.put("owner", Files.getOwner(file, LinkOption.NOFOLLOW_LINKS).getName());
            row.put("ownerUid", uid);
            row.put("otherUser", uid != myUid);
        }
        catch (final IOException | RuntimeException ex)
        {
            row.put("owner", "?");
            row.put("ownerUid", -1);
            row.put("otherUser", null);
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
