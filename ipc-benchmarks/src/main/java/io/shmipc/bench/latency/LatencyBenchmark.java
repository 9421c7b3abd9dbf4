package io.shmipc.bench.latency;

import io.shmipc.SharedMemory;
import io.shmipc.bench.report.LatencyReport;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

/**
 * The cross-process harness's launcher. For every run and every case it starts a fresh process pair
 * ({@link PairProcess}: a ponger, then a pinger) that alternates reference and case round trips, collects the two
 * histograms, then runs the throughput case ({@link ThroughputProcess}) and writes the report
 * ({@link LatencyReport}). Runs go round-robin over the cases so slow phases of the machine spread over all of them.
 */
@Command(name = "latency", mixinStandardHelpOptions = true,
    description = "Cross-process round-trip latency of SharedMemory and its alternatives, paired with a reference.")
public final class LatencyBenchmark implements Callable<Integer>
{
    @Option(names = "--cases", split = ",", description = "Cases to run (default: all but the reference, " +
        "which every pair measures anyway): shm, shm-spin, shm-exclusive, shm-plain, one-line, one-line-cas, " +
        "two-line, two-line-cas, two-line-fence, ringbuffer, uds, tcp.")
    List<String> cases = List.of("shm", "shm-spin", "shm-exclusive", "shm-plain", "one-line", "one-line-cas",
        "two-line", "two-line-cas", "two-line-fence", "ringbuffer", "uds", "tcp");

    @Option(names = "--runs", description = "Process pairs per case (default: ${DEFAULT-VALUE}).")
    int runs = 3;

    @Option(names = "--round-trips", description = "Timed round trips per case per run (default: ${DEFAULT-VALUE}).")
    long roundTrips = 1_000_000;

    @Option(names = "--warmup", description = "Untimed round trips first (default: ${DEFAULT-VALUE}).")
    long warmup = 100_000;

    @Option(names = "--idle", description = "Idle strategy while waiting: " + IdleStrategies.NAMES +
        " (default: ${DEFAULT-VALUE}).")
    String idle = "busy";

    @Option(names = "--throughput-runs", description = "Runs of the throughput case (default: ${DEFAULT-VALUE}).")
    int throughputRuns = 3;

    @Option(names = "--throughput-seconds", description = "Seconds per throughput run (default: ${DEFAULT-VALUE}).")
    double throughputSeconds = 2.0;

    @Option(names = "--out", description = "Directory for the results (default: ${DEFAULT-VALUE}).")
    Path out = Path.of("bench-results");

    @Option(names = "--work-dir", description = "Where the pairs' files go (default: /dev/shm, else the temp dir).")
    Path workDir;

    @Option(names = "--timeout", description = "Seconds one pair may take before it is killed (default: " +
        "${DEFAULT-VALUE}).")
    long timeoutSeconds = 600;

    private static final List<String> CHILD_JVM_ARGS = List.of("-Xms64m", "-Xmx256m", "-XX:+UseSerialGC");

    /**
     * Runs the harness.
     *
     * @param args see {@code --help}.
     */
    public static void main(final String[] args)
    {
        System.exit(new CommandLine(new LatencyBenchmark()).execute(args));
    }

