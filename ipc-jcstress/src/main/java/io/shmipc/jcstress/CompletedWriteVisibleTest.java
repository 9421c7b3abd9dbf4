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
 * A validated optimistic read is never stale relative to a completed write: the writer publishes "done" (on another
 * page) only after its write returned, so a reader that saw "done" and then read must see the write.
 */
@JCStressTest
@Description("A read that starts after a write completed sees it.")
@Outcome(id = "0, 0", expect = Expect.ACCEPTABLE, desc = "read before the write")
@Outcome(id = "0, 1", expect = Expect.ACCEPTABLE, desc = "the write completed during the read")
@Outcome(id = "1, 1", expect = Expect.ACCEPTABLE, desc = "read after the write")
@Outcome(id = "1, 0", expect = Expect.FORBIDDEN, desc = "stale: the write was done but the read missed it")
@State
public class CompletedWriteVisibleTest
{
    private final LockedFile f = new LockedFile();

    @Actor
    public void writer()
    {
        f.write(0, 0, 1);
        f.write(2, 2, 1); // "done", written only after the first write returned
    }

    @Actor
    public void reader(final JJ_Result r)
    {
        r.r1 = read(2);
        r.r2 = read(0);
    }

    private long read(final int page)
    {
        long stamp;
        long value;
        do
        {
            stamp = f.locks.tryOptimisticRead(page, page, PageLocks.NO_TIMEOUT);
            value = f.file.getLong(LockedFile.at(page, 0));
        }
        while (!f.locks.validate(page, page, stamp));
        return value;
    }
}
