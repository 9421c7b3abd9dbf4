package io.shmipc.tools;

import io.shmipc.SharedMemory;
import io.shmipc.layout.CounterId;
import io.shmipc.layout.LockWord;
import io.shmipc.segment.SegmentGeometry;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code shmipc info}: a segment's header, counters, and every page's version and lock state. */
@Command(
    name = "info",
    mixinStandardHelpOptions = true,
    description = {
        "Show a segment's header, live counters, and each page's version and lock state.",
        "A page's version is its number of completed writes; its state is free, held by owner slot N, or torn " +
            "(a writer died mid-write; reads refuse the page until a write covers it whole).",
        "The creator is shown as alive or not running in this PID namespace (its PID is the one it had in its " +
            "own: a creator in another container sharing /dev/shm cannot be seen from here), or as unknown when " +
            "/proc belongs to another PID namespace."
    })
final class InfoCommand implements Callable<Integer>
{
    @Spec
    private CommandSpec spec;

    @Mixin
    private DirectoryOption dir;

    @Mixin
    private OpenOptions openOptions;

    @Parameters(index = "0", paramLabel = "NAME", description = "Segment name.")
    private String name;

    @Option(names = "--json", description = "One JSON object.")
    private boolean json;

    @Option(names = "--proc", hidden = true, defaultValue = "/proc", description = "Where /proc is (tests).")
    private Path proc;

    @Override
    public Integer call() throws IOException
    {
        try (SharedMemory shm = openOptions.open(dir, name))
        {
            final SegmentHeader header = SegmentHeader.read(shm.path());
            final SegmentGeometry geometry = header.geometry();
            final Map<String, Object> info = new LinkedHashMap<>();
            info.put("name", shm.name());
            info.put("path", shm.path().toString());
            info.put("layoutVersion", header.layoutVersion());
            info.put("pageSize", geometry.pageSize());
            info.put("pages", geometry.pageCount());
            info.put("capacity", geometry.capacity());
            info.put("dataOffset", geometry.dataOffset());
            info.put("fileBytes", geometry.fileLength());
            info.put("created", header.created().toString());
            info.put("creatorPid", header.creatorPid());
            final CreatorLiveness.Verdict creator =
                CreatorLiveness.of(proc, header.creatorPid(), header.created());
            info.put("creatorAlive", creator.state());
            info.put("creatorAliveReason", creator.reason());
            info.put("mode", PosixFilePermissions.toString(
                Files.getPosixFilePermissions(shm.path(), LinkOption.NOFOLLOW_LINKS)));
            info.put("owner", Files.getOwner(shm.path(), LinkOption.NOFOLLOW_LINKS).getName());
            final Map<String, Object> counters = new LinkedHashMap<>();
            for (final CounterId id : CounterId.values())
            {
                counters.put(Json.camelCase(id.name()), shm.counter(id));
            }
            info.put("counters", counters);
            final List<Map<String, Object>> pages = new ArrayList<>(shm.pageCount());
            for (int page = 0; page < shm.pageCount(); page++)
            {
                final long word = shm.lockWord(page);
                final Map<String, Object> state = new LinkedHashMap<>();
                state.put("page", page);
                state.put("version", LockWord.version(word));
                state.put("state", PageState.of(word));
                state.put("owner", LockWord.owner(word));
                state.put("torn", LockWord.isTorn(word));
                state.put("leasedTo", shm.leaseHolder(page));
                pages.add(state);
            }
            info.put("pageStates", pages);
            final PrintWriter out = spec.commandLine().getOut();
            if (json)
            {
                Json.println(out, info);
            }
            else
            {
                print(out, info, counters, pages);
            }
        }
        return 0;
    }

    private static void print(
        final PrintWriter out,
        final Map<String, Object> info,
        final Map<String, Object> counters,
        final List<Map<String, Object>> pages)
    {
        out.printf("segment      %s%n", info.get("name"));
        out.printf("path         %s (%s, owner %s)%n", info.get("path"), info.get("mode"), info.get("owner"));
        out.printf("geometry     %s pages x %s bytes = %s bytes of data%n",
            info.get("pages"), info.get("pageSize"), info.get("capacity"));
        out.printf("layout       version %s, data at offset %s, file %s bytes%n",
            info.get("layoutVersion"), info.get("dataOffset"), info.get("fileBytes"));
        out.printf("created      %s by pid %s (in its creator's PID namespace): %s (%s)%n",
            info.get("created"), info.get("creatorPid"), info.get("creatorAlive"), info.get("creatorAliveReason"));
        for (final CounterId id : CounterId.values())
        {
            out.printf("%-22s %s%n", id.description(), counters.get(Json.camelCase(id.name())));
        }
        out.printf("%n%6s  %16s  %s%n", "PAGE", "VERSION", "STATE");
        for (final Map<String, Object> page : pages)
        {
            final Object lease = page.get("leasedTo");
            out.printf("%6s  %16s  %s%s%n", page.get("page"), page.get("version"), page.get("state"),
                Integer.valueOf(0).equals(lease) ? "" : ", leased to owner slot " + lease);
        }
    }
}
