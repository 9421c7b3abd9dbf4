package io.shmipc.replication.publisher;

import io.aeron.ExclusivePublication;
import io.aeron.Publication;
import io.aeron.Subscription;
import io.aeron.logbuffer.FragmentHandler;
import io.shmipc.SharedMemory;
import io.shmipc.SharedMemoryBuilder;
import io.shmipc.SharedMemoryException;
import io.shmipc.replication.ReplicationException;
import io.shmipc.replication.ReplicationState;
import io.shmipc.replication.protocol.ChannelUris;
import io.shmipc.replication.protocol.Wire;
import io.shmipc.replication.status.StatusBoard;
import io.shmipc.replication.status.StatusClock;
import io.shmipc.replication.status.StatusField;
import io.shmipc.replication.status.StatusSegment;
import io.shmipc.replication.transport.AeronTransport;
import org.agrona.CloseHelper;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.UnsafeBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * The publisher's duty cycle, on its own thread: take RESEND requests, scan the source's page versions, read runs of
 * due pages ({@link RunReader}) and offer each as one PAGES message; heartbeat every interval, whether pages flow or
 * not (a replica that joins learns the control channel from a heartbeat, and may hear nothing else). It only reads the
 * source, so local writers never wait for it; when the network or a replica is slow, offers are refused
 * (back-pressure), the scan stops, and pages that change meanwhile are sent once, at their latest version.
 */
public final class PublisherAgent implements Agent
{
    private static final Logger LOG = LoggerFactory.getLogger(PublisherAgent.class);
    private static final long SOURCE_CHECK_NANOS = TimeUnit.SECONDS.toNanos(1);
    private static final long STATUS_NANOS = TimeUnit.MILLISECONDS.toNanos(StatusSegment.UPDATE_MILLIS);
    /** Bytes of page data offered per duty cycle at most, so RESEND requests and status stay responsive. */
    private static final int CYCLE_BYTES = 8 << 20;

    private final String name;
    private final SharedMemoryBuilder sourceBuilder;
    private final AeronTransport transport;
    private final ExclusivePublication publication;
    private final Subscription control;
    private final String controlChannel;
    private final int controlStreamId;
    private final long heartbeatNanos;
    private final StatusBoard board;
    private final StatusSegment statusSegment;
    private final FragmentHandler controlHandler = this::onControl;
    private final UnsafeBuffer heartbeat = new UnsafeBuffer(new byte[Wire.CONTROL_CHANNEL_OFFSET + 4 +
        Wire.MAX_CONTROL_CHANNEL_LENGTH]);

    private SourceSegment source;
    private SharedMemory shm;
    private ChangeTracker tracker;
    private RunReader reader;
    private UnsafeBuffer header;
    private int pageSize;
    private int pageCount;
    private int baseRunPages;
    private final ScanPacer pacer;
    private long epoch;
    private long sequence;
    private int cursor;
    private boolean wasConnected;
    /** When the last heartbeat went out; pages sent since do not count (they do not announce the control channel). */
    private long lastHeartbeatNanos;
    private long nextSourceCheck;
    private long nextStatus;
    private String announcedControl;

