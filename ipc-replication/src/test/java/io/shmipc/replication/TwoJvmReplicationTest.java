package io.shmipc.replication;

import io.shmipc.SharedMemory;
import io.shmipc.replication.status.ReplicationStatus;
import io.shmipc.replication.status.StatusField;
import io.shmipc.replication.status.StatusRole;
import io.shmipc.replication.status.StatusSegment;
import io.shmipc.replication.testing.Await;
import io.shmipc.replication.testing.ChildJvm;
import io.shmipc.replication.testing.Dirs;
import io.shmipc.replication.testing.Ports;
import io.shmipc.replication.testing.PublisherNode;
import io.shmipc.replication.testing.ReplicaNode;
import io.shmipc.replication.testing.SnapshotChecker;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A source host and a replica host as two JVMs on one machine, each with its own directory standing in for
 * {@code /dev/shm}, joined only by Aeron over UDP on 127.0.0.1. A checker in this JVM (a third process, a local
 * reader on the replica's host) checks every snapshot it takes of the replica ({@link SnapshotChecker}).
 */
class TwoJvmReplicationTest
{
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final String NAME = "records";
    /** Aeron's debug receive endpoint, dropping data frames at random: the replica's driver loses packets. */
    private static final List<String> RECEIVE_LOSS = List.of(
        "-Daeron.ReceiveChannelEndpoint.supplier=io.aeron.driver.ext.DebugReceiveChannelEndpointSupplier",
        "-Daeron.debug.receive.data.loss.rate=0.05",
        "-Daeron.debug.receive.data.loss.seed=42");

    private final Path sourceDir = Dirs.create("src");
    private final Path replicaDir = Dirs.create("dst");
    private SnapshotChecker checker;

    @AfterEach
    void cleanUp()
    {
        Dirs.delete(sourceDir);
        Dirs.delete(replicaDir);
    }

    @Test
    void everyPageConvergesAndNoSnapshotIsTornOrGoesBack() throws Exception
    {
        replicateWhileWriting(List.of());
    }

    @Test
    void convergesWithFivePercentOfPacketsDropped() throws Exception
    {
        final ReplicationStatus replica = replicateWhileWriting(RECEIVE_LOSS);
        assertTrue(replica.get(StatusField.LOSS) > 0, () -> "the replica's driver lost nothing: " + replica);
    }

    private ReplicationStatus replicateWhileWriting(final List<String> replicaJvmOptions) throws Exception
    {
        final String channel = Ports.loopbackChannel();
        checker = SnapshotChecker.start(replicaDir, NAME);
        try (ChildJvm replica = ChildJvm.start(ReplicaNode.class, replicaJvmOptions,
                "--dir", replicaDir.toString(), "--name", NAME, "--channel", channel);
             ChildJvm publisher = ChildJvm.start(PublisherNode.class, List.of(),
                "--dir", sourceDir.toString(), "--name", NAME, "--channel", channel, "--rate", "3000",
                "--write-seconds", "4"))
        {
            publisher.awaitLine("WRITES-DONE", 60);
            awaitConvergence();
            final ReplicationStatus status = replicaStatus();
            assertEquals(ReplicationState.SYNCED, status.state(), status::toString);
            assertEquals(0, status.get(StatusField.GAPS), status::toString);
            assertEquals(1, status.get(StatusField.FULL_IMAGES), status::toString);
            assertTrue(checker.snapshots() > 10, () -> "the checker took only " + checker.snapshots() + " snapshots");
            assertEquals(List.of(1L), checker.generationsSeen().stream().filter(g -> g != 0).toList());
            assertEquals(0, checker.tornReads(), "no page of the replica was ever marked torn");
            checker.stop();
            return status;
        }
        finally
        {
            checker.stop();
        }
    }

    @Test
    void restartedReplicaAndPublisherCatchUpFromAFullImageAndNeverServeAMix() throws Exception
    {
        final String channel = Ports.loopbackChannel();
        final List<ChildJvm> children = new ArrayList<>();
        checker = SnapshotChecker.start(replicaDir, NAME);
        try
        {
            // Generation 1: a publisher (writing for a long time) and a replica.
            final ChildJvm publisher1 = start(children, PublisherNode.class, "--dir", sourceDir.toString(),
                "--name", NAME, "--channel", channel, "--rate", "2000", "--write-seconds", "600", "--generation", "1");
            final String epoch1 = publisher1.awaitValue("READY", "epoch", 60);
            final ChildJvm replica1 = start(children, ReplicaNode.class, "--dir", replicaDir.toString(),
                "--name", NAME, "--channel", channel);
            awaitReplica(s -> s.state() == ReplicationState.SYNCED && hex(s).equals(epoch1), "replica 1 synced");
            Await.until(TIMEOUT, () -> checker.generation() == 1, () -> "the checker to see generation 1");
            assertEquals(0, checker.tornReads(), "no page of the replica was marked torn before a replica was killed");

            // Restart the replica: the new process catches up from a full image while the writer goes on. Killed in
            // the middle of applying a write, replica 1 leaves that write's pages marked torn: local reads of them
            // are refused (TornPageException, never half a write) until replica 2's full image overwrites them.
            replica1.kill();
            final ChildJvm replica = start(children, ReplicaNode.class, "--dir", replicaDir.toString(),
                "--name", NAME, "--channel", channel);
            awaitReplica(s -> s.state() == ReplicationState.SYNCED && s.get(StatusField.FULL_IMAGES) == 1 &&
                s.get(StatusField.PID) == replica.pid(), "replica 2 synced from a full image");

            // Restart the publisher on a new source segment (generation 2): killed mid-stream, the segment removed
            // and created again with other content.
            final long tornReads = checker.tornReads();
            publisher1.kill();
            final long snapshotsBefore = checker.snapshots();
            final ChildJvm publisher2 = start(children, PublisherNode.class, "--dir", sourceDir.toString(),
                "--name", NAME, "--channel", channel, "--rate", "2000", "--write-seconds", "2", "--generation", "2");
            final String epoch2 = publisher2.awaitValue("READY", "epoch", 60);
            awaitReplica(s -> s.state() == ReplicationState.SYNCED && hex(s).equals(epoch2) &&
                s.get(StatusField.FULL_IMAGES) == 2, "replica 2 synced to the new publisher");
            publisher2.awaitLine("WRITES-DONE", 60);
            awaitConvergence();
            Await.until(TIMEOUT, () -> checker.generation() == 2, () -> "the checker to see generation 2");
            assertTrue(checker.snapshots() > snapshotsBefore, "the checker kept reading through the switch");
            assertEquals(List.of(1L, 2L), checker.generationsSeen().stream().filter(g -> g != 0).toList());
            assertEquals(tornReads, checker.tornReads(), "no page was marked torn once replica 2 had synced");
        }
        finally
        {
            for (final ChildJvm child : children)
            {
                child.close();
            }
            checker.stop();
        }
    }

    /** Starts a child JVM that the test's {@code finally} closes (killed if running, driver directory removed). */
    private static ChildJvm start(final List<ChildJvm> children, final Class<?> mainClass, final String... args)
    {
        final ChildJvm child = ChildJvm.start(mainClass, List.of(), args);
        children.add(child);
        return child;
    }

    private static String hex(final ReplicationStatus status)
    {
        return Long.toHexString(status.epoch());
    }

    private ReplicationStatus replicaStatus()
    {
        final ReplicationStatus status = StatusSegment.read(replicaDir, NAME, StatusRole.REPLICA);
        if (status == null)
        {
            throw new AssertionError("no replica status segment in " + replicaDir);
        }
        return status;
    }

    private void awaitReplica(final java.util.function.Predicate<ReplicationStatus> condition, final String what)
    {
        Await.until(TIMEOUT, () ->
        {
            failFastOnChecker();
            final ReplicationStatus status = StatusSegment.read(replicaDir, NAME, StatusRole.REPLICA);
            return status != null && condition.test(status);
        }, () -> what + "; replica status: " + StatusSegment.read(replicaDir, NAME, StatusRole.REPLICA));
    }

    /** Waits until the replica's bytes equal the source's (the writer has stopped), then checks them once more. */
    private void awaitConvergence()
    {
        try (SharedMemory source = SharedMemory.builder(NAME).directory(sourceDir).open();
             SharedMemory copy = awaitOpen())
        {
            Await.until(TIMEOUT, () -> failFastOnChecker() && Arrays.equals(bytes(source), bytes(copy)),
                () -> "every page to converge; replica status: " + replicaStatus());
            assertArrayEquals(bytes(source), bytes(copy));
            for (int page = 0; page < source.pageCount(); page++)
            {
                assertTrue(copy.version(page) > 0, "page " + page + " was written on the replica");
            }
        }
    }

    /** Stops a wait as soon as the checker has found a bad snapshot (it is reported by its stop()). */
    private boolean failFastOnChecker()
    {
        if (checker != null && checker.failure() != null)
        {
            throw new AssertionError("a replica snapshot failed its check: " + checker.failure().getMessage(),
                checker.failure());
        }
        return true;
    }

    private SharedMemory awaitOpen()
    {
        Await.until(TIMEOUT, () -> replicaDir.resolve(NAME).toFile().exists(), () -> "the replica segment");
        return SharedMemory.builder(NAME).directory(replicaDir).initTimeout(Duration.ofSeconds(5)).open();
    }

    private static byte[] bytes(final SharedMemory shm)
    {
        final byte[] all = new byte[shm.capacity()];
        shm.read(0, all);
        return all;
    }
}
