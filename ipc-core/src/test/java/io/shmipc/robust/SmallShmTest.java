package io.shmipc.robust;

import io.shmipc.SharedMemory;
import io.shmipc.SharedMemoryException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A segment larger than the free space of its file system (Docker's /dev/shm is 64 MiB) fails at create with a
 * message naming the free space and --shm-size, and leaves nothing behind. Uses a 1 MiB tmpfs mounted for the test;
 * where mounting is not permitted (not root, no CAP_SYS_ADMIN) the test is reported as skipped.
 */
class SmallShmTest
{
    private Path mountPoint;
    private boolean mounted;

    @BeforeEach
    void mount() throws Exception
    {
        mountPoint = Files.createTempDirectory("shmipc-small-shm-");
        mounted = run("mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", mountPoint.toString()) == 0;
        assumeTrue(mounted, "cannot mount a small tmpfs here (needs root / CAP_SYS_ADMIN)");
    }

    @AfterEach
    void unmount() throws Exception
    {
        if (mounted)
        {
            // lazy: the handle closed above keeps its descriptor and mapping until it is garbage collected
            assertEquals(0, run("umount", "-l", mountPoint.toString()), "umount " + mountPoint);
        }
        Files.deleteIfExists(mountPoint);
    }

    @Test
    void aSegmentLargerThanTheFreeSpaceFailsAtCreateNamingShmSize() throws IOException
    {
        final SharedMemoryException ex = assertThrows(SharedMemoryException.class,
            () -> SharedMemory.builder("too-big").directory(mountPoint).pages(512).create()); // 2 MiB + header
        assertTrue(ex.getMessage().contains("--shm-size"), ex.getMessage());
        assertTrue(ex.getMessage().contains("bytes free"), ex.getMessage());
        assertFalse(Files.exists(mountPoint.resolve("too-big")), "nothing is left under the name");

        // One that fits is created, zero-filled, and usable to its last byte.
        try (SharedMemory shm = SharedMemory.builder("fits").directory(mountPoint).pages(128).create())
        {
            shm.writeLong(shm.capacity() - 8, 99L);
            assertEquals(99L, shm.readLong(shm.capacity() - 8));
        }
        // A second one no longer fits: the first one's pages are really allocated.
        assertThrows(SharedMemoryException.class,
            () -> SharedMemory.builder("second").directory(mountPoint).pages(128).create());
        assertFalse(Files.exists(mountPoint.resolve("second")));
        assertTrue(SharedMemory.builder("fits").directory(mountPoint).unlink());
    }

    private static int run(final String... command) throws Exception
    {
        final Process process = new ProcessBuilder(command).redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        if (!process.waitFor(30, TimeUnit.SECONDS))
        {
            process.destroyForcibly();
            return -1;
        }
        return process.exitValue();
    }
}
