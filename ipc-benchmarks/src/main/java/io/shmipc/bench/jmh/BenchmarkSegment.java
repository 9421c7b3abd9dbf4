package io.shmipc.bench.jmh;

import io.shmipc.SharedMemory;
import io.shmipc.layout.SegmentDescriptor;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A segment for in-process benchmarks, in a fresh directory on {@code /dev/shm}, plus a second, lock-free view of
 * the same file: an {@link UnsafeBuffer} over the same bytes, for the raw-copy baselines.
 */
final class BenchmarkSegment implements AutoCloseable
{
    private final Path dir;
    private final SharedMemory shm;
    private final UnsafeBuffer raw;
    private final int dataOffset;

    BenchmarkSegment(final int pages)
    {
        try
        {
            final Path parent = Files.isDirectory(Path.of("/dev/shm")) ?
                Path.of("/dev/shm") : Path.of(System.getProperty("java.io.tmpdir"));
            dir = Files.createTempDirectory(parent, "shmipc-jmh-");
            shm = SharedMemory.builder("jmh").directory(dir).pages(pages).create();
            try (FileChannel channel = FileChannel.open(shm.path(), StandardOpenOption.READ, StandardOpenOption.WRITE))
            {
                raw = new UnsafeBuffer(channel.map(FileChannel.MapMode.READ_WRITE, 0, channel.size()));
            }
            dataOffset = (int)SegmentDescriptor.dataOffset(pages);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    /** @return the segment. */
    SharedMemory shm()
    {
        return shm;
    }

    /** @return the whole segment file, mapped a second time, without any lock. */
    UnsafeBuffer raw()
    {
        return raw;
    }

    /** @return where user offset 0 is in {@link #raw()}. */
    int dataOffset()
    {
        return dataOffset;
    }

    @Override
    public void close()
    {
        shm.close();
        try
        {
            Files.deleteIfExists(shm.path());
            Files.deleteIfExists(dir);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }
}
