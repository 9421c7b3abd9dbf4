package io.shmipc.jcstress;

import io.shmipc.lock.PageLocks;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.Expect;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.ZZ_Result;

/**
 * The sleep protocol's registration against a write (docs/FORMAT.md, waiting): a waiter that saw version 0 registers
 * W on page 0's word ({@link PageLocks#registerWaiter}, what it does before {@code FUTEX_WAIT}) while a writer takes
 * and releases the page. If the waiter's registration succeeded on a word still at version 0, it would go to sleep;
 * the writer's release must then have found W (and woken it). Otherwise the sleeper would wait until its bounded
 * timeout: a lost wake-up.
 */
@JCStressTest
@Description("A waiter that registers W on the version it saw is always seen by the release that changes it.")
@Outcome(id = "true, true", expect = Expect.ACCEPTABLE, desc = "registered; the release saw W and wakes it")
@Outcome(id = "false, true", expect = Expect.FORBIDDEN, desc = "impossible: W appeared without the waiter")
@Outcome(id = "false, false", expect = Expect.ACCEPTABLE, desc = "the waiter saw the write: it does not sleep")
@Outcome(id = "true, false", expect = Expect.FORBIDDEN, desc = "lost wake-up: it sleeps, the release did not see W")
@State
public class WaiterWakeTest
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
        r.r2 = f.locks.unlock(0, 0, LockedFile.OWNER, held, 0, 0);
    }
}
