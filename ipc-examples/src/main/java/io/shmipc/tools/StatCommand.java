package io.shmipc.tools;

import io.shmipc.SharedMemory;
import io.shmipc.layout.CounterId;
import io.shmipc.layout.LockWord;
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

/** {@code shmipc stat}: a segment's live counters, sampled every interval. */
@Command(
    name = "stat",
    mixinStandardHelpOptions = true,
    description = {
        "Show a segment's live counters until interrupted, or for --count samples.",
        "Refreshed in place on a terminal, one line per sample otherwise: completed writes (sum of page " +
            "versions), read retries, contended write locks, slow waits, dead-owner recoveries, pages held and " +
            "torn now, with rates per second. Reading them writes nothing."
    })
final class StatCommand implements Callable<Integer>
{
    private static final String CLEAR_TO_END = "\033[J";

    @Spec
    private CommandSpec spec;

    @Mixin
    private DirectoryOption dir;

    @Mixin
    private OpenOptions openOptions;

    @Parameters(index = "0", paramLabel = "NAME", description = "Segment name.")
    private String name;

    @Option(names = {"-i", "--interval"}, paramLabel = "S", defaultValue = "1",
        description = "Seconds between samples, more than 0 (default: ${DEFAULT-VALUE}).")
    private Double interval;

    @Option(names = {"-n", "--count"}, paramLabel = "N",
        description = "Stop after N samples, N at least 1 (default: no limit).")
    private Long count;

    @Option(names = "--json", description = "One JSON object per sample.")
    private boolean json;

    @Option(names = "--no-refresh", description = "One line per sample even on a terminal.")
    private boolean noRefresh;

    @Override
    public Integer call() throws InterruptedException
    {
        UsageChecks.seconds(spec, "--interval", interval);
        UsageChecks.countLimit(spec, "--count", count);
        final long limit = count != null ? count : Long.MAX_VALUE;
        final boolean inPlace = !json && !noRefresh && System.console() != null;
        final PrintWriter out = spec.commandLine().getOut();
        try (SharedMemory shm = openOptions.open(dir, name))
        {
            Map<String, Object> previous = null;
            long previousNanos = 0;
            int linesShown = 0;
            for (long n = 0; n < limit; n++)
            {
                if (n > 0)
                {
                    TimeUnit.NANOSECONDS.sleep((long)(interval * 1e9));
                }
                final long now = System.nanoTime();
                final Map<String, Object> sample = sample(shm);
                if (previous != null)
                {
                    sample.put("perSecond", rates(sample, previous, (now - previousNanos) / 1e9));
                }
                if (json)
                {
                    Json.println(out, sample);
                }
                else if (inPlace)
                {
                    if (linesShown > 0)
                    {
                        out.print("\033[" + linesShown + "A" + CLEAR_TO_END);
                    }
                    linesShown = printBlock(out, shm, sample);
                }
                else
                {
                    printLine(out, sample);
                }
                out.flush();
                previous = sample;
                previousNanos = now;
            }
        }
        return 0;
    }

    private static Map<String, Object> sample(final SharedMemory shm)
    {
        final Map<String, Object> sample = new LinkedHashMap<>();
        sample.put("time", Instant.now().toString());
        long writes = 0;
        int held = 0;
        int torn = 0;
        for (int page = 0; page < shm.pageCount(); page++)
        {
            final long word = shm.lockWord(page);
            writes += LockWord.version(word);
            held += LockWord.isHeld(word) ? 1 : 0;
            torn += LockWord.isTorn(word) ? 1 : 0;
        }
        sample.put("writes", writes);
        for (final CounterId id : CounterId.values())
        {
            sample.put(Json.camelCase(id.name()), shm.counter(id));
        }
        sample.put("pagesHeld", held);
        sample.put("pagesTorn", torn);
        return sample;
    }

    private static Map<String, Object> rates(
        final Map<String, Object> sample, final Map<String, Object> previous, final double seconds)
    {
        final Map<String, Object> rates = new LinkedHashMap<>();
        rates.put("writes", rate(sample, previous, "writes", seconds));
        for (final CounterId id : CounterId.values())
        {
            final String key = Json.camelCase(id.name());
            rates.put(key, rate(sample, previous, key, seconds));
        }
        return rates;
    }

    private static double rate(
        final Map<String, Object> sample, final Map<String, Object> previous, final String key, final double seconds)
    {
        final long delta = (Long)sample.get(key) - (Long)previous.get(key);
        return seconds > 0 ? Math.round(delta / seconds * 10) / 10.0 : 0;
    }

    private static void printLine(final PrintWriter out, final Map<String, Object> sample)
    {
        final StringBuilder line = new StringBuilder(String.valueOf(sample.get("time")));
        @SuppressWarnings("unchecked")
        final Map<String, Object> rates = (Map<String, Object>)sample.get("perSecond");
        for (final Map.Entry<String, Object> e : sample.entrySet())
        {
            if (e.getKey().equals("time") || e.getKey().equals("perSecond"))
            {
                continue;
            }
            line.append(' ').append(e.getKey()).append('=').append(e.getValue());
            if (rates != null && rates.containsKey(e.getKey()))
            {
                line.append(" (").append(rates.get(e.getKey())).append("/s)");
            }
        }
        out.println(line);
    }

    private static int printBlock(final PrintWriter out, final SharedMemory shm, final Map<String, Object> sample)
    {
        @SuppressWarnings("unchecked")
        final Map<String, Object> rates = (Map<String, Object>)sample.get("perSecond");
        out.printf("%s: %d pages x %d bytes    %s%n", shm.name(), shm.pageCount(), shm.pageSize(), sample.get("time"));
        int lines = 1;
        lines += row(out, "writes (completed)", sample, rates, "writes");
        for (final CounterId id : CounterId.values())
        {
            lines += row(out, id.description(), sample, rates, Json.camelCase(id.name()));
        }
        lines += row(out, "pages held now", sample, null, "pagesHeld");
        lines += row(out, "pages torn now", sample, null, "pagesTorn");
        return lines;
    }

    private static int row(
        final PrintWriter out,
        final String label,
        final Map<String, Object> sample,
        final Map<String, Object> rates,
        final String key)
    {
        out.printf("  %-24s %14s %s%n", label, sample.get(key),
            rates != null && rates.containsKey(key) ? String.format("%12s/s", rates.get(key)) : "");
        return 1;
    }
}
