package io.shmipc;

import io.shmipc.testing.TestDirectory;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The hot paths (read, write, version, awaitChange) allocate nothing: allocated bytes of this thread, measured with
 * {@code com.sun.management.ThreadMXBean}, do not grow over a million calls once the JIT has warmed up.
 */
class AllocationTest
{
    private static final int WARM_UP = 200_000;
    private static final int CALLS = 1_000_000;

    @Test
    void hotPathsAllocateNothing()
    {
        final com.sun.management.ThreadMXBean threads =
            (com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean();
        assertTrue(threads.isThreadAllocatedMemorySupported(), "needs allocation accounting");
        threads.setThreadAllocatedMemoryEnabled(true);

        try (TestDirectory dir = TestDirectory.create();
            SharedMemory shm = SharedMemory.builder("alloc").directory(dir.path()).pages(4).create())
        {
            final byte[] bytes = new byte[64];
            final byte[] multiPage = new byte[6000];
            final UnsafeBuffer direct = new UnsafeBuffer(ByteBuffer.allocateDirect(6000));
            final ByteBuffer byteBuffer = ByteBuffer.allocateDirect(64);
            final Duration zero = Duration.ZERO;
            final Runnable hotPaths = () ->
            {
                shm.write(100, bytes, 0, 64);
                shm.read(100, bytes, 0, 64);
                shm.write(4000, multiPage, 0, multiPage.length);
                shm.read(4000, multiPage, 0, multiPage.length);
                shm.write(4000, direct, 0, 6000);
                shm.read(4000, direct, 0, 6000);
                shm.write(8, byteBuffer, 0, 64);
                shm.read(8, byteBuffer, 0, 64);
                shm.writeLong(0, 1);
                shm.readLong(0);
                shm.writeInt(4094, 1);
                shm.readInt(4094);
                shm.version(1);
                shm.awaitChange(0, shm.version(0), zero);
                shm.awaitChange(0, -1, zero);
            };
            final long tid = Thread.currentThread().getId();
            for (int i = 0; i < WARM_UP; i++)
            {
                hotPaths.run();
            }
            final long before = threads.getThreadAllocatedBytes(tid);
            for (int i = 0; i < CALLS; i++)
            {
                hotPaths.run();
            }
            final long allocated = threads.getThreadAllocatedBytes(tid) - before;
            // The measurement itself may allocate a few hundred bytes; any per-call allocation would show as at
            // least CALLS * 16 bytes.
            assertTrue(allocated < 4096, "allocated " + allocated + " bytes over " + CALLS + " rounds of calls");
            assertEquals(1, shm.readLong(0));
        }
    }
}
