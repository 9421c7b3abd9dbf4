package io.shmipc.bench.wakeup;

import io.shmipc.SharedMemory;
import io.shmipc.bench.latency.ChildJvm;
import io.shmipc.bench.latency.Histograms;
import org.HdrHistogram.Histogram;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

/**
 * How an idle subscriber waits: its CPU use while nothing changes (from {@code /proc/PID/stat}), and how long after
 * a write in another process it wakes up (p50 to max), for a Java pair on each JDK given and for a C pair
 * ({@code clients/c/bench/wakeup.c}) in the same run, so that the JVM's share is visible. The writes come every
 * {@code --period-micros} (with jitter), long enough for the subscriber to be asleep each time.
 */
@Command(name = "wakeup", mixinStandardHelpOptions = true,
    description = "Idle CPU and wake-up latency of a subscriber waiting in awaitChange, per JDK, and of a C pair.")
public final class WakeupBenchmark implements Callable<Integer>
{
    @Option(names = "--java", split = ",", description = "JDK homes to measure (default: this JVM's, and " +
        "JDK25_HOME or /usr/lib/jvm/temurin-25* if different).")
    List<Path> javaHomes = new ArrayList<>();

    @Option(names = "--c-wakeup", description = "The C side's binary (default: built from clients/c with make).")
    Path cWakeup;

    @Option(names = "--count", description = "Writes per pair (default: ${DEFAULT-VALUE}).")
    long count = 2000;

    @Option(names = "--period-micros", description = "Mean time between writes (default: ${DEFAULT-VALUE}).")
    long periodMicros = 3000;

    @Option(names = "--idle-seconds", description = "How long the idle CPU is measured (default: ${DEFAULT-VALUE}).")
    int idleSeconds = 10;

    @Option(names = "--out", description = "Directory for the results (default: ${DEFAULT-VALUE}).")
    Path out = Path.of("bench-results");

    private static final List<String> JVM_ARGS = List.of("-Xms64m", "-Xmx256m", "-XX:+UseSerialGC");
    private static final long TIMEOUT_SECONDS = 600;

    /**
     * Runs the benchmark.
     *
     * @param args see {@code --help}.
     */
    public static void main(final String[] args)
    {
        System.exit(new CommandLine(new WakeupBenchmark()).execute(args));
    }

    @Override
    public Integer call() throws Exception
    {
        final List<Path> homes = javaHomes.isEmpty() ? defaultJavaHomes() : javaHomes;
        final List<Row> rows = new ArrayList<>();
        for (final Path home : homes)
        {
            final int feature = ChildJvm.featureVersion(home);
            final String label = "Java (JDK " + feature + ")";
            final double cpu = measure(label, dir -> ChildJvm.start(home, WakeupNode.class, JVM_ARGS, "idle",
                dir.toString(), "wakeup"));
            final Histogram latencies = wakeups(
                dir -> ChildJvm.start(home, WakeupNode.class, JVM_ARGS, "subscribe", dir.toString(), "wakeup"),
                dir -> ChildJvm.start(home, WakeupNode.class, JVM_ARGS, "publish", dir.toString(), "wakeup",
                    Long.toString(count), Long.toString(periodMicros)));
            rows.add(new Row(label, cpu, latencies));
            report(rows.get(rows.size() - 1));
        }
        final Path c = cWakeup != null ? cWakeup : buildC();
        if (c != null)
        {
            final double cpu = measure("C", dir -> ChildJvm.startProgram(List.of(c.toString(), "idle", dir.toString(),
                "wakeup")));
            final Histogram latencies = wakeups(
                dir -> ChildJvm.startProgram(List.of(c.toString(), "subscribe", dir.toString(), "wakeup")),
                dir -> ChildJvm.startProgram(List.of(c.toString(), "publish", dir.toString(), "wakeup",
                    Long.toString(count), Long.toString(periodMicros))));
            rows.add(new Row("C (clients/c)", cpu, latencies));
            report(rows.get(rows.size() - 1));
        }
        write(rows);
        return 0;
    }

