package io.shmipc.bench.latency;

/**
 * Ends a child JVM whose launcher has gone, so a busy-spinning benchmark process is never left behind. Wakes once a
 * second on a daemon thread; the measured threads never see it.
 */
final class ParentWatchdog
{
    private ParentWatchdog()
    {
    }

    /** Starts watching this process's parent. */
    static void start()
    {
        final ProcessHandle parent = ProcessHandle.current().parent().orElse(null);
        final Thread thread = new Thread(() ->
        {
            while (parent != null && parent.isAlive())
            {
                try
                {
                    Thread.sleep(1000);
                }
                catch (final InterruptedException ex)
                {
                    return;
                }
            }
            System.err.println("launcher is gone: exiting");
            Runtime.getRuntime().halt(3);
        }, "parent-watchdog");
        thread.setDaemon(true);
        thread.start();
    }
}
