package io.shmipc.bench.jmh;

import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** The JMH comparison table judges targets from the numbers it is given (synthetic here: no benchmark runs). */
class JmhSummaryTest
{
    @Test
    void targetsAreJudgedFromTheRatiosToTheRawCopy()
    {
        final Map<String, double[]> scores = new LinkedHashMap<>();
        put(scores, "SegmentAccessBenchmark.readSharedMemory:64", 12.5, 0.0001);
        put(scores, "SegmentAccessBenchmark.readRaw:64", 10.0, 0.0);
        put(scores, "SegmentAccessBenchmark.readSharedMemory:4096", 130.0, 0.0001);
        put(scores, "SegmentAccessBenchmark.readRaw:4096", 100.0, 0.0);
        put(scores, "SegmentAccessBenchmark.writeSharedMemory:64", 25.0, 24.0);
        put(scores, "SegmentAccessBenchmark.writeRaw:64", 10.0, 0.0);

        final String summary = JmhSuite.summary(scores);

        assertTrue(summary.contains("64 B read under the seqlock <= 1.30x the raw copy: 12.5 vs 10.0 ns = 1.25x: MET"),
            summary);
        assertTrue(summary.contains("64 B write under the seqlock <= 2.00x the raw copy: 25.0 vs 10.0 ns = 2.50x: " +
            "MISSED"), summary);
        assertTrue(summary.contains("4096 B read under the seqlock <= 1.10x the raw copy: 130.0 vs 100.0 ns = " +
            "1.30x: MISSED"), summary);
        assertTrue(summary.contains("largest measured: 24.0000 B/op, SegmentAccessBenchmark.writeSharedMemory:64):" +
            " MISSED"), summary);
    }

    @Test
    void theProtocolByHandSplitsTheCostBetweenTheSeqlockAndTheApi()
    {
        final Map<String, double[]> scores = new LinkedHashMap<>();
        put(scores, "SegmentAccessBenchmark.readSharedMemory:64", 15.0, 0.0);
        put(scores, "SegmentAccessBenchmark.readRaw:64", 10.0, 0.0);
        put(scores, "SegmentAccessBenchmark.readSeqlock:64", 12.0, 0.0);
        put(scores, "SegmentAccessBenchmark.writeSharedMemory:64", 24.0, 0.0);
        put(scores, "SegmentAccessBenchmark.writeRaw:64", 8.0, 0.0);
        put(scores, "SegmentAccessBenchmark.writeSeqlock:64", 20.0, 0.0);

        final String summary = JmhSuite.summary(scores);

        // read: protocol 12 / raw 10, API 15 / protocol 12; write: 20 / 8, 24 / 20
        assertTrue(summary.contains("| 64 B | 12.0 | 1.20x | 1.25x | 20.0 | 2.50x | 1.20x |"), summary);
        assertTrue(summary.contains("64 B write under the seqlock <= 2.00x the raw copy: 24.0 vs 8.0 ns = 3.00x: " +
            "MISSED (the protocol written by hand: 2.50x)"), summary);
        assertTrue(summary.contains("64 B read under the seqlock <= 1.30x the raw copy: 15.0 vs 10.0 ns = 1.50x: " +
            "MISSED (the protocol written by hand: 1.20x)"), summary);
    }

    private static void put(final Map<String, double[]> scores, final String key, final double ns, final double bytes)
    {
        scores.put(key, new double[]{ns, 0.1, bytes});
    }
}
