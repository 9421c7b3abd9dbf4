package io.shmipc.jcstress;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.Expect;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.JJJ_Result;

/**
 * An exclusive writer's release is a plain release store, not a compare-and-swap: a validated read across three
 * leased pages still never mixes its three-page write with the two-page write that follows.
 */
@JCStressTest
@Description("Exclusive writer (lease, plain release): a read of pages 0..2 is of one instant.")
@Outcome(id = "0, 0, 0", expect = Expect.ACCEPTABLE, desc = "before both writes")
@Outcome(id = "1, 1, 1", expect = Expect.ACCEPTABLE, desc = "after the three-page write only")
@Outcome(id = "1, 2, 2", expect = Expect.ACCEPTABLE, desc = "after the three-page write, then the two-page one")
@Outcome(expect = Expect.FORBIDDEN, desc = "a mix that no instant had")
@State
public class ExclusiveSnapshotTest
{
    private final LockedFile f = new LockedFile(true);

    @Actor
    public void exclusiveWriter()
    {
        f.writeExclusive(0, 2, 1);
        f.writeExclusive(1, 2, 2);
    }

    @Actor
    public void reader(final JJJ_Result r)
    {
        f.readThreePages(r);
    }
}
