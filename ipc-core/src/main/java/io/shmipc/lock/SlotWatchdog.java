package io.shmipc.lock;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Watches the owner slots held through process locks (JDK 17 to 21): every {@value #PERIOD_MILLIS} ms it checks in
 * {@code /proc/self/fdinfo} that the kernel still shows each lock, since closing any descriptor of a segment file
 * anywhere in the JVM drops it silently. A dropped lock is logged as an error and taken again
 * ({@link OwnerSlot#checkStillHeld()}). The daemon thread runs only while such slots exist.
 */
final class SlotWatchdog
{
    /** Interval between checks. */
    static final long PERIOD_MILLIS = 200;

    private static final Logger LOG = LoggerFactory.getLogger(SlotWatchdog.class);
    private static final Set<OwnerSlot> WATCHED = ConcurrentHashMap.newKeySet();
    private static Thread thread; // guarded by SlotWatchdog.class

    private SlotWatchdog()
    {
    }

    static void watch(final OwnerSlot slot)
    {
        WATCHED.add(slot);
        synchronized (SlotWatchdog.class)
        {
            if (thread == null)
            {
                thread = new Thread(SlotWatchdog::run, "shmipc-slot-watchdog");
                thread.setDaemon(true);
                thread.start();
            }
        }
    }

    static void forget(final OwnerSlot slot)
    {
        WATCHED.remove(slot);
    }

    private static void run()
    {
        while (true)
        {
            try
            {
                Thread.sleep(PERIOD_MILLIS);
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
            }
            synchronized (SlotWatchdog.class)
            {
                if (WATCHED.isEmpty())
                {
                    thread = null;
                    return;
                }
            }
            for (final OwnerSlot slot : new ArrayList<>(WATCHED))
            {
                try
                {
                    slot.checkStillHeld();
                }
                catch (final RuntimeException ex)
                {
                    LOG.error("checking {}: {}", slot, ex.toString(), ex);
                }
            }
        }
    }

    /** @return the slots watched now (for tests). */
    static List<OwnerSlot> watched()
    {
        return new ArrayList<>(WATCHED);
    }
}
