package io.shmipc;

import io.shmipc.testing.CreateAndExit;
import io.shmipc.testing.JavaProcess;
import io.shmipc.testing.TestDirectory;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A JVM started without Agrona's flag fails on the first call with a message naming the exact flag. */
class AgronaFlagTest
{
    @Test
    void missingFlagIsReportedWithTheFlagToAdd()
    {
        try (TestDirectory dir = TestDirectory.create();
            JavaProcess child = JavaProcess.start(false, CreateAndExit.class, dir.path().toString(), "noflag"))
        {
            assertNotEquals(0, child.waitFor(60), child.describe());
            final String output = child.output();
            assertTrue(output.contains("IllegalStateException"), output);
            assertTrue(output.contains("'--add-exports java.base/jdk.internal.misc=ALL-UNNAMED'"), output);
            assertFalse(output.contains("IllegalAccessError"), output);
            assertFalse(Files.exists(dir.path().resolve("noflag")), "nothing created");
        }
    }

    @Test
    void withTheFlagTheSameProgramWorks()
    {
        try (TestDirectory dir = TestDirectory.create();
            JavaProcess child = JavaProcess.start(true, CreateAndExit.class, dir.path().toString(), "flag"))
        {
            assertEquals(0, child.waitFor(60), child.describe());
            assertTrue(child.output().contains("wrote 42"), child.describe());
        }
    }
}
