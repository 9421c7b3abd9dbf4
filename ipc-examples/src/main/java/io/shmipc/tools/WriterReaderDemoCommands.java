package io.shmipc.tools;

import io.shmipc.examples.ReaderDemo;
import io.shmipc.examples.WriterDemo;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.util.ArrayList;
import java.util.List;

/** {@code shmipc demo writer} and {@code shmipc demo reader}: the core issue's demo, through the one jar. */
final class WriterReaderDemoCommands
{
    private WriterReaderDemoCommands()
    {
    }

    /** Runs {@link WriterDemo} with the arguments as given. */
    @Command(
        name = "writer",
        mixinStandardHelpOptions = true,
        description = "Publish a counter and a timestamp into page 0 every interval (WriterDemo).")
    static final class Writer implements Runnable
    {
        @Parameters(arity = "0..3", paramLabel = "NAME SECONDS INTERVAL_MICROS",
            description = "Segment name (default shmipc-demo), seconds (5), interval in microseconds (1000).")
        private List<String> args = new ArrayList<>();

        @Override
        public void run()
        {
            WriterDemo.main(args.toArray(new String[0]));
        }
    }

    /** Runs {@link ReaderDemo} with the arguments as given; it exits the JVM with its own status. */
    @Command(
        name = "reader",
        mixinStandardHelpOptions = true,
        description = "Follow the writer's counter and print it with its staleness (ReaderDemo).")
    static final class Reader implements Runnable
    {
        @Parameters(arity = "0..2", paramLabel = "NAME MAX_SECONDS",
            description = "Segment name (default shmipc-demo), seconds to run at most (30).")
        private List<String> args = new ArrayList<>();

        @Override
        public void run()
        {
            try
            {
                ReaderDemo.main(args.toArray(new String[0]));
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
            }
        }
    }
}
