package io.shmipc.bench.jmh;

import io.shmipc.segment.AgronaAccess;
import org.openjdk.jmh.profile.GCProfiler;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * Runs the in-process JMH benchmarks with the {@code gc} profiler, in one short configuration meant for
 * {@code scripts/bench.sh}, then prints and writes the comparison: seqlock against raw copy, against the JDK locks,
 * the allocation per operation, and the targets. JMH's own JSON goes next to it.
 */
@Command(name = "jmh-suite", mixinStandardHelpOptions = true,
    description = "In-process benchmarks (JMH, gc profiler) and their comparison table.")
public final class JmhSuite implements Callable<Integer>
{
    /** Target: a 64-byte seqlock read at most this many times the raw copy. */
    static final double READ_64_TARGET = 1.3;
    /** Target: a 4 KiB seqlock read at most this many times the raw copy. */
    static final double READ_4K_TARGET = 1.1;
    /** Budget of a 64-byte write (one CAS to take the page) against the raw copy. */
    static final double WRITE_64_TARGET = 2.0;
    /** Budget of a 4 KiB write against the raw copy. */
    static final double WRITE_4K_TARGET = 1.2;
    /** An allocation rate below this many bytes per operation is JMH's own noise: the path allocates nothing. */
    static final double ZERO_BYTES = 0.5;
    private static final String ALLOC = "gc.alloc.rate.norm";

    @Option(names = "--include", description = "Benchmark regular expression (default: ${DEFAULT-VALUE}).")
    String include = "io\\.shmipc\\.bench\\.jmh\\..*";

    @Option(names = "--warmup-iterations", description = "Default: ${DEFAULT-VALUE}.")
    int warmupIterations = 2;

    @Option(names = "--iterations", description = "Measurement iterations (default: ${DEFAULT-VALUE}).")
    int iterations = 3;

    @Option(names = "--iteration-millis", description = "Length of each iteration (default: ${DEFAULT-VALUE}).")
    long iterationMillis = 500;

    @Option(names = "--out", description = "Directory for the results (default: ${DEFAULT-VALUE}).")
    Path out = Path.of("bench-results");

    /**
     * Runs the suite.
     *
     * @param args see {@code --help}.
     */
    public static void main(final String[] args)
    {
        System.exit(new CommandLine(new JmhSuite()).execute(args));
    }

    @Override
    public Integer call() throws Exception
    {
        Files.createDirectories(out);
        final ChainedOptionsBuilder options = new OptionsBuilder()
            .include(include)
            .forks(1)
            .warmupIterations(warmupIterations)
            .warmupTime(TimeValue.milliseconds(iterationMillis))
            .measurementIterations(iterations)
            .measurementTime(TimeValue.milliseconds(iterationMillis))
            .jvmArgsAppend(AgronaAccess.requiredFlag().split(" "))
            .jvmArgsAppend(io.shmipc.sys.NativeAccess.childJvmOptions().toArray(new String[0]))
            .addProfiler(GCProfiler.class)
            .shouldFailOnError(true)
            .resultFormat(ResultFormatType.JSON)
            .result(out.resolve("jmh.json").toString());
        final Collection<RunResult> results = new Runner(options.build()).run();

        final Map<String, double[]> scores = new LinkedHashMap<>();
        for (final RunResult run : results)
        {
            final String benchmark = run.getParams().getBenchmark();
            final String name = benchmark.substring(benchmark.lastIndexOf('.', benchmark.lastIndexOf('.') - 1) + 1);
            final String size = run.getParams().getParam("size");
            final String key = size == null ? name : name + ":" + size;
            final Result<?> alloc = run.getSecondaryResults().get(ALLOC);
            scores.put(key, new double[]{run.getPrimaryResult().getScore(), run.getPrimaryResult().getScoreError(),
                alloc == null ? Double.NaN : alloc.getScore()});
            for (final Map.Entry<String, Result> secondary : run.getSecondaryResults().entrySet())
            {
                if (!secondary.getKey().startsWith("gc."))
                {
                    scores.put(name + "." + secondary.getKey(), new double[]{secondary.getValue().getScore(),
                        secondary.getValue().getScoreError(), Double.NaN});
                }
            }
        }
        final String summary = summary(scores);
        System.out.println(summary);
        Files.writeString(out.resolve("jmh-summary.md"), summary, StandardCharsets.UTF_8);
        try (PrintStream csv = new PrintStream(Files.newOutputStream(out.resolve("jmh-summary.csv")), false,
            StandardCharsets.UTF_8))
        {
            csv.println("benchmark,ns_per_op,error_ns,bytes_per_op");
            scores.forEach((k, v) -> csv.printf(Locale.ROOT, "%s,%.3f,%.3f,%.3f%n", k, v[0], v[1], v[2]));
        }
        return 0;
    }

