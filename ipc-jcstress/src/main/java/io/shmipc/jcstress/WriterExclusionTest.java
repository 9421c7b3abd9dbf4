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
 * Two writers never hold a page at once: each does a plain (non-atomic) read-modify-write of a word on page 1 while
 * holding it, one through pages 0..1 and one through pages 1..2; a lost update would show as 1.
 */
@JCStressTest
@Description("Mutual exclusion of overlapping multi-page writers.")
@Outcome(id = "2", expect = Expect.ACCEPTABLE, desc = "both increments applied")
@Outcome(expect = Expect.FORBIDDEN, desc = "both writers held page 1 at once")
@State
public class WriterExclusionTest
{
    private final LockedFile f = new LockedFile();

    @Actor
    public void pagesZeroAndOne()
    {
        increment(0, 1);
    }

    @Actor
    public void pagesOneAndTwo()
    {
        increment(1, 2);
    }

    @Arbiter
    public void arbiter(final J_Result r)
    {
        r.r1 = f.file.getLongVolatile(LockedFile.at(1, 3));
    }

    private void increment(final int first, final int last)
    {
        final long held = f.locks.lock(first, last, LockedFile.OWNER, PageLocks.NO_TIMEOUT);
        final int at = LockedFile.at(1, 3);
        f.file.putLong(at, f.file.getLong(at) + 1);
        f.locks.unlock(first, last, LockedFile.OWNER, held, first, last);
    }
}
