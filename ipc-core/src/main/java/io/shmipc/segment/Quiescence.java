package io.shmipc.segment;

import java.util.Map;
import java.util.Set;

/**
 * Tells whether any thread can be inside a call that touches a handle's mapping, for the JDK 17 path of
 * {@link Detacher}: {@link Thread#getAllStackTraces()} brings every thread to a safepoint and reports its frames,
 * inlined ones included. A thread with no frame of a class that touches mappings is not inside such a call; when it
 * enters one later, it reads the handle's closed flag first (a volatile read, ordered after the safepoint), so it
 * never touches the mapping. Conservative: a thread inside a call on <em>any</em> segment counts, and the caller
 * retries.
 *
 * <p>Virtual threads (JDK 21): a virtual thread parked inside a wait re-reads the closed flag before it touches the
 * mapping again; one mounted on a carrier does not show its frames in the carrier's stack, so a carrier that runs a
 * continuation counts as inside.
 */
final class Quiescence
{
    /**
     * The classes whose methods touch a handle's mapping on behalf of a caller: the entry points that hold a
     * {@code SegmentAccess}, and every class that reads or writes the mapped memory itself. A class added to the
     * library that does so must be listed here ({@code QuiescenceTest} checks the list against the sources).
     */
    static final Set<String> MAPPING_USERS = Set.of(
        "io.shmipc.SharedMemory",
        "io.shmipc.SegmentAccess",
        "io.shmipc.TimedAccess",
        "io.shmipc.PageWatcher",
        "io.shmipc.ExclusiveWriter",
        "io.shmipc.lock.PageLocks",
        "io.shmipc.lock.PageReleases",
        "io.shmipc.lock.PageLeases",
        "io.shmipc.lock.StoreRelease",
        "io.shmipc.lock.SoleWrites",
        "io.shmipc.lock.PageSleepers",
        "io.shmipc.lock.PageWaits");
    private static final String CONTINUATION = "jdk.internal.vm.Continuation";

    private Quiescence()
    {
    }

    /** @return whether no thread but the caller is inside a call that may touch a mapping. */
    static boolean noOtherThreadInside()
    {
        final Thread self = Thread.currentThread();
        for (final Map.Entry<Thread, StackTraceElement[]> entry : Thread.getAllStackTraces().entrySet())
        {
            if (entry.getKey() != self && isInside(entry.getValue()))
            {
                return false;
            }
        }
        return true;
    }

    static boolean isInside(final StackTraceElement[] frames)
    {
        for (final StackTraceElement frame : frames)
        {
            final String type = frame.getClassName();
            if (MAPPING_USERS.contains(type) || type.startsWith(CONTINUATION))
            {
                return true;
            }
        }
        return false;
    }
}