    /**
     * @param name           source segment name, for logs.
     * @param sourceBuilder  opens the source segment (again, if it is replaced).
     * @param source         the source segment, opened.
     * @param transport      the Aeron connection.
     * @param dataChannel    channel of the data stream (with its term length set).
     * @param dataStreamId   stream id of the data stream.
     * @param controlChannel channel on which to take RESEND requests.
     * @param controlStreamId stream id of the control stream.
     * @param heartbeatNanos interval of heartbeats, sent whether pages flow or not.
     * @param board          the live counters.
     * @param statusSegment  where to publish them, or {@code null}.
     * @param maxIdleScanShare largest share of a core spent scanning an idle source, in (0, 1] ({@link ScanPacer}).
     */
    public PublisherAgent(
        final String name,
        final SharedMemoryBuilder sourceBuilder,
        final SharedMemory source,
        final AeronTransport transport,
        final String dataChannel,
        final int dataStreamId,
        final String controlChannel,
        final int controlStreamId,
        final long heartbeatNanos,
        final StatusBoard board,
        final StatusSegment statusSegment,
        final double maxIdleScanShare)
    {
        this.pacer = new ScanPacer(maxIdleScanShare);
        this.name = name;
        this.sourceBuilder = sourceBuilder;
        this.transport = transport;
        this.controlChannel = controlChannel;
        this.controlStreamId = controlStreamId;
        this.heartbeatNanos = heartbeatNanos;
        this.board = board;
        this.statusSegment = statusSegment;
        ExclusivePublication pub = null;
        Subscription sub = null;
        try
        {
            pub = transport.aeron().addExclusivePublication(dataChannel, dataStreamId);
            sub = transport.aeron().addSubscription(controlChannel, controlStreamId);
        }
        catch (final RuntimeException ex)
        {
            CloseHelper.quietCloseAll(pub, sub);
            throw new ReplicationException("cannot open the data channel '" + dataChannel + "' or the control " +
                "channel '" + controlChannel + "': " + ex.getMessage(), ex);
        }
        this.publication = pub;
        this.control = sub;
        attach(SourceSegment.wrap(source));
    }

    @Override
    public String roleName()
    {
        return "shmipc-publisher-" + name;
    }

