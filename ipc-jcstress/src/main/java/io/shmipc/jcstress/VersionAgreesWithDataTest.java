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
 * The stamp of a validated read names exactly the writes its bytes contain: for one page, the version in the stamp
 * (sequence / 2) equals the number of completed writes whose data the copy shows.
 */
@JCStressTest
@Description("A snapshot's version matches its data.")
@Outcome(id = "0, 0", expect = Expect.ACCEPTABLE, desc = "no write yet")
@Outcome(id = "1, 1", expect = Expect.ACCEPTABLE, desc = "first write")
@Outcome(id = "2, 2", expect = Expect.ACCEPTABLE, desc = "second write")
@Outcome(expect = Expect.FORBIDDEN, desc = "version and data disagree")
@State
public class VersionAgreesWithDataTest
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
        long value;
        do
        {
            stamp = f.locks.tryOptimisticRead(0, 0, PageLocks.NO_TIMEOUT);
            value = f.file.getLong(LockedFile.at(0, 0));
        }
        while (!f.locks.validate(0, 0, stamp));
        r.r1 = stamp >>> 1;
        r.r2 = value;
    }
}
