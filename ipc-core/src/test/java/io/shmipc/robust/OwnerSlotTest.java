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
    void theSlotOutlivesAClosedHandleUntilTheLastHandleIsUnreachable() throws Exception
    {
        SharedMemory kept = SharedMemory.builder("gc").directory(dir.path()).pages(1).create();
        final int slot = kept.ownerSlot();
        SharedMemory other = SharedMemory.builder("gc").directory(dir.path()).open();
        other.close();
        final WeakReference<SharedMemory> otherRef = new WeakReference<>(other);
        other = null;
        awaitCollected(otherRef);
        assertEquals("ALIVE", probe("gc", slot), "another handle of the file is still in use");

        kept.close();
        assertEquals("ALIVE", probe("gc", slot), "a closed handle keeps the slot while it is reachable");
        final WeakReference<SharedMemory> keptRef = new WeakReference<>(kept);
        kept = null;
        awaitCollected(keptRef);
        String seen = null;
        for (int i = 0; i < 20 && !"DEAD".equals(seen); i++)
        {
            Thread.sleep(50); // the cleaner thread releases the slot shortly after collection
            seen = probe("gc", slot);
        }
        assertEquals("DEAD", seen, "the slot is released once no handle of the file is reachable");
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
