package io.shmipc.tools;

import io.shmipc.InvalidSegmentException;
import io.shmipc.SegmentAccessDeniedException;
import io.shmipc.SegmentNotFoundException;
import io.shmipc.SharedMemoryException;
import io.shmipc.layout.SegmentDescriptor;
import io.shmipc.segment.Attachments;
import io.shmipc.segment.SegmentGeometry;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Instant;

/**
 * The header fields of a segment file, read with a plain file read (no mapping, so listing a directory never shows
 * up as a mapping in {@code /proc}), and checked the way the library checks them when it opens a segment.
 */
final class SegmentHeader
{
    private final int layoutVersion;
    private final SegmentGeometry geometry;
    private final long createdMillis;
    private final long creatorPid;

    private SegmentHeader(
        final int layoutVersion, final SegmentGeometry geometry, final long createdMillis, final long creatorPid)
    {
        this.layoutVersion = layoutVersion;
        this.geometry = geometry;
        this.createdMillis = createdMillis;
        this.creatorPid = creatorPid;
    }

    /**
     * Reads and checks the header of {@code path}.
     *
     * @throws SegmentNotFoundException if there is no such file.
     * @throws InvalidSegmentException  saying why, if the file is not an initialised segment of this layout.
     * @throws SegmentAccessDeniedException if this user may not read the file.
     */
    static SegmentHeader read(final Path path)
    {
        final BasicFileAttributes attributes;
        try
        {
            attributes = Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        }
        catch (final NoSuchFileException ex)
        {
            throw new SegmentNotFoundException("no segment: " + path + " does not exist");
        }
        catch (final IOException ex)
        {
            throw new SharedMemoryException("cannot read attributes of " + path + ": " + ex, ex);
        }
        if (!attributes.isRegularFile())
        {
            throw new InvalidSegmentException("not a regular file");
        }
        if (attributes.size() < SegmentDescriptor.HEADER_LENGTH)
        {
            throw new InvalidSegmentException("too short for a header (" + attributes.size() + " bytes)");
        }
        final ByteBuffer header = ByteBuffer.allocate(SegmentDescriptor.HEADER_LENGTH).order(ByteOrder.LITTLE_ENDIAN);
        // Through the library's registry: if this process has the segment open, closing a descriptor of our own
        // would drop its owner slot lock.
        final long size = Attachments.read(path, header, 0);
        if (size < 0)
        {
            throw new SegmentNotFoundException("no segment: " + path + " does not exist");
        }
        return parse(header, size);
    }

    private static SegmentHeader parse(final ByteBuffer header, final long fileLength)
    {
        final long magic = header.getLong(SegmentDescriptor.MAGIC_OFFSET);
        if (magic == 0)
        {
            throw new InvalidSegmentException("not initialised (magic 0): being created, or its creator died");
        }
        if (magic != SegmentDescriptor.MAGIC)
        {
            throw new InvalidSegmentException(String.format("magic 0x%016x is not a segment's", magic));
        }
        final int version = header.getInt(SegmentDescriptor.LAYOUT_VERSION_OFFSET);
        if (version < SegmentDescriptor.LAYOUT_VERSION || version > SegmentDescriptor.SOLE_LAYOUT_VERSION)
        {
            throw new InvalidSegmentException("layout version " + version + "; this tool reads versions " +
                SegmentDescriptor.LAYOUT_VERSION + " to " + SegmentDescriptor.SOLE_LAYOUT_VERSION);
        }
        final int pageSize = header.getInt(SegmentDescriptor.PAGE_SIZE_OFFSET);
        final int pageCount = header.getInt(SegmentDescriptor.PAGE_COUNT_OFFSET);
        final String problem = SegmentGeometry.problem(pageSize, pageCount);
        if (problem != null)
        {
            throw new InvalidSegmentException("bad header: " + problem);
        }
        final SegmentGeometry plain = SegmentGeometry.of(pageSize, pageCount);
        final SegmentGeometry geometry = plain.withLayoutVersion(version);
        if (fileLength != geometry.fileLength())
        {
            throw new InvalidSegmentException("file is " + fileLength + " bytes but its header (" + geometry +
                ") needs " + geometry.fileLength());
        }
        return new SegmentHeader(version, geometry,
            header.getLong(SegmentDescriptor.CREATED_MILLIS_OFFSET),
            header.getLong(SegmentDescriptor.CREATOR_PID_OFFSET));
    }

    int layoutVersion()
    {
        return layoutVersion;
    }

    SegmentGeometry geometry()
    {
        return geometry;
    }

    Instant created()
    {
        return Instant.ofEpochMilli(createdMillis);
    }

    /** @return the creator's PID in the creator's PID namespace (meaningless in another container). */
    long creatorPid()
    {
        return creatorPid;
    }
}
