package io.shmipc.replication.status;

import io.shmipc.InvalidSegmentException;
import io.shmipc.SegmentNotFoundException;
import io.shmipc.SharedMemory;
import io.shmipc.SharedMemoryBuilder;
import io.shmipc.replication.ReplicationException;
import io.shmipc.replication.ReplicationState;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteOrder;
import java.nio.file.Path;
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
 * a second belongs to a process that is gone. The status segment is unlinked when its owner closes.
 */
public final class StatusSegment implements AutoCloseable
{
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

    private StatusSegment(final SharedMemory segment, final SharedMemoryBuilder builder, final StatusRole role)
    {
        this.segment = segment;
        this.builder = builder;
        this.role = role;
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
        final long deadline = System.nanoTime() + 2 * STALE_NANOS;
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
        return new StatusSegment(shm, builder, role);
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
    }

    /** Closes and unlinks the status segment (a process that still has it open sees its last sample). */
    @Override
    public void close()
    {
        if (!segment.isClosed())
        {
            segment.close();
            builder.unlink();
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
