package io.shmipc.robust;

import io.shmipc.SharedMemory;
import io.shmipc.testing.JavaProcess;
import io.shmipc.testing.TestDirectory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A write that returned is visible to every read that starts after it, in another process. */
class NothingLostAcrossProcessesTest
{
    private static final long WRITES = 200_000;

    private TestDirectory dir;

    @BeforeEach
    void setUp()
    {
        dir = TestDirectory.create();
    }

    @AfterEach
    void tearDown()
    {
        dir.close();
    }

    @Test
    void aReadThatStartsAfterAWriteReturnedSeesIt()
    {
        try (SharedMemory shm = SharedMemory.builder("visible").directory(dir.path()).pages(2).create();
             JavaProcess reader = JavaProcess.start(ChildMain.class,
                 "check-visibility", dir.path().toString(), "visible", String.valueOf(WRITES)))
        {
            reader.awaitLine("READY", 60);
            for (long i = 1; i <= WRITES; i++)
            {
                shm.writeLong(0, i);               // the value, on page 0
                shm.writeLong(shm.pageSize(), i);  // then, after that write returned, the marker on page 1
            }
            assertEquals(0, reader.waitFor(60), reader.describe());
            final String result = reader.lastLineStartingWith("RESULT ");
            assertNotNull(result, reader.describe());
            assertTrue(result.contains(" violations=0 "), reader.describe());
            assertTrue(result.endsWith("marker=" + WRITES), reader.describe());
            final long checks = Long.parseLong(result.replaceAll(".*checks=(\\d+).*", "$1"));
            assertTrue(checks > 1000, "the reader overlapped the writer: " + result);
        }
    }
}
