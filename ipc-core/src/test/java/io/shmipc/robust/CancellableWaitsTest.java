package io.shmipc.robust;

import io.shmipc.LockTimeoutException;
import io.shmipc.SharedMemory;
import io.shmipc.TimedAccess;
import io.shmipc.WaitInterruptedException;
import io.shmipc.layout.LockWord;
import io.shmipc.testing.JavaProcess;
import io.shmipc.testing.TestDirectoryExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A read or write waiting for a page that a live process holds (here: a child paused inside a write) can be ended:
 * by closing the handle, by interrupting the thread, or by a timeout; it then holds nothing.
 */
class CancellableWaitsTest
{
    private static final long GENEROUS_SECONDS = 20;
    private static final int PAGE = 4096;
    /** A write of pages 1 and 2: it takes page 1, then waits for page 2. */
    private static final int ACROSS_ONE_AND_TWO = 2 * PAGE - 8;

    @RegisterExtension
    final TestDirectoryExtension dir = new TestDirectoryExtension();
    private JavaProcess holder;
    private final ExecutorService threads = Executors.newCachedThreadPool();

    @BeforeEach
    void aLiveProcessHoldsPageTwo()
    {
        SharedMemory.builder("held").directory(dir.path()).pages(4).create().close();
        // The child writes page 2 and pauses for a minute holding it; pages 0, 1 and 3 are free.
        holder = JavaProcess.startWith(List.of("-D" + ChildMain.PAUSE_PROPERTY + "=60000"), ChildMain.class,
            "write", dir.path().toString(), "held", String.valueOf(PAGE), "7", String.valueOf(2 * PAGE));
        holder.awaitLine(ChildMain.PAUSED_MARKER, 60);
    }

    @AfterEach
    void stop()
    {
        threads.shutdownNow();
        holder.close();
    }

    private SharedMemory open()
    {
        return SharedMemory.builder("held").directory(dir.path()).open();
    }

    private static void assertHoldsNothing(final SharedMemory shm)
    {
        for (int page = 0; page < shm.pageCount(); page++)
        {
            final long word = shm.lockWord(page);
            assertFalse(LockWord.isHeld(word) && LockWord.owner(word) == shm.ownerSlot(), LockWord.describe(word));
        }
    }

    private static Throwable failureOf(final Future<?> call) throws Exception
    {
        try
        {
            call.get(GENEROUS_SECONDS, TimeUnit.SECONDS);
            return null;
        }
        catch (final ExecutionException ex)
        {
            return ex.getCause();
        }
    }

    @Test
    void closeEndsBlockedReadsAndWritesWithIllegalStateException() throws Exception
    {
        final SharedMemory shm = open();
        final Future<?> read = threads.submit(() -> shm.readLong(2 * PAGE));
        final Future<?> write = threads.submit(() -> shm.writeLong(2 * PAGE, 1L));
        final Future<?> across = threads.submit(() -> shm.write(ACROSS_ONE_AND_TWO, new byte[16]));
        Thread.sleep(300); // let them reach their waits
        shm.close();
        for (final Future<?> call : List.of(read, write, across))
        {
            final Throwable thrown = failureOf(call);
            assertTrue(thrown instanceof IllegalStateException && thrown.getMessage().contains("closed"),
                String.valueOf(thrown));
        }
        try (SharedMemory other = open())
        {
            assertFalse(LockWord.isHeld(other.lockWord(1)), "the write across pages 1 and 2 gave page 1 back");
        }
    }

    @Test
    void anInterruptEndsABlockedCallAndKeepsTheInterruptStatus() throws Exception
    {
        try (SharedMemory shm = open())
        {
            final AtomicReference<Thread> runner = new AtomicReference<>();
            final CompletableFuture<Boolean> stillInterrupted = new CompletableFuture<>();
            final Future<?> write = threads.submit(() ->
            {
                runner.set(Thread.currentThread());
                try
                {
                    shm.write(ACROSS_ONE_AND_TWO, new byte[16]);
                }
                finally
                {
                    stillInterrupted.complete(Thread.currentThread().isInterrupted());
                }
            });
            Thread.sleep(300);
            runner.get().interrupt();
            final Throwable thrown = failureOf(write);
            assertTrue(thrown instanceof WaitInterruptedException, String.valueOf(thrown));
            assertTrue(stillInterrupted.get(GENEROUS_SECONDS, TimeUnit.SECONDS), "the interrupt status is kept");
            assertHoldsNothing(shm);

            final Future<?> await = threads.submit(() ->
            {
                runner.set(Thread.currentThread());
                return shm.awaitChange(3, shm.version(3), Duration.ofMinutes(5));
            });
            Thread.sleep(300);
            runner.get().interrupt();
            final Throwable awaitThrown = failureOf(await);
            assertTrue(awaitThrown instanceof WaitInterruptedException, String.valueOf(awaitThrown));
        }
    }

    @Test
    void timeoutsPerHandleAndPerCallEndTheWaitHoldingNothing()
    {
        try (SharedMemory shm = SharedMemory.builder("held").directory(dir.path())
            .accessTimeout(Duration.ofMillis(100)).open())
        {
            final LockTimeoutException write =
                assertThrows(LockTimeoutException.class, () -> shm.writeLong(2 * PAGE, 1L));
            assertEquals(2, write.page());
            assertThrows(LockTimeoutException.class, () -> shm.readLong(2 * PAGE));
            assertThrows(LockTimeoutException.class, () -> shm.write(ACROSS_ONE_AND_TWO, new byte[16]));
            assertHoldsNothing(shm);
            shm.writeLong(3 * PAGE, 5L); // free pages are unaffected
            assertEquals(5L, shm.readLong(3 * PAGE));
        }
        try (SharedMemory shm = open())
        {
            final TimedAccess bounded = shm.withTimeout(Duration.ofMillis(50));
            final LockTimeoutException across = assertThrows(LockTimeoutException.class,
                () -> bounded.write(ACROSS_ONE_AND_TWO, new byte[16], 0, 16));
            assertEquals(2, across.page());
            assertThrows(LockTimeoutException.class, () -> bounded.readLong(2 * PAGE));
            assertHoldsNothing(shm);
            bounded.writeLong(0, 3L);
            assertEquals(3L, bounded.readLong(0));
            assertThrows(IllegalArgumentException.class, () -> shm.withTimeout(Duration.ofMillis(-1)));
        }
    }
}
