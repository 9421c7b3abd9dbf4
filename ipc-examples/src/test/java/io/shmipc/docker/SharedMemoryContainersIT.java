package io.shmipc.docker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.startupcheck.OneShotStartupCheckStrategy;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.utility.DockerImageName;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Containers of the project's image sharing {@code /dev/shm} through Docker's IPC sharing: the first container is
 * {@code --ipc shareable}, the others {@code --ipc container:<first>}, as {@code docker-compose.yml} does. Each
 * container has its own PID namespace, so they share nothing but that memory.
 */
class SharedMemoryContainersIT
{
    private static final long SHM_BYTES = 64L << 20;
    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
    private static final Pattern REPORT = Pattern.compile(
        "samples=(\\d+) inconsistent=(\\d+) torn=(\\d+) epoch=(\\d+) newestSeq=(\\d+)");
    private static final ObjectMapper JSON = new ObjectMapper();

    @BeforeAll
    static void requireDockerAndImage()
    {
        DockerImage.requireDocker();
        DockerImage.name();
    }

    @AfterAll
    static void removeImage()
    {
        DockerImage.remove();
    }

    /** The uid the image runs as by default (its Dockerfile's USER). */
    private static final int IMAGE_UID = 10001;
    /** An arbitrary other user, as with {@code docker run --user 1000:1000}. */
    private static final String OTHER_USER = "1000:1000";
    /** Label carrying a first container's {@code --user} to the containers that join it. */
    private static final String USER_LABEL = "io.shmipc.test.user";

    /**
     * The first container, whose IPC namespace (and so {@code /dev/shm}) the others join; {@code user} as
     * {@code docker run --user}, or {@code null} for the image's default. The containers joining it run as the same
     * user: segments are owner-only by default.
     */
    private static GenericContainer<?> first(final String user, final String... command)
    {
        return new GenericContainer<>(DockerImageName.parse(DockerImage.name()))
            .withCommand(command)
            .withLabel(USER_LABEL, user == null ? "" : user)
            .withCreateContainerCmdModifier(cmd ->
            {
                cmd.getHostConfig().withIpcMode("shareable").withShmSize(SHM_BYTES);
                if (user != null)
                {
                    cmd.withUser(user);
                }
            });
    }

    private static GenericContainer<?> joining(final GenericContainer<?> first, final String... command)
    {
        final String ipc = "container:" + first.getContainerId();
        final String user = first.getLabels().get(USER_LABEL);
        return new GenericContainer<>(DockerImageName.parse(DockerImage.name()))
            .withCommand(command)
            .withCreateContainerCmdModifier(cmd ->
            {
                cmd.getHostConfig().withIpcMode(ipc);
                if (!user.isEmpty())
                {
                    cmd.withUser(user);
                }
            });
    }

    /**
     * Runs {@code shmipc ARGS} to completion in a container joined to {@code first}, as the same user; returns its
     * output (stdout and stderr, where the demos log).
     */
    private static String runJoined(final GenericContainer<?> first, final String... args)
    {
        try (GenericContainer<?> once = joining(first, args)
            .withStartupCheckStrategy(new OneShotStartupCheckStrategy().withTimeout(START_TIMEOUT)))
        {
            once.start(); // fails unless the command exits 0
            return once.getLogs();
        }
    }

    /** @return the uid that owns segment {@code name}, from {@code shmipc ls --json} in a container joined to first. */
    private static int ownerUid(final GenericContainer<?> first, final String name) throws Exception
    {
        for (final JsonNode row : JSON.readTree(runJoined(first, "ls", "--json")))
        {
            if (row.get("name").asText().equals(name))
            {
                return row.get("ownerUid").asInt();
            }
        }
        throw new AssertionError("no segment " + name + " listed");
    }

    /** As the image's default user: not root. */
    @Test
    void dataWrittenInOneContainerIsReadInAnother() throws Exception
    {
        try (GenericContainer<?> publisher = first(null, "demo", "snapshot-publisher", "--name", "snap",
            "--records", "1000", "--rate", "2000", "--duration", "120")
            .waitingFor(Wait.forLogMessage(".*epoch 1 publishing 1000 records.*", 1).withStartupTimeout(START_TIMEOUT)))
        {
            publisher.start();

            runJoined(publisher, "create", "hello", "--pages", "1");
            runJoined(publisher, "write", "hello", "0", "written in container 2");
            assertEquals("written in container 2", runJoined(publisher, "read", "hello", "0", "64", "--text").strip());

            final JsonNode listing = JSON.readTree(runJoined(publisher, "ls", "--json"));
            final List<String> names = new ArrayList<>();
            listing.forEach(row -> names.add(row.get("name").asText()));
            assertEquals(List.of("hello", "snap"), names, listing::toString);
            listing.forEach(row -> assertEquals(IMAGE_UID, row.get("ownerUid").asInt(), row::toString));

            // The publisher's writes show in the live counters read from yet another container.
            final String[] samples = runJoined(publisher, "stat", "snap", "--count", "2", "--interval", "0.5",
                "--json").strip().split("\n");
            assertEquals(2, samples.length);
            assertTrue(JSON.readTree(samples[1]).get("perSecond").get("writes").asDouble() > 0, samples[1]);

            final String reader = runJoined(publisher, "demo", "snapshot-reader", "--name", "snap",
                "--duration", "2", "--report", "0.5", "--id", "it-reader");
            final Matcher report = lastReport(reader);
            assertTrue(Long.parseLong(report.group(1)) > 0, reader);
            assertEquals("0", report.group(2), reader);
            assertEquals("1", report.group(4), reader);
        }
    }

