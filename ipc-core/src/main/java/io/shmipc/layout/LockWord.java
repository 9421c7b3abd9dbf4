package io.shmipc.layout;

/**
 * Bit layout of a page's 64-bit lock word (the first 8 bytes of its lock-table entry, little-endian), layout
 * version {@value SegmentDescriptor#LAYOUT_VERSION}.
 * <pre>
 *    63                                                  16  15  14  13                0
 *   +------------------------------------------------------+---+---+-------------------+
 *   |                 sequence (48 bits)                   | T | W |  owner (14 bits)  |
 *   +------------------------------------------------------+---+---+-------------------+
 * </pre>
 * <ul>
 *   <li><b>sequence</b>: even while the page is free, odd while a writer holds it. Taking the lock adds one (even
 *   to odd, by compare-and-swap), releasing adds one more (odd to the next even, by compare-and-swap from the value
 *   the writer set). It wraps modulo 2^48; all word arithmetic is modulo 2^64.</li>
 *   <li><b>T</b> (torn): the page's bytes may be a half-finished write: its writer died, or failed, while holding
 *   it. Readers refuse a page with T set. T survives releases until cleared by a write that covers the whole
 *   page.</li>
 *   <li><b>W</b> (waiters): a thread may be asleep in {@code FUTEX_WAIT} on this word (its low 32 bits). Set by a
 *   waiter, on a free or a held word; cleared by the next release, which then wakes the sleepers. A releaser that
 *   cannot make futex calls keeps it.</li>
 *   <li><b>owner</b>: while held, the owner slot of the holding process (1 to {@value #MAX_OWNER}), or 0 if the
 *   holder has no slot; 0 while free.</li>
 * </ul>
 * The page's <em>version</em> is {@code sequence >>> 1}: the number of writes to it that have completed (modulo
 * 2^47). It does not change when a write starts, only when one completes.
 */
public final class LockWord
{
    /** Position of the sequence's lowest bit. */
    public static final int SEQUENCE_SHIFT = 16;
    /** Position of the version's lowest bit: the version is the sequence without its held bit. */
    public static final int VERSION_SHIFT = SEQUENCE_SHIFT + 1;
    /** One step of the sequence. */
    public static final long SEQUENCE_ONE = 1L << SEQUENCE_SHIFT;
    /** Set while a writer holds the page: the sequence's lowest bit. */
    public static final long HELD_BIT = SEQUENCE_ONE;
    /** Set while the page may hold a torn write left by a dead or failed writer. */
    public static final long TORN_BIT = 1L << 15;
    /** Set while a thread may be asleep on the word's futex. */
    public static final long WAITERS_BIT = 1L << 14;
    /** Owner slot of the holder. */
    public static final long OWNER_MASK = 0x3FFFL;
    /** Largest owner slot. */
    public static final int MAX_OWNER = 0x3FFF;

    private LockWord()
    {
    }

    /**
     * @param word a lock word.
     * @return whether a writer holds the page.
     */
    public static boolean isHeld(final long word)
    {
        return (word & HELD_BIT) != 0;
    }

    /**
     * @param word a lock word.
     * @return whether the page is marked torn.
     */
    public static boolean isTorn(final long word)
    {
        return (word & TORN_BIT) != 0;
    }

    /**
     * @param word a lock word.
     * @return whether a thread may be asleep waiting on the word.
     */
    public static boolean hasWaiters(final long word)
    {
        return (word & WAITERS_BIT) != 0;
    }

    /**
     * @param word a lock word.
     * @return the owner slot stored in the word (0 if none).
     */
    public static int owner(final long word)
    {
        return (int)(word & OWNER_MASK);
    }

    /**
     * @param word a lock word.
     * @return the 48-bit sequence.
     */
    public static long sequence(final long word)
    {
        return word >>> SEQUENCE_SHIFT;
    }

    /**
     * @param word a lock word.
     * @return the number of completed writes (modulo 2^47).
     */
    public static long version(final long word)
    {
        return word >>> VERSION_SHIFT;
    }

    /**
     * @param free the free word the writer found.
     * @param owner the writer's owner slot.
     * @return the word after a writer with slot {@code owner} takes a free page whose word is {@code free}: the next (odd) sequence, T and W kept, the owner set. A free word's owner bits are 0.
     */
    public static long locked(final long free, final int owner)
    {
        return (free + SEQUENCE_ONE) | owner;
    }

    /**
     * @param held the word while held.
     * @return the word after releasing a held page whose word is {@code held}: the next even sequence, no owner, no waiters (the releaser wakes them), T kept.
     */
    public static long released(final long held)
    {
        return (held & ~(OWNER_MASK | WAITERS_BIT)) + SEQUENCE_ONE;
    }

    /**
     * @param held the word while held.
     * @return {@link #released(long)} but keeping W: for a releaser that cannot wake sleepers.
     */
    public static long releasedKeepingWaiters(final long held)
    {
        return (held & ~OWNER_MASK) + SEQUENCE_ONE;
    }

    /**
     * @param held the word the dead holder left.
     * @param owner the taker's owner slot.
     * @return the word after a live process with slot {@code owner} takes over a page whose dead holder left it as {@code held}: the sequence stays odd (the page stays held), T is set, W is kept, the owner becomes {@code owner}.
     */
    public static long takenOver(final long held, final int owner)
    {
        return (held & ~OWNER_MASK) | TORN_BIT | owner;
    }

    /**
     * @param held the word the dead holder left.
     * @return the word after a process releases, on behalf of its dead holder, a page left as {@code held}: the next even sequence, no owner, no waiters (the releaser wakes them), T set.
     */
    public static long releasedTorn(final long held)
    {
        return released(held) | TORN_BIT;
    }

    /**
     * @param word a lock word.
     * @return a readable form, for logs and tools.
     */
    public static String describe(final long word)
    {
        return "sequence=" + sequence(word) + (isHeld(word) ? " held by slot " + owner(word) : " free") +
            (isTorn(word) ? " TORN" : "") + (hasWaiters(word) ? " waiters" : "");
    }
}
