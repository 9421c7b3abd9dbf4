package io.shmipc;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import java.nio.ByteBuffer;

/**
 * Reads and writes of a {@link SharedMemory} that wait at most a fixed time for a page held by another writer, then
 * throw {@link LockTimeoutException} having copied nothing and holding nothing. Obtained from
 * {@link SharedMemory#withTimeout(java.time.Duration)}; thread-safe, allocation-free per call, closed with its
 * segment. Everything else behaves as the same method of {@link SharedMemory}.
 */
public final class TimedAccess
{
    private final SharedMemory shm;
    private final long timeoutNanos;

    TimedAccess(final SharedMemory shm, final long timeoutNanos)
    {
        this.shm = shm;
        this.timeoutNanos = timeoutNanos;
    }

    /** @return the segment this view reads and writes. */
    public SharedMemory segment()
    {
        return shm;
    }

    /** @return the longest wait for a held page, in nanoseconds. */
    public long timeoutNanos()
    {
        return timeoutNanos;
    }

    /**
     * As {@link SharedMemory#read(int, byte[], int, int)}, waiting at most the timeout.
     *
     * @param offset    where in the segment.
     * @param dst       where to copy to.
     * @param dstOffset where in {@code dst}.
     * @param length    how many bytes.
     * @throws LockTimeoutException if a page stayed held for longer than the timeout.
     */
    public void read(final int offset, final byte[] dst, final int dstOffset, final int length)
    {
        shm.read(offset, dst, dstOffset, length, timeoutNanos);
    }

    /**
     * As {@link SharedMemory#read(int, MutableDirectBuffer, int, int)}, waiting at most the timeout.
     *
     * @param offset    where in the segment.
     * @param dst       where to copy to.
     * @param dstOffset where in {@code dst}.
     * @param length    how many bytes.
     * @throws LockTimeoutException if a page stayed held for longer than the timeout.
     */
    public void read(final int offset, final MutableDirectBuffer dst, final int dstOffset, final int length)
    {
        shm.read(offset, dst, dstOffset, length, timeoutNanos);
    }

    /**
     * As {@link SharedMemory#read(int, ByteBuffer, int, int)}, waiting at most the timeout.
     *
     * @param offset    where in the segment.
     * @param dst       where to copy to.
     * @param dstOffset where in {@code dst}.
     * @param length    how many bytes.
     * @throws LockTimeoutException if a page stayed held for longer than the timeout.
     */
    public void read(final int offset, final ByteBuffer dst, final int dstOffset, final int length)
    {
        shm.read(offset, dst, dstOffset, length, timeoutNanos);
    }

    /**
     * As {@link SharedMemory#readLong(int)}, waiting at most the timeout.
     *
     * @param offset where in the segment.
     * @return the value.
     * @throws LockTimeoutException if the page stayed held for longer than the timeout.
     */
    public long readLong(final int offset)
    {
        return shm.readLong(offset, timeoutNanos);
    }

    /**
     * As {@link SharedMemory#readInt(int)}, waiting at most the timeout.
     *
     * @param offset where in the segment.
     * @return the value.
     * @throws LockTimeoutException if the page stayed held for longer than the timeout.
     */
    public int readInt(final int offset)
    {
        return shm.readInt(offset, timeoutNanos);
    }

    /**
     * As {@link SharedMemory#write(int, byte[], int, int)}, waiting at most the timeout.
     *
     * @param offset    where in the segment.
     * @param src       the bytes.
     * @param srcOffset where in {@code src}.
     * @param length    how many bytes.
     * @throws LockTimeoutException if a page stayed held for longer than the timeout.
     */
    public void write(final int offset, final byte[] src, final int srcOffset, final int length)
    {
        shm.write(offset, src, srcOffset, length, timeoutNanos);
    }

    /**
     * As {@link SharedMemory#write(int, DirectBuffer, int, int)}, waiting at most the timeout.
     *
     * @param offset    where in the segment.
     * @param src       the bytes.
     * @param srcOffset where in {@code src}.
     * @param length    how many bytes.
     * @throws LockTimeoutException if a page stayed held for longer than the timeout.
     */
    public void write(final int offset, final DirectBuffer src, final int srcOffset, final int length)
    {
        shm.write(offset, src, srcOffset, length, timeoutNanos);
    }

    /**
     * As {@link SharedMemory#write(int, ByteBuffer, int, int)}, waiting at most the timeout.
     *
     * @param offset    where in the segment.
     * @param src       the bytes.
     * @param srcOffset where in {@code src}.
     * @param length    how many bytes.
     * @throws LockTimeoutException if a page stayed held for longer than the timeout.
     */
    public void write(final int offset, final ByteBuffer src, final int srcOffset, final int length)
    {
        shm.write(offset, src, srcOffset, length, timeoutNanos);
    }

    /**
     * As {@link SharedMemory#writeLong(int, long)}, waiting at most the timeout.
     *
     * @param offset where in the segment.
     * @param value  the value.
     * @throws LockTimeoutException if the page stayed held for longer than the timeout.
     */
    public void writeLong(final int offset, final long value)
    {
        shm.writeLong(offset, value, timeoutNanos);
    }

    /**
     * As {@link SharedMemory#writeInt(int, int)}, waiting at most the timeout.
     *
     * @param offset where in the segment.
     * @param value  the value.
     * @throws LockTimeoutException if the page stayed held for longer than the timeout.
     */
    public void writeInt(final int offset, final int value)
    {
        shm.writeInt(offset, value, timeoutNanos);
    }
}
