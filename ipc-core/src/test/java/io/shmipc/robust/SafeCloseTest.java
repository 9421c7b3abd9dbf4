package io.shmipc.robust;

import io.shmipc.SharedMemory;
import io.shmipc.segment.Attachments;
import io.shmipc.testing.TestDirectoryExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Closing a handle while other threads of the process read and write through it never crashes the JVM: each of
 * them gets {@link IllegalStateException} and nothing else, although the close releases the mapping, the descriptor
 * and the owner slot without waiting for the garbage collector (which this test never calls).
 */
class SafeCloseTest
{
    private static final int ROUNDS = 300;
    private static final int THREADS = 3;

    @RegisterExtension
    final TestDirectoryExtension dir = new TestDirectoryExtension();

    @Test
    void closingUnderReadersAndWritersOnlyEverThrowsIllegalStateException() throws Exception
    {
        SharedMemory.builder("closing").directory(dir.path()).pages(4).create().close();
        for (int round = 0; round < ROUNDS; round++)
        {
            final SharedMemory shm = SharedMemory.builder("closing").directory(dir.path()).open();
            final CountDownLatch running = new CountDownLatch(THREADS);
            final List<AtomicReference<Throwable>> endings = new ArrayList<>();
            final List<Thread> threads = new ArrayList<>();
            for (int t = 0; t < THREADS; t++)
            {
                final AtomicReference<Throwable> ending = new AtomicReference<>();
                endings.add(ending);
                final int kind = t;
                final Thread thread = new Thread(() -> hammer(shm, kind, running, ending), "hammer-" + t);
                threads.add(thread);
                thread.start();
            }
            running.await();
            LockSupport.parkNanos(ThreadLocalRandom.current().nextLong(0, 200_000));
            shm.close();
            for (final Thread thread : threads)
            {
                thread.join(30_000);
                assertTrue(!thread.isAlive(), thread.getName() + " still running after close");
            }
            for (final AtomicReference<Throwable> ending : endings)
            {
                final Throwable thrown = ending.get();
                assertEquals(IllegalStateException.class, thrown == null ? null : thrown.getClass(),
                    "round " + round + ": " + thrown);
                assertTrue(thrown.getMessage().contains("closed"), thrown.getMessage());
            }
            // The mapping, descriptor and slot go without any garbage collection: at once on JDK 22+, and on JDK 17
            // as soon as no thread is inside a call any more.
            final long deadline = System.nanoTime() + 10_000_000_000L;
            while (Attachments.attachedCount() != 0 && System.nanoTime() < deadline)
            {
                Thread.sleep(1);
            }
            assertEquals(0, Attachments.attachedCount(), "round " + round + ": the closed segment is still attached");
        }
    }

    private static void hammer(
        final SharedMemory shm, final int kind, final CountDownLatch running, final AtomicReference<Throwable> ending)
    {
        final byte[] buffer = new byte[64];
        final byte[] large = new byte[3 * 4096];
        try
        {
            for (long i = 0; ; i++)
            {
                switch (kind)
                {
                    case 0 -> shm.read((int)(i & 127) * 64, buffer);
                    case 1 -> shm.writeLong((int)(i & 2047) * 8, i);
                    default -> shm.write(100, large);
                }
                if (i == 0)
                {
                    running.countDown();
                }
                shm.readLong(0);
            }
        }
        catch (final Throwable t)
        {
            ending.set(t);
            running.countDown(); // a thread that failed at once must not leave the test waiting for ever
        }
    }
}
