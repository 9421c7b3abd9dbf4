package io.shmipc.replication.transport;

import io.aeron.Aeron;
import io.aeron.CommonContext;
import io.aeron.driver.MediaDriver;
import io.aeron.driver.ThreadingMode;
import io.aeron.driver.status.SystemCounterDescriptor;
import io.aeron.exceptions.AeronException;
import io.shmipc.replication.ReplicationException;
import org.agrona.CloseHelper;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.status.CountersReader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * A connection to an Aeron media driver: an embedded driver in a directory of its own (the default), or an external
 * one already running in an {@code aeron.dir}. Publishers and replicas of one process may share one transport.
 *
 * <p>The embedded driver runs one thread ({@link ThreadingMode#SHARED}) that backs off to 1 ms sleeps when idle,
 * so an idle process costs little CPU. Its files go in {@code shmipc-aeron-<pid>-<random>/driver} under
 * {@code /dev/shm} (or {@code java.io.tmpdir} without it), an owner-only directory deleted on {@link #close()};
 * directories left by killed processes are deleted by the next embedded driver that starts there, once their driver
 * has stopped answering.
 */
public final class AeronTransport implements AutoCloseable
{
    /** Longest idle sleep of the embedded driver's thread, in nanoseconds. */
    public static final long DRIVER_MAX_PARK_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

    private static final Logger LOG = LoggerFactory.getLogger(AeronTransport.class);
    private static final long CONNECT_TIMEOUT_MS = 10_000;

    private final MediaDriver driver;
    private final Aeron aeron;
    private final Path directory;
    private final boolean embedded;
    private final int naksSentCounter;
    private final int naksReceivedCounter;

    private AeronTransport(final MediaDriver driver, final Aeron aeron, final Path directory, final boolean embedded)
    {
        this.driver = driver;
        this.aeron = aeron;
        this.directory = directory;
        this.embedded = embedded;
        this.naksSentCounter = systemCounterId(aeron.countersReader(), SystemCounterDescriptor.NAK_MESSAGES_SENT);
        this.naksReceivedCounter = systemCounterId(aeron.countersReader(),
            SystemCounterDescriptor.NAK_MESSAGES_RECEIVED);
    }

    /** Starts an embedded media driver in a new directory under the default parent and connects to it. */
    public static AeronTransport embedded()
    {
        return embedded(EmbeddedDriverDirectory.defaultParent());
    }

    /** Starts an embedded media driver in a new directory under {@code parent} and connects to it. */
    public static AeronTransport embedded(final Path parent)
    {
        final Path dir = EmbeddedDriverDirectory.create(parent);
        MediaDriver driver = null;
        try
        {
            final MediaDriver.Context context = new MediaDriver.Context()
                .aeronDirectoryName(EmbeddedDriverDirectory.aeronDir(dir).toString())
                .threadingMode(ThreadingMode.SHARED)
                .sharedIdleStrategy(new BackoffIdleStrategy(10, 20, 1_000, DRIVER_MAX_PARK_NANOS))
                .dirDeleteOnStart(true)
                .dirDeleteOnShutdown(true)
                .warnIfDirectoryExists(false);
            driver = MediaDriver.launchEmbedded(context);
            final Aeron aeron = Aeron.connect(new Aeron.Context().aeronDirectoryName(driver.aeronDirectoryName()));
            LOG.debug("embedded media driver in {}", dir);
            return new AeronTransport(driver, aeron, dir, true);
        }
        catch (final RuntimeException ex)
        {
            CloseHelper.quietClose(driver);
            EmbeddedDriverDirectory.delete(dir);
            throw new ReplicationException("cannot start an embedded Aeron media driver in " + dir + ": " + ex, ex);
        }
    }

    /** Connects to an external media driver running in {@code aeronDir}. */
    public static AeronTransport external(final Path aeronDir)
    {
        if (!CommonContext.isDriverActive(aeronDir.toFile(), CONNECT_TIMEOUT_MS, msg -> { }))
        {
            throw new ReplicationException("no Aeron media driver is running in " + aeronDir +
                " (start one there, or leave out aeron.dir to use an embedded driver)");
        }
        try
        {
            final Aeron aeron = Aeron.connect(new Aeron.Context().aeronDirectoryName(aeronDir.toString()));
            return new AeronTransport(null, aeron, aeronDir, false);
        }
        catch (final AeronException ex)
        {
            throw new ReplicationException("cannot connect to the Aeron media driver in " + aeronDir + ": " +
                ex.getMessage(), ex);
        }
    }

    /** @return the Aeron client. */
    public Aeron aeron()
    {
        return aeron;
    }

    /** @return the driver's directory ({@code aeron.dir}). */
    public Path directory()
    {
        return embedded ? EmbeddedDriverDirectory.aeronDir(directory) : directory;
    }

    /** @return whether this transport runs its own media driver. */
    public boolean isEmbedded()
    {
        return embedded;
    }

    /** @return NAKs the driver has sent: gaps a receiver found in a stream and asked to have sent again. */
    public long naksSent()
    {
        return counterValue(naksSentCounter);
    }

    /** @return NAKs the driver has received: retransmissions receivers asked this driver's senders for. */
    public long naksReceived()
    {
        return counterValue(naksReceivedCounter);
    }

    private long counterValue(final int counterId)
    {
        return counterId < 0 || aeron.isClosed() ? 0 : aeron.countersReader().getCounterValue(counterId);
    }

    private static int systemCounterId(final CountersReader counters, final SystemCounterDescriptor descriptor)
    {
        final int[] found = {-1};
        counters.forEach((counterId, typeId, keyBuffer, label) ->
        {
            if (typeId == SystemCounterDescriptor.SYSTEM_COUNTER_TYPE_ID && keyBuffer.getInt(0) == descriptor.id())
            {
                found[0] = counterId;
            }
        });
        return found[0];
    }

    @Override
    public void close()
    {
        CloseHelper.closeAll(aeron, driver);
        if (embedded)
        {
            EmbeddedDriverDirectory.delete(directory);
        }
    }

    @Override
    public String toString()
    {
        return (embedded ? "embedded" : "external") + " Aeron media driver in " + directory();
    }
}
