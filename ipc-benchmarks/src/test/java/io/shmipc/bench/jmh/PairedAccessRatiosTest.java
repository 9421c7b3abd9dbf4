package io.shmipc.bench.jmh;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link PairedAccessRatios}: the summary judges the budgets from the per-round ratios it is given, the off-heap
 * buffers start where they are placed, and a short in-process run times both sides of every case on copies that
 * really happened (its figures are not judged: timing targets live in the benchmark's own output).
 */
class PairedAccessRatiosTest
{
    @Test
    void theSummaryTakesTheMedianOfPerRoundRatiosNotTheRatioOfMedians()
    {
        final List<PairedAccessRatios.Sample> samples = new ArrayList<>();
        // Per round 2.0x, 1.1x, 1.1x: the median ratio is 1.1x (the budget met), while the sides' medians, 4.0 and
        // 5.5 ns, come from different rounds and would make 1.375x (missed).
        samples.add(new PairedAccessRatios.Sample(0, 64, "read", 0, 3.0, 6.0));
        samples.add(new PairedAccessRatios.Sample(0, 64, "read", 1, 4.0, 4.4));
        samples.add(new PairedAccessRatios.Sample(0, 64, "read", 2, 5.0, 5.5));
        for (int round = 0; round < 3; round++)
        {
            samples.add(new PairedAccessRatios.Sample(0, 64, "write", round, 4.0, 10.0));
        }
        final String summary = PairedAccessRatios.summary(samples, "test buffers");

        assertTrue(summary.contains("| 64 B read | 3 | 4.00 | 5.50 | **1.10x** | 1.10-1.55x | 1.10x | 1.3x: MET |"),
            summary);
        assertTrue(summary.contains("| 64 B write | 3 | 4.00 | 10.00 | **2.50x** | 2.50-2.50x | 2.50x | 2.0x: " +
            "MISSED |"), summary);
        assertTrue(summary.contains("test buffers"), summary);
    }

    @Test
    void eachForkGetsItsOwnMedian()
    {
        final List<PairedAccessRatios.Sample> samples = new ArrayList<>();
        for (int round = 0; round < 3; round++)
        {
            samples.add(new PairedAccessRatios.Sample(0, 4096, "write", round, 10.0, 11.0));
            samples.add(new PairedAccessRatios.Sample(1, 4096, "write", round, 10.0, 15.0));
        }
        final String summary = PairedAccessRatios.summary(samples, "test buffers");

        assertTrue(summary.contains("| 1.10x, 1.50x | 1.2x: MISSED |"), summary);
    }

    @Test
    void samplesSurviveTheTripFromAForkToItsParent()
    {
        final PairedAccessRatios.Sample sample = new PairedAccessRatios.Sample(0, 64, "read", 7, 3.25, 4.5);
        final PairedAccessRatios.Sample parsed = PairedAccessRatios.Sample.parse(2, sample.csv());

        assertEquals(2, parsed.fork);
        assertEquals(64, parsed.size);
        assertEquals("read", parsed.operation);
        assertEquals(7, parsed.round);
        assertEquals(3.25, parsed.rawNanos, 1e-9);
        assertEquals(4.5, parsed.apiNanos, 1e-9);
        assertThrows(IllegalArgumentException.class, () -> PairedAccessRatios.Sample.parse(0, "64,read,1"));
    }

    @Test
    void quantilesInterpolate()
    {
        final double[] values = {1.0, 2.0, 3.0, 4.0};

        assertEquals(2.5, PairedAccessRatios.quantile(values, 0.5), 1e-12);
        assertEquals(1.75, PairedAccessRatios.quantile(values, 0.25), 1e-12);
        assertEquals(4.0, PairedAccessRatios.quantile(values, 1.0), 1e-12);
        assertTrue(Double.isNaN(PairedAccessRatios.quantile(new double[0], 0.5)));
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 80, 2048, 4016})
    void offHeapBuffersStartWhereTheyArePlaced(final int skew)
    {
        try (BenchmarkSegment segment = new BenchmarkSegment(4))
        {
            final PairedLoops loops = PairedLoops.offHeap(segment, 64, skew);

            assertEquals(skew, loops.sourceSkew());
            assertEquals(skew, loops.destinationSkew());
        }
    }

    @Test
    void aSkewOutsideAPageIsRefusedWithTheLimit()
    {
        try (BenchmarkSegment segment = new BenchmarkSegment(4))
        {
            final IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                () -> PairedLoops.offHeap(segment, 64, 4096));
            assertEquals("skew 4096 is outside 0..4095", refused.getMessage());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"heap", "direct"})
    void aShortRunTimesBothSidesOfEveryCaseOnRealCopies(final String buffers)
    {
        final PairedAccessRatios ratios = new PairedAccessRatios();
        ratios.sizes = new int[]{64, 4096};
        ratios.rounds = 3;
        ratios.blockMicros = 50;
        ratios.warmupMillis = 20;
        ratios.buffers = PairedAccessRatios.Buffers.valueOf(buffers);
        final List<PairedAccessRatios.Sample> samples = new ArrayList<>();

        ratios.measure(0, samples::add); // runs PairedLoops.check() after each size: it throws if a copy was missing

        assertEquals(2 * 2 * 3, samples.size());
        for (final PairedAccessRatios.Sample sample : samples)
        {
            assertTrue(sample.rawNanos > 0 && sample.apiNanos > 0, sample.csv());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"heap", "direct"})
    void theLoopsCopyThePattern(final String buffers)
    {
        try (BenchmarkSegment segment = new BenchmarkSegment(4))
        {
            final PairedLoops loops = buffers.equals("heap") ? PairedLoops.onHeap(segment, 64) :
                PairedLoops.offHeap(segment, 64, 2048);
            segment.shm().write(0, new byte[64]);
            loops.writeApi(1);
            loops.readRaw(1);
            assertArrayEquals(PairedLoops.pattern(64), loops.destination());
            segment.shm().write(0, new byte[64]);
            loops.readApi(1);
            assertArrayEquals(new byte[64], loops.destination());
            assertThrows(IllegalStateException.class, loops::check, "the reads copied zeros, not the source");
            loops.writeRaw(1);
            loops.readApi(1);
            loops.check();
        }
    }

    @Test
    void optionsOutOfRangeAreRefusedWithTheValueAndTheRange()
    {
        final PairedAccessRatios ratios = new PairedAccessRatios();
        ratios.sizes = new int[]{64, 200_000};
        assertEquals("--sizes: 200000 is outside 1..131072",
            assertThrows(IllegalArgumentException.class, ratios::checkOptions).getMessage());
        ratios.sizes = new int[]{64};
        ratios.rounds = 0;
        assertTrue(assertThrows(IllegalArgumentException.class, ratios::checkOptions).getMessage()
            .startsWith("--rounds 0 and --block-micros 1000 must be at least 1"));
        ratios.rounds = 1;
        ratios.skew = -1;
        assertEquals("--skew: -1 is outside 0..4095",
            assertThrows(IllegalArgumentException.class, ratios::checkOptions).getMessage());
        ratios.skew = 0;
        ratios.checkOptions();
    }
}
