package io.shmipc.jcstress;

import io.shmipc.layout.SegmentDescriptor;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.Expect;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.ZZ_Result;

/**
 * A sole writer ({@code docs/FORMAT.md} 7.7, layout version 4) takes and releases with plain stores and never looks
 * at W: a waiter on its leased page registers in the sleepers word instead, and the writer loads that word after a
 * full fence that follows its release store. Dekker's pattern: a waiter that registered on the version before the
 * write and would sleep on it must be seen by the writer, which then wakes it.
 */
@JCStressTest
@Description("A waiter registered in the sleepers word is always seen by the sole writer that changes the version.")
@Outcome(id = "true, true", expect = Expect.ACCEPTABLE, desc = "registered before the write; the writer wakes it")
@Outcome(id = "false, true", expect = Expect.ACCEPTABLE,
    desc = "registered, then saw the word change: it does not sleep (the writer wakes nobody)")
@Outcome(id = "false, false", expect = Expect.ACCEPTABLE, desc = "saw the page held or written: it does not sleep")
@Outcome(id = "true, false", expect = Expect.FORBIDDEN,
    desc = "lost wake-up: the waiter sleeps on the old word and the writer did not see it")
@State
public class SoleWriterWakeTest
{
    private final LockedFile f = new LockedFile(SegmentDescriptor.SOLE_LAYOUT_VERSION);
    private final long seen = f.locks.version(0);

    @Actor
    public void waiter(final ZZ_Result r)
    {
        r.r1 = f.locks.registerWaiter(0, seen);
    }

    @Actor
    public void soleWriter(final ZZ_Result r)
    {
        r.r2 = f.writeSole(0, 0, 1);
    }
}
