package io.shmipc.testing;

import io.shmipc.ExclusiveWriter;
import io.shmipc.SharedMemory;
import io.shmipc.layout.LockWord;

/**
 * Drives {@link StackOverflowError}s into the middle of a multi-page write: finds how deep this thread's stack goes,
 * then writes at every depth near the limit, so that some of the errors are thrown while the write holds its pages.
 * After each one it checks that no page is left held.
 */
public final class Overflow
{
    private static final int OFFSET = 100;

    private Overflow()
    {
    }

    /**
     * @return {@code "INSIDE i HELD h TORN t ATTEMPTS a"}: how many errors came from inside
     * {@code SharedMemory.write}, how many attempts left a page held (must be 0), left a page torn, and in all.
     */
    public static String run(final SharedMemory shm)
    {
        return run(shm, null);
    }

    /**
     * {@link #run(SharedMemory)}, writing through {@code writer} (an exclusive writer of all of {@code shm}'s pages)
     * if it is not {@code null}.
     */
    public static String run(final SharedMemory shm, final ExclusiveWriter writer)
    {
        final byte[] data = new byte[3 * shm.pageSize()];
        final byte[] whole = new byte[shm.capacity()];
        final int limit = maxDepth(0);
        int inside = 0;
        int held = 0;
        int torn = 0;
        int attempts = 0;
        for (int depth = Math.max(0, limit - 600); depth <= limit + 20; depth++)
        {
            attempts++;
            try
            {
                recurse(shm, writer, data, depth);
            }
            catch (final StackOverflowError overflow)
            {
                if (thrownInsideWrite(overflow))
                {
                    inside++;
                }
            }
            boolean anyTorn = false;
            for (int page = 0; page < shm.pageCount(); page++)
            {
                final long word = shm.lockWord(page);
                if (LockWord.isHeld(word))
                {
                    held++;
                    throw new AssertionError("page " + page + " left held after an overflow at depth " + depth +
                        ": " + LockWord.describe(word));
                }
                anyTorn |= LockWord.isTorn(word);
            }
            if (anyTorn)
            {
                torn++;
                if (writer == null)
                {
                    shm.write(0, whole); // a whole write clears the marks
                }
                else
                {
                    writer.write(0, whole);
                }
            }
        }
        return "INSIDE " + inside + " HELD " + held + " TORN " + torn + " ATTEMPTS " + attempts;
    }

    private static boolean thrownInsideWrite(final StackOverflowError overflow)
    {
        for (final StackTraceElement frame : overflow.getStackTrace())
        {
            if ((frame.getClassName().equals(SharedMemory.class.getName()) ||
                frame.getClassName().equals(ExclusiveWriter.class.getName())) && frame.getMethodName().equals("write"))
            {
                return true;
            }
            if (frame.getMethodName().equals("recurse"))
            {
                return false;
            }
        }
        return false;
    }

    private static void recurse(
        final SharedMemory shm, final ExclusiveWriter writer, final byte[] data, final int remaining)
    {
        if (remaining == 0)
        {
            if (writer == null)
            {
                shm.write(OFFSET, data);
            }
            else
            {
                writer.write(OFFSET, data);
            }
            return;
        }
        recurse(shm, writer, data, remaining - 1);
    }

    private static int maxDepth(final int depth)
    {
        try
        {
            return maxDepth(depth + 1);
        }
        catch (final StackOverflowError overflow)
        {
            return depth;
        }
    }
}
