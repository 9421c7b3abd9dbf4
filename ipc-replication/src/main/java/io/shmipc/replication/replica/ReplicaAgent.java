package io.shmipc.replication.replica;

import io.aeron.FragmentAssembler;
import io.aeron.Image;
import io.aeron.Subscription;
import io.aeron.logbuffer.Header;
import io.shmipc.SharedMemoryBuilder;
import io.shmipc.replication.ReplicationException;
import io.shmipc.replication.ReplicationState;
import io.shmipc.replication.protocol.Wire;
import io.shmipc.replication.status.StatusBoard;
import io.shmipc.replication.status.StatusClock;
import io.shmipc.replication.status.StatusField;
import io.shmipc.replication.status.StatusSegment;
import io.shmipc.replication.transport.AeronTransport;
import org.agrona.CloseHelper;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.Agent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.TimeUnit;

/**
 * The replica's duty cycle, on its own thread: receive the publisher's messages and apply them to the local
 * segment, or to a {@link Staging} image while catching up; ask for pages again when needed; find local writes;
 * publish the status.
 *
 * <p>Catching up starts on the first message of a source epoch not seen before (first start, a new publisher or a
 * new source segment) and after a gap in the message sequence (messages that never arrived). The replica asks for a
 * full image, gathers it off to the side, and replaces the local segment's content with it in one write: local
 * readers see the previous image until then, never a mix.
 */
public final class ReplicaAgent implements Agent
{
    private static final Logger LOG = LoggerFactory.getLogger(ReplicaAgent.class);
    private static final long STATUS_NANOS = TimeUnit.MILLISECONDS.toNanos(StatusSegment.UPDATE_MILLIS);
    /** A catch-up that received no page for this long asks again. */
    private static final long CATCH_UP_RETRY_NANOS = TimeUnit.SECONDS.toNanos(2);
    private static final long ERROR_RETRY_NANOS = TimeUnit.SECONDS.toNanos(1);
    private static final int FRAGMENT_LIMIT = 64;

    private final String name;
    private final SharedMemoryBuilder localBuilder;
    private final AeronTransport transport;
    private final Subscription subscription;
    private final ControlLink control;
    private final FragmentAssembler assembler = new FragmentAssembler(this::onMessage);
    private final StatusBoard board;
    private final StatusSegment statusSegment;
    private final long localCheckNanos;
    private final int[] localWrites = new int[2];

    /** Whether a publisher was heard: {@link #sourceSession} and {@link #sourceImage} name the newest one. */
    private boolean heardSource;
    private int sourceSession;
    private long sourceImage = Long.MIN_VALUE;
    private LocalImage local;
    private Staging staging;
    private ReplicationState state = ReplicationState.CONNECTING;
    private long epoch;
    private long lastSequence;
    private long catchUpStart;
    private long lastProgress;
    private long nextLocalCheck;
    private long nextStatus;
    private long nextErrorRetry;
    private long maxLag;

    /**
     * @param name               local segment name, for logs.
     * @param localBuilder       opens or creates the local segment (its geometry is set from the source's).
     * @param transport          the Aeron connection.
     * @param dataChannel        channel of the data stream.
     * @param dataStreamId       its stream id.
     * @param controlChannel     channel of the publisher's control stream, or {@code null} to use the announced one.
     * @param controlStreamId    its stream id (with a configured control channel).
     * @param localCheckNanos    interval of the search for local writes.
     * @param board              the live counters.
     * @param statusSegment      where to publish them, or {@code null}.
     */
    public ReplicaAgent(
        final String name,
        final SharedMemoryBuilder localBuilder,
        final AeronTransport transport,
        final String dataChannel,
        final int dataStreamId,
        final String controlChannel,
        final int controlStreamId,
        final long localCheckNanos,
        final StatusBoard board,
        final StatusSegment statusSegment)
    {
        this.name = name;
        this.localBuilder = localBuilder;
        this.transport = transport;
        this.localCheckNanos = localCheckNanos;
        this.board = board;
        this.statusSegment = statusSegment;
        try
        {
            this.subscription = transport.aeron().addSubscription(dataChannel, dataStreamId,
                image -> LOG.info("replica of '{}': publisher connected from {}", name, image.sourceIdentity()),
                image -> LOG.info("replica of '{}': publisher at {} gone", name, image.sourceIdentity()));
        }
        catch (final RuntimeException ex)
        {
            throw new ReplicationException("cannot subscribe to the data channel '" + dataChannel + "': " +
                ex.getMessage(), ex);
        }
        this.control = new ControlLink(transport.aeron(), controlChannel, controlStreamId);
        board.state(ReplicationState.CONNECTING);
    }

