package io.shmipc.bench.latency;

import org.HdrHistogram.Histogram;

/**
 * The round-trip latencies of one process pair: the case and the reference, alternated in the same processes.
 *
 * @param measured  the case.
 * @param run       the run number, from 1.
 * @param reference the reference's round trips, in nanoseconds.
 * @param latency   the case's round trips, in nanoseconds.
 */
public record PairResult(LatencyCase measured, int run, Histogram reference, Histogram latency)
{
    /** @return the case's median divided by the reference's median in the same pair. */
    public double medianRatio()
    {
        return ratio(50.0);
    }

    /** @return the case's {@code percentile} divided by the reference's. */
    public double ratio(final double percentile)
    {
        return (double)latency.getValueAtPercentile(percentile) / reference.getValueAtPercentile(percentile);
    }
}
