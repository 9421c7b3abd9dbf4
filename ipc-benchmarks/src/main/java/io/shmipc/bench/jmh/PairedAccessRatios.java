package io.shmipc.bench.jmh;

import io.shmipc.bench.latency.ChildJvm;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Consumer;

/**
 * The in-process budgets of {@link JmhSuite} measured paired: {@code SharedMemory}'s read or write and the raw copy of
 * the same bytes of the same mapped file alternate in blocks of about a millisecond, in one JVM, and each round's ratio
 * is taken between two neighbouring blocks. On the virtual machines this project is measured on, a 64-byte copy runs at
 * one of two speeds (about 3 or 6 ns) that can change between forks and even between JMH iterations of one fork, and a
 * 4 KiB copy's time depends tenfold on where its heap array lies relative to the mapping (docs/BENCHMARKS.md, "Paired
 * in-process ratios"). A ratio of two separate JMH forks can then land on either side of a budget; a ratio of
 * neighbouring blocks sees both sides in the same state, and {@code --buffers direct} fixes the placement.
 *
 * <p>Each operation runs in a loop method of its own, as a JMH benchmark method does, so that each is compiled and
 * profiled apart. The result is the median over rounds and forks of the per-round ratios, with its quartiles, beside
 * the median ns/op of each side.
 */
@Command(name = "paired-ratios", mixinStandardHelpOptions = true,
    description = "SharedMemory against the raw copy, alternating blocks in one JVM; median of per-round ratios.")
public final class PairedAccessRatios implements Callable<Integer>
{
    private static final int PAGES = 32;
    private static final String[] OPERATIONS = {"read", "write"};
    /** The prefix of a fork's output lines that carry samples. */
    private static final String CHILD_LINE = "paired,";

    @Option(names = "--sizes", split = ",", description = "Bytes per operation (default: ${DEFAULT-VALUE}).")
    int[] sizes = {64, 4096};

    @Option(names = "--rounds", description = "Rounds per fork and operation (default: ${DEFAULT-VALUE}).")
    int rounds = 300;

    @Option(names = "--block-micros", description = "Length of one timed block (default: ${DEFAULT-VALUE}).")
    long blockMicros = 1000;

    @Option(names = "--warmup-millis", description = "Warm-up per size before measuring (default: ${DEFAULT-VALUE}).")
    long warmupMillis = 1500;

    /** The copies' other side: heap arrays, as the JMH suite's, or off-heap memory placed by {@code --skew}. */
    enum Buffers
    {
        heap, direct
    }

    @Option(names = "--buffers", description = "heap (byte[], placed wherever the heap puts them, as in the JMH " +
        "suite) or direct (off-heap, placed by --skew) (default: ${DEFAULT-VALUE}).")
    Buffers buffers = Buffers.heap;

    @Option(names = "--skew", description = "Where the source and destination buffers start, in bytes past the " +
        "segment data's offset in its 4 KiB page (default: ${DEFAULT-VALUE}: half a page, as far as can be from the " +
        "4K aliasing of a copy's loads and stores).")
    int skew = 2048;

    @Option(names = "--forks", description = "JVMs to run the rounds in; 0 runs them in this one " +
        "(default: ${DEFAULT-VALUE}).")
    int forks = 3;

    @Option(names = "--out", description = "Directory for the results; none if not given.")
    Path out;

    /**
     * Runs the comparison.
     *
     * @param args see {@code --help}.
     */
    public static void main(final String[] args)
    {
        System.exit(new CommandLine(new PairedAccessRatios()).execute(args));
    }

    @Override
    public Integer call() throws Exception
    {
        checkOptions();
        final List<Sample> samples = new ArrayList<>();
        if (forks == 0)
        {
            measure(0, samples::add);
        }
        else
        {
            for (int fork = 0; fork < forks; fork++)
            {
                runFork(fork, samples);
            }
        }
        if (forks == 0 && out == null)
        {
            // a child of runFork: its samples, then the end mark
            samples.forEach(sample -> System.out.println(CHILD_LINE + sample.csv()));
            System.out.println(CHILD_LINE + "end");
            return 0;
        }
        final String summary = summary(samples, buffers == Buffers.heap ?
            "to and from byte[] arrays (in UnsafeBuffers), wherever the heap put them" :
            "to and from off-heap buffers " + skew + " bytes past the data's offset in its 4 KiB page");
        System.out.println(summary);
        if (out != null)
        {
            Files.createDirectories(out);
            Files.writeString(out.resolve("paired-summary.md"), summary, StandardCharsets.UTF_8);
            try (PrintStream csv = new PrintStream(Files.newOutputStream(out.resolve("paired-rounds.csv")), false,
                StandardCharsets.UTF_8))
            {
                csv.println(Sample.HEADER);
                samples.forEach(sample -> csv.println(sample.csv()));
            }
        }
        return 0;
    }

