package io.shmipc.bench.report;

import io.shmipc.bench.latency.LatencyCase;
import io.shmipc.bench.latency.PairResult;
import io.shmipc.bench.latency.ThroughputResult;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramLogWriter;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The cross-process results: per case, the round trips of all its runs pooled (for percentiles and the plot) and the
 * ratio of its median to the reference's median in the same process pair, run by run (for comparisons: the
 * machine's core-to-core latency moves between runs, the ratio within a pair does not). Writes the table, the raw
 * numbers (CSV, JSON, HdrHistogram log) and the percentile plot.
 */
public final class LatencyReport
{
    /** Percentiles reported for every series. */
    static final double[] PERCENTILES = {50, 90, 99, 99.9, 99.99};
    /** Target: SharedMemory at least this many times faster than the Unix domain socket at p50. */
    public static final double UDS_TARGET_SPEEDUP = 25;

    private final List<PairResult> pairs;
    private final List<ThroughputResult> throughput;
    private final String idle;
    private final long roundTrips;
    private final long warmup;
    private final List<LatencyCase> cases = new ArrayList<>();

    /**
     * @param pairs      every process pair's results.
     * @param throughput every throughput run's results.
     * @param idle       the idle strategy used, for the record.
     * @param roundTrips timed round trips per case per run.
     * @param warmup     untimed round trips before them.
     */
    public LatencyReport(
        final List<PairResult> pairs,
        final List<ThroughputResult> throughput,
        final String idle,
        final long roundTrips,
        final long warmup)
    {
        this.pairs = List.copyOf(pairs);
        this.throughput = List.copyOf(throughput);
        this.idle = idle;
        this.roundTrips = roundTrips;
        this.warmup = warmup;
        for (final PairResult pair : pairs)
        {
            if (!cases.contains(pair.measured()))
            {
                cases.add(pair.measured());
            }
        }
    }

    /** @return the cases measured, in order. */
    public List<LatencyCase> cases()
    {
        return List.copyOf(cases);
    }

    /** @return the case's round trips over all its runs. */
    public Histogram pooled(final LatencyCase measured)
    {
        final Histogram sum = io.shmipc.bench.latency.Histograms.create();
        for (final PairResult pair : pairs)
        {
            if (measured == LatencyCase.REFERENCE)
            {
                sum.add(pair.reference());
            }
            else if (pair.measured() == measured)
            {
                sum.add(pair.latency());
            }
        }
        return sum;
    }

    /** @return the case's per-run ratios of its {@code percentile} to the reference's, in run order. */
    public double[] ratios(final LatencyCase measured, final double percentile)
    {
        return pairs.stream().filter(p -> p.measured() == measured).mapToDouble(p -> p.ratio(percentile)).toArray();
    }

    /** @return the median of the case's per-run p50 ratios to the reference. */
    public double medianRatio(final LatencyCase measured)
    {
        return median(ratios(measured, 50));
    }

    /** @return the table of results and targets, as Markdown. */
    public String table()
    {
        final StringBuilder out = new StringBuilder();
        out.append(String.format(Locale.ROOT, "Round trips, %d-byte messages, idle strategy '%s', %,d timed " +
            "(after %,d warm-up) per case per run, %d run(s); latencies in ns, pooled over runs.%n%n",
            io.shmipc.bench.latency.Exchange.MESSAGE_LENGTH, idle, roundTrips, warmup, runCount()));
        out.append("| case | p50 | p90 | p99 | p99.9 | p99.99 | max | p50 / reference, median of runs | " +
            "p50 ratio per run | p99 / reference, median |\n");
        out.append("|---|---:|---:|---:|---:|---:|---:|---:|---|---:|\n");
        row(out, LatencyCase.REFERENCE);
        for (final LatencyCase c : cases)
        {
            row(out, c);
        }
        out.append('\n').append(targets());
        if (!throughput.isEmpty())
        {
            out.append("\nThroughput: one writer process updating a 64-byte page as fast as it can, one reader " +
                "process taking snapshots of it.\n\n");
            out.append("| run | updates/s written | consistent reads/s | retries per read | inconsistent |\n");
            out.append("|---:|---:|---:|---:|---:|\n");
            for (final ThroughputResult t : throughput)
            {
                out.append(String.format(Locale.ROOT, "| %d | %,.0f | %,.0f | %.4f | %d |%n", t.run(),
                    t.writesPerSecond(), t.readsPerSecond(), t.retriesPerRead(), t.inconsistent()));
            }
        }
        return out.toString();
    }

