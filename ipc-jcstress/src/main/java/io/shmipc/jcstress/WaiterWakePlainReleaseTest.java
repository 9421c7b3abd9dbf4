package io.shmipc.jcstress;

import io.shmipc.layout.LockWord;
import io.shmipc.lock.PageLocks;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.Expect;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.ZZ_Result;

/**
 * {@link WaiterWakeTest} against a writer that releases with a plain store ({@link PageLocks#unlockPlain}, every write
 * of a JDK 22+ process): the store does not look at the word, so it can only be right if no waiter ever sets W on the
 * word while it is held (docs/FORMAT.md 7.3). A waiter that registered W on version 0 would sleep; the release must then
 * have started from a word with W (W set on the free word, kept by the take) and so woken it.
 */
@JCStressTest
@Description("A waiter that registers W is always seen by a plain release that changes the version.")
@Outcome(id = "true, true", expect = Expect.ACCEPTABLE, desc = "registered on the free word; the release wakes it")
@Outcome(id = "false, true", expect = Expect.FORBIDDEN, desc = "impossible: W appeared without the waiter")
@Outcome(id = "false, false", expect = Expect.ACCEPTABLE,
    desc = "the waiter saw the page held or written: it does not sleep")
@Outcome(id = "true, false", expect = Expect.FORBIDDEN,
    desc = "lost wake-up: W set on the held word and erased by the plain store")
@State
public class WaiterWakePlainReleaseTest
{
    private final LockedFile f = new LockedFile();

    @Actor
    public void waiter(final ZZ_Result r)
    {
        r.r1 = f.locks.registerWaiter(0, 0);
    }

    @Actor
    public void writer(final ZZ_Result r)
    {
        final long held = f.locks.lock(0, 0, LockedFile.OWNER, PageLocks.NO_TIMEOUT);
        f.locks.unlockPlain(0, 0, held, 0, 0);
        // whether the word this write took, and released from, had W: then the release wakes the sleepers (on JDK 17
        // to 21, which cannot, it keeps W for the next releaser)
        r.r2 = (held & LockWord.WAITERS_BIT) != 0;
    }
}
