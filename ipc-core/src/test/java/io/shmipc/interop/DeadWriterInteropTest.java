package io.shmipc.interop;

import io.shmipc.SharedMemory;
import io.shmipc.TornPageException;
import io.shmipc.layout.CounterId;
import io.shmipc.layout.LockWord;
import io.shmipc.testing.TestDirectoryExtension;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A writer of each language, SIGKILLed while it holds two pages in the middle of a write, is recovered by the
 * other two: a writer of one of them that was waiting for the first page takes it over and rewrites it whole; a
 * reader of the other finds the second page's holder dead, reports that page torn, and rewrites it; then every
 * language reads both pages clean.
 */
class DeadWriterInteropTest
{
    private static final int PAGE = 4096;
    private static final String RECOVERY_MILLIS = "100";
    private static final long WAITERS_BIT = 1L << 14;

    @RegisterExtension
    final TestDirectoryExtension dir = new TestDirectoryExtension();

    @ParameterizedTest(name = "{0} writer killed")
    @EnumSource(Language.class)
    void aWriterKilledMidWriteIsRecoveredByTheOtherLanguages(final Language killed) throws Exception
    {
        Clients.cTool();
        final List<Language> others = Arrays.stream(Language.values()).filter(l -> l != killed).toList();
        final Language waitingWriter = others.get(0);
        final Language reader = others.get(1);
        final String name = "dead-" + killed;
        try (SharedMemory shm = SharedMemory.builder(name).directory(dir.path()).pages(2)
            .recoveryTimeout(Duration.ofMillis(100)).create())
        {
            shm.write(0, filled(2 * PAGE, 1));
            final CompletableFuture<ToolResult> waiting;
            try (ToolProcess holder = killed.start("hold", dir.path(), name, "0", String.valueOf(2 * PAGE), "17"))
            {
                holder.awaitLine(killed.pausedMarker(), 60);
                for (int page = 0; page < 2; page++)
                {
                    assertTrue(LockWord.isHeld(shm.lockWord(page)), LockWord.describe(shm.lockWord(page)));
                }
                // A writer of another language starts writing page 0 while its holder is alive: it must wait.
                final long contendedBefore = shm.counter(CounterId.WRITE_CONTENDED);
                waiting = start(() -> waitingWriter.run("fill", dir.path(), name, "0", String.valueOf(PAGE), "34",
                    RECOVERY_MILLIS));
                awaitWaiter(shm, waitingWriter, contendedBefore);
                assertTrue(LockWord.isHeld(shm.lockWord(0)), "the live holder kept page 0");
                holder.kill();
            }

            // The waiting writer found the holder dead, took page 0 over and wrote it whole: clean again.
            final ToolResult wrote = waiting.get(60, TimeUnit.SECONDS);
            assertTrue(wrote.ok(), waitingWriter + ": " + wrote);
            final long page0 = shm.lockWord(0);
            assertTrue(!LockWord.isHeld(page0) && !LockWord.isTorn(page0), LockWord.describe(page0));

            // Page 1 is still held by the dead writer: a reader recovers it and reports it torn ...
            final ToolResult read = reader.run("check", dir.path(), name, "0", String.valueOf(2 * PAGE), "34",
                RECOVERY_MILLIS);
            assertTrue(read.lastLine().startsWith("ERROR torn page=1 "), reader + ": " + read);
            // ... and so does every other reader, until a write covers the page whole.
            assertEquals(1, assertThrows(TornPageException.class, () -> shm.read(PAGE, new byte[8])).page());
            for (final Language language : Language.values())
            {
                final ToolResult again = language.run("check", dir.path(), name, String.valueOf(PAGE), "8", "0");
                assertTrue(again.lastLine().startsWith("ERROR torn page=1 "), language + ": " + again);
            }
            assertTrue(shm.counter(CounterId.OWNER_RECOVERIES) >= 2, "page 0 taken over, page 1 released");

            assertTrue(reader.run("fill", dir.path(), name, String.valueOf(PAGE), String.valueOf(PAGE), "51").ok());
            for (final Language language : Language.values())
            {
                assertTrue(language.run("check", dir.path(), name, "0", String.valueOf(PAGE), "34").ok(),
                    language + " reads page 0");
                assertTrue(language.run("check", dir.path(), name, String.valueOf(PAGE), String.valueOf(PAGE), "51")
                    .ok(), language + " reads page 1");
            }
        }
    }

    /**
     * Waits until the waiting writer has found page 0 held (C and Python count a contended write lock; a held word
     * gets no W: section 7.3); Java's gets 300 ms.
     */
    private static void awaitWaiter(final SharedMemory shm, final Language waitingWriter, final long contendedBefore)
    {
        if (waitingWriter == Language.JAVA)
        {
            ToolProcess.sleep(300);
            return;
        }
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (shm.counter(CounterId.WRITE_CONTENDED) == contendedBefore)
        {
            assertTrue(System.nanoTime() < deadline, waitingWriter + " never found page 0 held: " +
                LockWord.describe(shm.lockWord(0)));
            ToolProcess.sleep(2);
        }
        assertEquals(0, shm.lockWord(0) & WAITERS_BIT, "no W on a held word");
    }

    private static CompletableFuture<ToolResult> start(final Supplier<ToolResult> task)
    {
        final CompletableFuture<ToolResult> future = new CompletableFuture<>();
        final Thread thread = new Thread(() ->
        {
            try
            {
                future.complete(task.get());
            }
            catch (final Throwable t)
            {
                future.completeExceptionally(t);
            }
        }, "waiting-writer");
        thread.setDaemon(true);
        thread.start();
        return future;
    }

    private static byte[] filled(final int length, final int value)
    {
        final byte[] bytes = new byte[length];
        Arrays.fill(bytes, (byte)value);
        return bytes;
    }
}
