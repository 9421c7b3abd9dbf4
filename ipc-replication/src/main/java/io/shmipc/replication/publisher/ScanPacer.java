package io.shmipc.replication.publisher;

/**
 * When the publisher next scans its source's page versions. A scan costs time in proportion to the segment (about
 * 270 µs for 16,384 pages here), and an idle publisher that scans on every duty cycle of its thread (every 1 ms once
 * its idle strategy parks) spent a quarter of a core on a 64 MiB segment with nothing changing. So after a scan that
 * found nothing to send, the next one waits until scanning has taken at most {@code maxIdleScanShare} of the time
 * since: a pause of {@code cost * (1 / share - 1)}, capped at {@link #MAX_PAUSE_NANOS}. A scan that sent something,
 * stopped early (back-pressure, the per-cycle byte limit) or a replica's request for pages makes the next scan due
 * at once. For a small segment the pause is shorter than the idle strategy's park, so nothing changes; for a large
 * idle one, a write is seen up to one pause later than before (about 5 ms for 64 MiB at the default 5%).
 *
 * <p>Single-threaded (the publisher's agent thread); takes the clock from its caller, allocation-free.
 */
final class ScanPacer
{
    /** The longest pause between two idle scans, whatever their cost: a bound on the lag it adds. */
    static final long MAX_PAUSE_NANOS = 20_000_000L;

    private final double pausePerScanNanos;
    private long nextScanAt;
    private boolean due = true;

    /**
     * @param maxIdleScanShare largest share of a core an idle publisher spends scanning, in (0, 1]; 1 scans on every
     *                         duty cycle.
     */
    ScanPacer(final double maxIdleScanShare)
    {
        if (!(maxIdleScanShare > 0 && maxIdleScanShare <= 1))
        {
            throw new IllegalArgumentException("idle scan share " + maxIdleScanShare + " must be in (0, 1]");
        }
        this.pausePerScanNanos = 1 / maxIdleScanShare - 1;
    }

    /** @return whether a scan is due at {@code now} ({@link System#nanoTime()}). */
    boolean isDue(final long now)
    {
        return due || now - nextScanAt >= 0;
    }

    /** A scan from {@code start} to {@code end} found nothing to send: the next waits in proportion to its cost. */
    void scannedIdle(final long start, final long end)
    {
        due = false;
        nextScanAt = end + Math.min(MAX_PAUSE_NANOS, (long)((end - start) * pausePerScanNanos));
    }

    /** Something is to be sent, or was: scan again at once. */
    void scanNow()
    {
        due = true;
    }
}