    /** @return one line per target: what was measured and whether it was met. */
    public String targets()
    {
        final StringBuilder out = new StringBuilder("Targets:\n");
        if (cases.contains(LatencyCase.SHARED_MEMORY) && cases.contains(LatencyCase.RING_BUFFER))
        {
            final double ring = medianRatio(LatencyCase.RING_BUFFER);
            for (final LatencyCase c : new LatencyCase[] {LatencyCase.SHARED_MEMORY, LatencyCase.SHARED_MEMORY_SPIN})
            {
                if (cases.contains(c))
                {
                    final double ratio = medianRatio(c);
                    out.append(String.format(Locale.ROOT,
                        "- %s round trip at least as close to the reference as the Agrona rings (paired medians): " +
                        "%.3fx vs %.3fx (runs %s): %s%n", c.label(), ratio, ring, joined(ratios(c, 50)),
                        ratio <= ring ? "MET" : "MISSED"));
                }
            }
        }
        if (cases.contains(LatencyCase.SHARED_MEMORY) && cases.contains(LatencyCase.UNIX_SOCKET))
        {
            final double paired = medianRatio(LatencyCase.UNIX_SOCKET) / medianRatio(LatencyCase.SHARED_MEMORY);
            final double pooled = (double)pooled(LatencyCase.UNIX_SOCKET).getValueAtPercentile(50) /
                pooled(LatencyCase.SHARED_MEMORY).getValueAtPercentile(50);
            out.append(String.format(Locale.ROOT,
                "- SharedMemory >= %.0fx faster than the Unix domain socket at p50: %.1fx through the reference " +
                "ratios, %.1fx from the pooled medians: %s%n", UDS_TARGET_SPEEDUP, paired, pooled,
                paired >= UDS_TARGET_SPEEDUP ? "MET" : "MISSED"));
        }
        return out.toString();
    }

    /** Writes every result file into {@code dir}. */
    public void write(final Path dir) throws IOException
    {
        Files.writeString(dir.resolve("latency-summary.md"), table(), StandardCharsets.UTF_8);
        writeRunsCsv(dir.resolve("latency-runs.csv"));
        writeJson(dir.resolve("latency.json"));
        writeHistogramLog(dir.resolve("latency-histograms.hlog"));
        writeThroughputCsv(dir.resolve("throughput.csv"));
        final Map<String, Histogram> series = new LinkedHashMap<>();
        series.put(LatencyCase.REFERENCE.label(), pooled(LatencyCase.REFERENCE));
        for (final LatencyCase c : cases)
        {
            series.put(c.label(), pooled(c));
        }
        PercentilePlot.write("Cross-process round trip, 64 B (pooled over runs; reference pooled over all pairs)",
            series, dir.resolve("latency-percentiles.png"));
    }

    private void row(final StringBuilder out, final LatencyCase c)
    {
        final Histogram h = pooled(c);
        out.append("| ").append(c.label());
        for (final double p : PERCENTILES)
        {
            out.append(String.format(Locale.ROOT, " | %,d", h.getValueAtPercentile(p)));
        }
        out.append(String.format(Locale.ROOT, " | %,d", h.getMaxValue()));
        if (c == LatencyCase.REFERENCE)
        {
            out.append(" | 1 | | 1 |\n");
        }
        else
        {
            out.append(String.format(Locale.ROOT, " | %.3f | %s | %.3f |%n", medianRatio(c),
                joined(ratios(c, 50)), median(ratios(c, 99))));
        }
    }

    private int runCount()
    {
        return pairs.stream().mapToInt(PairResult::run).max().orElse(0);
    }

    private void writeRunsCsv(final Path file) throws IOException
    {
        try (PrintStream out = new PrintStream(Files.newOutputStream(file), false, StandardCharsets.UTF_8))
        {
            out.println("case,run,series,count,p50_ns,p90_ns,p99_ns,p99_9_ns,p99_99_ns,max_ns,ratio_p50,ratio_p99");
            for (final PairResult pair : pairs)
            {
                csvRow(out, pair, "reference", pair.reference(), 1, 1);
                csvRow(out, pair, "case", pair.latency(), pair.ratio(50), pair.ratio(99));
            }
        }
    }

    private static void csvRow(
        final PrintStream out, final PairResult pair, final String series, final Histogram h, final double r50,
        final double r99)
    {
        out.print(pair.measured().id() + "," + pair.run() + "," + series + "," + h.getTotalCount());
        for (final double p : PERCENTILES)
        {
            out.print("," + h.getValueAtPercentile(p));
        }
        out.printf(Locale.ROOT, ",%d,%.4f,%.4f%n", h.getMaxValue(), r50, r99);
    }

