package io.shmipc;

import io.shmipc.layout.LockWord;
import io.shmipc.layout.SegmentDescriptor;
import io.shmipc.testing.TestDirectoryExtension;
import org.agrona.IoUtil;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Accesses within one page reach that page's lock word by an address computed from the handle's own fields, not
 * through the page locks' lookup: each page's reads, writes and version must use its own word and no other. The test
 * marks one page torn at a time through a second mapping of the file and checks that exactly that page's reads refuse,
 * and that each kind of one-page write advances exactly that page's version.
 */
class OnePageLockWordTest
{
    private static final int PAGES = 6;
    private static final int PAGE = 4096;

    @RegisterExtension
    final TestDirectoryExtension dir = new TestDirectoryExtension();

    @Test
    void eachOnePageAccessUsesItsOwnPagesLockWord() throws IOException
    {
        try (SharedMemory shm = SharedMemory.builder("one-page").directory(dir.path()).pages(PAGES).create();
            FileChannel channel = FileChannel.open(shm.path(), StandardOpenOption.READ, StandardOpenOption.WRITE))
        {
            final MappedByteBuffer mapped = channel.map(FileChannel.MapMode.READ_WRITE, 0, channel.size());
            try
            {
                final UnsafeBuffer file = new UnsafeBuffer(mapped);
                for (int torn = 0; torn < PAGES; torn++)
                {
                    final int word = (int)SegmentDescriptor.lockWordOffset(torn);
                    final long free = file.getLongVolatile(word);
                    assertEquals(0, free & (LockWord.HELD_BIT | LockWord.TORN_BIT), "page " + torn + " starts free");
                    assertTrue(file.compareAndSetLong(word, free, free | LockWord.TORN_BIT));

                    for (int page = 0; page < PAGES; page++)
                    {
                        final int offset = page * PAGE + 24;
                        if (page == torn)
                        {
                            assertThrows(TornPageException.class, () -> shm.read(offset, new byte[64]), "page " + page);
                            assertThrows(TornPageException.class, () -> shm.readLong(offset), "page " + page);
                            assertThrows(TornPageException.class, () -> shm.readInt(offset), "page " + page);
                            assertThrows(TornPageException.class,
                                () -> shm.awaitChangeAndRead(offset, new byte[8], 0, 8, -1, Duration.ZERO));
                        }
                        else
                        {
                            shm.read(offset, new byte[64]);
                            shm.readLong(offset);
                            shm.readInt(offset);
                        }
                    }

                    // A write of part of the page keeps the mark, one of the page whole clears it; each kind of write
                    // advances its own page only.
                    final long[] before = versions(shm);
                    shm.write(torn * PAGE + 40, new byte[PAGE - 40]);
                    assertEquals(LockWord.TORN_BIT, file.getLongVolatile(word) & LockWord.TORN_BIT, "kept on " + torn);
                    shm.write(torn * PAGE, new byte[PAGE]);
                    assertEquals(0, file.getLongVolatile(word) & LockWord.TORN_BIT, "cleared on page " + torn);
                    shm.writeLong(torn * PAGE + 8, 7L + torn);
                    shm.writeInt(torn * PAGE + 16, 11 + torn);
                    shm.write(torn * PAGE + 32, new byte[] {1, 2, 3}, 0, 3);
                    final long[] expected = before.clone();
                    expected[torn] += 5;
                    assertArrayEquals(expected, versions(shm), "only page " + torn + " advanced");
                    assertEquals(expected[torn], file.getLongVolatile(word) >>> LockWord.VERSION_SHIFT);
                    assertEquals(7L + torn, shm.readLong(torn * PAGE + 8));
                    assertEquals(11 + torn, shm.readInt(torn * PAGE + 16));
                    final byte[] message = new byte[3];
                    assertEquals(expected[torn],
                        shm.awaitChangeAndRead(torn * PAGE + 32, message, 0, 3, expected[torn] - 1, Duration.ZERO));
                    assertArrayEquals(new byte[] {1, 2, 3}, message);
                }
            }
            finally
            {
                IoUtil.unmap(mapped);
            }
        }
    }

    /** @return every page's version, each read through {@link SharedMemory#version(int)}. */
    private static long[] versions(final SharedMemory shm)
    {
        final long[] versions = new long[PAGES];
        for (int page = 0; page < PAGES; page++)
        {
            versions[page] = shm.version(page);
        }
        return versions;
    }
}