    /** @throws IllegalArgumentException naming the first option out of its range, and the range. */
    void checkOptions()
    {
        for (final int size : sizes)
        {
            if (size < 1 || size > PAGES * PairedLoops.PAGE)
            {
                throw new IllegalArgumentException("--sizes: " + size + " is outside 1.." + PAGES * PairedLoops.PAGE);
            }
        }
        if (rounds < 1 || blockMicros < 1 || warmupMillis < 0 || forks < 0)
        {
            throw new IllegalArgumentException("--rounds " + rounds + " and --block-micros " + blockMicros +
                " must be at least 1, --warmup-millis " + warmupMillis + " and --forks " + forks + " at least 0");
        }
        if (skew < 0 || skew >= PairedLoops.PAGE)
        {
            throw new IllegalArgumentException("--skew: " + skew + " is outside 0.." + (PairedLoops.PAGE - 1));
        }
    }

    private void runFork(final int fork, final List<Sample> samples) throws Exception
    {
        final List<String> args = new ArrayList<>(List.of("--forks", "0", "--rounds", Integer.toString(rounds),
            "--block-micros", Long.toString(blockMicros), "--warmup-millis", Long.toString(warmupMillis),
            "--skew", Integer.toString(skew), "--buffers", buffers.name(), "--sizes"));
        args.add(String.join(",", Arrays.stream(sizes).mapToObj(Integer::toString).toArray(String[]::new)));
        try (ChildJvm child = ChildJvm.start(Path.of(System.getProperty("java.home")),
            PairedAccessRatios.class, List.of(), args.toArray(new String[0])))
        {
            for (String line = child.awaitLine(CHILD_LINE); !line.equals(CHILD_LINE + "end");
                line = child.awaitLine(CHILD_LINE))
            {
                samples.add(Sample.parse(fork, line.substring(CHILD_LINE.length())));
            }
            child.awaitExit(60);
        }
    }

    /** Runs every size and operation in this JVM, passing each round's pair of blocks to {@code sink}. */
    void measure(final int fork, final Consumer<Sample> sink)
    {
        for (final int size : sizes)
        {
            try (BenchmarkSegment segment = new BenchmarkSegment(PAGES))
            {
                final PairedLoops loops = buffers == Buffers.heap ? PairedLoops.onHeap(segment, size) :
                    PairedLoops.offHeap(segment, size, skew);
                final long[] perBlock = calibrate(loops);
                for (int round = 0; round < rounds; round++)
                {
                    for (int operation = 0; operation < OPERATIONS.length; operation++)
                    {
                        // The side measured first alternates, so neither always follows the other's block.
                        final boolean rawFirst = (round & 1) == 0;
                        final double first = loops.time(operation, rawFirst, perBlock[operation * 2 + (rawFirst ? 0 :
                            1)]);
                        final double second = loops.time(operation, !rawFirst, perBlock[operation * 2 + (rawFirst ?
                            1 : 0)]);
                        sink.accept(new Sample(fork, size, OPERATIONS[operation], round, rawFirst ? first : second,
                            rawFirst ? second : first));
                    }
                }
                loops.check();
            }
        }
    }

    /**
     * Warms every loop up, then sizes each one's block to about {@link #blockMicros}.
     *
     * @return operations per block: read raw, read API, write raw, write API.
     */
    private long[] calibrate(final PairedLoops loops)
    {
        final long end = System.nanoTime() + warmupMillis * 1_000_000L;
        final double[] nanosPerOp = new double[4];
        while (System.nanoTime() < end)
        {
            for (int i = 0; i < 4; i++)
            {
                nanosPerOp[i] = loops.time(i / 2, i % 2 == 0, 10_000);
            }
        }
        final long[] perBlock = new long[4];
        for (int i = 0; i < 4; i++)
        {
            perBlock[i] = Math.max(1_000, (long)(blockMicros * 1_000.0 / nanosPerOp[i]));
        }
        return perBlock;
    }

