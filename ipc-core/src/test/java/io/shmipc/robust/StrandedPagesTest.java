package io.shmipc.robust;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.shmipc.SharedMemory;
import io.shmipc.layout.LockWord;
import io.shmipc.lock.OwnerSlot;
import io.shmipc.segment.Attachments;
import io.shmipc.sys.OfdLocks;
import io.shmipc.testing.JavaProcess;
import io.shmipc.testing.Overflow;
import io.shmipc.testing.TestDirectoryExtension;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.LoggerFactory;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * No page is ever left held by a live process: not after an error thrown inside a write, and not because code
 * elsewhere in the JVM opened and closed the segment file (which drops a process lock).
 */
class StrandedPagesTest
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

    private void assertNoPageHeld(final SharedMemory shm)
    {
        for (int page = 0; page < shm.pageCount(); page++)
        {
            final long word = shm.lockWord(page);
            assertFalse(LockWord.isHeld(word), "page " + page + ": " + LockWord.describe(word));
        }
    }

    @Test
    void aStackOverflowInsideAMultiPageWriteReleasesItsPages() throws Exception
    {
        try (SharedMemory shm = SharedMemory.builder("deep").directory(dir.path()).pages(4).create())
        {
            final String[] result = new String[1];
            final Throwable[] failure = new Throwable[1];
            final Thread thread = new Thread(null, () ->
            {
                try
                {
                    result[0] = Overflow.run(shm);
                }
                catch (final Throwable t)
                {
                    failure[0] = t;
                }
            }, "deep", 256 * 1024);
            thread.start();
            thread.join();
            assertEquals(null, failure[0], String.valueOf(failure[0]));
            assertTrue(result[0].contains("HELD 0"), result[0]);
            assertNoPageHeld(shm);
        }
    }

    @Test
    void aStackOverflowInsideAnInterpretedWriteReleasesItsPages()
    {
        // Interpreted, every call is a frame of its own: errors land inside the write's lock, copy and release.
        SharedMemory.builder("deep").directory(dir.path()).pages(4).create().close();
        try (JavaProcess child = JavaProcess.launch(ChildMain.class).jvmOptions(List.of("-Xint"))
            .args("overflow", dir.path().toString(), "deep").start())
        {
            assertEquals(0, child.waitFor(300), child.describe());
            final String line = child.lastLineStartingWith("OVERFLOW");
            assertTrue(line != null && line.contains("HELD 0"), child.describe());
            final int inside = Integer.parseInt(line.split(" ")[2]);
            assertTrue(inside > 0, "some overflows must have been thrown inside the write: " + line);
        }
        try (SharedMemory shm = SharedMemory.builder("deep").directory(dir.path()).open())
        {
            assertNoPageHeld(shm);
            shm.write(0, new byte[shm.capacity()]); // and the pages are writable
        }
    }

    @Test
    void aSourceBufferThatFaultsMidCopyLeavesThePagesReleasedAndMarkedTorn() throws Exception
    {
        final Path sourceFile = dir.path().resolve("source");
        try (SharedMemory shm = SharedMemory.builder("target").directory(dir.path()).pages(4).create();
            FileChannel source = FileChannel.open(sourceFile, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
                StandardOpenOption.WRITE))
        {
            source.write(ByteBuffer.allocate(3 * 4096), 0);
            final UnsafeBuffer faulting = new UnsafeBuffer(source.map(FileChannel.MapMode.READ_WRITE, 0, 3 * 4096));
            source.truncate(0); // every byte of the source now faults when read
            // HotSpot raises the fault as an InternalError, in the copy or asynchronously at the next safepoint poll:
            // one write, then calls that take no page, until it surfaces.
            Throwable thrown = null;
            try
            {
                shm.write(100, faulting, 0, 3 * 4096);
            }
            catch (final InternalError ex)
            {
                thrown = ex;
            }
            for (int call = 0; call < 1000 && thrown == null; call++)
            {
                try
                {
                    shm.readLong(8000);
                }
                catch (final InternalError ex)
                {
                    thrown = ex;
                }
            }
            assertTrue(thrown instanceof InternalError, String.valueOf(thrown));
            for (int page = 0; page < 4; page++)
            {
                final long word = shm.lockWord(page);
                assertFalse(LockWord.isHeld(word), "page " + page + " left held: " + LockWord.describe(word));
            }
            shm.write(0, new byte[shm.capacity()]); // whatever the marks, a whole write makes every page good
            assertEquals(0L, shm.readLong(200));
        }
    }

    @Test
    void toolsReadingTheFileWhileAHandleIsOpenNeverDropItsSlot()
    {
        try (SharedMemory shm = SharedMemory.builder("inspected").directory(dir.path()).pages(1).create())
        {
            final ByteBuffer header = ByteBuffer.allocate(64);
            assertEquals(3 * 4096, Attachments.read(shm.path(), header, 0), "header, lock table and one page");
            assertEquals("ALIVE", probe("inspected", shm.ownerSlot()));
        }
    }

    @Test
    void otherCodeOpeningAndClosingTheFileCannotMakeThisProcessLookDead() throws Exception
    {
        final Logger logger = (Logger)LoggerFactory.getLogger(OwnerSlot.class);
        final ListAppender<ILoggingEvent> logged = new ListAppender<>();
        logged.start();
        logger.addAppender(logged);
        try (SharedMemory shm = SharedMemory.builder("backup").directory(dir.path()).pages(1).create())
        {
            shm.writeLong(0, 77L);
            final int slot = shm.ownerSlot();
            Files.readAllBytes(shm.path()); // a backup: opens and closes the file
            if (OfdLocks.isSupported())
            {
                // JDK 22+: the slot is an open-file-description lock, which that close cannot drop.
                assertEquals("ALIVE", probe("backup", slot));
                assertTrue(logged.list.isEmpty(), logged.list.toString());
            }
            else
            {
                // JDK 17: the kernel dropped the process lock; the watchdog notices, says so loudly and takes it again.
                final long deadline = System.nanoTime() + 5_000_000_000L;
                while (logged.list.stream().noneMatch(e -> e.getLevel().toString().equals("ERROR")) &&
                    System.nanoTime() < deadline)
                {
                    Thread.sleep(20);
                }
                assertTrue(logged.list.stream().anyMatch(e -> e.getLevel().toString().equals("ERROR") &&
                    e.getFormattedMessage().contains("was dropped")), logged.list.toString());
                assertEquals("ALIVE", probe("backup", shm.ownerSlot()));
            }
            assertEquals(77L, shm.readLong(0));
            shm.writeLong(0, 78L);
        }
        finally
        {
            logger.detachAppender(logged);
        }
    }
}
