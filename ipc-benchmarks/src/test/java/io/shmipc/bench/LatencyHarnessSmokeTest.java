package io.shmipc.bench;

import io.shmipc.bench.latency.LatencyBenchmark;
import io.shmipc.bench.latency.LatencyCase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Runs the real cross-process harness, every case, for a few thousand round trips, and checks that it produces sane
 * output: every case and its paired reference counted every timed round trip, percentiles are ordered, ratios are
 * finite, the throughput run saw no torn snapshot, and the table, raw files and plot exist. It asserts nothing about
 * speed: timing targets live in the benchmark's report, never in a test.
 */
class LatencyHarnessSmokeTest
{
    private static final int ROUND_TRIPS = 3_000;

    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void harnessProducesTableRawResultsAndPlotForEveryCase(@TempDir final Path out) throws Exception
    {
        final int exit = new CommandLine(new LatencyBenchmark()).execute("--runs", "1",
            "--round-trips", Integer.toString(ROUND_TRIPS), "--warmup", "1000", "--throughput-runs", "1",
            "--throughput-seconds", "0.3", "--out", out.toString());
        assertEquals(0, exit, "harness exit code");

        final List<String> rows = Files.readAllLines(out.resolve("latency-runs.csv"), StandardCharsets.UTF_8);
        assertEquals("case,run,series,count,p50_ns,p90_ns,p99_ns,p99_9_ns,p99_99_ns,max_ns,ratio_p50,ratio_p99",
            rows.get(0));
        final Set<String> seen = new TreeSet<>();
        for (final String row : rows.subList(1, rows.size()))
        {
            final String[] f = row.split(",");
            seen.add(f[0] + "/" + f[2]);
            assertEquals(ROUND_TRIPS, Long.parseLong(f[3]), "timed round trips in " + row);
            final long[] percentiles = Arrays.stream(f, 4, 10).mapToLong(Long::parseLong).toArray();
            assertTrue(percentiles[0] > 0, "p50 positive in " + row);
            final long[] sorted = percentiles.clone();
            Arrays.sort(sorted);
            assertArrayEquals(sorted, percentiles, "p50 <= p90 <= ... <= max in " + row);
            final double ratio = Double.parseDouble(f[10]);
            assertTrue(ratio > 0 && Double.isFinite(ratio), "ratio to the reference in " + row);
        }
        final Set<String> expected = new TreeSet<>();
        for (final LatencyCase c : LatencyCase.values())
        {
            if (c != LatencyCase.REFERENCE)
            {
                expected.add(c.id() + "/case");
                expected.add(c.id() + "/reference");
            }
        }
        assertEquals(expected, seen, "every case with its paired reference");

        final List<String> throughput = Files.readAllLines(out.resolve("throughput.csv"), StandardCharsets.UTF_8);
        assertEquals(2, throughput.size(), "one throughput run: " + throughput);
        final String[] t = throughput.get(1).split(",");
        assertTrue(Long.parseLong(t[1]) > 0, "writes counted: " + throughput.get(1));
        assertTrue(Long.parseLong(t[3]) > 0, "reads counted: " + throughput.get(1));
        assertEquals(0, Long.parseLong(t[5]), "torn snapshots: " + throughput.get(1));

        final String table = Files.readString(out.resolve("latency-summary.md"), StandardCharsets.UTF_8);
        for (final LatencyCase c : LatencyCase.values())
        {
            assertTrue(table.contains("| " + c.label() + " |"), "table row for " + c + ":\n" + table);
        }
        assertTrue(table.contains(LatencyCase.SHARED_MEMORY.label() +
            " round trip at least as close to the reference as the Agrona rings"), table);
        assertTrue(table.contains(LatencyCase.SHARED_MEMORY_SPIN.label() +
            " round trip at least as close to the reference as the Agrona rings"), table);
        assertTrue(table.contains("faster than the Unix domain socket at p50"), table);
        assertTrue(Files.readString(out.resolve("latency.json")).contains("\"case\": \"uds\""));
        assertTrue(Files.size(out.resolve("latency-histograms.hlog")) > 0);

        final byte[] png = Files.readAllBytes(out.resolve("latency-percentiles.png"));
        assertTrue(png.length > 1000, "plot size " + png.length);
        assertArrayEquals(new byte[]{(byte)0x89, 'P', 'N', 'G'}, Arrays.copyOf(png, 4), "PNG signature");
    }
}
