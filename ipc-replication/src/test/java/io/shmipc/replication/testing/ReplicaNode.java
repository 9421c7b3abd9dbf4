package io.shmipc.replication.testing;

import io.shmipc.replication.SegmentReplica;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** A replica host: keeps segment {@code --name} in {@code --dir} from {@code --channel} until killed. */
public final class ReplicaNode
{
    private ReplicaNode()
    {
    }

    public static void main(final String[] args) throws Exception
    {
        final NodeArgs a = new NodeArgs(args);
        try (SegmentReplica replica = SegmentReplica.builder(a.get("name")).directory(Path.of(a.get("dir")))
            .channel(a.get("channel")).start())
        {
            Runtime.getRuntime().addShutdownHook(new Thread(replica::close));
            System.out.println("READY");
            while (true)
            {
                System.out.println("STATUS " + replica.status());
                TimeUnit.MILLISECONDS.sleep(500);
            }
        }
    }
}
