package io.shmipc.segment;

import io.shmipc.sys.FileIdentity;

import java.nio.channels.FileChannel;
import java.nio.file.Path;

/**
 * A segment file just opened or created by {@link SegmentFiles}: its descriptor, the identity of the file that
 * descriptor has open (not of whatever the name points to now), and, once its header was read, its geometry.
 * Not yet mapped and not yet attached ({@link Attachments}).
 *
 * @param name     the segment's name.
 * @param path     the file's path when it was opened.
 * @param channel  the open read-write descriptor.
 * @param identity what {@code fstat} says of the descriptor.
 * @param geometry the geometry its header gives, or that it was created with.
 * @param created  whether this process created the file.
 */
record SegmentFile(
    String name, Path path, FileChannel channel, FileIdentity identity, SegmentGeometry geometry, boolean created)
{
    /** @return this file with {@code geometry}. */
    SegmentFile withGeometry(final SegmentGeometry geometry)
    {
        return new SegmentFile(name, path, channel, identity, geometry, created);
    }
}
