package io.shmipc.segment;

import io.shmipc.lock.OwnerSlot;
import io.shmipc.sys.FileIdentity;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * This JVM's attachment to one segment file: the one descriptor and the one mapping it keeps of that file, its owner
 * slot, and how many handles use them. Every handle of the file in this JVM shares it (so reopening a file this JVM
 * already has open costs no descriptor), and the last handle to go detaches it ({@link Attachments}).
 */
public final class Attachment
{
    /** Where an attachment is in its life. */
    enum State
    {
        /** Handles use it. */
        ATTACHED,
        /** No handle is open; waiting until no thread can still be inside a call before releasing (JDK 17 path). */
        DETACHING,
        /** Released: descriptor closed, slot released, mapping gone (or replaced by anonymous memory). */
        DETACHED
    }

    private final String name;
    private final Path path;
    private final FileIdentity identity;
    private final SegmentGeometry geometry;
    private final FileChannel channel;
    private final MappedByteBuffer mapping;
    private final UnsafeBuffer file;
    private final OwnerSlot slot;
    /** Descriptors of the same file opened by racing threads, which a process lock forbids closing early. */
    private final List<FileChannel> spares = new ArrayList<>(); // guarded by Attachments.class
    private int handles; // guarded by Attachments.class
    private State state = State.ATTACHED; // guarded by Attachments.class

    Attachment(
        final SegmentFile segment, final MappedByteBuffer mapping, final UnsafeBuffer file, final OwnerSlot slot)
    {
        this.name = segment.name();
        this.path = segment.path();
        this.identity = segment.identity();
        this.geometry = segment.geometry();
        this.channel = segment.channel();
        this.mapping = mapping;
        this.file = file;
        this.slot = slot;
    }

    /** @return the segment's name. */
    public String name()
    {
        return name;
    }

    /** @return the file's path when it was opened. */
    public Path path()
    {
        return path;
    }

    /** @return the file's geometry. */
    public SegmentGeometry geometry()
    {
        return geometry;
    }

    /** @return the whole mapped file: header, lock table and data. */
    public UnsafeBuffer file()
    {
        return file;
    }

    /** @return this JVM's owner slot in the file. */
    public OwnerSlot slot()
    {
        return slot;
    }

    /** @return the identity of the file (device, inode, owner, mode) as {@code fstat} gave it when opened. */
    public FileIdentity identity()
    {
        return identity;
    }

    /** Gives back one handle's use; the last one detaches the file (see {@link Attachments}). */
    public void release()
    {
        Attachments.release(this);
    }

    @Override
    public String toString()
    {
        return "Attachment{'" + name + "' at " + path + ", " + geometry + ", " + slot + "}";
    }

    FileChannel channel()
    {
        return channel;
    }

    MappedByteBuffer mapping()
    {
        return mapping;
    }

    List<FileChannel> spares()
    {
        return spares;
    }

    int handles()
    {
        return handles;
    }

    void handles(final int handles)
    {
        this.handles = handles;
    }

    State state()
    {
        return state;
    }

    void state(final State state)
    {
        this.state = state;
    }
}