    @Override
    public int doWork()
    {
        final long now = System.nanoTime();
        int work = control.poll(controlHandler, 16);
        if (now - nextSourceCheck >= 0)
        {
            nextSourceCheck = now + SOURCE_CHECK_NANOS;
            work += checkSource();
        }
        if (board.state() != ReplicationState.ERROR)
        {
            if (!publication.isConnected())
            {
                wasConnected = false;
                board.state(ReplicationState.CONNECTING);
            }
            else
            {
                if (!wasConnected)
                {
                    wasConnected = true;
                    pacer.scanNow();
                    work += sendHeartbeat(now);
                }
                if (pacer.isDue(now) || tracker.forcedCount() > 0)
                {
                    work += publishChanges();
                }
                // Also while pages flow: a replica that joins a busy stream has no other way to learn the control
                // channel, without which it cannot ask for the full image it needs.
                if (now - lastHeartbeatNanos >= heartbeatNanos)
                {
                    work += sendHeartbeat(now);
                }
            }
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
        board.state(ReplicationState.STOPPED);
        board.set(StatusField.LOSS, transport.naksReceived());
        StatusSegment.closeQuietly(statusSegment, board.snapshot());
        CloseHelper.quietCloseAll(publication, control, source);
    }

    /** One pass (or part of one) over the pages from the cursor: send every due run. */
    private int publishChanges()
    {
        final long scanStart = System.nanoTime();
        int page = cursor;
        int scanned = 0;
        int bytes = 0;
        int sentRuns = 0;
        tracker.refresh();
        while (scanned < pageCount)
        {
            if (!tracker.isDue(page))
            {
                scanned++;
                page = page + 1 == pageCount ? 0 : page + 1;
                continue;
            }
            int to = page;
            while (to + 1 < pageCount && to - page + 1 < baseRunPages && tracker.isDue(to + 1))
            {
                to++;
            }
            final int pages = reader.read(page, to);
            if (pages == RunReader.TORN)
            {
                final int torn = reader.tornPage();
                tracker.markTorn(torn, shm.version(torn));
                board.add(StatusField.TORN_SKIPPED, 1);
                continue;
            }
            if (!offerRun(pages))
            {
                cursor = reader.first();
                board.set(StatusField.PENDING_PAGES, tracker.countDue());
                board.state(ReplicationState.CATCHING_UP);
                pacer.scanNow();
                return sentRuns;
            }
            sentRuns++;
            bytes += pages * pageSize;
            scanned += reader.last() - page + 1;
            page = reader.last() + 1 == pageCount ? 0 : reader.last() + 1;
            if (bytes >= CYCLE_BYTES)
            {
                cursor = page;
                board.set(StatusField.PENDING_PAGES, tracker.forcedCount());
                board.state(ReplicationState.CATCHING_UP);
                pacer.scanNow();
                return sentRuns;
            }
        }
        cursor = page;
        if (sentRuns == 0)
        {
            final long scanEnd = System.nanoTime();
            board.set(StatusField.SCAN_NANOS, scanEnd - scanStart);
            pacer.scannedIdle(scanStart, scanEnd);
        }
        else
        {
            pacer.scanNow();
        }
        board.set(StatusField.PENDING_PAGES, tracker.forcedCount());
        board.state(tracker.forcedCount() > 0 ? ReplicationState.CATCHING_UP : ReplicationState.SYNCED);
        return sentRuns;
    }

    private boolean offerRun(final int pages)
    {
        final int first = reader.first();
        final long next = sequence + 1;
        Wire.putHeader(header, 0, Wire.PAGES, epoch, next, StatusClock.epochNanos());
        Wire.putInt(header, 0, Wire.PAGE_SIZE_OFFSET, pageSize);
        Wire.putInt(header, 0, Wire.PAGE_COUNT_OFFSET, pageCount);
        Wire.putInt(header, 0, Wire.FIRST_PAGE_OFFSET, first);
        Wire.putInt(header, 0, Wire.RUN_PAGES_OFFSET, pages);
        for (int i = 0; i < pages; i++)
        {
            Wire.putVersion(header, 0, i, reader.version(i));
        }
        final long result = publication.offer(header, 0, Wire.pagesHeaderLength(pages), reader.data(), 0,
            pages * pageSize);
        if (result < 0)
        {
            onRefused(result);
            return false;
        }
        sequence = next;
        for (int i = 0; i < pages; i++)
        {
            tracker.markSent(first + i, reader.version(i));
        }
        board.add(StatusField.MESSAGES, 1);
        board.add(StatusField.PAGES, pages);
        board.add(StatusField.BYTES, (long)pages * pageSize);
        board.set(StatusField.SEQUENCE, sequence);
        return true;
    }

    private void onRefused(final long result)
    {
        if (result == Publication.BACK_PRESSURED || result == Publication.ADMIN_ACTION)
        {
            board.add(StatusField.BACK_PRESSURE, 1);
        }
        else if (result == Publication.CLOSED || result == Publication.MAX_POSITION_EXCEEDED)
        {
            fail("the data publication is " + (result == Publication.CLOSED ? "closed" : "at its maximum position") +
                ": restart the publisher");
        }
    }

    private int sendHeartbeat(final long now)
    {
        final String channel = announcedControl();
        Wire.putHeader(heartbeat, 0, Wire.HEARTBEAT, epoch, sequence, StatusClock.epochNanos());
        Wire.putInt(heartbeat, 0, Wire.PAGE_SIZE_OFFSET, pageSize);
        Wire.putInt(heartbeat, 0, Wire.PAGE_COUNT_OFFSET, pageCount);
        Wire.putInt(heartbeat, 0, Wire.CONTROL_STREAM_OFFSET, controlStreamId);
        final int length = channel == null ? 0 : heartbeat.putStringWithoutLengthAscii(
            Wire.CONTROL_CHANNEL_OFFSET + 4, channel);
        Wire.putInt(heartbeat, 0, Wire.CONTROL_CHANNEL_OFFSET, length);
        if (publication.offer(heartbeat, 0, Wire.CONTROL_CHANNEL_OFFSET + 4 + length) > 0)
        {
            lastHeartbeatNanos = now;
            return 1;
        }
        return 0;
    }

    /** @return the control channel replicas should send to, with the port actually bound; null until bound. */
    private String announcedControl()
    {
        if (announcedControl == null)
        {
            if (controlChannel.startsWith("aeron:ipc"))
            {
                announcedControl = controlChannel;
            }
            else
            {
                final List<String> bound = control.localSocketAddresses();
                if (!bound.isEmpty())
                {
                    announcedControl = ChannelUris.withEndpoint(controlChannel, bound.get(0));
                    if (announcedControl.length() > Wire.MAX_CONTROL_CHANNEL_LENGTH)
                    {
                        throw new ReplicationException("control channel '" + announcedControl + "' is longer than " +
                            Wire.MAX_CONTROL_CHANNEL_LENGTH + " characters");
                    }
                    LOG.debug("publisher of '{}' takes resend requests on {}", name, announcedControl);
                }
            }
        }
        return announcedControl;
    }

    private void onControl(final org.agrona.DirectBuffer buffer, final int offset, final int length,
        final io.aeron.logbuffer.Header aeronHeader)
    {
        if (Wire.type(buffer, offset, length) != Wire.RESEND || length < Wire.RESEND_LENGTH)
        {
            return;
        }
        final int first = Math.max(0, Wire.getInt(buffer, offset, Wire.RESEND_FIRST_OFFSET));
        final int last = Math.min(pageCount - 1, Wire.getInt(buffer, offset, Wire.RESEND_LAST_OFFSET));
        if (first > last)
        {
            return;
        }
        tracker.force(first, last);
        if (first == 0 && last == pageCount - 1)
        {
            board.add(StatusField.FULL_IMAGES, 1);
            LOG.debug("publisher of '{}': full resend requested by replica {}", name,
                Long.toHexString(Wire.sequence(buffer, offset)));
        }
    }

    /** Switches to the segment now under the name if the one mapped was removed and created again. */
    private int checkSource()
    {
        if (!source.replaced())
        {
            return 0;
        }
        final SourceSegment replacement;
        try
        {
            replacement = SourceSegment.open(sourceBuilder);
        }
        catch (final SharedMemoryException ex)
        {
            LOG.debug("segment '{}' was replaced; its successor cannot be opened yet: {}", name, ex.getMessage());
            return 0;
        }
        LOG.info("segment '{}' was removed and created again: publishing the new one as a new epoch", name);
        source.close();
        attach(replacement);
        return 1;
    }

    private void attach(final SourceSegment segment)
    {
        pacer.scanNow(); // a new source: scan it at once
        source = segment;
        shm = segment.shm();
        pageSize = shm.pageSize();
        pageCount = shm.pageCount();
        final int maxPages = Math.min(pageCount, (publication.maxMessageLength() - Wire.VERSIONS_OFFSET) /
            (pageSize + Long.BYTES));
        if (maxPages < 1)
        {
            fail("page size " + pageSize + " does not fit in one message of the data publication (largest " +
                publication.maxMessageLength() + " bytes, 1/8 of its term-length): raise term-length");
            return;
        }
        tracker = new ChangeTracker(shm);
        reader = new RunReader(shm, tracker, maxPages);
        header = new UnsafeBuffer(new byte[Wire.pagesHeaderLength(maxPages)]);
        baseRunPages = Math.max(1, maxPages / 2);
        epoch = newEpoch();
        sequence = 0;
        cursor = 0;
        wasConnected = false;
        board.set(StatusField.EPOCH, epoch);
        board.set(StatusField.SEQUENCE, 0);
        board.error(null);
        board.state(ReplicationState.CONNECTING);
        LOG.info("publishing segment '{}' ({} pages of {} bytes) as epoch {}, runs of up to {} pages", name,
            pageCount, pageSize, Long.toHexString(epoch), maxPages);
    }

    private void fail(final String message)
    {
        board.error(message);
        board.state(ReplicationState.ERROR);
        LOG.error("publisher of '{}': {}", name, message);
    }

    private void publishStatus()
    {
        board.set(StatusField.LOSS, transport.naksReceived());
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

    private static long newEpoch()
    {
        long epoch;
        do
        {
            epoch = ThreadLocalRandom.current().nextLong();
        }
        while (epoch == 0);
        return epoch;
    }
}
