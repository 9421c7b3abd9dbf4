package io.shmipc.tools;

import io.shmipc.InvalidSegmentException;
import io.shmipc.SegmentNotFoundException;
import io.shmipc.segment.SegmentNames;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code shmipc rm}: unlinks segments, like {@code shm_unlink}; refuses files that are not segments. */
@Command(
    name = "rm",
    mixinStandardHelpOptions = true,
    description = {
        "Remove segments, like shm_unlink; refuses files that are not segments.",
        "Processes that map a removed segment keep using it until they unmap it."
    })
final class RmCommand implements Callable<Integer>
{
    @Spec
    private CommandSpec spec;

    @Mixin
    private DirectoryOption dir;

    @Parameters(arity = "1..*", paramLabel = "NAME", description = "Segment names.")
    private List<String> names;

    @Option(names = {"-f", "--force"}, description = "No error for a name that does not exist.")
    private boolean force;

    @Override
    public Integer call()
    {
        for (final String name : names)
        {
            final Path path = dir.directory().resolve(SegmentNames.validate(name));
            try
            {
                SegmentHeader.read(path);
            }
            catch (final SegmentNotFoundException ex)
            {
                if (force)
                {
                    continue;
                }
                throw new SegmentNotFoundException("no segment '" + name + "': " + path + " does not exist");
            }
            catch (final InvalidSegmentException ex)
            {
                throw new InvalidSegmentException("refusing to remove " + path + ": not a segment (" +
                    ex.getMessage() + ")");
            }
            if (dir.segment(name).unlink())
            {
                spec.commandLine().getOut().println("removed " + name);
            }
        }
        return 0;
    }
}
