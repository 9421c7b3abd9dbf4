package io.shmipc.bench.jmh;

import io.shmipc.SharedMemory;
import org.agrona.BufferUtil;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * The four loops of {@link PairedAccessRatios} over one segment: each side (raw copy, {@link SharedMemory}) of each
 * operation (read, write) in a method of its own, reading its inputs from fields each time round as a JMH benchmark
 * does, so that each is compiled and profiled apart.
 *
 * <p>The other side of every copy is an {@link UnsafeBuffer}: over a {@code byte[]} ({@link #onHeap}), placed wherever
 * the heap puts it, as the JMH suite's arrays are; or over off-heap memory placed {@code skew} bytes past the segment
 * data's offset in its 4 KiB page ({@link #offHeap}), so that every fork copies between the same page offsets. (A
 * 4 KiB copy whose destination starts within about 80 bytes of its source's page offset, but not at it, makes each load
 * wait on a store just made to the same low 12 address bits, 4K aliasing: about ten times as long on this project's
 * machines; docs/BENCHMARKS.md, "Paired in-process ratios".)
 */
final class PairedLoops
{
    /** A page of the machine, the unit of 4K aliasing. */
    static final int PAGE = 4096;
    private final SharedMemory shm;
    private final UnsafeBuffer raw;
    private final int dataOffset;
    private final int size;
    private final UnsafeBuffer src;
    private final UnsafeBuffer dst;
    /** What the reads copied last, kept so that no read is dropped as unused. */
    private long sink;

    private PairedLoops(final BenchmarkSegment segment, final int size, final UnsafeBuffer src, final UnsafeBuffer dst)
    {
        this.shm = segment.shm();
        this.raw = segment.raw();
        this.dataOffset = segment.dataOffset();
        this.size = size;
        this.src = src;
        this.dst = dst;
        src.putBytes(0, pattern(size));
        shm.write(0, src, 0, size);
    }

    /** @return loops copying to and from {@code byte[]} arrays of {@code size} bytes. */
    static PairedLoops onHeap(final BenchmarkSegment segment, final int size)
    {
        return new PairedLoops(segment, size, new UnsafeBuffer(new byte[size]), new UnsafeBuffer(new byte[size]));
    }

    /**
     * @return loops copying to and from off-heap memory starting {@code skew} bytes past the data's page offset.
     * @throws IllegalArgumentException if {@code skew} is not within a page.
     */
    static PairedLoops offHeap(final BenchmarkSegment segment, final int size, final int skew)
    {
        if (skew < 0 || skew >= PAGE)
        {
            throw new IllegalArgumentException("skew " + skew + " is outside 0.." + (PAGE - 1));
        }
        final long dataAddress = segment.raw().addressOffset() + segment.dataOffset();
        return new PairedLoops(segment, size, placed(dataAddress, skew, size), placed(dataAddress, skew, size));
    }

    /** @return {@code size} new off-heap bytes, starting {@code skew} bytes past {@code address}'s page offset. */
    private static UnsafeBuffer placed(final long address, final int skew, final int size)
    {
        final ByteBuffer memory = ByteBuffer.allocateDirect(size + 2 * PAGE);
        final long wanted = (address + skew) & (PAGE - 1);
        final int offset = (int)((wanted - BufferUtil.address(memory)) & (PAGE - 1));
        return new UnsafeBuffer(memory, offset, size);
    }

    /** @return the pattern every write copies: byte {@code i} is {@code i}. */
    static byte[] pattern(final int size)
    {
        final byte[] bytes = new byte[size];
        for (int i = 0; i < size; i++)
        {
            bytes[i] = (byte)i;
        }
        return bytes;
    }

    /**
     * @param operation 0 for reads, 1 for writes.
     * @param rawSide   the raw copy, else {@link SharedMemory}.
     * @param count     how many operations.
     * @return ns per operation of {@code count} operations of one side.
     */
    double time(final int operation, final boolean rawSide, final long count)
    {
        final long start = System.nanoTime();
        if (operation == 0)
        {
            sink += rawSide ? readRaw(count) : readApi(count);
        }
        else if (rawSide)
        {
            writeRaw(count);
        }
        else
        {
            writeApi(count);
        }
        return (System.nanoTime() - start) / (double)count;
    }

    long readRaw(final long count)
    {
        for (long i = 0; i < count; i++)
        {
            raw.getBytes(dataOffset, dst, 0, size);
        }
        return dst.getByte(size - 1);
    }

    long readApi(final long count)
    {
        for (long i = 0; i < count; i++)
        {
            shm.read(0, dst, 0, size);
        }
        return dst.getByte(size - 1);
    }

    void writeRaw(final long count)
    {
        for (long i = 0; i < count; i++)
        {
            raw.putBytes(dataOffset, src, 0, size);
        }
    }

    void writeApi(final long count)
    {
        for (long i = 0; i < count; i++)
        {
            shm.write(0, src, 0, size);
        }
    }

    /** @return a copy of the bytes the writes copy from. */
    byte[] source()
    {
        final byte[] bytes = new byte[size];
        src.getBytes(0, bytes);
        return bytes;
    }

    /** @return a copy of the bytes the reads copied last. */
    byte[] destination()
    {
        final byte[] bytes = new byte[size];
        dst.getBytes(0, bytes);
        return bytes;
    }

    /** @return where the source starts relative to the segment's data, modulo 4 KiB. */
    int sourceSkew()
    {
        return skewOf(src);
    }

    /** @return where the destination starts relative to the segment's data, modulo 4 KiB. */
    int destinationSkew()
    {
        return skewOf(dst);
    }

    private int skewOf(final UnsafeBuffer buffer)
    {
        return (int)((buffer.addressOffset() - raw.addressOffset() - dataOffset) & (PAGE - 1));
    }

    /**
     * Checks that the loops did what they claim: the segment holds the source, and the reads copied it.
     *
     * @throws IllegalStateException if not.
     */
    void check()
    {
        final byte[] read = new byte[size];
        shm.read(0, read);
        if (!Arrays.equals(read, source()) || !Arrays.equals(destination(), source()))
        {
            throw new IllegalStateException("the paired loops did not copy the " + size + " bytes they time");
        }
    }
}
