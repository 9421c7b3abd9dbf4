package io.shmipc.examples;

import io.shmipc.SharedMemory;
import io.shmipc.examples.snapshot.SnapshotReader;
import io.shmipc.segment.SegmentSecurity;
import io.shmipc.testing.JavaProcess;
import io.shmipc.testing.TestDirectory;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The snapshot reader waits only for a segment that is missing or not yet published: one it may not open is
 * reported at once, with the real cause, instead of after its whole --wait.
 */
class SnapshotReaderFailureTest
{
    @Test
    void aSegmentTheReaderMayNotOpenIsReportedAtOnceWithTheCause() throws Exception
    {
        try (TestDirectory directory = TestDirectory.create())
        {
            try (SharedMemory shm = SharedMemory.builder("snap").directory(directory.path()).pages(1).create())
            {
                shm.writeLong(0, 1);
            }
            final Path file = directory.path().resolve("snap");
            final String cause;
            if (SegmentSecurity.effectiveUid() == 0)
            {
                // root opens any file: make it another user's, which the library refuses.
                Files.setAttribute(file, "unix:uid", 4242, LinkOption.NOFOLLOW_LINKS);
                cause = "owned by uid 4242";
            }
            else
            {
                Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("---------"));
                cause = "permission denied";
            }
            // --wait 600: had the reader waited, the 120 s below would run out first and fail the test.
            try (JavaProcess reader = JavaProcess.start(SnapshotReader.class, "--name", "snap",
                "--dir", directory.path().toString(), "--wait", "600", "--id", "r"))
            {
                assertEquals(1, reader.waitFor(120), reader::describe);
                final String output = reader.output();
                assertTrue(output.contains("r: cannot open segment 'snap': "), output);
                assertTrue(output.contains(cause), output);
                assertFalse(output.contains("no published segment"), output);
            }
        }
    }
}
