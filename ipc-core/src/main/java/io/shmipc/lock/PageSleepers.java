package io.shmipc.lock;

import io.shmipc.layout.LockWord;
import io.shmipc.layout.SegmentDescriptor;
import io.shmipc.sys.Futex;
import org.agrona.UnsafeApi;

import java.lang.invoke.VarHandle;

/**
 * The waiter's registration before it sleeps on a page's futex ({@code docs/FORMAT.md} 7.3), and the wake of layout
 * version 4's sleepers: W set on a free lock word, by a compare-and-swap from it (a held word without W is not slept
 * on: its holder may release it with a plain store); or, on a <em>leased</em> page of layout version 4, 1 stored in
 * the page's sleepers word ({@code docs/FORMAT.md} 3.2, 7.7), since its sole writer overwrites the lock word with
 * plain stores; and the check after a release that wakes those.
 *
 * <h2>Algorithmic notes</h2>
 * The waiter stores 1 into the sleepers word with an atomic exchange (a full barrier) and then loads the lock word;
 * the sole writer stores its even word, then issues a full fence and loads the sleepers word. Two stores, each
 * followed by a barrier and a load of the other's location (Dekker's pattern): at least one load sees the other's
 * store. Either the waiter sees the new word and does not sleep, or the writer sees 1 and wakes it; and a waiter that
 * reaches {@code FUTEX_WAIT} after the wake finds the futex word changed and does not sleep. A 1 erased by the
 * writer's clearing was stored after the writer's load, so its waiter's load sees the new word, or it was already
 * queued and the wake after the clearing wakes it.
 */
public final class PageSleepers
{
    private static final Object OFF_HEAP = null;
    /** What {@link #register} stores: some process may sleep on the page. */
    private static final long REGISTERED = 1L;

    /**
     * What {@link #registerOn} returns for a held word without W: its holder may release it with a plain store
     * ({@link PageLocks#unlockPlain}), which would erase a W bit set now, so a waiter must not sleep on it (it backs
     * off instead). Never a word with W set, nor {@link PageLocks#NOT_RELEASED}.
     */
    static final long HELD_NO_SLEEP = Long.MIN_VALUE + 1;

    private PageSleepers()
    {
    }

    /**
     * Puts W on the word at {@code offset} if it is still {@code word} (or finds it there); on a leased page of layout
     * version 4, registers in its sleepers word instead ({@link #register}), even if the word is held.
     *
     * @return the word to sleep on (with W, or on a leased page as it is); {@link PageLocks#NOT_RELEASED} if the word
     * changed meanwhile; {@link #HELD_NO_SLEEP} for a held word without W that may not be slept on.
     */
    static long registerOn(final PageLocks locks, final int offset, final long word)
    {
        if (locks.sleepers && PageLeases.isLeased(locks, offset))
        {
            return register(locks.address(offset), word); // never W on a leased page: its writer may store over it
        }
        final long withWaiters = word | LockWord.WAITERS_BIT;
        if (withWaiters == word)
        {
            return withWaiters;
        }
        if ((word & LockWord.HELD_BIT) != 0)
        {
            return HELD_NO_SLEEP; // its holder may release it with a plain store: W would be lost (section 7.3)
        }
        return locks.cas(offset, word, withWaiters) ? withWaiters : PageLocks.NOT_RELEASED;
    }

    /** @return whether {@link #registerOn} failed: the word changed, or it may not be slept on. */
    static boolean notRegistered(final long result)
    {
        return result == PageLocks.NOT_RELEASED || result == HELD_NO_SLEEP;
    }

    /**
     * The waiter's side, on a leased page of a layout-version-4 segment: registers in the page's sleepers word, then
     * checks that the lock word is still {@code word}.
     *
     * @param wordAddress the page's lock word's address.
     * @param word        the lock word the caller is about to sleep on (free or held).
     * @return {@code word} if the caller may sleep on it; {@link PageLocks#NOT_RELEASED} if the word changed.
     */
    private static long register(final long wordAddress, final long word)
    {
        // getAndSet: a full barrier: the registration is visible before the lock word is loaded again.
        UnsafeApi.getAndSetLong(OFF_HEAP, wordAddress + SegmentDescriptor.SLEEPERS_WORD_OFFSET, REGISTERED);
        return UnsafeApi.getLongVolatile(OFF_HEAP, wordAddress) == word ? word : PageLocks.NOT_RELEASED;
    }

    /**
     * Wakes the sleepers registered on the page whose lock word is at {@code wordAddress}, if any, after a full fence
     * or an atomic instruction of the caller (the end of a lease, a recovery, 7.7). A JVM that cannot make futex calls
     * (JDK 17 to 21) leaves the registration for a process that can (the sleepers' sleeps are bounded meanwhile).
     *
     * @return whether a waiter was registered (woken, or left registered by a JVM that cannot wake it).
     */
    static boolean wakeIfRegistered(final long wordAddress)
    {
        final long sleepers = wordAddress + SegmentDescriptor.SLEEPERS_WORD_OFFSET;
        if (UnsafeApi.getLongVolatile(OFF_HEAP, sleepers) == 0)
        {
            return false;
        }
        if (PageLocks.FUTEX)
        {
            UnsafeApi.putLongVolatile(OFF_HEAP, sleepers, 0L);
            Futex.wakeAll(wordAddress);
        }
        return true;
    }

    /**
     * {@link #wakeIfRegistered} for a page of a segment whose layout may have no sleepers words: nothing then.
     *
     * @return whether a waiter was registered ({@link #wakeIfRegistered}).
     */
    static boolean wakeIfRegistered(final PageLocks locks, final int offset)
    {
        if (!locks.sleepers)
        {
            return false;
        }
        VarHandle.fullFence(); // the caller's store (a release, a cleared lease) comes before the load (store-load)
        return wakeIfRegistered(locks.address(offset));
    }
}
