package io.shmipc.tools;

import io.shmipc.segment.AgronaAccess;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One run of the {@code shmipc} tool in a child JVM on this JVM's class path, optionally behind a command prefix
 * such as {@code setpriv ...} that changes who the child is.
 */
final class ToolProcess
{
    private ToolProcess()
    {
    }

    /** Runs {@code shmipc args} as {@code prefix java ... Shmipc args}; returns its status and output. */
    static CliRun run(final List<String> prefix, final String... args) throws IOException, InterruptedException
    {
        final List<String> command = new ArrayList<>(prefix);
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(List.of(AgronaAccess.requiredFlag().split(" ")));
        command.addAll(io.shmipc.sys.NativeAccess.childJvmOptions());
        command.addAll(List.of("-Xmx128m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
            "-cp", System.getProperty("java.class.path"), Shmipc.class.getName()));
        command.addAll(List.of(args));
        final Path out = Files.createTempFile("shmipc-tool-out-", ".txt");
        final Path err = Files.createTempFile("shmipc-tool-err-", ".txt");
        try
        {
            final ProcessBuilder builder = new ProcessBuilder(command)
                .redirectOutput(out.toFile())
                .redirectError(err.toFile());
            builder.environment().remove("JAVA_TOOL_OPTIONS");
            final Process process = builder.start();
            if (!process.waitFor(120, TimeUnit.SECONDS))
            {
                process.destroyForcibly().waitFor();
                throw new AssertionError(command + " did not exit within 120 s");
            }
            return new CliRun(process.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                Files.readString(err, StandardCharsets.UTF_8));
        }
        finally
        {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }
}
