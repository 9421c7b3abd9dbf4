package io.shmipc.tools;

import io.shmipc.SharedMemory;
import io.shmipc.TornPageException;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

/** {@code shmipc watch}: prints each completed write to a page as it happens. */
@Command(
    name = "watch",
    mixinStandardHelpOptions = true,
    description = {
        "Print each change of a page as it happens, until interrupted, or until --count changes or --duration " +
            "seconds.",
        "Each line: time, page, version, how many writes completed since the last line, and the page's first " +
            "bytes (one consistent snapshot taken at that version)."
    })
final class WatchCommand implements Callable<Integer>
{
    private static final long MAX_WAIT_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    @Spec
    private CommandSpec spec;

    @Mixin
    private DirectoryOption dir;

    @Mixin
    private OpenOptions openOptions;

    @Parameters(index = "0", paramLabel = "NAME", description = "Segment name.")
    private String name;

    @Option(names = {"-p", "--page"}, paramLabel = "P", description = "Watch only page P (default: every page).")
    private Integer page;

    @Option(names = {"-n", "--count"}, paramLabel = "N",
        description = "Stop after N changes, N at least 1 (default: no limit).")
    private Long count;

    @Option(names = "--duration", paramLabel = "SECONDS",
        description = "Stop after this many seconds, more than 0 (default: no limit).")
    private Double duration;

    @Option(names = {"-b", "--bytes"}, paramLabel = "K", defaultValue = "16",
        description = "Show the first K bytes of the page (default: ${DEFAULT-VALUE}).")
    private int bytes;

    @Option(names = "--json", description = "One JSON object per change.")
    private boolean json;

    @Override
    public Integer call()
    {
        UsageChecks.countLimit(spec, "--count", count);
        UsageChecks.seconds(spec, "--duration", duration);
        UsageChecks.notNegative(spec, "--bytes", bytes);
        final long limit = count != null ? count : Long.MAX_VALUE;
        try (SharedMemory shm = openOptions.open(dir, name))
        {
            final int first = page != null ? page : 0;
            final int last = page != null ? page : shm.pageCount() - 1;
            if (first < 0 || last >= shm.pageCount())
            {
                throw new IllegalArgumentException("page " + page + " is outside 0.." + (shm.pageCount() - 1));
            }
            final long[] seen = new long[last - first + 1];
            for (int p = first; p <= last; p++)
            {
                seen[p - first] = shm.version(p);
            }
            final boolean timed = duration != null;
            final long deadline = System.nanoTime() + (timed ? (long)(duration * 1e9) : 0);
            final IdleStrategy idle = new BackoffIdleStrategy(10, 10, 1_000, 1_000_000);
            final byte[] head = new byte[Math.min(bytes, shm.pageSize())];
            long changes = 0;
            while (changes < limit && (!timed || System.nanoTime() - deadline < 0) &&
                !Thread.currentThread().isInterrupted())
            {
                if (first == last)
                {
                    final long wait = timed ? Math.min(MAX_WAIT_NANOS, deadline - System.nanoTime()) : MAX_WAIT_NANOS;
                    if (shm.awaitChange(first, seen[0], Math.max(0, wait), null) != seen[0])
                    {
                        seen[0] = report(shm, first, seen[0], head);
                        changes++;
                    }
                    continue;
                }
                boolean changed = false;
                for (int p = first; p <= last && changes < limit; p++)
                {
                    if (shm.version(p) != seen[p - first])
                    {
                        seen[p - first] = report(shm, p, seen[p - first], head);
                        changes++;
                        changed = true;
                    }
                }
                if (changed)
                {
                    idle.reset();
                }
                else
                {
                    idle.idle();
                }
            }
        }
        return 0;
    }

    /** Prints page {@code p}'s version and first bytes, taken as one snapshot; returns that version. */
    private long report(final SharedMemory shm, final int p, final long previous, final byte[] head)
    {
        long version;
        boolean torn = false;
        do
        {
            version = shm.version(p);
            try
            {
                shm.read(p * shm.pageSize(), head);
            }
            catch (final TornPageException ex)
            {
                torn = true;
                break;
            }
        }
        while (shm.version(p) != version); // a write completed during the read: take both again
        final PrintWriter out = spec.commandLine().getOut();
        final String time = Instant.now().toString();
        final long writes = version - previous;
        if (json)
        {
            final Map<String, Object> change = new LinkedHashMap<>();
            change.put("time", time);
            change.put("page", p);
            change.put("version", version);
            change.put("writes", writes);
            change.put("torn", torn);
            change.put("hex", torn ? null : Bytes.hex(head));
            change.put("text", torn ? null : Bytes.printable(head));
            Json.println(out, change);
        }
        else
        {
            out.printf("%-27s page %d version %d (+%d) %s%n", time, p, version, writes,
                torn ? "torn: a writer died mid-write" : Bytes.hex(head) + " |" + Bytes.printable(head) + "|");
        }
        out.flush();
        return version;
    }
}
