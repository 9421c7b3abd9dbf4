package io.shmipc.segment;

import io.shmipc.InvalidSegmentException;
import io.shmipc.SharedMemory;
import io.shmipc.sys.FileDescriptors;
import io.shmipc.sys.FileIdentity;
import io.shmipc.testing.TestDirectoryExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.StandardCopyOption;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A file is known by what its open descriptor is ({@code fstat}), never by what its name points to a moment later: a
 * name replaced between the check and the open is refused, so a slot is never registered under another inode.
 */
class SegmentFilesIdentityTest
{
    @RegisterExtension
    final TestDirectoryExtension dir = new TestDirectoryExtension();

    @Test
    void theDescriptorsIdentityIsTheOpenedFilesEvenAfterItsNameMoved() throws Exception
    {
        try (SharedMemory shm = SharedMemory.builder("a").directory(dir.path()).pages(1).create())
        {
            final FileIdentity before = FileDescriptors.lstat(shm.path());
            Files.move(shm.path(), dir.path().resolve("moved"));
            SharedMemory.builder("b").directory(dir.path()).pages(1).create().close();
            Files.move(dir.path().resolve("b"), dir.path().resolve("a"), StandardCopyOption.ATOMIC_MOVE);
            final FileIdentity nowNamedA = FileDescriptors.lstat(dir.path().resolve("a"));
            assertTrue(!nowNamedA.sameFileAs(before));
            // An open that checked "a" before the swap gets the new file's descriptor: refused as replaced.
            final InvalidSegmentException replaced = assertThrows(InvalidSegmentException.class,
                () -> SegmentFiles.open(dir.path(), "a", before, false));
            assertTrue(replaced.getMessage().contains("was replaced"), replaced.getMessage());
            // Through the builder, the swap is noticed and the name looked at again: the new "a" opens.
            try (SharedMemory again = SharedMemory.builder("a").directory(dir.path()).open())
            {
                assertEquals(nowNamedA.key(), FileDescriptors.lstat(again.path()).key());
            }
        }
    }

    /**
     * The clean-up of a failed create removes the name only while it still names the file that create made: a
     * segment another process created under the name meanwhile (after unlinking the first) is left alone.
     */
    @Test
    void aFailedCreatesCleanUpRemovesItsOwnFileButNotOneThatTookItsName() throws Exception
    {
        final Path path = dir.path().resolve("raced");
        try (FileChannel ours = FileChannel.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE))
        {
            final FileIdentity ourIdentity = FileDescriptors.stat(ours);
            assertTrue(SegmentFiles.removeIfStillOurs(path, ourIdentity), "its own file, still under the name");
            assertFalse(Files.exists(path));

            // Another process unlinked the name and created its own segment there before the clean-up ran.
            try (SharedMemory theirs = SharedMemory.builder("raced").directory(dir.path()).pages(1).create())
            {
                theirs.writeLong(0, 42L);
                final FileIdentity theirIdentity = FileDescriptors.lstat(path);
                assertFalse(SegmentFiles.removeIfStillOurs(path, ourIdentity), "another file took the name");
                assertEquals(theirIdentity.key(), FileDescriptors.lstat(path).key(), "theirs is still there");
                try (SharedMemory again = SharedMemory.builder("raced").directory(dir.path()).open())
                {
                    assertEquals(42L, again.readLong(0));
                }
            }
        }
        assertTrue(SharedMemory.builder("raced").directory(dir.path()).unlink());
        assertFalse(SegmentFiles.removeIfStillOurs(path, null), "an absent name: nothing to remove");
    }
}
