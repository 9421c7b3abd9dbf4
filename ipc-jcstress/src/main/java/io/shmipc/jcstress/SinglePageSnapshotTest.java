package io.shmipc.jcstress;

import io.shmipc.lock.PageLocks;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.Expect;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.JJ_Result;

/**
 * A validated optimistic read of a page never mixes two writes: r1 is the page's value (or -1 if its eight words
 * differ), r2 the value of a second copy taken in the same read.
 */
@JCStressTest
@Description("Seqlock snapshot, one page: a reader sees all words of a write or none.")
@Outcome(id = "0, 0", expect = Expect.ACCEPTABLE, desc = "read before the write")
@Outcome(id = "1, 1", expect = Expect.ACCEPTABLE, desc = "read after the write")
@Outcome(id = "2, 2", expect = Expect.ACCEPTABLE, desc = "read after the second write")
@Outcome(expect = Expect.FORBIDDEN, desc = "a mix of two writes")
@State
public class SinglePageSnapshotTest
{
    private final LockedFile f = new LockedFile();

    @Actor
    public void writer()
    {
        f.write(0, 0, 1);
        f.write(0, 0, 2);
    }

    @Actor
    public void reader(final JJ_Result r)
    {
        long stamp;
        long a;
        long b;
        do
        {
            stamp = f.locks.tryOptimisticRead(0, 0, PageLocks.NO_TIMEOUT);
            a = f.copy(0);
            b = f.copy(0);
        }
        while (!f.locks.validate(0, 0, stamp));
        r.r1 = a;
        r.r2 = b;
    }
}
