package io.shmipc;

import io.shmipc.layout.SegmentDescriptor;
import io.shmipc.testing.TestDirectoryExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Opening a name that is missing or is not a segment fails with a clear message and maps nothing. */
class SegmentFileValidationTest
{
    private static final Duration SHORT = Duration.ofMillis(200);

    @RegisterExtension
    final TestDirectoryExtension dir = new TestDirectoryExtension();

    private SharedMemoryBuilder builder(final String name)
    {
        return SharedMemory.builder(name).directory(dir.path()).initTimeout(SHORT);
    }

    @Test
    void missingName()
    {
        final SegmentNotFoundException ex = assertThrows(SegmentNotFoundException.class, () -> builder("nope").open());
        assertTrue(ex.getMessage().contains("nope"), ex.getMessage());
        assertEquals(false, builder("nope").unlink());
    }

    @Test
    void missingDirectory()
    {
        final SharedMemoryException ex = assertThrows(SharedMemoryException.class,
            () -> SharedMemory.builder("x").directory(dir.path().resolve("absent")).pages(1).create());
        assertTrue(ex.getMessage().contains("absent"), ex.getMessage());
    }

    @Test
    void directory() throws IOException
    {
        Files.createDirectory(dir.path().resolve("adir"));
        expectInvalid("adir", "is a directory");
        final InvalidSegmentException ex = assertThrows(InvalidSegmentException.class, () -> builder("adir").unlink());
        assertTrue(ex.getMessage().contains("is a directory"), ex.getMessage());
        assertTrue(ex.getMessage().contains("not a segment"), ex.getMessage());
        assertTrue(Files.isDirectory(dir.path().resolve("adir")));
    }

    @Test
    void symbolicLinkIsNeverFollowed() throws IOException
    {
        try (SharedMemory real = builder("real").pages(1).create())
        {
            real.writeLong(0, 99);
            Files.createSymbolicLink(dir.path().resolve("link"), real.path());
            expectInvalid("link", "symbolic link");
            // create through a planted link must not touch the target either
            assertThrows(SegmentExistsException.class, () -> builder("link").pages(1).create());
            assertEquals(99, real.readLong(0));
            final InvalidSegmentException refused =
                assertThrows(InvalidSegmentException.class, () -> builder("link").unlink());
            assertTrue(refused.getMessage().contains("symbolic link"), refused.getMessage());
            assertTrue(Files.isSymbolicLink(dir.path().resolve("link")), "unlink leaves a planted link alone");
            assertTrue(Files.exists(real.path()), "and its target");
        }
    }

    @Test
    void wrongMagic() throws IOException
    {
        final String name = validSegment("magic");
        patch(name, b -> b.putLong(SegmentDescriptor.MAGIC_OFFSET, 0x1234_5678_9ABC_DEF0L));
        expectInvalid(name, "magic 0x123456789abcdef0");
    }

    @Test
    void foreignFileWithText() throws IOException
    {
        Files.writeString(dir.path().resolve("text"), "hello, this is not a segment at all\n".repeat(200));
        expectInvalid("text", "is not a segment: magic");
        // unlink refuses it too, as `shmipc rm` does: it is somebody's file, not a segment
        final InvalidSegmentException refused = assertThrows(InvalidSegmentException.class,
            () -> builder("text").unlink());
        assertTrue(refused.getMessage().contains("not a segment"), refused.getMessage());
        assertTrue(Files.exists(dir.path().resolve("text")));
    }

    @Test
    void wrongLayoutVersion() throws IOException
    {
        final String name = validSegment("version");
        patch(name, b -> b.putInt(SegmentDescriptor.LAYOUT_VERSION_OFFSET, 7));
        expectInvalid(name, "layout version 7");
    }

    @Test
    void pageSizeNotAPowerOfTwo() throws IOException
    {
        final String name = validSegment("pagesize");
        patch(name, b -> b.putInt(SegmentDescriptor.PAGE_SIZE_OFFSET, 4000));
        expectInvalid(name, "page size 4000 is not a power of two");
    }

