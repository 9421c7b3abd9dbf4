package io.shmipc.robust;

import io.shmipc.SegmentIOException;
import io.shmipc.SharedMemory;
import io.shmipc.testing.OtherUsers;
import io.shmipc.testing.SmallTmpfs;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Segments in a small {@code /dev/shm} (Docker's is 64 MiB): one larger than the free space fails at create with a
 * message naming the free space and --shm-size and leaves nothing behind; an existing one opens whatever the free
 * space; closing the last handle gives the memory back at once, with no garbage collection. Each test mounts its own
 * tmpfs, which needs root.
 */
@Tag(OtherUsers.TAG)
class SmallShmTest
{
    private static final int MIB = 1 << 20;

    @Test
    void aSegmentLargerThanTheFreeSpaceFailsAtCreateNamingShmSize()
    {
        try (SmallTmpfs tmpfs = SmallTmpfs.mount("1m"))
        {
            final SegmentIOException ex = assertThrows(SegmentIOException.class,
                () -> SharedMemory.builder("too-big").directory(tmpfs.path()).pages(512).create()); // 2 MiB + header
            assertTrue(ex.getMessage().contains("--shm-size"), ex.getMessage());
            assertTrue(ex.getMessage().contains("bytes free"), ex.getMessage());
            assertFalse(Files.exists(tmpfs.path().resolve("too-big")), "nothing is left under the name");

            // One that fits is created, zero-filled, and usable to its last byte.
            try (SharedMemory shm = SharedMemory.builder("fits").directory(tmpfs.path()).pages(128).create())
            {
                shm.writeLong(shm.capacity() - 8, 99L);
                assertEquals(99L, shm.readLong(shm.capacity() - 8));
                // A second one no longer fits: the first one's pages are really allocated.
                assertThrows(SegmentIOException.class,
                    () -> SharedMemory.builder("second").directory(tmpfs.path()).pages(128).create());
                assertFalse(Files.exists(tmpfs.path().resolve("second")));
            }
            assertTrue(SharedMemory.builder("fits").directory(tmpfs.path()).unlink());
        }
    }

    @Test
    void openOrCreateOpensAnExistingSegmentWhateverTheFreeSpace()
    {
        try (SmallTmpfs tmpfs = SmallTmpfs.mount("1m");
            SharedMemory first = SharedMemory.builder("big").directory(tmpfs.path()).pages(160).create())
        {
            first.writeLong(0, 31L);
            assertTrue(tmpfs.usableSpace() < first.capacity(), "less free space than the segment's size now");
            try (SharedMemory second = SharedMemory.builder("big").directory(tmpfs.path()).pages(160).openOrCreate())
            {
                assertFalse(second.created());
                assertEquals(31L, second.readLong(0));
            }
        }
    }

    @Test
    void threeHundredCreateWriteCloseUnlinkCyclesOf16MiBFitIn64MiBWithoutGarbageCollection()
    {
        final byte[] megabyte = new byte[MIB];
        try (SmallTmpfs tmpfs = SmallTmpfs.mount("64m"))
        {
            for (int cycle = 0; cycle < 300; cycle++)
            {
                try (SharedMemory shm = SharedMemory.builder("churn").directory(tmpfs.path()).pages(16 * 256)
                    .create())
                {
                    for (int offset = 0; offset < shm.capacity(); offset += MIB)
                    {
                        shm.write(offset, megabyte);
                    }
                }
                catch (final SegmentIOException ex)
                {
                    throw new AssertionError("cycle " + cycle + ": " + ex.getMessage(), ex);
                }
                assertTrue(SharedMemory.builder("churn").directory(tmpfs.path()).unlink());
            }
            assertTrue(tmpfs.usableSpace() > 60L * MIB, "all given back: " + tmpfs.usableSpace() + " bytes free");
        }
    }
}
