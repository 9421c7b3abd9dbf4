package io.shmipc;

import io.shmipc.layout.CounterId;
import io.shmipc.layout.LockWord;
import io.shmipc.sys.FutexVector;
import io.shmipc.testing.TestDirectoryExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Waiting for any of several pages: which one changed, timeouts, close, interrupt, and sleeping on all at once. */
class PageWatcherTest
{
    @RegisterExtension
    final TestDirectoryExtension dir = new TestDirectoryExtension();

    @Test
    void reportsThePageThatChangedAndRemembersItsVersion() throws Exception
    {
        final ExecutorService threads = Executors.newCachedThreadPool();
        try (SharedMemory shm = SharedMemory.builder("watched").directory(dir.path()).pages(8).create())
        {
            final PageWatcher watcher = shm.watch(1, 5, 7);
            assertEquals(3, watcher.size());
            assertEquals(-1, watcher.awaitAny(Duration.ofMillis(30)), "nothing changed");

            final CompletableFuture<Integer> waiting = CompletableFuture.supplyAsync(
                () -> watcher.awaitAny(Duration.ofMinutes(1)), threads);
            Thread.sleep(300); // long enough to be asleep (JDK 22+: in futex_waitv, W set on every page)
            shm.writeLong(5 * shm.pageSize(), 42L);
            assertEquals(1, waiting.get(30, TimeUnit.SECONDS), "index 1 is page 5");
            assertEquals(5, watcher.page(1));
            assertEquals(shm.version(5), watcher.seenVersion(1));
            if (FutexVector.isSupported())
            {
                assertTrue(shm.counter(CounterId.SLEEPS) > 0, "the wait slept in the kernel");
                assertEquals(0, shm.lockWord(5) & LockWord.WAITERS_BIT, "the write woke the sleepers and cleared W");
            }
            assertEquals(-1, watcher.awaitAny(Duration.ofMillis(10)), "that change was taken as seen");

            shm.writeLong(7 * shm.pageSize(), 1L);
            shm.writeLong(1 * shm.pageSize(), 1L);
            final int first = watcher.awaitAny(Duration.ZERO);
            final int second = watcher.awaitAny(Duration.ZERO);
            assertTrue(first != second && first != 1 && second != 1 && first >= 0 && second >= 0,
                "both changes are reported, one per call: " + first + ", " + second);
        }
        finally
        {
            threads.shutdownNow();
        }
    }

    @Test
    void aWaitEndsWhenTheSegmentClosesOrTheThreadIsInterrupted() throws Exception
    {
        final ExecutorService threads = Executors.newCachedThreadPool();
        try
        {
            final SharedMemory shm = SharedMemory.builder("ended").directory(dir.path()).pages(2).create();
            final PageWatcher watcher = shm.watch(0, 1);
            final Thread[] runner = new Thread[1];
            final CompletableFuture<Integer> interrupted = CompletableFuture.supplyAsync(() ->
            {
                runner[0] = Thread.currentThread();
                return watcher.awaitAny(Duration.ofMinutes(5));
            }, threads);
            Thread.sleep(200);
            runner[0].interrupt();
            final ExecutionException byInterrupt =
                assertThrows(ExecutionException.class, () -> interrupted.get(30, TimeUnit.SECONDS));
            assertTrue(byInterrupt.getCause() instanceof WaitInterruptedException, byInterrupt.toString());

            final PageWatcher other = shm.watch(0);
            final CompletableFuture<Integer> closed = CompletableFuture.supplyAsync(
                () -> other.awaitAny(Duration.ofMinutes(5)), threads);
            Thread.sleep(200);
            shm.close();
            final ExecutionException byClose =
                assertThrows(ExecutionException.class, () -> closed.get(30, TimeUnit.SECONDS));
            assertTrue(byClose.getCause() instanceof IllegalStateException, byClose.toString());
            assertThrows(IllegalStateException.class, () -> shm.watch(0));
        }
        finally
        {
            threads.shutdownNow();
        }
    }

    @Test
    void badPagesAreRefused()
    {
        try (SharedMemory shm = SharedMemory.builder("bad").directory(dir.path()).pages(2).create())
        {
            assertThrows(IllegalArgumentException.class, shm::watch);
            assertThrows(IndexOutOfBoundsException.class, () -> shm.watch(0, 2));
            assertThrows(IndexOutOfBoundsException.class, () -> shm.watch(-1));
        }
    }
}
