package io.shmipc.tools;

import io.shmipc.replication.status.ReplicationStatus;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/** How {@code replicate publish} and {@code subscribe} show their live status: a line (or JSON) per interval. */
public final class LiveStatus
{
    @Option(names = {"-i", "--interval"}, paramLabel = "S", defaultValue = "1",
        description = "Seconds between status lines (default: ${DEFAULT-VALUE}).")
    double interval;

    @Option(names = "--duration", paramLabel = "S", defaultValue = "0",
        description = "Seconds to run, 0 until interrupted (default: ${DEFAULT-VALUE}).")
    double duration;

    @Option(names = "--json", description = "One JSON object per status line.")
    boolean json;

    void check()
    {
        if (!(interval > 0) || duration < 0)
        {
            throw new IllegalArgumentException("--interval must be positive and --duration not negative (got " +
                interval + " and " + duration + ")");
        }
    }

    /** Prints {@code status} every interval until the duration passes or {@code stop} counts down. */
    void run(final PrintWriter out, final Supplier<ReplicationStatus> status, final CountDownLatch stop)
        throws InterruptedException
    {
        final long start = System.nanoTime();
        final long intervalNanos = (long)(interval * 1e9);
        while (true)
        {
            final ReplicationStatus now = status.get();
            if (json)
            {
                Json.println(out, now.toMap());
            }
            else
            {
                out.println(now.summary());
            }
            out.flush();
            long wait = intervalNanos;
            if (duration > 0)
            {
                final long left = (long)(duration * 1e9) - (System.nanoTime() - start);
                if (left <= 0)
                {
                    return;
                }
                wait = Math.min(wait, left);
            }
            if (stop.await(wait, TimeUnit.NANOSECONDS))
            {
                return;
            }
        }
    }
}