    @Override
    public Integer call() throws Exception
    {
        final List<LatencyCase> selected = new ArrayList<>();
        for (final String id : cases)
        {
            final LatencyCase c = LatencyCase.of(id.trim());
            if (c == LatencyCase.REFERENCE)
            {
                throw new IllegalArgumentException("the reference runs in every pair: do not list it as a case");
            }
            selected.add(c);
        }
        IdleStrategies.of(idle); // fail now, not in a child, on a bad name
        if (runs < 1 || roundTrips < 1 || warmup < 0)
        {
            throw new IllegalArgumentException("runs " + runs + " and round trips " + roundTrips +
                " must be at least 1, warm-up " + warmup + " at least 0");
        }

        final List<PairResult> pairs = new ArrayList<>();
        for (int run = 1; run <= runs; run++)
        {
            for (final LatencyCase c : selected)
            {
                final PairResult result = runPair(c, run);
                System.out.printf("run %d %-10s p50 %6d ns (reference %5d ns)  ratio %.3f%n", run, c.id(),
                    result.latency().getValueAtPercentile(50), result.reference().getValueAtPercentile(50),
                    result.medianRatio());
                pairs.add(result);
            }
        }
        final List<ThroughputResult> throughput = new ArrayList<>();
        for (int run = 1; run <= throughputRuns; run++)
        {
            final ThroughputResult result = runThroughput(run);
            System.out.printf("throughput run %d: %.2f M updates/s, %.2f M reads/s, %.4f retries/read%n", run,
                result.writesPerSecond() / 1e6, result.readsPerSecond() / 1e6, result.retriesPerRead());
            throughput.add(result);
        }

        final LatencyReport report = new LatencyReport(pairs, throughput, idle, roundTrips, warmup);
        Files.createDirectories(out);
        report.write(out);
        System.out.println();
        System.out.println(report.table());
        System.out.println("results in " + out.toAbsolutePath());
        return 0;
    }

    private PairResult runPair(final LatencyCase measured, final int run) throws IOException, InterruptedException
    {
        final Path dir = newRunDirectory(measured.id() + "-" + run);
        try (ChildJvm pong = ChildJvm.start(PairProcess.class, CHILD_JVM_ARGS, "pong", measured.id(),
            dir.toString(), Long.toString(warmup + roundTrips), idle))
        {
            final String info = pong.awaitLine(PairProcess.READY).substring(PairProcess.READY.length()).trim();
            try (ChildJvm ping = ChildJvm.start(PairProcess.class, CHILD_JVM_ARGS, "ping", measured.id(),
                dir.toString(), Long.toString(warmup), Long.toString(roundTrips), idle, info))
            {
                final String[] result = ping.awaitLine(PairProcess.RESULT).split(" ");
                ping.awaitExit(timeoutSeconds);
                pong.awaitExit(timeoutSeconds);
                return new PairResult(measured, run, Histograms.decode(result[1]), Histograms.decode(result[2]));
            }
        }
        finally
        {
            deleteRecursively(dir);
        }
    }

    private ThroughputResult runThroughput(final int run) throws IOException, InterruptedException
    {
        final Path dir = newRunDirectory("throughput-" + run);
        try (SharedMemory shm = SharedMemory.builder(ThroughputProcess.SEGMENT).directory(dir).pages(2).create();
            ChildJvm reader = ChildJvm.start(ThroughputProcess.class, CHILD_JVM_ARGS, "reader", dir.toString(),
                Double.toString(throughputSeconds));
            ChildJvm writer = ChildJvm.start(ThroughputProcess.class, CHILD_JVM_ARGS, "writer", dir.toString()))
        {
            final long[] r = fields(reader.awaitLine("READER"));
            final long[] w = fields(writer.awaitLine("WRITER"));
            reader.awaitExit(timeoutSeconds);
            writer.awaitExit(timeoutSeconds);
            return new ThroughputResult(run, w[0], w[1], r[0], r[1], r[2], r[3]);
        }
        finally
        {
            deleteRecursively(dir);
        }
    }

    private static long[] fields(final String line)
    {
        return Arrays.stream(line.split(" ")).skip(1).mapToLong(f -> Long.parseLong(f.substring(f.indexOf('=') + 1)))
            .toArray();
    }

    private Path newRunDirectory(final String label) throws IOException
    {
        Path parent = workDir;
        if (parent == null)
        {
            parent = Files.isDirectory(Path.of("/dev/shm")) ?
                Path.of("/dev/shm") : Path.of(System.getProperty("java.io.tmpdir"));
        }
        return Files.createTempDirectory(parent, "shmipc-bench-" + label + "-");
    }

    private static void deleteRecursively(final Path dir)
    {
        try (Stream<Path> files = Files.walk(dir))
        {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }
}
