package io.shmipc.examples;

import io.shmipc.examples.pingpong.PingPongDemo;
import io.shmipc.examples.snapshot.SnapshotPublisher;
import io.shmipc.examples.snapshot.SnapshotReader;
import io.shmipc.testing.JavaProcess;
import io.shmipc.testing.TestDirectory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The pingpong and snapshot demos, each side in its own JVM, in short bounded runs. */
class TwoProcessDemosTest
{
    private static final Pattern READER_REPORT = Pattern.compile(
        "samples=(\\d+) inconsistent=(\\d+) torn=(\\d+) epoch=(\\d+) newestSeq=(\\d+)");

    private TestDirectory directory;
    private String dir;

    @BeforeEach
    void setUp()
    {
        directory = TestDirectory.create();
        dir = directory.path().toString();
    }

    @AfterEach
    void tearDown()
    {
        directory.close();
    }

    @Test
    void pingPongBouncesEveryRoundAndPrintsPercentiles()
    {
        try (JavaProcess pong = JavaProcess.start(PingPongDemo.class, "pong", "--name", "pp", "--dir", dir);
             JavaProcess ping = JavaProcess.start(PingPongDemo.class, "ping", "--name", "pp", "--dir", dir,
                 "--rounds", "2000", "--warmup", "500"))
        {
            assertEquals(0, ping.waitFor(120), ping::describe);
            assertEquals(0, pong.waitFor(30), pong::describe);
            final String result = lineContaining(ping, "round trips");
            assertNotNull(result, ping::describe);
            assertTrue(result.matches(".*2000 round trips \\(\\+500 warm-up\\).*rtt p50=[\\d.]+ us p90=[\\d.]+ us " +
                "p99=[\\d.]+ us p99\\.9=[\\d.]+ us max=[\\d.]+ us.*"), result);
            assertTrue(lineContaining(pong, "stopped after 2500 messages") != null, pong::describe);
            assertFalse(Files.exists(directory.path().resolve("pp")), "ping removes the segment");
        }
    }

    @Test
    void snapshotReadersSeeOnlyWholeRecordsAndANewPublisherContinues()
    {
        final String[] segment = {"--name", "snap", "--dir", dir};
        try (JavaProcess publisher = JavaProcess.start(SnapshotPublisher.class, concat(segment,
                 "--records", "1000", "--rate", "20000", "--duration", "4"));
             JavaProcess reader1 = JavaProcess.start(SnapshotReader.class, concat(segment,
                 "--id", "r1", "--rate", "0", "--duration", "3", "--report", "0.5"));
             JavaProcess reader2 = JavaProcess.start(SnapshotReader.class, concat(segment,
                 "--id", "r2", "--duration", "3", "--report", "0.5")))
        {
            for (final JavaProcess reader : new JavaProcess[] {reader1, reader2})
            {
                assertEquals(0, reader.waitFor(60), reader::describe);
                final Matcher last = lastReport(reader);
                assertTrue(Long.parseLong(last.group(1)) > 0, reader::describe);
                assertEquals("0", last.group(2), reader::describe);
                assertEquals("1", last.group(4), reader::describe);
                assertTrue(Long.parseLong(last.group(5)) > 0, reader::describe);
            }
            assertEquals(0, publisher.waitFor(60), publisher::describe);
        }
        // A second publisher of the same segment takes epoch 2 and its updates reach a new reader.
        try (JavaProcess publisher = JavaProcess.start(SnapshotPublisher.class, concat(segment,
                 "--records", "1000", "--rate", "20000", "--duration", "3"));
             JavaProcess reader = JavaProcess.start(SnapshotReader.class, concat(segment,
                 "--id", "r3", "--duration", "2", "--report", "0.5")))
        {
            assertEquals(0, reader.waitFor(60), reader::describe);
            final Matcher last = lastReport(reader);
            assertEquals("0", last.group(2), reader::describe);
            assertEquals("2", last.group(4), reader::describe);
            assertEquals(0, publisher.waitFor(60), publisher::describe);
            assertNotNull(lineContaining(publisher, "epoch 2 publishing 1000 records"), publisher::describe);
        }
    }

    private static Matcher lastReport(final JavaProcess reader)
    {
        Matcher found = null;
        for (final String line : reader.output().split("\n"))
        {
            final Matcher m = READER_REPORT.matcher(line);
            if (m.find())
            {
                found = m;
            }
        }
        assertNotNull(found, reader::describe);
        return found;
    }

    private static String lineContaining(final JavaProcess process, final String text)
    {
        for (final String line : process.output().split("\n"))
        {
            if (line.contains(text))
            {
                return line;
            }
        }
        return null;
    }

    private static String[] concat(final String[] first, final String... rest)
    {
        final String[] all = new String[first.length + rest.length];
        System.arraycopy(first, 0, all, 0, first.length);
        System.arraycopy(rest, 0, all, first.length, rest.length);
        return all;
    }
}
