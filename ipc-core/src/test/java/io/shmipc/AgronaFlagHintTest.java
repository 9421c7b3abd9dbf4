package io.shmipc;

import io.shmipc.testing.CreateAndExit;
import io.shmipc.testing.TestDirectory;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The missing-flag message's advice for {@code JAVA_TOOL_OPTIONS} works when followed to the letter: the JVM starts
 * with the suggested value there (the two-word form would stop it) and the program then runs.
 */
class AgronaFlagHintTest
{
    private static final Pattern TOOL_OPTIONS_HINT = Pattern.compile("add '([^']+)' \\(this form, with '='\\) to " +
        "JAVA_TOOL_OPTIONS");

    @Test
    void theSuggestedJavaToolOptionsValueMakesTheProgramWork() throws Exception
    {
        try (TestDirectory dir = TestDirectory.create())
        {
            final Result without = run(dir.path(), "hint-1", null);
            assertNotEquals(0, without.status, without.output);
            final Matcher hint = TOOL_OPTIONS_HINT.matcher(without.output);
            assertTrue(hint.find(), () -> "no JAVA_TOOL_OPTIONS advice in: " + without.output);
            assertEquals("--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED", hint.group(1));

            final Result with = run(dir.path(), "hint-2", hint.group(1));
            assertEquals(0, with.status, with.output);
            assertTrue(with.output.contains("Picked up JAVA_TOOL_OPTIONS: " + hint.group(1)), with.output);
            assertTrue(with.output.contains("wrote 42"), with.output);
        }
    }

    @Test
    void theTwoWordFormInJavaToolOptionsStopsTheJvmWhichIsWhyTheHintDiffers() throws Exception
    {
        try (TestDirectory dir = TestDirectory.create())
        {
            final Result twoWords = run(dir.path(), "hint-3", "--add-exports java.base/jdk.internal.misc=ALL-UNNAMED");
            assertNotEquals(0, twoWords.status, twoWords.output);
            assertTrue(twoWords.output.contains("Could not create the Java Virtual Machine"), twoWords.output);
        }
    }

    /** Runs {@link CreateAndExit} without the flag on the command line, with {@code toolOptions} if not null. */
    private static Result run(final Path dir, final String name, final String toolOptions)
        throws IOException, InterruptedException
    {
        final Path output = Files.createTempFile("shmipc-flag-hint-", ".log");
        try
        {
            final ProcessBuilder builder = new ProcessBuilder(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx64m", "-XX:+UseSerialGC",
                "-cp", System.getProperty("java.class.path"), CreateAndExit.class.getName(), dir.toString(), name))
                .redirectErrorStream(true)
                .redirectOutput(output.toFile());
            builder.environment().remove("JDK_JAVA_OPTIONS");
            if (toolOptions == null)
            {
                builder.environment().remove("JAVA_TOOL_OPTIONS");
            }
            else
            {
                builder.environment().put("JAVA_TOOL_OPTIONS", toolOptions);
            }
            final Process process = builder.start();
            if (!process.waitFor(60, TimeUnit.SECONDS))
            {
                process.destroyForcibly().waitFor();
                throw new AssertionError("the child JVM did not exit within 60 s: " + Files.readString(output));
            }
            return new Result(process.exitValue(), Files.readString(output, StandardCharsets.UTF_8));
        }
        finally
        {
            Files.deleteIfExists(output);
        }
    }

    /** A finished child JVM. */
    private record Result(int status, String output)
    {
    }
}