    static String summary(final Map<String, double[]> s)
    {
        final StringBuilder out = new StringBuilder();
        out.append("In-process, single thread, ns/op (B/op from the gc profiler).\n\n");
        out.append("| size | read SharedMemory | read raw | ratio | write SharedMemory | write raw | ratio | " +
            "read StampedLock | read RWLock | write StampedLock | write RWLock |\n");
        out.append("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (final String size : new String[]{"8", "64", "4096", "65536"})
        {
            if (!s.containsKey("SegmentAccessBenchmark.readSharedMemory:" + size))
            {
                continue;
            }
            out.append("| ").append(size).append(" B");
            final double readShm = cell(out, s, "SegmentAccessBenchmark.readSharedMemory:" + size, true);
            final double readRaw = cell(out, s, "SegmentAccessBenchmark.readRaw:" + size, false);
            out.append(String.format(Locale.ROOT, " | %.2fx", readShm / readRaw));
            final double writeShm = cell(out, s, "SegmentAccessBenchmark.writeSharedMemory:" + size, true);
            final double writeRaw = cell(out, s, "SegmentAccessBenchmark.writeRaw:" + size, false);
            out.append(String.format(Locale.ROOT, " | %.2fx", writeShm / writeRaw));
            cell(out, s, "HeapLockBenchmark.readStampedLock:" + size, false);
            cell(out, s, "HeapLockBenchmark.readReadWriteLock:" + size, false);
            cell(out, s, "HeapLockBenchmark.writeStampedLock:" + size, false);
            cell(out, s, "HeapLockBenchmark.writeReadWriteLock:" + size, false);
            out.append(" |\n");
        }
        if (s.containsKey("SegmentAccessBenchmark.writeExclusive:64"))
        {
            out.append("\nExclusive writer (page lease, layout version 3): one CAS to take the page, a release store " +
                "to free it, ns/op.\n\n| size | write ExclusiveWriter | write SharedMemory | write raw | " +
                "exclusive / raw |\n|---:|---:|---:|---:|---:|\n");
            for (final String size : new String[]{"8", "64", "4096", "65536"})
            {
                out.append("| ").append(size).append(" B");
                final double exclusive = cell(out, s, "SegmentAccessBenchmark.writeExclusive:" + size, true);
                cell(out, s, "SegmentAccessBenchmark.writeSharedMemory:" + size, false);
                final double raw = cell(out, s, "SegmentAccessBenchmark.writeRaw:" + size, false);
                out.append(String.format(Locale.ROOT, " | %.2fx |%n", exclusive / raw));
            }
        }
        if (s.containsKey("SegmentAccessBenchmark.readSeqlock:64"))
        {
            out.append("\nThe API against the protocol by hand (FORMAT.md 7.1 and 7.2 written out on the raw buffer, no " +
                "checks), ns/op: protocol / raw is what the seqlock itself costs here, API / protocol what " +
                "SharedMemory adds.\n\n| size | read by hand | protocol / raw | API / protocol | write by hand | " +
                "protocol / raw | API / protocol |\n|---:|---:|---:|---:|---:|---:|---:|\n");
            for (final String size : new String[]{"8", "64", "4096", "65536"})
            {
                out.append("| ").append(size).append(" B");
                for (final String operation : new String[]{"read", "write"})
                {
                    final double hand = cell(out, s, "SegmentAccessBenchmark." + operation + "Seqlock:" + size, false);
                    final double[] raw = s.get("SegmentAccessBenchmark." + operation + "Raw:" + size);
                    final double[] api = s.get("SegmentAccessBenchmark." + operation + "SharedMemory:" + size);
                    out.append(String.format(Locale.ROOT, " | %.2fx | %.2fx", hand / (raw == null ? Double.NaN :
                        raw[0]), (api == null ? Double.NaN : api[0]) / hand));
                }
                out.append(" |\n");
            }
        }
        out.append("\n| operation | SharedMemory | raw (no lock) |\n|---|---:|---:|\n");
        scalarRow(out, s, "version()", "SegmentScalarBenchmark.version", null);
        scalarRow(out, s, "readLong / getLongVolatile", "SegmentScalarBenchmark.readLongSharedMemory",
            "SegmentScalarBenchmark.readLongRawVolatile");
        scalarRow(out, s, "writeLong / putLongRelease", "SegmentScalarBenchmark.writeLongSharedMemory",
            "SegmentScalarBenchmark.writeLongRawRelease");
        out.append("\nContended: one writer thread and one reader thread on the same 64-byte page, ns/op.\n\n");
        out.append("| guard | write | read |\n|---|---:|---:|\n");
        for (final String group : new String[]{"sharedMemory", "stampedLock", "readWriteLock"})
        {
            final double[] write = s.get("ContendedBenchmark." + group + "." + group + "Write");
            final double[] read = s.get("ContendedBenchmark." + group + "." + group + "Read");
            if (write != null && read != null)
            {
                out.append(String.format(Locale.ROOT, "| %s | %.1f | %.1f |%n", group, write[0], read[0]));
            }
        }
        out.append("\nTargets, each ratio between two separate one-fork JVMs (the copy's speed and the heap arrays' " +
            "placement differ from fork to fork: PairedAccessRatios, which bench.sh runs next, judges the same " +
            "budgets within each JVM):\n");
        target(out, s, "read", "64", READ_64_TARGET);
        target(out, s, "write", "64", WRITE_64_TARGET);
        target(out, s, "read", "4096", READ_4K_TARGET);
        target(out, s, "write", "4096", WRITE_4K_TARGET);
        target(out, s, "writeExclusive", "64", WRITE_64_TARGET);
        target(out, s, "writeExclusive", "4096", WRITE_4K_TARGET);
        double worst = 0;
        String worstName = "none";
        for (final Map.Entry<String, double[]> e : s.entrySet())
        {
            if (e.getKey().startsWith("Segment") && (e.getKey().contains("SharedMemory") ||
                e.getKey().contains("Exclusive")) && e.getValue()[2] > worst)
            {
                worst = e.getValue()[2];
                worstName = e.getKey();
            }
        }
        out.append(String.format(Locale.ROOT, "- SharedMemory read/write/readLong/writeLong allocate 0 B/op " +
            "(largest measured: %.4f B/op, %s): %s%n", worst, worstName, worst < ZERO_BYTES ? "MET" : "MISSED"));
        return out.toString();
    }

    private static double cell(final StringBuilder out, final Map<String, double[]> s, final String key,
        final boolean withAlloc)
    {
        final double[] v = s.get(key);
        if (v == null)
        {
            out.append(" | -");
            return Double.NaN;
        }
        out.append(String.format(Locale.ROOT, withAlloc ? " | %.1f (%.0f B)" : " | %.1f", v[0],
            Math.abs(v[2]) < ZERO_BYTES ? 0.0 : v[2]));
        return v[0];
    }

    private static void scalarRow(final StringBuilder out, final Map<String, double[]> s, final String label,
        final String shm, final String raw)
    {
        if (!s.containsKey(shm))
        {
            return;
        }
        out.append("| ").append(label);
        cell(out, s, shm, true);
        if (raw == null)
        {
            out.append(" | |\n");
        }
        else
        {
            cell(out, s, raw, false);
            out.append(" |\n");
        }
    }

    private static void target(final StringBuilder out, final Map<String, double[]> s, final String operation,
        final String size, final double limit)
    {
        final boolean exclusive = operation.equals("writeExclusive");
        final double[] shm = s.get("SegmentAccessBenchmark." + operation + (exclusive ? "" : "SharedMemory") + ":" +
            size);
        final double[] raw = s.get("SegmentAccessBenchmark." + (exclusive ? "write" : operation) + "Raw:" + size);
        if (shm == null || raw == null)
        {
            return;
        }
        final double ratio = shm[0] / raw[0];
        final double[] hand = s.get("SegmentAccessBenchmark." + (exclusive ? "write" : operation) + "Seqlock:" + size);
        out.append(String.format(Locale.ROOT, "- %s B %s under the seqlock <= %.2fx the raw copy: %.1f vs %.1f " +
            "ns = %.2fx: %s%s%n", size, exclusive ? "write by an exclusive writer" : operation, limit, shm[0], raw[0],
            ratio, ratio <= limit ? "MET" : "MISSED", hand == null ? "" : String.format(Locale.ROOT,
            " (the protocol written by hand: %.2fx)", hand[0] / raw[0])));
    }
}