    /** As an arbitrary user, {@code docker run --user 1000:1000}: the image works for any uid. */
    @Test
    void readerKeepsTheLastCompleteDataWhenTheWriterIsKilledAndANewWriterContinues() throws Exception
    {
        // The reader owns the IPC namespace, so writers can come and go.
        try (GenericContainer<?> reader = first(OTHER_USER, "demo", "snapshot-reader", "--name", "snap",
            "--id", "reader", "--rate", "20000", "--report", "0.25", "--wait", "60", "--duration", "300"))
        {
            reader.start();
            final GenericContainer<?> writer1 = joining(reader, "demo", "snapshot-publisher", "--name", "snap",
                "--records", "1000", "--rate", "1000")
                .waitingFor(Wait.forLogMessage(".*epoch 1 publishing.*", 1).withStartupTimeout(START_TIMEOUT));
            writer1.start();
            awaitReport(reader, r -> r.epoch == 1 && r.newestSeq >= 500, "epoch 1 updates reaching the reader");
            assertEquals(1000, ownerUid(reader, "snap"), "created by the publisher running as " + OTHER_USER);

            // SIGKILL, at an arbitrary point of the writer's loop (it holds a page lock ~0.01% of the time).
            DockerClientFactory.instance().client().killContainerCmd(writer1.getContainerId()).exec();
            awaitStopped(writer1);
            final int killedAt = reports(reader).size();
            TimeUnit.MILLISECONDS.sleep(750);
            final Report settled = last(reader);
            TimeUnit.MILLISECONDS.sleep(1000);
            final Report later = last(reader);
            assertTrue(later.samples > settled.samples, "the reader keeps reading after the kill: " + later);
            assertEquals(1, later.epoch);
            assertEquals(settled.newestSeq, later.newestSeq, "the newest update stays the last complete one");
            assertTrue(reports(reader).size() > killedAt + 4, "the reader keeps reporting");
            writer1.close();

            try (GenericContainer<?> writer2 = joining(reader, "demo", "snapshot-publisher", "--name", "snap",
                "--records", "1000", "--rate", "1000")
                .waitingFor(Wait.forLogMessage(".*epoch 2 publishing.*", 1).withStartupTimeout(START_TIMEOUT)))
            {
                writer2.start();
                awaitReport(reader, r -> r.epoch == 2 && r.newestSeq >= 500, "epoch 2 updates reaching the reader");
            }
            for (final Report r : reports(reader))
            {
                assertEquals(0, r.inconsistent, () -> "a read mixed two writes: " + reader.getLogs());
            }
        }
    }

    /** One report line of a snapshot reader. */
    private record Report(long samples, long inconsistent, long torn, long epoch, long newestSeq)
    {
    }

    private static List<Report> reports(final GenericContainer<?> reader)
    {
        final List<Report> reports = new ArrayList<>();
        final Matcher m = REPORT.matcher(reader.getLogs());
        while (m.find())
        {
            reports.add(new Report(Long.parseLong(m.group(1)), Long.parseLong(m.group(2)), Long.parseLong(m.group(3)),
                Long.parseLong(m.group(4)), Long.parseLong(m.group(5))));
        }
        return reports;
    }

    private static Report last(final GenericContainer<?> reader)
    {
        final List<Report> reports = reports(reader);
        assertFalse(reports.isEmpty(), () -> "no report yet: " + reader.getLogs());
        return reports.get(reports.size() - 1);
    }

    private static void awaitReport(final GenericContainer<?> reader, final Predicate<Report> condition,
        final String what) throws InterruptedException
    {
        final long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (System.nanoTime() - deadline < 0)
        {
            final List<Report> reports = reports(reader);
            if (!reports.isEmpty() && condition.test(reports.get(reports.size() - 1)))
            {
                return;
            }
            TimeUnit.MILLISECONDS.sleep(100);
        }
        fail("timed out waiting for " + what + "; reader log:\n" + reader.getLogs());
    }

    private static void awaitStopped(final GenericContainer<?> container) throws InterruptedException
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (Boolean.TRUE.equals(DockerClientFactory.instance().client()
            .inspectContainerCmd(container.getContainerId()).exec().getState().getRunning()))
        {
            assertTrue(System.nanoTime() - deadline < 0, "the killed container is still running");
            TimeUnit.MILLISECONDS.sleep(50);
        }
    }

    private static Matcher lastReport(final String log)
    {
        Matcher found = null;
        final Matcher m = REPORT.matcher(log);
        while (m.find())
        {
            found = REPORT.matcher(m.group());
            found.find();
        }
        if (found == null)
        {
            fail("no reader report in:\n" + log);
        }
        return found;
    }
}