    private void writeThroughputCsv(final Path file) throws IOException
    {
        try (PrintStream out = new PrintStream(Files.newOutputStream(file), false, StandardCharsets.UTF_8))
        {
            out.println("run,writes,write_ns,reads,retries,inconsistent,read_ns,writes_per_s,reads_per_s," +
                "retries_per_read");
            for (final ThroughputResult t : throughput)
            {
                out.printf(Locale.ROOT, "%d,%d,%d,%d,%d,%d,%d,%.0f,%.0f,%.6f%n", t.run(), t.writes(),
                    t.writeNanos(), t.reads(), t.retries(), t.inconsistent(), t.readNanos(), t.writesPerSecond(),
                    t.readsPerSecond(), t.retriesPerRead());
            }
        }
    }

    private void writeJson(final Path file) throws IOException
    {
        final StringBuilder json = new StringBuilder();
        json.append(String.format(Locale.ROOT, "{%n  \"idle\": \"%s\",%n  \"roundTrips\": %d,%n  \"warmup\": %d,%n" +
            "  \"cases\": [%n", idle, roundTrips, warmup));
        final List<LatencyCase> all = new ArrayList<>();
        all.add(LatencyCase.REFERENCE);
        all.addAll(cases);
        for (int i = 0; i < all.size(); i++)
        {
            final LatencyCase c = all.get(i);
            final Histogram h = pooled(c);
            json.append(String.format(Locale.ROOT, "    {\"case\": \"%s\", \"label\": \"%s\", \"count\": %d",
                c.id(), c.label(), h.getTotalCount()));
            for (final double p : PERCENTILES)
            {
                json.append(String.format(Locale.ROOT, ", \"p%s_ns\": %d",
                    Double.toString(p).replace(".0", "").replace('.', '_'), h.getValueAtPercentile(p)));
            }
            json.append(String.format(Locale.ROOT, ", \"max_ns\": %d", h.getMaxValue()));
            if (c != LatencyCase.REFERENCE)
            {
                json.append(String.format(Locale.ROOT, ", \"ratioP50Median\": %.4f, \"ratioP50Runs\": [%s]",
                    medianRatio(c), joined(ratios(c, 50)).replace(' ', ',')));
            }
            json.append(i + 1 < all.size() ? "},\n" : "}\n");
        }
        json.append("  ],\n  \"throughput\": [\n");
        for (int i = 0; i < throughput.size(); i++)
        {
            final ThroughputResult t = throughput.get(i);
            json.append(String.format(Locale.ROOT, "    {\"run\": %d, \"writesPerSecond\": %.0f, " +
                "\"readsPerSecond\": %.0f, \"retriesPerRead\": %.6f, \"inconsistent\": %d}%s%n", t.run(),
                t.writesPerSecond(), t.readsPerSecond(), t.retriesPerRead(), t.inconsistent(),
                i + 1 < throughput.size() ? "," : ""));
        }
        json.append("  ]\n}\n");
        Files.writeString(file, json.toString(), StandardCharsets.UTF_8);
    }

    private void writeHistogramLog(final Path file) throws IOException
    {
        try (PrintStream out = new PrintStream(Files.newOutputStream(file), false, StandardCharsets.UTF_8))
        {
            final HistogramLogWriter writer = new HistogramLogWriter(out);
            writer.outputComment("round-trip nanoseconds; tag = case.run.series");
            writer.outputLogFormatVersion();
            writer.outputLegend();
            for (final PairResult pair : pairs)
            {
                final Histogram reference = pair.reference().copy();
                reference.setTag(pair.measured().id() + ".run" + pair.run() + ".reference");
                writer.outputIntervalHistogram(reference);
                final Histogram latency = pair.latency().copy();
                latency.setTag(pair.measured().id() + ".run" + pair.run() + ".case");
                writer.outputIntervalHistogram(latency);
            }
        }
    }

    private static String joined(final double[] values)
    {
        final StringBuilder out = new StringBuilder();
        for (final double v : values)
        {
            out.append(out.length() == 0 ? "" : " ").append(String.format(Locale.ROOT, "%.3f", v));
        }
        return out.toString();
    }

    static double median(final double[] values)
    {
        if (values.length == 0)
        {
            return Double.NaN;
        }
        final double[] sorted = values.clone();
        java.util.Arrays.sort(sorted);
        final int mid = sorted.length / 2;
        return sorted.length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }
}
