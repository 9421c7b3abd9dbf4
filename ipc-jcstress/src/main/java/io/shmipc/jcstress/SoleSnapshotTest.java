package io.shmipc.jcstress;

import io.shmipc.layout.SegmentDescriptor;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.Expect;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.JJJ_Result;

/**
 * A sole writer ({@code docs/FORMAT.md} 7.7) takes pages with a plain store and a store-store fence instead of a
 * compare-and-swap, and releases them with a release store: a validated read across three leased pages still never
 * mixes its three-page write with the two-page write that follows.
 */
@JCStressTest
@Description("Sole writer (plain take and release): a read of pages 0..2 is of one instant.")
@Outcome(id = "0, 0, 0", expect = Expect.ACCEPTABLE, desc = "before both writes")
@Outcome(id = "1, 1, 1", expect = Expect.ACCEPTABLE, desc = "after the three-page write only")
@Outcome(id = "1, 2, 2", expect = Expect.ACCEPTABLE, desc = "after the three-page write, then the two-page one")
@Outcome(expect = Expect.FORBIDDEN, desc = "a mix that no instant had")
@State
public class SoleSnapshotTest
{
    private final LockedFile f = new LockedFile(SegmentDescriptor.SOLE_LAYOUT_VERSION);

    @Actor
    public void soleWriter()
    {
        f.writeSole(0, 2, 1);
        f.writeSole(1, 2, 2);
    }

    @Actor
    public void reader(final JJJ_Result r)
    {
        f.readThreePages(r);
    }
}
