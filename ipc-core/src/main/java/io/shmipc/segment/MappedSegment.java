package io.shmipc.segment;

import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;

/**
 * A segment file mapped into this process: the file's channel, the mapping, and an {@link UnsafeBuffer} over the
 * whole file. The mapping is released by the garbage collector once nothing refers to it, never explicitly, so no
 * thread can ever touch unmapped memory.
 */
public final class MappedSegment
{
    private final String name;
    private final Path path;
    private final SegmentGeometry geometry;
    private final FileChannel channel;
    private final MappedByteBuffer mapping;
    private final UnsafeBuffer file;
    private final boolean created;

    MappedSegment(
        final String name,
        final Path path,
        final SegmentGeometry geometry,
        final FileChannel channel,
        final MappedByteBuffer mapping,
        final boolean created)
    {
        this.name = name;
        this.path = path;
        this.geometry = geometry;
        this.channel = channel;
        this.mapping = mapping;
        this.file = new UnsafeBuffer(mapping);
        this.created = created;
    }

    public String name()
    {
        return name;
    }

    public Path path()
    {
        return path;
    }

    public SegmentGeometry geometry()
    {
        return geometry;
    }

    /** @return the whole file: header, lock table and data. */
    public UnsafeBuffer file()
    {
        return file;
    }

    /** @return the open channel of the file. */
    public FileChannel channel()
    {
        return channel;
    }

    /** @return the mapping behind {@link #file()}. */
    public MappedByteBuffer mapping()
    {
        return mapping;
    }

    /** @return whether this process created the segment (rather than opened an existing one). */
    public boolean created()
    {
        return created;
    }

    /** Closes the channel; the mapping stays valid until unreachable. */
    public void closeChannel() throws IOException
    {
        channel.close();
    }
}
