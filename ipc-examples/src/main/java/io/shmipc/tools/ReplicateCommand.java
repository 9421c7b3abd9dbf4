package io.shmipc.tools;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code shmipc replicate}: mirror a segment to other hosts over Aeron (module ipc-replication). */
@Command(
    name = "replicate",
    mixinStandardHelpOptions = true,
    description =
        "Mirror a segment to other hosts over Aeron: 'publish' on the host that writes it, 'subscribe' on " +
        "each host that reads a copy, 'status' to see either from another process. See docs/REPLICATION.md.",
    subcommands = {
        ReplicatePublishCommand.class,
        ReplicateSubscribeCommand.class,
        ReplicateStatusCommand.class
    })
final class ReplicateCommand implements Runnable
{
    @Spec
    private CommandSpec spec;

    @Override
    public void run()
    {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing subcommand: publish, subscribe or status");
    }
}
