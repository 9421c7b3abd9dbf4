package io.shmipc.lock;

import java.util.Arrays;

/**
 * The pages of one segment file that this JVM's exclusive writers write solely ({@code docs/FORMAT.md} 7.7): taken
 * and released with plain stores, so no other writer of this process may take them, whatever handle it writes
 * through. One per owner slot, so one per segment file per JVM, shared by all the handles of the file. Consulted only
 * on a writer's slow path (a take from a loaded word that finds the page leased to its own slot), never on a hot
 * path; changed only when an exclusive writer is created or closed.
 */
public final class SoleLeases
{
    private static final int[] NONE = new int[0];

    /** Ranges as pairs: first page, last page. Replaced whole on every change (copy on write). */
    private volatile int[] ranges = NONE;

    /** Registers pages {@code first..last}: from now on this process's other writers are refused on them. */
    public synchronized void add(final int first, final int last)
    {
        final int[] next = Arrays.copyOf(ranges, ranges.length + 2);
        next[next.length - 2] = first;
        next[next.length - 1] = last;
        ranges = next;
    }

    /** Removes one registration of pages {@code first..last} (made by {@link #add}); nothing if there is none. */
    public synchronized void remove(final int first, final int last)
    {
        final int[] current = ranges;
        for (int i = 0; i < current.length; i += 2)
        {
            if (current[i] == first && current[i + 1] == last)
            {
                final int[] next = new int[current.length - 2];
                System.arraycopy(current, 0, next, 0, i);
                System.arraycopy(current, i + 2, next, i, current.length - i - 2);
                ranges = next;
                return;
            }
        }
    }

    /** @return whether {@code page} is written solely by an exclusive writer of this process. */
    public boolean contains(final int page)
    {
        final int[] current = ranges;
        for (int i = 0; i < current.length; i += 2)
        {
            if (page >= current[i] && page <= current[i + 1])
            {
                return true;
            }
        }
        return false;
    }
}