    @Override
    public String roleName()
    {
        return "shmipc-replica-" + name;
    }

    @Override
    public int doWork()
    {
        final long now = System.nanoTime();
        int work = subscription.poll(assembler, FRAGMENT_LIMIT);
        work += control.doWork(epoch);
        if (state == ReplicationState.CATCHING_UP && now - lastProgress >= CATCH_UP_RETRY_NANOS &&
            !control.hasPending())
        {
            lastProgress = now;
            control.request(staging.firstMissing(), staging.lastMissing());
        }
        if (state == ReplicationState.SYNCED && now - nextLocalCheck >= 0)
        {
            nextLocalCheck = now + localCheckNanos;
            work += checkLocalWrites();
        }
        if (now - nextStatus >= 0)
        {
            nextStatus = now + STATUS_NANOS;
            publishStatus();
        }
        return work;
    }

    @Override
    public void onClose()
    {
        state(ReplicationState.STOPPED);
        updateBoard();
        StatusSegment.closeQuietly(statusSegment, board.snapshot());
        CloseHelper.quietCloseAll(subscription, control, local);
    }

    /** @return the source version applied to {@code page}, or {@link Long#MIN_VALUE} before the first image. */
    public long sourceVersion(final int page)
    {
        final LocalImage image = local;
        return image == null ? PageVersions.NEVER : image.applied(page);
    }

    private void onMessage(final DirectBuffer buffer, final int offset, final int length, final Header header)
    {
        if (!fromNewestPublisher(header.sessionId()))
        {
            return;
        }
        final byte type = Wire.type(buffer, offset, length);
        if (type == Wire.PAGES && length >= Wire.VERSIONS_OFFSET)
        {
            onPages(buffer, offset, length);
        }
        else if (type == Wire.HEARTBEAT && length >= Wire.CONTROL_CHANNEL_OFFSET + 4)
        {
            onHeartbeat(buffer, offset, length, header);
        }
    }

    /**
     * Follows only the newest publisher heard: a message from an image older than the one last heard (a publisher
     * that was closed or killed, and replaced, whose stream still holds messages not yet polled) is ignored. Without
     * this, the replica switched back to the old epoch on such a message, and could apply a full image of it (one
     * the old publisher had sent before it went) over the new source's: readers saw the old source again. Its
     * heartbeats also turned the control link back to a publisher that is gone. When the newest image is gone, an
     * older one still there is followed again (two publishers of one segment are not supported, but do not leave the
     * replica deaf).
     *
     * @return whether the message is to be handled.
     */
    private boolean fromNewestPublisher(final int sessionId)
    {
        if (heardSource && sessionId == sourceSession)
        {
            return true;
        }
        final Image image = subscription.imageBySessionId(sessionId);
        // Images of a subscription are numbered in the order the media driver created them.
        final long imageId = image != null ? image.correlationId() : Long.MIN_VALUE;
        // Once the newest image is gone (its publisher silent past Aeron's image liveness timeout), any other is heard.
        if (heardSource && imageId < sourceImage && subscription.imageBySessionId(sourceSession) != null)
        {
            return false;
        }
        if (heardSource)
        {
            LOG.info("replica of '{}': a newer publisher's stream (image {}, session {}): the older one's messages " +
                "still to come are ignored", name, imageId, sessionId);
        }
        heardSource = true;
        sourceSession = sessionId;
        sourceImage = imageId;
        return true;
    }

