package io.shmipc.tools;

import io.shmipc.replication.SegmentReplica;
import io.shmipc.replication.transport.AeronTransport;
import org.agrona.CloseHelper;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/** {@code shmipc replicate subscribe NAME --channel URI}: keep a local replica of a published segment. */
@Command(
    name = "subscribe",
    mixinStandardHelpOptions = true,
    description =
        "Keep segment NAME here as a replica of a published one: created with the source's geometry if " +
        "missing, replaced by a full image on start, then updated as the source changes. Local readers use it " +
        "as any segment; local writes to it are undone. Shows a status line per interval until interrupted.")
final class ReplicateSubscribeCommand implements Callable<Integer>
{
    @Spec
    private CommandSpec spec;

    @Mixin
    private DirectoryOption dir;

    @Mixin
    private ReplicationOptions aeron;

    @Mixin
    private LiveStatus live;

    @Parameters(index = "0", paramLabel = "NAME", description = "Local segment to keep (created if missing).")
    private String name;

    @Option(names = "--control", paramLabel = "URI",
        description = "The publisher's control channel (default: the one its heartbeats announce).")
    private String control;

    @Override
    public Integer call() throws InterruptedException
    {
        live.check();
        final AeronTransport transport = aeron.externalTransport();
        final CountDownLatch stop = new CountDownLatch(1);
        try (SegmentReplica replica = SegmentReplica.builder(name).directory(dir.directory())
            .channel(aeron.channel).streamId(aeron.streamId).controlChannel(control)
            .controlStreamId(aeron.controlStreamId).transport(transport).start())
        {
            final Thread hook = new Thread(stop::countDown);
            Runtime.getRuntime().addShutdownHook(hook);
            live.run(spec.commandLine().getOut(), replica::status, stop);
            ReplicatePublishCommand.removeHook(hook);
        }
        finally
        {
            CloseHelper.quietClose(transport);
        }
        return 0;
    }
}
