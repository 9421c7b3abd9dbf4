package io.shmipc.replication.publisher;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The idle publisher's scan pacing, on a clock given by the test: after an idle scan, the next waits in proportion to
 * its cost (at most the cap); a scan that sent, or a request, makes the next due at once.
 */
class ScanPacerTest
{
    private static final long T0 = 1_000_000_000L;

    @Test
    void anIdleScanWaitsUntilScanningIsAtMostItsShareOfTheTime()
    {
        final ScanPacer pacer = new ScanPacer(0.05);
        assertTrue(pacer.isDue(T0), "the first scan is due at once");
        pacer.scannedIdle(T0, T0 + 100_000); // 100 us of scanning, nothing to send
        final long end = T0 + 100_000;
        assertFalse(pacer.isDue(end));
        assertFalse(pacer.isDue(end + 1_899_999), "100 us is 5% of 2 ms: not before 1.9 ms of pause");
        assertTrue(pacer.isDue(end + 1_900_000));
    }

    @Test
    void aCheapScanIsDueAgainAlmostAtOnceAndAnExpensiveOneAtMostAfterTheCap()
    {
        final ScanPacer pacer = new ScanPacer(0.05);
        pacer.scannedIdle(T0, T0 + 2_000); // a 16-page segment: 2 us
        assertTrue(pacer.isDue(T0 + 2_000 + 38_000), "38 us later: shorter than the idle strategy's 1 ms park");
        pacer.scannedIdle(T0, T0 + 5_000_000); // a scan of 5 ms would ask for 95 ms
        assertFalse(pacer.isDue(T0 + 5_000_000 + ScanPacer.MAX_PAUSE_NANOS - 1));
        assertTrue(pacer.isDue(T0 + 5_000_000 + ScanPacer.MAX_PAUSE_NANOS), "capped");
    }

    @Test
    void somethingToSendMakesTheNextScanDueAtOnce()
    {
        final ScanPacer pacer = new ScanPacer(0.05);
        pacer.scannedIdle(T0, T0 + 100_000);
        pacer.scanNow();
        assertTrue(pacer.isDue(T0 + 100_001));
        pacer.scannedIdle(T0 + 200_000, T0 + 300_000);
        assertFalse(pacer.isDue(T0 + 300_001), "idle again: paced again");
    }

    @Test
    void aShareOfOneScansOnEveryCycleAndAShareOutsideTheRangeIsRefused()
    {
        final ScanPacer every = new ScanPacer(1);
        every.scannedIdle(T0, T0 + 5_000_000);
        assertTrue(every.isDue(T0 + 5_000_000));
        for (final double bad : new double[] {0, -0.1, 1.5, Double.NaN})
        {
            final IllegalArgumentException refused =
                assertThrows(IllegalArgumentException.class, () -> new ScanPacer(bad));
            assertTrue(refused.getMessage().contains(String.valueOf(bad)), refused.getMessage());
        }
    }
}
