package io.shmipc.bench.latency;

/**
 * One run of the throughput case.
 *
 * @param run          the run number, from 1.
 * @param writes       pages written by the writer.
 * @param writeNanos   how long the writer wrote.
 * @param reads        consistent snapshots the reader took.
 * @param retries      read retries the segment counted meanwhile (a snapshot that had to wait or start again).
 * @param inconsistent snapshots whose eight copies differed: must be 0.
 * @param readNanos    how long the reader read.
 */
public record ThroughputResult(
    int run, long writes, long writeNanos, long reads, long retries, long inconsistent, long readNanos)
{
    /** @return updates written per second. */
    public double writesPerSecond()
    {
        return writes * 1e9 / writeNanos;
    }

    /** @return consistent snapshots read per second. */
    public double readsPerSecond()
    {
        return reads * 1e9 / readNanos;
    }

    /** @return retries per snapshot read. */
    public double retriesPerRead()
    {
        return reads == 0 ? 0 : (double)retries / reads;
    }
}