    static String summary(final List<Sample> samples, final String buffers)
    {
        final Map<String, List<Sample>> byCase = new LinkedHashMap<>();
        for (final Sample sample : samples)
        {
            byCase.computeIfAbsent(sample.size + " B " + sample.operation, k -> new ArrayList<>()).add(sample);
        }
        final StringBuilder out = new StringBuilder();
        out.append(String.format(Locale.ROOT, "Paired in-process ratios, %s: SharedMemory and the raw copy of the " +
            "same bytes in alternating blocks of one JVM, %s; per-round ratio, median and quartiles over all rounds " +
            "and forks; ns/op medians.%n%n", Runtime.version(), buffers));
        out.append("| case | rounds | raw ns/op | SharedMemory ns/op | ratio p50 | p25-p75 | per-fork p50 | " +
            "budget |\n");
        out.append("|---|---:|---:|---:|---:|---|---|---|\n");
        for (final Map.Entry<String, List<Sample>> e : byCase.entrySet())
        {
            final List<Sample> list = e.getValue();
            final double[] ratios = list.stream().mapToDouble(Sample::ratio).sorted().toArray();
            final double[] raw = list.stream().mapToDouble(s -> s.rawNanos).sorted().toArray();
            final double[] api = list.stream().mapToDouble(s -> s.apiNanos).sorted().toArray();
            final StringBuilder perFork = new StringBuilder();
            list.stream().mapToInt(s -> s.fork).distinct().sorted().forEach(fork -> perFork.append(perFork.length() ==
                0 ? "" : ", ").append(String.format(Locale.ROOT, "%.2fx", quantile(list.stream().filter(s -> s.fork ==
                fork).mapToDouble(Sample::ratio).sorted().toArray(), 0.5))));
            final double budget = budget(e.getKey());
            final double median = quantile(ratios, 0.5);
            out.append(String.format(Locale.ROOT, "| %s | %d | %.2f | %.2f | **%.2fx** | %.2f-%.2fx | %s | %s |%n",
                e.getKey(), list.size(), quantile(raw, 0.5), quantile(api, 0.5), median, quantile(ratios, 0.25),
                quantile(ratios, 0.75), perFork, Double.isNaN(budget) ? "-" : String.format(Locale.ROOT,
                "%.1fx: %s", budget, median <= budget ? "MET" : "MISSED")));
        }
        return out.toString();
    }

    /** @return the budget of issue 9 for {@code "64 B read"} and the like, or NaN if none. */
    static double budget(final String key)
    {
        switch (key)
        {
            case "64 B read":
                return JmhSuite.READ_64_TARGET;
            case "64 B write":
                return JmhSuite.WRITE_64_TARGET;
            case "4096 B read":
                return JmhSuite.READ_4K_TARGET;
            case "4096 B write":
                return JmhSuite.WRITE_4K_TARGET;
            default:
                return Double.NaN;
        }
    }

    /** @return the {@code q} quantile of sorted {@code values}, interpolated; NaN if empty. */
    static double quantile(final double[] values, final double q)
    {
        if (values.length == 0)
        {
            return Double.NaN;
        }
        final double position = q * (values.length - 1);
        final int below = (int)Math.floor(position);
        final int above = Math.min(values.length - 1, below + 1);
        return values[below] + (values[above] - values[below]) * (position - below);
    }

    /** One round of one case: the two neighbouring blocks' ns/op. */
    static final class Sample
    {
        static final String HEADER = "fork,size,operation,round,raw_ns,api_ns,ratio";
        final int fork;
        final int size;
        final String operation;
        final int round;
        final double rawNanos;
        final double apiNanos;

        Sample(final int fork, final int size, final String operation, final int round, final double rawNanos,
            final double apiNanos)
        {
            this.fork = fork;
            this.size = size;
            this.operation = operation;
            this.round = round;
            this.rawNanos = rawNanos;
            this.apiNanos = apiNanos;
        }

        double ratio()
        {
            return apiNanos / rawNanos;
        }

        String csv()
        {
            return String.format(Locale.ROOT, "%d,%d,%s,%d,%.4f,%.4f,%.4f", fork, size, operation, round, rawNanos,
                apiNanos, ratio());
        }

        /** Parses a child's {@link #csv()} line, as fork {@code fork}. */
        static Sample parse(final int fork, final String line)
        {
            final String[] f = line.split(",");
            if (f.length != 7)
            {
                throw new IllegalArgumentException("not a paired sample: '" + line + "'");
            }
            return new Sample(fork, Integer.parseInt(f[1]), f[2], Integer.parseInt(f[3]), Double.parseDouble(f[4]),
                Double.parseDouble(f[5]));
        }
    }
}
