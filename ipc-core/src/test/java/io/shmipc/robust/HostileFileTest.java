package io.shmipc.robust;

import io.shmipc.InvalidSegmentException;
import io.shmipc.SegmentAccessDeniedException;
import io.shmipc.testing.OtherUsers;
import org.junit.jupiter.api.Tag;
import io.shmipc.SharedMemory;
import io.shmipc.segment.SegmentSecurity;
import io.shmipc.testing.JavaProcess;
import io.shmipc.testing.TestDirectoryExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Files that another user planted, and a file truncated under a process that has it mapped.
 */
class HostileFileTest
{
    private static final int OTHER_UID = 54321;

    @RegisterExtension
    final TestDirectoryExtension dir = new TestDirectoryExtension();

    @Test
    @Tag(OtherUsers.TAG) // only root can give a file away
    void aSegmentOwnedByAnotherUserIsRefusedUnlessAllowed() throws Exception
    {
        SharedMemory.builder("planted").directory(dir.path()).pages(1).create().close();
        final Path path = dir.path().resolve("planted");
        Files.setAttribute(path, "unix:uid", OTHER_UID, LinkOption.NOFOLLOW_LINKS);

        final SegmentAccessDeniedException refused = assertThrows(SegmentAccessDeniedException.class,
            () -> SharedMemory.builder("planted").directory(dir.path()).open());
        assertTrue(refused.getMessage().contains("owned by uid " + OTHER_UID), refused.getMessage());
        assertTrue(refused.getMessage().contains("allowForeignOwner"), refused.getMessage());
        assertThrows(SegmentAccessDeniedException.class,
            () -> SharedMemory.builder("planted").directory(dir.path()).pages(1).openOrCreate());

        try (SharedMemory shm = SharedMemory.builder("planted").directory(dir.path()).allowForeignOwner(true).open())
        {
            shm.writeLong(0, 5L);
            assertEquals(5L, shm.readLong(0));
        }
    }

    @Test
    void aNamedPipeUnderTheNameIsRefusedWithoutBlocking() throws Exception
    {
        final Process mkfifo = new ProcessBuilder("mkfifo", dir.path().resolve("pipe").toString()).start();
        assertEquals(0, mkfifo.waitFor(), "mkfifo");
        // Opening a FIFO for reading and writing would not block, but it is not a segment: refused by type.
        final InvalidSegmentException refused = assertThrows(InvalidSegmentException.class,
            () -> SharedMemory.builder("pipe").directory(dir.path()).open());
        assertTrue(refused.getMessage().contains("not a regular file"), refused.getMessage());
    }

    @Test
    void ourOwnSegmentIsOwnedByOurUid() throws Exception
    {
        try (SharedMemory shm = SharedMemory.builder("mine").directory(dir.path()).pages(1).create())
        {
            assertEquals(SegmentSecurity.effectiveUid(),
                Files.getAttribute(shm.path(), "unix:uid", LinkOption.NOFOLLOW_LINKS));
        }
    }

    @Test
    void aMappedFileTruncatedByAnotherProcessFaultsWithAnExceptionNotACrash() throws Exception
    {
        SharedMemory.builder("victim").directory(dir.path()).pages(16).create().close();
        SharedMemory.builder("bystander").directory(dir.path()).pages(1).create().close();
        try (JavaProcess child = JavaProcess.start(ChildMain.class,
            "read-truncated", dir.path().toString(), "victim", "bystander"))
        {
            child.awaitLine("READY", 60);
            Thread.sleep(100); // let the reader loop get compiled and busy
            try (FileChannel channel = FileChannel.open(dir.path().resolve("victim"), StandardOpenOption.WRITE))
            {
                channel.truncate(4096); // the child's mapping now extends past the end of the file
            }
            final int exit = child.waitFor(60);
            final String output = child.output();
            assertEquals(0, exit, "the JVM must survive the fault:\n" + output);
            assertFalse(output.contains("SIGBUS") && output.contains("hs_err"), output);
            assertTrue(output.contains("CAUGHT java.lang.InternalError"), output);
            assertTrue(output.contains("OTHER-OK"), "another segment is unaffected:\n" + output);
        }
    }
}
