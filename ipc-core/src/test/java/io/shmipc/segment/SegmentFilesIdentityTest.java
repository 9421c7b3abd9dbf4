package io.shmipc.segment;

import io.shmipc.InvalidSegmentException;
import io.shmipc.SharedMemory;
import io.shmipc.sys.FileDescriptors;
import io.shmipc.sys.FileIdentity;
import io.shmipc.testing.TestDirectoryExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.file.Files;
import java.nio.file.StandardCopyOption;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
}
