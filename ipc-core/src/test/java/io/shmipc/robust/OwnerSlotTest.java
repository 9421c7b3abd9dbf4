package io.shmipc.robust;

import io.shmipc.InvalidSegmentException;
import io.shmipc.SharedMemory;
import io.shmipc.testing.JavaProcess;
import io.shmipc.testing.TestDirectoryExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.lang.ref.WeakReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Owner slots as another process sees them through the record-lock contract of docs/FORMAT.md: held for as long as
 * any handle of the file lives in this JVM, shared by all of them, and not dropped by the pitfalls of POSIX locks
 * (closing any descriptor of the file releases every lock the process holds on it).
 */
class OwnerSlotTest
{
    @RegisterExtension
    final TestDirectoryExtension dir = new TestDirectoryExtension();

    private String probe(final String name, final int slot)
    {
        try (JavaProcess child = JavaProcess.start(ChildMain.class, "probe", dir.path().toString(), name,
            String.valueOf(slot)))
        {
            assertEquals(0, child.waitFor(60), child.describe());
            return child.output().contains("ALIVE") ? "ALIVE" : child.output().contains("DEAD") ? "DEAD" :
                child.describe();
        }
    }

    @Test
    void handlesOfOneFileShareOneSlotThatOtherProcessesSeeHeld()
    {
        try (SharedMemory first = SharedMemory.builder("shared").directory(dir.path()).pages(1).create();
             SharedMemory second = SharedMemory.builder("shared").directory(dir.path()).open())
        {
            assertTrue(first.ownerSlot() >= 1);
            assertEquals(first.ownerSlot(), second.ownerSlot());
            assertEquals("ALIVE", probe("shared", first.ownerSlot()));
            assertEquals("DEAD", probe("shared", first.ownerSlot() + 1));
        }
    }

    @Test
    void aFailedOpenOfAnAttachedFileDoesNotDropTheSlot()
    {
        try (SharedMemory shm = SharedMemory.builder("kept").directory(dir.path()).pages(1).create())
        {
            // openOrCreate with another geometry opens a second descriptor of the file and must dispose of it;
            // closing it outright would release this process's record lock on the file.
            assertThrows(InvalidSegmentException.class,
                () -> SharedMemory.builder("kept").directory(dir.path()).pages(2).openOrCreate());
            assertEquals("ALIVE", probe("kept", shm.ownerSlot()));
        }
    }

    @Test
    void theSlotIsReleasedByTheLastCloseOrWhenAnUnclosedLastHandleIsCollected() throws Exception
    {
        final SharedMemory kept = SharedMemory.builder("gc").directory(dir.path()).pages(1).create();
        final int slot = kept.ownerSlot();
        SharedMemory.builder("gc").directory(dir.path()).open().close();
        assertEquals("ALIVE", probe("gc", slot), "another handle of the file is still open");
        kept.close();
        assertEquals("DEAD", awaitProbe("gc", slot, "DEAD"), "the last close releases the slot, no GC needed");

        // A handle that is never closed gives its share back when it is collected (the fallback for leaks).
        SharedMemory leaked = SharedMemory.builder("gc").directory(dir.path()).open();
        final int leakedSlot = leaked.ownerSlot();
        final WeakReference<SharedMemory> leakedRef = new WeakReference<>(leaked);
        leaked = null;
        awaitCollected(leakedRef);
        assertEquals("DEAD", awaitProbe("gc", leakedSlot, "DEAD"));
    }

    private String awaitProbe(final String name, final int slot, final String expected) throws InterruptedException
    {
        String seen = null;
        for (int i = 0; i < 40 && !expected.equals(seen); i++)
        {
            seen = probe(name, slot);
            if (!expected.equals(seen))
            {
                Thread.sleep(50);
            }
        }
        return seen;
    }

    private static void awaitCollected(final WeakReference<?> ref) throws InterruptedException
    {
        for (int i = 0; i < 100 && ref.get() != null; i++)
        {
            System.gc();
            Thread.sleep(10);
        }
        assertEquals(null, ref.get(), "the handle was not collected");
    }
}
