package io.shmipc.docker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.Network;
import org.testcontainers.containers.startupcheck.OneShotStartupCheckStrategy;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.utility.DockerImageName;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The replication demo on two "hosts", each a private {@code /dev/shm} (an IPC namespace) shared by two containers,
 * the hosts joined only by a Docker network, every container running as a non-root user:
 * <ul>
 *   <li>source host: a snapshot publisher writing records, and {@code shmipc replicate publish} sending them;</li>
 *   <li>replica host: {@code shmipc replicate subscribe} keeping the copy, and a snapshot reader checking every
 *   record it samples from the copy.</li>
 * </ul>
 * The same as {@code docker-compose.replication.yml} and {@code scripts/docker-replication-demo.sh}.
 */
class ReplicationContainersIT
{
    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
    private static final String USER = "1000:1000";
    private static final Pattern REPORT = Pattern.compile(
        "samples=(\\d+) inconsistent=(\\d+) torn=(\\d+) epoch=(\\d+) newestSeq=(\\d+)");
    private static final ObjectMapper JSON = new ObjectMapper();

    @BeforeAll
    static void requireDockerAndImage()
    {
        DockerImage.requireDocker();
        DockerImage.name();
    }

    /** A container that owns a private /dev/shm (its "host") that others may join. */
    private static GenericContainer<?> hostContainer(final Network network, final String alias,
        final String... command)
    {
        return new GenericContainer<>(DockerImageName.parse(DockerImage.name()))
            .withNetwork(network)
            .withNetworkAliases(alias)
            .withCommand(command)
            .withCreateContainerCmdModifier(cmd -> cmd.withUser(USER).getHostConfig()
                .withIpcMode("shareable").withShmSize(64L << 20));
    }

    /** A container on the same "host" as {@code host}: it sees the same /dev/shm. */
    private static GenericContainer<?> onHost(final GenericContainer<?> host, final Network network,
        final String... command)
    {
        final String ipc = "container:" + host.getContainerId();
        return new GenericContainer<>(DockerImageName.parse(DockerImage.name()))
            .withNetwork(network)
            .withCommand(command)
            .withCreateContainerCmdModifier(cmd -> cmd.withUser(USER).getHostConfig().withIpcMode(ipc));
    }

    @Test
    void aReaderOnTheReplicaHostSeesOnlyConsistentRecordsThatKeepComing() throws Exception
    {
        try (Network network = Network.newNetwork();
             GenericContainer<?> replica = hostContainer(network, "replica-host",
                 "replicate", "subscribe", "snap", "--channel", "aeron:udp?endpoint=0.0.0.0:40123",
                 "--interval", "0.5")
                 .waitingFor(Wait.forLogMessage(".*replica .*epoch=.*", 1).withStartupTimeout(START_TIMEOUT));
             GenericContainer<?> writer = hostContainer(network, "source-host", "demo", "snapshot-publisher",
                 "--name", "snap", "--records", "1000", "--rate", "2000", "--duration", "300")
                 .waitingFor(Wait.forLogMessage(".*epoch 1 publishing 1000 records.*", 1)
                     .withStartupTimeout(START_TIMEOUT)))
        {
            replica.start();
            writer.start();
            try (GenericContainer<?> publisher = onHost(writer, network, "replicate", "publish", "snap",
                     "--channel", "aeron:udp?endpoint=replica-host:40123", "--interval", "0.5")
                     .waitingFor(Wait.forLogMessage(".*publisher .*epoch=.*", 1).withStartupTimeout(START_TIMEOUT));
                 GenericContainer<?> reader = onHost(replica, network, "demo", "snapshot-reader", "--name", "snap",
                     "--id", "replica-reader", "--rate", "20000", "--report", "0.5", "--wait", "60",
                     "--duration", "300"))
            {
                publisher.start();
                reader.start();

                // Updates keep arriving: the newest update the reader has seen grows, report after report.
                final long first = awaitNewestSeq(reader, 1, replica);
                awaitNewestSeq(reader, first + 500, replica);
                for (final long[] report : reports(reader.getLogs()))
                {
                    assertEquals(0, report[1], () -> "a read on the replica mixed two writes:\n" + reader.getLogs());
                }

                final JsonNode status = JSON.readTree(runOnHost(replica, network,
                    "replicate", "status", "snap", "--json").strip().split("\n")[0]);
                assertEquals("replica", status.get("role").asText());
                assertEquals("SYNCED", status.get("state").asText(), status::toString);
                assertEquals(0, status.get("gaps").asLong(), status::toString);
                assertTrue(replica.getLogs().contains("replica SYNCED"), replica::getLogs);
                assertTrue(publisher.getLogs().contains("publisher SYNCED"), publisher::getLogs);
            }
        }
    }

    private static String runOnHost(final GenericContainer<?> host, final Network network, final String... args)
    {
        try (GenericContainer<?> once = onHost(host, network, args)
            .withStartupCheckStrategy(new OneShotStartupCheckStrategy().withTimeout(START_TIMEOUT)))
        {
            once.start();
            return once.getLogs();
        }
    }

    private static long awaitNewestSeq(final GenericContainer<?> reader, final long atLeast,
        final GenericContainer<?> replica) throws InterruptedException
    {
        final long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (System.nanoTime() - deadline < 0)
        {
            final List<long[]> reports = reports(reader.getLogs());
            if (!reports.isEmpty() && reports.get(reports.size() - 1)[4] >= atLeast)
            {
                return reports.get(reports.size() - 1)[4];
            }
            TimeUnit.MILLISECONDS.sleep(200);
        }
        fail("the replica host's reader never saw update " + atLeast + "; reader:\n" + reader.getLogs() +
            "\nreplica:\n" + replica.getLogs());
        return -1;
    }

    private static List<long[]> reports(final String log)
    {
        final List<long[]> reports = new ArrayList<>();
        final Matcher m = REPORT.matcher(log);
        while (m.find())
        {
            reports.add(new long[] {Long.parseLong(m.group(1)), Long.parseLong(m.group(2)),
                Long.parseLong(m.group(3)), Long.parseLong(m.group(4)), Long.parseLong(m.group(5))});
        }
        return reports;
    }
}