    private void onPages(final DirectBuffer buffer, final int offset, final int length)
    {
        final int pageSize = Wire.getInt(buffer, offset, Wire.PAGE_SIZE_OFFSET);
        final int pageCount = Wire.getInt(buffer, offset, Wire.PAGE_COUNT_OFFSET);
        final int first = Wire.getInt(buffer, offset, Wire.FIRST_PAGE_OFFSET);
        final int pages = Wire.getInt(buffer, offset, Wire.RUN_PAGES_OFFSET);
        if (pageSize <= 0 || pages <= 0 || first < 0 || pageCount <= 0 || first > pageCount - pages ||
            length != Wire.pagesHeaderLength(pages) + (long)pages * pageSize)
        {
            LOG.warn("replica of '{}': ignored a malformed message of {} bytes", name, length);
            return;
        }
        if (!onSequence(Wire.epoch(buffer, offset), Wire.sequence(buffer, offset), true, pageSize, pageCount))
        {
            return;
        }
        final int dataOffset = offset + Wire.pagesHeaderLength(pages);
        board.add(StatusField.MESSAGES, 1);
        board.add(StatusField.BYTES, (long)pages * pageSize);
        if (state == ReplicationState.CATCHING_UP)
        {
            final int missingBefore = staging.missing();
            staging.put(first, pages, buffer, offset, dataOffset);
            if (staging.missing() != missingBefore)
            {
                lastProgress = System.nanoTime();
            }
            if (staging.missing() == 0)
            {
                finishCatchUp();
            }
        }
        else if (state == ReplicationState.SYNCED)
        {
            final int skipped = local.apply(first, pages, buffer, offset, dataOffset);
            board.add(StatusField.PAGES, pages - skipped);
            board.add(StatusField.STALE_SKIPPED, skipped);
        }
        else
        {
            return;
        }
        final long lag = StatusClock.epochNanos() - Wire.time(buffer, offset);
        board.set(StatusField.LAG_NANOS, lag);
        maxLag = Math.max(maxLag, lag);
    }

    private void onHeartbeat(final DirectBuffer buffer, final int offset, final int length, final Header header)
    {
        final int channelLength = Wire.getInt(buffer, offset, Wire.CONTROL_CHANNEL_OFFSET);
        if (channelLength < 0 || channelLength > Wire.MAX_CONTROL_CHANNEL_LENGTH ||
            length < Wire.CONTROL_CHANNEL_OFFSET + 4 + channelLength)
        {
            return;
        }
        if (channelLength > 0)
        {
            final Image image = subscription.imageBySessionId(header.sessionId());
            control.onAnnounced(buffer.getStringWithoutLengthAscii(offset + Wire.CONTROL_CHANNEL_OFFSET + 4,
                channelLength), Wire.getInt(buffer, offset, Wire.CONTROL_STREAM_OFFSET),
                image != null ? image.sourceIdentity() : null);
        }
        onSequence(Wire.epoch(buffer, offset), Wire.sequence(buffer, offset), false,
            Wire.getInt(buffer, offset, Wire.PAGE_SIZE_OFFSET), Wire.getInt(buffer, offset, Wire.PAGE_COUNT_OFFSET));
    }

    /**
     * Follows the epoch and message sequence: starts a catch-up on a new epoch or a gap.
     *
     * @return whether a PAGES message is to be applied (not a duplicate, and the replica can apply it).
     */
    private boolean onSequence(final long messageEpoch, final long sequence, final boolean pages,
        final int pageSize, final int pageCount)
    {
        if (messageEpoch != epoch)
        {
            LOG.info("replica of '{}': source epoch {} ({} pages of {} bytes): catching up from a full image",
                name, Long.toHexString(messageEpoch), pageCount, pageSize);
            epoch = messageEpoch;
            lastSequence = sequence;
            board.set(StatusField.EPOCH, epoch);
            beginCatchUp(pageSize, pageCount);
        }
        else if (pages && sequence <= lastSequence)
        {
            return false;
        }
        else if (pages ? sequence != lastSequence + 1 : sequence > lastSequence)
        {
            board.add(StatusField.GAPS, 1);
            LOG.warn("replica of '{}': messages {}..{} never arrived: catching up from a full image", name,
                lastSequence + 1, pages ? sequence - 1 : sequence);
            lastSequence = sequence;
            beginCatchUp(pageSize, pageCount);
        }
        else
        {
            lastSequence = sequence;
            if (state == ReplicationState.ERROR && System.nanoTime() - nextErrorRetry >= 0)
            {
                beginCatchUp(pageSize, pageCount);
            }
        }
        board.set(StatusField.SEQUENCE, lastSequence);
        return pages && state != ReplicationState.ERROR;
    }

