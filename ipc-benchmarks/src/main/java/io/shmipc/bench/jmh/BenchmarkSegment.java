package io.shmipc.bench.jmh;

import io.shmipc.SharedMemory;
import io.shmipc.segment.Attachment;
import io.shmipc.segment.Attachments;
import io.shmipc.layout.SegmentDescriptor;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A segment for in-process benchmarks, in a fresh directory on {@code /dev/shm}, plus a second, lock-free view of
 * the same file: an {@link UnsafeBuffer} over the same bytes, for the raw-copy baselines.
 */
final class BenchmarkSegment implements AutoCloseable
{
    private final Path dir;
    private final SharedMemory shm;
    private final UnsafeBuffer raw;
    private final Attachment attachment;
    private final int dataOffset;

    BenchmarkSegment(final int pages)
    {
        this(pages, false);
    }

    /** @param leases whether the segment has lease words (layout version 3), for exclusive writers. */
    BenchmarkSegment(final int pages, final boolean leases)
    {
        try
        {
            final Path parent = Files.isDirectory(Path.of("/dev/shm")) ?
                Path.of("/dev/shm") : Path.of(System.getProperty("java.io.tmpdir"));
            dir = Files.createTempDirectory(parent, "shmipc-jmh-");
            shm = SharedMemory.builder("jmh").directory(dir).pages(pages).leases(leases).create();
            // The handle's own mapping, through the JVM's attachment of the file (opening the file a second time and
            // closing it would drop the owner slot's lock on JDK 17).
            attachment = Attachments.open(dir, "jmh", Duration.ofSeconds(5), false);
            raw = attachment.file();
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

    /** @return the whole segment file, the same mapping the segment uses, to access without any lock. */
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
        attachment.release();
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
