package io.shmipc.tools;

import io.shmipc.replication.SegmentPublisher;
import io.shmipc.replication.transport.AeronTransport;
import org.agrona.CloseHelper;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/** {@code shmipc replicate publish NAME --channel URI}: send a segment's changes to replicas. */
@Command(
    name = "publish",
    mixinStandardHelpOptions = true,
    description =
        "Publish segment NAME to replicas: send its changed pages as they change, and a full image to each " +
        "replica that joins or restarts. Only reads the segment. Shows a status line per interval until " +
        "interrupted.")
final class ReplicatePublishCommand implements Callable<Integer>
{
    @Spec
    private CommandSpec spec;

    @Mixin
    private DirectoryOption dir;

    @Mixin
    private ReplicationOptions aeron;

    @Mixin
    private LiveStatus live;

    @Parameters(index = "0", paramLabel = "NAME", description = "Segment to publish (it must exist).")
    private String name;

    @Option(names = "--control", paramLabel = "URI", defaultValue = SegmentPublisher.DEFAULT_CONTROL_CHANNEL,
        description = "Channel for replicas' requests, announced to them (default: ${DEFAULT-VALUE}).")
    private String control;

    @Option(names = "--wait", paramLabel = "S", defaultValue = "0",
        description = "Seconds to wait for the segment to be created (default: ${DEFAULT-VALUE}).")
    private double waitSeconds;

    @Option(names = "--idle-scan-share", paramLabel = "F", defaultValue = "0.05",
        description = "Largest share of a core spent scanning an idle segment for changes, in (0, 1]; 1 scans on " +
            "every cycle (default: ${DEFAULT-VALUE}). A smaller share makes the first write after a quiet period " +
            "reach replicas later (at most 20 ms).")
    private double idleScanShare;

    @Override
    public Integer call() throws InterruptedException
    {
        live.check();
        if (!(waitSeconds >= 0))
        {
            throw new IllegalArgumentException("--wait must not be negative (got " + waitSeconds + ")");
        }
        if (!(idleScanShare > 0 && idleScanShare <= 1))
        {
            throw new IllegalArgumentException("--idle-scan-share must be in (0, 1] (got " + idleScanShare + ")");
        }
        final AeronTransport transport = aeron.externalTransport();
        final CountDownLatch stop = new CountDownLatch(1);
        try (SegmentPublisher publisher = SegmentPublisher.builder(name).directory(dir.directory())
            .channel(aeron.channel).streamId(aeron.streamId).controlChannel(control)
            .controlStreamId(aeron.controlStreamId).transport(transport)
            .awaitSource(Duration.ofNanos((long)(waitSeconds * 1e9))).maxIdleScanShare(idleScanShare).start())
        {
            final Thread hook = new Thread(stop::countDown);
            Runtime.getRuntime().addShutdownHook(hook);
            live.run(spec.commandLine().getOut(), publisher::status, stop);
            removeHook(hook);
        }
        finally
        {
            CloseHelper.quietClose(transport);
        }
        return 0;
    }

    static void removeHook(final Thread hook)
    {
        try
        {
            Runtime.getRuntime().removeShutdownHook(hook);
        }
        catch (final IllegalStateException shuttingDown)
        {
            // the JVM is exiting: the hook has run
        }
    }
}
