package io.shmipc.replication.publisher;

import io.shmipc.SharedMemory;
import io.shmipc.SharedMemoryBuilder;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Objects;

/**
 * The segment a publisher reads, with the identity of its file, so that a segment removed and created again under
 * the same name is noticed and published as a new source.
 */
final class SourceSegment implements AutoCloseable
{
    private final SharedMemory shm;
    private final Object fileKey;

    private SourceSegment(final SharedMemory shm, final Object fileKey)
    {
        this.shm = shm;
        this.fileKey = fileKey;
    }

    /** Opens the existing segment; exceptions of {@link SharedMemoryBuilder#open()} propagate. */
    static SourceSegment open(final SharedMemoryBuilder builder)
    {
        final SharedMemory shm = builder.open();
        return new SourceSegment(shm, fileKey(shm.path()));
    }

    /** Wraps a segment opened by the caller. */
    static SourceSegment wrap(final SharedMemory shm)
    {
        return new SourceSegment(shm, fileKey(shm.path()));
    }

    SharedMemory shm()
    {
        return shm;
    }

    /**
     * @return whether the name now refers to another file than the one mapped (removed and created again); a name
     * that is gone without a replacement is not a replacement: the mapped segment is still published.
     */
    boolean replaced()
    {
        final Object now = fileKey(shm.path());
        return now != null && !Objects.equals(now, fileKey);
    }

    /** @return the identity of the file (device and inode on Linux), or {@code null} if it is gone. */
    static Object fileKey(final Path path)
    {
        try
        {
            return Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey();
        }
        catch (final IOException ex)
        {
            return null;
        }
    }

    @Override
    public void close()
    {
        shm.close();
    }
}
