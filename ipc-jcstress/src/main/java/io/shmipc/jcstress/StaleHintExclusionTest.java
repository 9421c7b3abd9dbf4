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
 * Two processes' writers (two {@link PageLocks} on one file, owner slots 1 and 2, each with its own remembered words)
 * never hold a page at once: each does two plain read-modify-writes of a word of page 1, so that its second take
 * starts from the word its first release left, which the other writer may have made stale meanwhile (a failed CAS
 * that goes on from the word found). A lost update would show as less than 4.
 */
@JCStressTest
@Description("Mutual exclusion of writers taking a page from a remembered word that may be stale.")
@Outcome(id = "4", expect = Expect.ACCEPTABLE, desc = "all four increments applied")
@Outcome(expect = Expect.FORBIDDEN, desc = "both writers held page 1 at once")
@State
public class StaleHintExclusionTest
{
    private final LockedFile f = new LockedFile();
    private final PageLocks second = new PageLocks(f.file, "jcstress-second-process", LockedFile.PAGES);

    @Actor
    public void firstProcess()
    {
        increment(f.locks, LockedFile.OWNER);
        increment(f.locks, LockedFile.OWNER);
    }

    @Actor
    public void secondProcess()
    {
        increment(second, LockedFile.OWNER + 1);
        increment(second, LockedFile.OWNER + 1);
    }

    @Arbiter
    public void arbiter(final J_Result r)
    {
        r.r1 = f.file.getLongVolatile(LockedFile.at(1, 3));
    }

    private void increment(final PageLocks locks, final int owner)
    {
        final long held = locks.lock(1, 1, owner, PageLocks.NO_TIMEOUT);
        final int at = LockedFile.at(1, 3);
        f.file.putLong(at, f.file.getLong(at) + 1);
        locks.unlockPlain(1, 1, held, 1, 1);
    }
}
