package io.shmipc.jcstress;

import io.shmipc.layout.SegmentDescriptor;
import io.shmipc.lock.PageLocks;
import org.agrona.concurrent.UnsafeBuffer;

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
        file = new UnsafeBuffer(ByteBuffer.allocateDirect(DATA_OFFSET + PAGES * PAGE_SIZE));
        locks = new PageLocks(file, "jcstress", PAGES);
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
