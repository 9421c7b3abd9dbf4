package io.shmipc.tools;

import io.shmipc.replication.status.ReplicationStatus;
import io.shmipc.replication.status.StatusRole;
import io.shmipc.replication.status.StatusSegment;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.concurrent.Callable;

/** {@code shmipc replicate status NAME}: the status of the publisher and replica of a segment on this host. */
@Command(
    name = "status",
    mixinStandardHelpOptions = true,
    description =
        "Show the status of NAME's publisher and/or replica running on this host, read from their status " +
        "segments (NAME.publisher, NAME.replica). Exit status 1 if neither exists.")
final class ReplicateStatusCommand implements Callable<Integer>
{
    @Spec
    private CommandSpec spec;

    @Mixin
    private DirectoryOption dir;

    @Parameters(index = "0", paramLabel = "NAME", description = "Segment name.")
    private String name;

    @Option(names = "--json", description = "One JSON object per role found.")
    private boolean json;

    @Override
    public Integer call()
    {
        final PrintWriter out = spec.commandLine().getOut();
        int found = 0;
        for (final StatusRole role : StatusRole.values())
        {
            final ReplicationStatus status = StatusSegment.read(dir.directory(), name, role);
            if (status == null)
            {
                continue;
            }
            found++;
            if (json)
            {
                final var map = status.toMap();
                map.put("stale", StatusSegment.isStale(status));
                Json.println(out, map);
            }
            else
            {
                out.println(status.summary() + (StatusSegment.isStale(status) ? " (stale: not running)" : ""));
            }
        }
        if (found == 0)
        {
            throw new IllegalArgumentException("no publisher or replica status for segment '" + name + "' in " +
                dir.directory() + " (looked for " + StatusRole.PUBLISHER.statusSegmentName(name) + " and " +
                StatusRole.REPLICA.statusSegmentName(name) + ")");
        }
        return 0;
    }
}
