package io.shmipc.tools;

import io.shmipc.examples.pingpong.PingPongDemo;
import io.shmipc.examples.snapshot.SnapshotPublisher;
import io.shmipc.examples.snapshot.SnapshotReader;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code shmipc demo}: the demos, so that one jar (and one container image entrypoint) runs them all. */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    description = "Run a demo: each side of it is a separate process (or container).",
    subcommands = {
        WriterReaderDemoCommands.Writer.class,
        WriterReaderDemoCommands.Reader.class,
        PingPongDemo.class,
        SnapshotPublisher.class,
        SnapshotReader.class
    })
final class DemoCommand implements Runnable
{
    @Spec
    private CommandSpec spec;

    @Override
    public void run()
    {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing demo name");
    }
}
