package io.shmipc.replication.status;

import io.shmipc.InvalidSegmentException;
import io.shmipc.SegmentNotFoundException;
import io.shmipc.SharedMemory;
import io.shmipc.SharedMemoryBuilder;
import io.shmipc.replication.ReplicationException;
import io.shmipc.replication.ReplicationState;
import org.agrona.concurrent.UnsafeBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The status of a publisher or replica of segment {@code NAME}, kept in an ordinary shm-ipc segment next to it,
 * {@code NAME.publisher} or {@code NAME.replica}, so any process can read it (for example {@code shmipc replicate
 * status NAME}). One page; each update is one atomic write, so a read is a consistent sample. Layout, all 64-bit
 * little-endian:
 * <pre>
 *   0  magic 0x5441_5453_5045_524D ("MREPSTAT" as bytes)
 *   8  layout version (1)
 *  16  role: 1 publisher, 2 replica
 *  24  + 8 * i: the counter {@link StatusField} with ordinal i (STATE, EPOCH, PID, ...)
 * </pre>
 * The owner updates it every {@value #UPDATE_MILLIS} ms; a status whose {@link StatusField#UPDATED_AT} is older than
 * a second belongs to a process that is gone. The status segment is unlinked when its owner closes, before its
 * final sample, and only while the name still names the owner's file.
 */
public final class StatusSegment implements AutoCloseable
{
    private static final Logger LOG = LoggerFactory.getLogger(StatusSegment.class);

    /** Milliseconds between updates. */
    public static final long UPDATE_MILLIS = 100;
    /** A status not updated for this long belongs to a process that stopped or died. */
    public static final long STALE_NANOS = TimeUnit.SECONDS.toNanos(1);

    static final long MAGIC = 0x5441_5453_5045_524DL;
    static final long LAYOUT_VERSION = 1;
    static final int MAGIC_OFFSET = 0;
    static final int VERSION_OFFSET = 8;
    static final int ROLE_OFFSET = 16;
    static final int FIELDS_OFFSET = 24;
    static final int LENGTH = FIELDS_OFFSET + 8 * StatusField.values().length;
    private static final int PAGE_SIZE = 4096;
    private static final Duration INIT_WAIT = Duration.ofMillis(100);

    private final SharedMemory segment;
    private final SharedMemoryBuilder builder;
    private final UnsafeBuffer block = new UnsafeBuffer(new byte[LENGTH]);
    private final StatusRole role;
    /** Identity (device and inode) of the file claimed, to tell it from a successor's under the same name. */
    private final Object fileKey;
    private boolean published;

    private StatusSegment(final SharedMemory segment, final SharedMemoryBuilder builder, final StatusRole role,
        final Object fileKey)
    {
        this.segment = segment;
        this.builder = builder;
        this.role = role;
        this.fileKey = fileKey;
    }

    /**
     * Opens or creates the status segment of {@code name}'s {@code role} in {@code directory} ({@code null}: the
     * default). Waits up to twice {@link #STALE_NANOS} for the status of a previous owner to go stale.
     *
     * <p>The caller publishes a first status at once ({@code AgentThread} does, before {@code start()} returns), so
     * that a later claim sees this one running. The check and that first publication are two steps, not one atomic
     * claim: two processes that claim within the same few microseconds can both succeed.
     *
     * @throws ReplicationException if another live process owns it: one publisher, and one replica, per segment.
     */
    public static StatusSegment claim(final Path directory, final String name, final StatusRole role)
    {
        final String statusName = role.statusSegmentName(name);
        final SharedMemoryBuilder builder = builder(directory, statusName).pages(1).pageSize(PAGE_SIZE);
        final long deadline = System.nanoTime() + 2 * STALE_NANOS;
        while (true)
        {
            final SharedMemory shm;
            try
            {
                shm = builder.openOrCreate();
            }
            catch (final InvalidSegmentException ex)
            {
                throw new ReplicationException("status segment '" + statusName + "' exists but is not one: " +
                    ex.getMessage() + " (remove it with 'shmipc rm " + statusName + "')", ex);
            }
            final Object key = fileKey(shm.path());
            while (true)
            {
                final ReplicationStatus previous = decode(shm, role);
                if (previous == null || previous.state() == ReplicationState.STOPPED || isStale(previous))
                {
                    break;
                }
                if (System.nanoTime() - deadline >= 0)
                {
                    shm.close();
                    throw new ReplicationException("segment '" + name + "' already has a running " + role.label() +
                        " (pid " + previous.get(StatusField.PID) + ", status '" + statusName + "' updated " +
                        ageMillis(previous) + " ms ago): one " + role.label() + " per segment and directory");
                }
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
            }
            // A previous owner that stopped removed the name before saying STOPPED: the file mapped may no longer
            // be the one under the name, and a status kept in it would be seen by nobody.
            if (key != null && key.equals(fileKey(shm.path())))
            {
                return new StatusSegment(shm, builder, role, key);
            }
            shm.close();
        }
    }

    /**
     * Reads the status of {@code name}'s {@code role} from its status segment.
     *
     * @return the status, or {@code null} if there is no such status segment (or it is still being created).
     */
    public static ReplicationStatus read(final Path directory, final String name, final StatusRole role)
    {
        try (SharedMemory shm = builder(directory, role.statusSegmentName(name)).initTimeout(INIT_WAIT).open())
        {
            return decode(shm, role);
        }
        catch (final SegmentNotFoundException | InvalidSegmentException ex)
        {
            return null; // not there, or still being created (the core reports both kinds of "not ready" this way)
        }
    }

    /** @return whether a status sample is too old to belong to a running process. */
    public static boolean isStale(final ReplicationStatus status)
    {
        return StatusClock.epochNanos() - status.get(StatusField.UPDATED_AT) > STALE_NANOS;
    }

    /** Writes {@code status} in one atomic write. */
    public void publish(final ReplicationStatus status)
    {
        block.putLong(MAGIC_OFFSET, MAGIC, ByteOrder.LITTLE_ENDIAN);
        block.putLong(VERSION_OFFSET, LAYOUT_VERSION, ByteOrder.LITTLE_ENDIAN);
        block.putLong(ROLE_OFFSET, role.ordinal() + 1, ByteOrder.LITTLE_ENDIAN);
        for (final StatusField field : StatusField.values())
        {
            block.putLong(FIELDS_OFFSET + 8 * field.ordinal(), status.get(field), ByteOrder.LITTLE_ENDIAN);
        }
        segment.write(0, block, 0, LENGTH);
        published = true;
    }

    /**
     * Removes the status segment's name, then writes {@code last} (the final sample, state {@code STOPPED}) for
     * processes that still have it open, then closes it. In that order, a successor waiting in {@link #claim} for
     * this owner to stop finds the file already unnamed, and opens or creates the one under the name instead of
     * keeping this one, whose removal would hide it.
     */
    public void close(final ReplicationStatus last)
    {
        if (segment.isClosed())
        {
            return;
        }
        unlinkIfOwned();
        publish(last);
        segment.close();
    }

    /**
     * {@link #close(ReplicationStatus)} for an agent's {@code onClose}: does nothing for {@code null} (no status
     * segment kept), and logs, rather than throws, a failure to write or unlink, so that the agent's other resources
     * are still closed.
     */
    public static void closeQuietly(final StatusSegment segment, final ReplicationStatus last)
    {
        if (segment == null)
        {
            return;
        }
        try
        {
            segment.close(last);
        }
        catch (final RuntimeException ex)
        {
            LOG.debug("cannot close the status segment: {}", ex.toString());
        }
    }

    /**
     * Removes the name if it still names this owner's file, then closes it (a process that still has it open sees the
     * last sample). The name is left alone when it names another file, or when this file holds another owner's
     * status: a successor that claimed it (this owner's status had gone stale) keeps its status segment.
     */
    @Override
    public void close()
    {
        if (!segment.isClosed())
        {
            unlinkIfOwned();
            segment.close();
        }
    }

    private void unlinkIfOwned()
    {
        if (!fileKey.equals(fileKey(segment.path())))
        {
            return;
        }
        if (published)
        {
            final UnsafeBuffer now = new UnsafeBuffer(new byte[LENGTH]);
            segment.read(0, now, 0, LENGTH);
            for (final StatusField field : new StatusField[] {StatusField.PID, StatusField.STARTED_AT})
            {
                final int offset = FIELDS_OFFSET + 8 * field.ordinal();
                if (now.getLong(offset, ByteOrder.LITTLE_ENDIAN) != block.getLong(offset, ByteOrder.LITTLE_ENDIAN))
                {
                    return;
                }
            }
        }
        builder.unlink();
    }

    /** @return the identity of the file at {@code path} (device and inode on Linux), or {@code null} if it is gone. */
    private static Object fileKey(final Path path)
    {
        try
        {
            final Object key = Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS)
                .fileKey();
            return key != null ? key : "a file system without file keys: any file";
        }
        catch (final IOException ex)
        {
            return null;
        }
    }

    private static ReplicationStatus decode(final SharedMemory shm, final StatusRole role)
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[LENGTH]);
        shm.read(0, buffer, 0, LENGTH);
        if (buffer.getLong(MAGIC_OFFSET, ByteOrder.LITTLE_ENDIAN) != MAGIC)
        {
            return null;
        }
        if (buffer.getLong(VERSION_OFFSET, ByteOrder.LITTLE_ENDIAN) != LAYOUT_VERSION ||
            buffer.getLong(ROLE_OFFSET, ByteOrder.LITTLE_ENDIAN) != role.ordinal() + 1)
        {
            throw new ReplicationException("status segment '" + shm.name() + "' has layout version " +
                buffer.getLong(VERSION_OFFSET, ByteOrder.LITTLE_ENDIAN) + " and role " +
                buffer.getLong(ROLE_OFFSET, ByteOrder.LITTLE_ENDIAN) + "; expected version " + LAYOUT_VERSION +
                " and role " + (role.ordinal() + 1));
        }
        final long[] values = new long[StatusField.values().length];
        for (int i = 0; i < values.length; i++)
        {
            values[i] = buffer.getLong(FIELDS_OFFSET + 8 * i, ByteOrder.LITTLE_ENDIAN);
        }
        return new ReplicationStatus(role, values, null);
    }

    private static long ageMillis(final ReplicationStatus status)
    {
        return (StatusClock.epochNanos() - status.get(StatusField.UPDATED_AT)) / 1_000_000;
    }

    private static SharedMemoryBuilder builder(final Path directory, final String name)
    {
        final SharedMemoryBuilder builder = io.shmipc.SharedMemory.builder(name);
        return directory != null ? builder.directory(directory) : builder;
    }
}
