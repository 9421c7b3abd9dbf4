package io.shmipc.bench.jmh;

import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.concurrent.locks.StampedLock;

/** The textbook ways to guard a heap buffer with the JDK's locks, shared by the uncontended and contended runs. */
final class HeapLocks
{
    private HeapLocks()
    {
    }

    /** Copies {@code heap} to {@code dst} under an optimistic read of {@code lock}, taking the read lock on failure. */
    static byte[] readOptimistic(final StampedLock lock, final byte[] heap, final byte[] dst, final int size)
    {
        final long stamp = lock.tryOptimisticRead();
        System.arraycopy(heap, 0, dst, 0, size);
        if (!lock.validate(stamp))
        {
            final long readStamp = lock.readLock();
            try
            {
                System.arraycopy(heap, 0, dst, 0, size);
            }
            finally
            {
                lock.unlockRead(readStamp);
            }
        }
        return dst;
    }

    /** Copies {@code src} to {@code heap} under {@code lock}'s write lock. */
    static void write(final StampedLock lock, final byte[] src, final byte[] heap, final int size)
    {
        final long stamp = lock.writeLock();
        try
        {
            System.arraycopy(src, 0, heap, 0, size);
        }
        finally
        {
            lock.unlockWrite(stamp);
        }
    }

    /** Copies {@code heap} to {@code dst} under {@code lock}'s read lock. */
    static byte[] read(final ReentrantReadWriteLock lock, final byte[] heap, final byte[] dst, final int size)
    {
        lock.readLock().lock();
        try
        {
            System.arraycopy(heap, 0, dst, 0, size);
        }
        finally
        {
            lock.readLock().unlock();
        }
        return dst;
    }

    /** Copies {@code src} to {@code heap} under {@code lock}'s write lock. */
    static void write(final ReentrantReadWriteLock lock, final byte[] src, final byte[] heap, final int size)
    {
        lock.writeLock().lock();
        try
        {
            System.arraycopy(src, 0, heap, 0, size);
        }
        finally
        {
            lock.writeLock().unlock();
        }
    }
}