    @Test
    void absurdPageCount() throws IOException
    {
        final String name = validSegment("pagecount");
        patch(name, b -> b.putInt(SegmentDescriptor.PAGE_COUNT_OFFSET, Integer.MAX_VALUE));
        expectInvalid(name, "page count 2147483647");
        patch(name, b -> b.putInt(SegmentDescriptor.PAGE_COUNT_OFFSET, -3));
        expectInvalid(name, "page count -3");
    }

    @Test
    void headerDisagreesWithItself() throws IOException
    {
        final String name = validSegment("dataoffset");
        patch(name, b -> b.putLong(SegmentDescriptor.DATA_OFFSET_OFFSET, 12));
        expectInvalid(name, "data offset 12");
    }

    @Test
    void truncatedFile() throws IOException
    {
        final String name = validSegment("truncated");
        try (RandomAccessFile file = new RandomAccessFile(dir.path().resolve(name).toFile(), "rw"))
        {
            file.setLength(file.length() - 4096);
        }
        expectInvalid(name, "truncated or extended");
    }

    @Test
    void emptyFileIsNotInitialisedAfterTheTimeout() throws IOException
    {
        Files.createFile(dir.path().resolve("empty"));
        expectInvalid("empty", "was not initialised within PT0.2S (file length 0");
    }

    @Test
    void zeroHeaderIsNotInitialisedAfterTheTimeout() throws IOException
    {
        Files.write(dir.path().resolve("zeros"), new byte[16384]);
        expectInvalid("zeros", "magic 0");
    }

    @Test
    void openWaitsForACreatorThatPublishesLate() throws Exception
    {
        // A creator that has made the file but not yet written the header: open must wait, then succeed.
        final String name = validSegment("late");
        final Path path = dir.path().resolve(name);
        final byte[] original = Files.readAllBytes(path);
        patch(name, b -> b.putLong(SegmentDescriptor.MAGIC_OFFSET, 0));
        final Thread publisher = new Thread(() ->
        {
            try
            {
                Thread.sleep(300);
                patch(name, b -> b.putLong(SegmentDescriptor.MAGIC_OFFSET,
                    ByteBuffer.wrap(original).order(ByteOrder.LITTLE_ENDIAN).getLong(0)));
            }
            catch (final Exception ex)
            {
                throw new RuntimeException(ex);
            }
        });
        publisher.start();
        try (SharedMemory shm = SharedMemory.builder(name).directory(dir.path())
            .initTimeout(Duration.ofSeconds(20)).open())
        {
            assertEquals(2, shm.pageCount());
        }
        publisher.join();
    }

    private String validSegment(final String name)
    {
        try (SharedMemory shm = builder(name).pages(2).create())
        {
            return shm.name();
        }
    }

    private void patch(final String name, final Consumer<ByteBuffer> change) throws IOException
    {
        try (FileChannel channel = FileChannel.open(dir.path().resolve(name), StandardOpenOption.READ,
            StandardOpenOption.WRITE))
        {
            final ByteBuffer header = ByteBuffer.allocate(SegmentDescriptor.HEADER_LENGTH).order(ByteOrder.LITTLE_ENDIAN);
            channel.read(header, 0);
            change.accept(header);
            header.clear();
            channel.write(header, 0);
        }
    }

    private void expectInvalid(final String name, final String expected)
    {
        final InvalidSegmentException ex = assertThrows(InvalidSegmentException.class, () -> builder(name).open());
        assertTrue(ex.getMessage().contains(expected), "expected '" + expected + "' in: " + ex.getMessage());
        assertTrue(ex.getMessage().contains(name), "names the segment: " + ex.getMessage());
        final InvalidSegmentException again =
            assertThrows(InvalidSegmentException.class, () -> builder(name).pages(2).openOrCreate());
        assertTrue(again.getMessage().contains(expected), again.getMessage());
    }
}