    /** Starts one process in a segment directory. */
    @FunctionalInterface
    private interface Starter
    {
        ChildJvm start(Path dir) throws IOException;
    }

    /** @return the idle waiter's CPU use, in % of one core, over {@link #idleSeconds}. */
    private double measure(final String label, final Starter idle) throws Exception
    {
        final Path dir = newDirectory();
        try (SharedMemory shm = SharedMemory.builder("wakeup").directory(dir).pages(1).create();
            ChildJvm waiter = idle.start(dir))
        {
            waiter.awaitLine(WakeupNode.WAITING);
            Thread.sleep(2000); // past the spinning, into the steady state
            final long before = cpuTicks(waiter.pid());
            final long start = System.nanoTime();
            Thread.sleep(idleSeconds * 1000L);
            final long ticks = cpuTicks(waiter.pid()) - before;
            final double seconds = (System.nanoTime() - start) / 1e9;
            shm.writeLong(0, -1); // let it go
            waiter.awaitExit(TIMEOUT_SECONDS);
            return 100.0 * ticks / ticksPerSecond() / seconds;
        }
        finally
        {
            deleteRecursively(dir);
        }
    }

    private Histogram wakeups(final Starter subscriber, final Starter publisher) throws Exception
    {
        final Path dir = newDirectory();
        try (SharedMemory ignored = SharedMemory.builder("wakeup").directory(dir).pages(1).create();
            ChildJvm sub = subscriber.start(dir))
        {
            sub.awaitLine(WakeupNode.WAITING);
            try (ChildJvm pub = publisher.start(dir))
            {
                final Histogram histogram;
                final String line = sub.awaitLine(""); // the Java side prints its histogram, the C side a line per write
                if (line.startsWith(WakeupNode.LATENCIES))
                {
                    histogram = Histograms.decode(line.substring(WakeupNode.LATENCIES.length()).trim());
                }
                else
                {
                    histogram = new Histogram(3_600_000_000_000L, 3);
                    String next = line;
                    while (!next.startsWith("DONE"))
                    {
                        if (next.startsWith("NS "))
                        {
                            histogram.recordValue(Math.max(0, Long.parseLong(next.substring(3).trim())));
                        }
                        next = sub.awaitLine("");
                    }
                }
                pub.awaitExit(TIMEOUT_SECONDS);
                sub.awaitExit(TIMEOUT_SECONDS);
                return histogram;
            }
        }
        finally
        {
            deleteRecursively(dir);
        }
    }

    private void report(final Row row)
    {
        System.out.println(row.format());
    }

    private void write(final List<Row> rows) throws IOException
    {
        Files.createDirectories(out);
        final StringBuilder md = new StringBuilder();
        md.append("| subscriber | idle CPU (% of a core) | wake-up p50 | p90 | p99 | p99.9 | max | writes |\n");
        md.append("|---|---:|---:|---:|---:|---:|---:|---:|\n");
        final StringBuilder csv = new StringBuilder("subscriber,idle_cpu_percent,p50_us,p90_us,p99_us,p999_us,max_us," +
            "count\n");
        for (final Row row : rows)
        {
            final Histogram h = row.latencies;
            md.append(String.format(Locale.ROOT, "| %s | %.2f | %s | %s | %s | %s | %s | %d |%n", row.label,
                row.cpuPercent, us(h, 50), us(h, 90), us(h, 99), us(h, 99.9), micros(h.getMaxValue()),
                h.getTotalCount()));
            csv.append(String.format(Locale.ROOT, "%s,%.3f,%.1f,%.1f,%.1f,%.1f,%.1f,%d%n", row.label, row.cpuPercent,
                h.getValueAtPercentile(50) / 1e3, h.getValueAtPercentile(90) / 1e3, h.getValueAtPercentile(99) / 1e3,
                h.getValueAtPercentile(99.9) / 1e3, h.getMaxValue() / 1e3, h.getTotalCount()));
        }
        Files.writeString(out.resolve("wakeup-summary.md"), md.toString());
        Files.writeString(out.resolve("wakeup.csv"), csv.toString());
        System.out.println();
        System.out.print(md);
    }

