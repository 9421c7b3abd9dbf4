package io.shmipc.jcstress;

import io.shmipc.lock.PageLocks;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.Expect;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.J_Result;

/**
 * The exclusive writer (plain release) and an ordinary writer of the same process (same owner slot, CAS release)
 * never hold a leased page at once: each does a plain read-modify-write of a word on page 1 while holding it.
 */
@JCStressTest
@Description("Mutual exclusion of an exclusive writer and an ordinary writer of its process on leased pages.")
@Outcome(id = "2", expect = Expect.ACCEPTABLE, desc = "both increments applied")
@Outcome(expect = Expect.FORBIDDEN, desc = "both writers held page 1 at once")
@State
public class ExclusiveWriterExclusionTest
{
    private final LockedFile f = new LockedFile(true);

    @Actor
    public void exclusiveWriter()
    {
        final long held = f.locks.lock(0, 1, LockedFile.OWNER, PageLocks.NO_TIMEOUT);
        increment();
        f.locks.unlockPlain(0, 1, held, 0, 1);
    }

    @Actor
    public void ordinaryWriter()
    {
        final long held = f.locks.lock(1, 2, LockedFile.OWNER, PageLocks.NO_TIMEOUT);
        increment();
        f.locks.unlock(1, 2, LockedFile.OWNER, held, 1, 2);
    }

    @Arbiter
    public void arbiter(final J_Result r)
    {
        r.r1 = f.file.getLongVolatile(LockedFile.at(1, 3));
    }

    private void increment()
    {
        final int at = LockedFile.at(1, 3);
        f.file.putLong(at, f.file.getLong(at) + 1);
    }
}
