package io.shmipc.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Runs of the {@code shmipc} tool in-process with the exit status they must have. */
final class CliAssertions
{
    private CliAssertions()
    {
    }

    /** @return the run of {@code args}, which must exit 0. */
    static CliRun ok(final String... args)
    {
        final CliRun run = CliRun.of(args);
        assertEquals(0, run.status, () -> String.join(" ", args) + ": " + run);
        return run;
    }

    /** @return the run of {@code args}, which must exit with {@code status}. */
    static CliRun fails(final int status, final String... args)
    {
        final CliRun run = CliRun.of(args);
        assertEquals(status, run.status, () -> String.join(" ", args) + ": " + run);
        return run;
    }

    /** An error is exactly one line on stderr, naming the command and {@code expected}, and nothing on stdout. */
    static void assertOneLineError(final CliRun run, final String expected)
    {
        final String[] lines = run.err.strip().split("\n");
        assertEquals(1, lines.length, run::toString);
        assertTrue(lines[0].startsWith("shmipc "), run::toString);
        assertTrue(lines[0].contains(expected), () -> "expected '" + expected + "' in " + run);
        assertEquals("", run.out, run::toString);
    }

    /** A usage error: exit status 2, {@code expected} in the first line on stderr, nothing on stdout. */
    static void assertUsageError(final CliRun run, final String expected)
    {
        assertEquals(2, run.status, run::toString);
        assertTrue(run.err.strip().split("\n")[0].contains(expected), () -> "expected '" + expected + "' in " + run);
        assertEquals("", run.out, run::toString);
    }
}