    private static String us(final Histogram h, final double percentile)
    {
        return micros(h.getValueAtPercentile(percentile));
    }

    private static String micros(final long nanos)
    {
        return String.format(Locale.ROOT, "%.1f us", nanos / 1e3);
    }

    private static long cpuTicks(final long pid) throws IOException
    {
        final String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
        // Fields after the command name (which may hold spaces), from field 3 on; utime and stime are 14 and 15.
        final String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
    }

    private static long ticksPerSecond()
    {
        try
        {
            final Process getconf = new ProcessBuilder("getconf", "CLK_TCK").start();
            final String text = new String(getconf.getInputStream().readAllBytes()).trim();
            getconf.waitFor();
            return Long.parseLong(text);
        }
        catch (final IOException | RuntimeException ex)
        {
            return 100;
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            return 100;
        }
    }

    private static List<Path> defaultJavaHomes() throws IOException
    {
        final List<Path> homes = new ArrayList<>();
        final Path self = Path.of(System.getProperty("java.home")).toRealPath();
        homes.add(self);
        Path jdk25 = System.getenv("JDK25_HOME") != null ? Path.of(System.getenv("JDK25_HOME")) : null;
        if (jdk25 == null)
        {
            try (Stream<Path> jvms = Files.list(Path.of("/usr/lib/jvm")))
            {
                jdk25 = jvms.filter(p -> p.getFileName().toString().startsWith("temurin-25")).findFirst()
                    .orElse(null);
            }
            catch (final IOException ignore)
            {
                // none
            }
        }
        if (jdk25 != null && Files.isExecutable(jdk25.resolve("bin/java")) && !jdk25.toRealPath().equals(self))
        {
            homes.add(jdk25);
        }
        homes.sort(Comparator.comparingInt(ChildJvm::featureVersion));
        return homes;
    }

    /** Builds the C side with make into {@code target/wakeup-c}; {@code null} (and a note) if that fails. */
    private static Path buildC()
    {
        final Path clients = Path.of(System.getProperty("shmipc.root", ".")).resolve("clients/c");
        final Path build = Path.of("target", "wakeup-c").toAbsolutePath();
        try
        {
            final Process make = new ProcessBuilder("make", "-s", "-C", clients.toString(),
                "BUILD=" + build, build.resolve("wakeup").toString()).inheritIO().start();
            if (make.waitFor() == 0 && Files.isExecutable(build.resolve("wakeup")))
            {
                return build.resolve("wakeup");
            }
        }
        catch (final IOException ex)
        {
            System.err.println("no C pair: cannot run make (" + ex.getMessage() + ")");
            return null;
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
        System.err.println("no C pair: building " + clients + " failed (give --c-wakeup)");
        return null;
    }

    private static Path newDirectory() throws IOException
    {
        final Path parent = Files.isDirectory(Path.of("/dev/shm")) ? Path.of("/dev/shm") :
            Path.of(System.getProperty("java.io.tmpdir"));
        return Files.createTempDirectory(parent, "shmipc-wakeup-");
    }

    private static void deleteRecursively(final Path dir) throws IOException
    {
        try (Stream<Path> files = Files.walk(dir))
        {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    /** One subscriber's figures. */
    private record Row(String label, double cpuPercent, Histogram latencies)
    {
        String format()
        {
            return String.format(Locale.ROOT, "%-16s idle CPU %5.2f%%  wake-up p50 %s  p99 %s  max %s",
                label, cpuPercent, us(latencies, 50), us(latencies, 99), micros(latencies.getMaxValue()));
        }
    }
}
