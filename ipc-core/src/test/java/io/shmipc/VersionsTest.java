package io.shmipc;

import io.shmipc.testing.TestDirectoryExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Many pages' versions in one call: what version(page) gives for each, and clear errors out of bounds. */
class VersionsTest
{
    @RegisterExtension
    final TestDirectoryExtension dir = new TestDirectoryExtension();

    @Test
    void copiesEachPagesVersion()
    {
        try (SharedMemory shm = SharedMemory.builder("versions").directory(dir.path()).pages(5).create())
        {
            shm.writeLong(4096, 1L);
            shm.writeLong(4096, 2L);
            shm.write(3 * 4096 - 4, new byte[8]); // pages 2 and 3
            final long[] versions = new long[7];
            shm.versions(0, versions, 1, 5);
            assertArrayEquals(new long[] {0, 0, 2, 1, 1, 0, 0}, versions);
            final long[] tail = new long[2];
            shm.versions(3, tail, 0, 2);
            assertArrayEquals(new long[] {1, 0}, tail);
            shm.versions(5, tail, 0, 0); // nothing, at the end: fine
        }
    }

    @Test
    void refusesPagesOrADestinationOutOfBounds()
    {
        try (SharedMemory shm = SharedMemory.builder("bounds").directory(dir.path()).pages(2).create())
        {
            assertThrows(IndexOutOfBoundsException.class, () -> shm.versions(1, new long[4], 0, 2));
            assertThrows(IndexOutOfBoundsException.class, () -> shm.versions(-1, new long[4], 0, 1));
            assertThrows(IndexOutOfBoundsException.class, () -> shm.versions(0, new long[1], 0, 2));
            assertThrows(IndexOutOfBoundsException.class, () -> shm.versions(0, new long[4], 3, 2));
            assertThrows(IndexOutOfBoundsException.class, () -> shm.versions(0, new long[4], 0, -1));
            assertThrows(NullPointerException.class, () -> shm.versions(0, null, 0, 1));
        }
    }
}
