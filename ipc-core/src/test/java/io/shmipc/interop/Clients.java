package io.shmipc.interop;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The C and Python clients of {@code clients/}, as the cross-language tests run them: the C client is built with
 * its Makefile ({@code -Wall -Wextra -std=c11 -Werror}) into {@code target/clients-c} once per JVM, the Python
 * client runs on {@code python3} (Debian's {@code /usr/bin/python3} when present; {@code SHMIPC_PYTHON} overrides).
 * Without gcc, make or python3 the tests are skipped with the reason, except in CI ({@code CI=true}), where that
 * fails them.
 */
final class Clients
{
    private static final long TOOL_TIMEOUT_SECONDS = 120;

    private static Path root;
    private static Path cBuild;

    private Clients()
    {
    }

    /** @return the repository's root: the first directory up from here that holds {@code clients/c/Makefile}. */
    static synchronized Path root()
    {
        if (root == null)
        {
            Path dir = Path.of("").toAbsolutePath();
            while (dir != null && !Files.isRegularFile(dir.resolve("clients/c/Makefile")))
            {
                dir = dir.getParent();
            }
            if (dir == null)
            {
                throw new AssertionError("no clients/c/Makefile above " + Path.of("").toAbsolutePath());
            }
            root = dir;
        }
        return root;
    }

    /** @return the command of the C interop tool, building the C client first if this JVM has not yet. */
    static synchronized List<String> cTool()
    {
        if (cBuild == null)
        {
            require("gcc", "the C client");
            require("make", "the C client");
            final Path build = Path.of("target", "clients-c").toAbsolutePath();
            final ToolResult made = run(List.of("make", "-C", root().resolve("clients/c").toString(),
                "BUILD=" + build, "WERROR=1"), null);
            if (made.exitCode != 0)
            {
                throw new AssertionError("building the C client failed:\n" + made.output);
            }
            cBuild = build;
        }
        return List.of(cBuild.resolve("shmipc-interop").toString());
    }

    /** @return the directory the C client's programs were built in. */
    static Path cBuildDirectory()
    {
        cTool();
        return cBuild;
    }

    /** @return the Python interpreter to run the Python client with. */
    static String python()
    {
        final String configured = System.getenv("SHMIPC_PYTHON");
        if (configured != null && !configured.isEmpty())
        {
            return configured;
        }
        if (Files.isExecutable(Path.of("/usr/bin/python3")))
        {
            return "/usr/bin/python3";
        }
        require("python3", "the Python client");
        return "python3";
    }

    /** @return the command of the Python interop tool. */
    static List<String> pythonTool()
    {
        return List.of(python(), "-X", "faulthandler",
            root().resolve("clients/python/tests/interop_tool.py").toString());
    }

    /** Skips the calling test (fails it in CI) if {@code program} is not on the path. */
    static void require(final String program, final String forWhat)
    {
        final boolean found = run(List.of("sh", "-c", "command -v " + program), null).exitCode == 0;
        if (!found && "true".equals(System.getenv("CI")))
        {
            throw new AssertionError(program + " is required in CI for " + forWhat);
        }
        assumeTrue(found, program + " not found: " + forWhat + " cannot be tested here");
    }

    /** Runs {@code command} to completion; {@code input} (may be null) is written to its standard input. */
    static ToolResult run(final List<String> command, final String input)
    {
        try
        {
            final Process process = new ProcessBuilder(new ArrayList<>(command)).redirectErrorStream(true).start();
            if (input != null)
            {
                process.getOutputStream().write(input.getBytes(StandardCharsets.UTF_8));
            }
            process.getOutputStream().close();
            final byte[] out = process.getInputStream().readAllBytes();
            if (!process.waitFor(TOOL_TIMEOUT_SECONDS, TimeUnit.SECONDS))
            {
                process.destroyForcibly();
                throw new AssertionError(String.join(" ", command) + " did not finish");
            }
            return new ToolResult(process.exitValue(), new String(out, StandardCharsets.UTF_8));
        }
        catch (final IOException ex)
        {
            throw new AssertionError("cannot run " + String.join(" ", command) + ": " + ex, ex);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted running " + String.join(" ", command), ex);
        }
    }
}
