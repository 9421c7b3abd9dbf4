package io.shmipc.replication.replica;

/**
 * Order of source page versions as the replica compares them. A version is the number of completed writes to a page
 * modulo 2^47 ({@code io.shmipc.layout.LockWord}): a page written ten million times a second wraps after about 160
 * days, and a plain {@code <} would then take every new version for an old one and the replica would stop following
 * that page. Versions are compared across the wrap instead: {@code a} is newer than {@code b} when {@code a - b},
 * modulo 2^47, is below 2^46 and not 0 (a replica is never 2^46 writes behind on one page). {@link #NEVER}, "no
 * version yet", is older than every version.
 */
final class PageVersions
{
    /** No version yet: older than every version. */
    static final long NEVER = Long.MIN_VALUE;
    private static final long MASK = (1L << 47) - 1;
    private static final long HALF = 1L << 46;

    private PageVersions()
    {
    }

    /** @return whether version {@code a} is newer than version {@code b}, across the wrap. */
    static boolean isNewer(final long a, final long b)
    {
        if (a == NEVER)
        {
            return false;
        }
        if (b == NEVER)
        {
            return true;
        }
        final long ahead = (a - b) & MASK;
        return ahead != 0 && ahead < HALF;
    }

    /** @return whether version {@code a} is older than version {@code b}, across the wrap. */
    static boolean isOlder(final long a, final long b)
    {
        return isNewer(b, a);
    }

    /** @return the newer of {@code a} and {@code b}. */
    static long newest(final long a, final long b)
    {
        return isNewer(b, a) ? b : a;
    }
}
