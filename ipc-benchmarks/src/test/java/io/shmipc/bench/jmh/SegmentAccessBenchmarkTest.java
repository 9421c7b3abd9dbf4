package io.shmipc.bench.jmh;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The hand-written protocol baselines of {@link SegmentAccessBenchmark} are the protocol: what they write, the
 * library reads, with each page's version advanced by one write; what the library writes, they read.
 */
class SegmentAccessBenchmarkTest
{
    @ParameterizedTest
    @ValueSource(ints = {8, 64, 4096, 65536})
    void theSeqlockByHandInteroperatesWithTheLibrary(final int size)
    {
        final SegmentAccessBenchmark benchmark = new SegmentAccessBenchmark();
        benchmark.size = size;
        benchmark.setUp();
        try
        {
            final int pages = (size + 4095) / 4096;
            final long[] before = versions(benchmark, pages);
            benchmark.writeSeqlock();
            final long[] after = versions(benchmark, pages);
            for (int page = 0; page < pages; page++)
            {
                assertEquals(before[page] + 1, after[page], "page " + page + "'s version after one write by hand");
            }
            final byte[] expected = new byte[size];
            for (int i = 0; i < size; i++)
            {
                expected[i] = (byte)i;
            }
            final byte[] read = new byte[size];
            benchmark.segmentForTests().shm().read(0, read);
            assertArrayEquals(expected, read, "the library reads what the hand-written write wrote");

            final byte[] other = new byte[size];
            Arrays.fill(other, (byte)0x5A);
            benchmark.segmentForTests().shm().write(0, other);
            assertArrayEquals(other, benchmark.readSeqlock(), "the hand-written read reads what the library wrote");
            benchmark.writeSharedMemory();
            assertArrayEquals(expected, benchmark.readSeqlock());
        }
        finally
        {
            benchmark.tearDown();
        }
    }

    private static long[] versions(final SegmentAccessBenchmark benchmark, final int pages)
    {
        final long[] versions = new long[pages];
        for (int page = 0; page < pages; page++)
        {
            versions[page] = benchmark.segmentForTests().shm().version(page);
        }
        return versions;
    }
}
