package io.shmipc.tools;

import io.shmipc.replication.SegmentPublisher;
import io.shmipc.replication.transport.AeronTransport;
import picocli.CommandLine.Option;

import java.nio.file.Path;

/** The Aeron options of {@code replicate publish} and {@code replicate subscribe}. */
public final class ReplicationOptions
{
    @Option(names = "--channel", required = true, paramLabel = "URI",
        description = "Aeron channel of the data stream, e.g. aeron:udp?endpoint=REPLICA-HOST:40123 (the same on both sides).")
    String channel;

    @Option(names = "--stream", paramLabel = "ID", defaultValue = "" + SegmentPublisher.DEFAULT_STREAM_ID,
        description = "Stream id of the data stream (default: ${DEFAULT-VALUE}).")
    int streamId;

    @Option(names = "--control-stream", paramLabel = "ID",
        defaultValue = "" + SegmentPublisher.DEFAULT_CONTROL_STREAM_ID,
        description = "Stream id of the control stream (default: ${DEFAULT-VALUE}).")
    int controlStreamId;

    @Option(names = "--aeron-dir", paramLabel = "DIR",
        description = "Use the external media driver running in DIR (default: -Daeron.dir if set, else an " +
            "embedded driver).")
    Path aeronDir;

    /** @return a transport to the external driver if one was named, else {@code null} (embedded). */
    AeronTransport externalTransport()
    {
        final String property = System.getProperty("aeron.dir");
        final Path dir = aeronDir != null ? aeronDir : property != null && !property.isBlank() ? Path.of(property) : null;
        return dir != null ? AeronTransport.external(dir) : null;
    }
}
