package io.shmipc.layout;

/**
 * Bit layout of a page's 64-bit lock word (the first 8 bytes of its lock-table entry, little-endian).
 * <pre>
 *    63                                                  16  15  14                0
 *   +------------------------------------------------------+---+-------------------+
 *   |                 sequence (48 bits)                   | T |  owner (15 bits)  |
 *   +------------------------------------------------------+---+-------------------+
 * </pre>
 * <ul>
 *   <li><b>sequence</b>: even while the page is free, odd while a writer holds it. Taking the lock adds one (even
 *   to odd, by compare-and-swap), releasing adds one more (odd to the next even). It wraps modulo 2^48.</li>
 *   <li><b>T</b> (torn): the page's bytes may be a half-finished write: a writer died while holding the page and
 *   another process took the lock over. Readers refuse a page with T set. T survives releases until cleared by a
 *   write that covers the whole page.</li>
 *   <li><b>owner</b>: while held, the owner slot of the holding process (1 to 32767), or 0 if the holder has no
 *   slot; 0 while free.</li>
 * </ul>
 * The page's <em>version</em> is {@code sequence >>> 1}: the number of writes to it that have completed (modulo
 * 2^47). It does not change when a write starts, only when one completes.
 */
public final class LockWord
{
    /** Position of the sequence's lowest bit. */
    public static final int SEQUENCE_SHIFT = 16;
    /** One step of the sequence. */
    public static final long SEQUENCE_ONE = 1L << SEQUENCE_SHIFT;
    /** Set while a writer holds the page: the sequence's lowest bit. */
    public static final long HELD_BIT = SEQUENCE_ONE;
    /** Set while the page may hold a torn write left by a dead writer. */
    public static final long TORN_BIT = 1L << 15;
    /** Owner slot of the holder. */
    public static final long OWNER_MASK = 0x7FFFL;
    /** Largest owner slot. */
    public static final int MAX_OWNER = 0x7FFF;

    private LockWord()
    {
    }

    /** @return whether a writer holds the page. */
    public static boolean isHeld(final long word)
    {
        return (word & HELD_BIT) != 0;
    }

    /** @return whether the page is marked torn. */
    public static boolean isTorn(final long word)
    {
        return (word & TORN_BIT) != 0;
    }

    /** @return the owner slot stored in the word (0 if none). */
    public static int owner(final long word)
    {
        return (int)(word & OWNER_MASK);
    }

    /** @return the 48-bit sequence. */
    public static long sequence(final long word)
    {
        return word >>> SEQUENCE_SHIFT;
    }

    /** @return the number of completed writes (modulo 2^47). */
    public static long version(final long word)
    {
        return word >>> (SEQUENCE_SHIFT + 1);
    }

    /** @return the word after a writer with slot {@code owner} takes a free page whose word is {@code free}. */
    public static long locked(final long free, final int owner)
    {
        return (free + SEQUENCE_ONE) | owner;
    }

    /** @return the word after releasing a held page whose word is {@code held}: next even sequence, no owner. */
    public static long released(final long held)
    {
        return (held & ~OWNER_MASK) + SEQUENCE_ONE;
    }

    /**
     * @return the word after a live process with slot {@code owner} takes over a page whose dead holder left it as
     * {@code held}: the sequence stays odd (the page stays held), T is set, the owner becomes {@code owner}.
     */
    public static long takenOver(final long held, final int owner)
    {
        return (held & ~OWNER_MASK) | TORN_BIT | owner;
    }

    /**
     * @return the word after a process releases, on behalf of its dead holder, a page left as {@code held}: the
     * next even sequence, no owner, T set.
     */
    public static long releasedTorn(final long held)
    {
        return released(held) | TORN_BIT;
    }

    /** @return a readable form, for logs and tools. */
    public static String describe(final long word)
    {
        return "sequence=" + sequence(word) + (isHeld(word) ? " held by slot " + owner(word) : " free") +
            (isTorn(word) ? " TORN" : "");
    }
}
