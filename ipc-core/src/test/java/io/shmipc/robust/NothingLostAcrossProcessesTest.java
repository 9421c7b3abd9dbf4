package io.shmipc.robust;

import io.shmipc.SharedMemory;
import io.shmipc.testing.JavaProcess;
import io.shmipc.testing.TestDirectoryExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A write that returned is visible to every read that starts after it, in another process. */
class NothingLostAcrossProcessesTest
{
    private static final long WRITES = 200_000;
    private static final long MIN_CHECKS = 10_000;

    @RegisterExtension
    final TestDirectoryExtension dir = new TestDirectoryExtension();

    @Test
    void aReadThatStartsAfterAWriteReturnedSeesIt()
    {
        try (SharedMemory shm = SharedMemory.builder("visible").directory(dir.path()).pages(3).create();
             JavaProcess reader = JavaProcess.start(ChildMain.class,
                 "check-visibility", dir.path().toString(), "visible"))
        {
            reader.awaitLine("READY", 60);
            final int progress = 2 * shm.pageSize();
            final long deadline = System.nanoTime() + 30_000_000_000L;
            long i = 0;
            // At least WRITES pairs, and on until the reader has made MIN_CHECKS checks alongside (a busy machine
            // may not schedule it at first).
            while (i < WRITES || (shm.readLong(progress) < MIN_CHECKS && System.nanoTime() < deadline))
            {
                i++;
                shm.writeLong(0, i);               // the value, on page 0
                shm.writeLong(shm.pageSize(), i);  // then, after that write returned, the marker on page 1
            }
            shm.writeLong(progress + 8, 1);        // stop
            assertEquals(0, reader.waitFor(60), reader.describe());
            final String result = reader.lastLineStartingWith("RESULT ");
            assertNotNull(result, reader.describe());
            assertTrue(result.contains(" violations=0 "), reader.describe());
            assertTrue(result.endsWith("marker=" + i), "the reader saw the last marker: " + reader.describe());
            final long checks = Long.parseLong(result.replaceAll(".*checks=(\\d+).*", "$1"));
            assertTrue(checks >= MIN_CHECKS, "the reader overlapped the writer: " + result);
        }
    }
}