    private void beginCatchUp(final int pageSize, final int pageCount)
    {
        try
        {
            if (local == null || !local.matches(pageSize, pageCount))
            {
                CloseHelper.quietClose(local);
                local = null;
                local = LocalImage.open(localBuilder, name, pageSize, pageCount);
            }
            if (staging == null || !staging.matches(pageSize, pageCount))
            {
                staging = null;
                staging = new Staging(pageSize, pageCount);
            }
            else
            {
                staging.reset();
            }
        }
        catch (final ReplicationException | OutOfMemoryError ex)
        {
            nextErrorRetry = System.nanoTime() + ERROR_RETRY_NANOS;
            if (!String.valueOf(ex.getMessage()).equals(board.error()))
            {
                LOG.error("replica of '{}': {}", name, ex.getMessage());
            }
            // The message first: whoever sees ERROR finds why.
            board.error(ex instanceof OutOfMemoryError ?
                "no memory for a staging image of " + pageCount + " pages of " + pageSize + " bytes" :
                ex.getMessage());
            state(ReplicationState.ERROR);
            return;
        }
        board.error(null);
        state(ReplicationState.CATCHING_UP);
        catchUpStart = System.nanoTime();
        lastProgress = catchUpStart;
        control.request(0, pageCount - 1);
    }

    private void finishCatchUp()
    {
        local.replaceAll(staging);
        staging = null;
        state(ReplicationState.SYNCED);
        final long took = System.nanoTime() - catchUpStart;
        board.add(StatusField.FULL_IMAGES, 1);
        board.add(StatusField.PAGES, local.shm().pageCount());
        board.set(StatusField.CATCH_UP_NANOS, took);
        nextLocalCheck = System.nanoTime() + localCheckNanos;
        LOG.info("replica of '{}': full image of epoch {} applied after {} ms: synced", name,
            Long.toHexString(epoch), TimeUnit.NANOSECONDS.toMillis(took));
    }

    private int checkLocalWrites()
    {
        final int found = local.findLocalWrites(localWrites);
        if (found > 0)
        {
            board.add(StatusField.LOCAL_WRITES, found);
            LOG.warn("replica of '{}': {} page(s) written locally (pages {}..{}); a replica is read-only: " +
                "restoring them from the source", name, found, localWrites[0], localWrites[1]);
            control.request(localWrites[0], localWrites[1]);
        }
        return found;
    }

    private void updateBoard()
    {
        final boolean connected = subscription.isConnected();
        board.state(!connected && state != ReplicationState.ERROR && state != ReplicationState.STOPPED ?
            ReplicationState.CONNECTING : state);
        board.set(StatusField.PENDING_PAGES, state == ReplicationState.CATCHING_UP ? staging.missing() : 0);
        board.set(StatusField.MAX_LAG_NANOS, maxLag);
        board.set(StatusField.LOSS, transport.naksSent());
        maxLag = 0;
    }

    private void publishStatus()
    {
        updateBoard();
        if (statusSegment != null)
        {
            try
            {
                statusSegment.publish(board.snapshot());
            }
            catch (final RuntimeException ex)
            {
                LOG.debug("cannot update the status segment: {}", ex.toString());
            }
        }
    }

    private void state(final ReplicationState newState)
    {
        state = newState;
        board.state(newState);
    }
}
