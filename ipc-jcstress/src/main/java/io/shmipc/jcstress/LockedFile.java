package io.shmipc.jcstress;

import io.shmipc.layout.SegmentDescriptor;
import io.shmipc.lock.PageLeases;
import io.shmipc.lock.PageLocks;
import io.shmipc.lock.SoleWrites;
import org.agrona.concurrent.UnsafeBuffer;
import org.openjdk.jcstress.infra.results.JJJ_Result;

import java.nio.ByteBuffer;

/**
 * A segment-shaped block of off-heap memory for one jcstress state: a header, a lock table of {@value #PAGES}
 * pages, and 64-byte data pages, guarded by a {@link PageLocks} exactly as a mapped segment is.
 */
final class LockedFile
{
    static final int PAGES = 3;
    /** The owner slot every writer of the tests uses (threads of one process share their process's slot). */
    static final int OWNER = 1;
    static final int PAGE_SIZE = 64;
    static final int LONGS_PER_PAGE = PAGE_SIZE / Long.BYTES;
    static final int DATA_OFFSET = SegmentDescriptor.HEADER_LENGTH + PAGES * SegmentDescriptor.LOCK_STRIDE;

    final UnsafeBuffer file;
    final PageLocks locks;

    LockedFile()
    {
        this(false);
    }

    /** @param leased whether all pages are leased to {@link #OWNER} (layout version 3), for exclusive writes. */
    LockedFile(final boolean leased)
    {
        this(leased ? SegmentDescriptor.LEASES_LAYOUT_VERSION : SegmentDescriptor.LAYOUT_VERSION);
    }

    /**
     * @param version 2; 3: all pages leased to {@link #OWNER}, for exclusive writes by CAS; 4: leased to a sole writer
     *                ({@link #writeSole}), their free words in {@link #soleWords}.
     */
    LockedFile(final int version)
    {
        file = new UnsafeBuffer(ByteBuffer.allocateDirect(DATA_OFFSET + PAGES * PAGE_SIZE));
        file.putInt(SegmentDescriptor.LAYOUT_VERSION_OFFSET, version);
        locks = new PageLocks(file, "jcstress", PAGES);
        if (version >= SegmentDescriptor.LEASES_LAYOUT_VERSION)
        {
            PageLeases.grant(locks, 0, PAGES - 1, OWNER, PageLocks.NO_TIMEOUT,
                version == SegmentDescriptor.SOLE_LAYOUT_VERSION);
        }
        for (int page = 0; page < PAGES; page++)
        {
            soleWords[page] = locks.lockWord(page);
        }
    }

    /** The sole writer's page words (layout version 4), as {@code ExclusiveWriter} keeps them. */
    final long[] soleWords = new long[PAGES];

    /** {@link #write} as a sole writer ({@code docs/FORMAT.md} 7.7): plain stores take and release the pages. */
    boolean writeSole(final int first, final int last, final long value)
    {
        SoleWrites.take(file.addressOffset(), soleWords, 0, first, last, OWNER);
        for (int page = first; page <= last; page++)
        {
            for (int i = 0; i < LONGS_PER_PAGE; i++)
            {
                file.putLong(at(page, i), value);
            }
        }
        return SoleWrites.release(file.addressOffset(), soleWords, 0, first, last, first, last);
    }

    /** @return the file offset of the long at {@code index} (8-byte units) of page {@code page}. */
    static int at(final int page, final int index)
    {
        return DATA_OFFSET + page * PAGE_SIZE + index * Long.BYTES;
    }

    /** Writes {@code value} into all eight longs of each page {@code first..last}, ascending, holding them all. */
    void write(final int first, final int last, final long value)
    {
        final long held = locks.lock(first, last, OWNER, PageLocks.NO_TIMEOUT);
        for (int page = first; page <= last; page++)
        {
            for (int i = 0; i < LONGS_PER_PAGE; i++)
            {
                file.putLong(at(page, i), value);
            }
        }
        locks.unlock(first, last, OWNER, held, first, last);
    }

    /**
     * {@link #write} as the exclusive writer holding the lease: the same takes, and a plain release store of each
     * page's next word instead of a compare-and-swap.
     */
    void writeExclusive(final int first, final int last, final long value)
    {
        final long held = locks.lock(first, last, OWNER, PageLocks.NO_TIMEOUT);
        for (int page = first; page <= last; page++)
        {
            for (int i = 0; i < LONGS_PER_PAGE; i++)
            {
                file.putLong(at(page, i), value);
            }
        }
        locks.unlockPlain(first, last, held, first, last);
    }

    /**
     * Reads pages 0..2 as one validated optimistic read, copying them last page first, into {@code r}: each page's
     * value, or -1 for a page whose eight longs differ.
     */
    void readThreePages(final JJJ_Result r)
    {
        long stamp;
        long a;
        long b;
        long c;
        do
        {
            stamp = locks.tryOptimisticRead(0, 2, PageLocks.NO_TIMEOUT);
            c = copy(2);
            b = copy(1);
            a = copy(0);
        }
        while (!locks.validate(0, 2, stamp));
        r.r1 = a;
        r.r2 = b;
        r.r3 = c;
    }

    /**
     * Copies page {@code page} in descending order (against the writers' order, so any overlap with a write shows)
     * and returns its first long if all eight are equal, -1 if they are not.
     */
    long copy(final int page)
    {
        final long last = file.getLong(at(page, LONGS_PER_PAGE - 1));
        boolean uniform = true;
        for (int i = LONGS_PER_PAGE - 2; i >= 0; i--)
        {
            uniform &= file.getLong(at(page, i)) == last;
        }
        return uniform ? last : -1;
    }
}
