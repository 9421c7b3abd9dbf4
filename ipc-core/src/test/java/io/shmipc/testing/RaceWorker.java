package io.shmipc.testing;

import io.shmipc.SharedMemory;

import java.nio.file.Path;

/**
 * Child-process side of the openOrCreate race: {@code RaceWorker DIR NAME ID PROCESSES START_EPOCH_MILLIS}. Sleeps
 * until the common start instant, calls openOrCreate, prints {@code created=true|false}, marks its slot, then waits
 * until every process's mark is visible and prints {@code seen=N}.
 */
public final class RaceWorker
{
    private RaceWorker()
    {
    }

    public static void main(final String[] args) throws InterruptedException
    {
        final Path dir = Path.of(args[0]);
        final String name = args[1];
        final int id = Integer.parseInt(args[2]);
        final int processes = Integer.parseInt(args[3]);
        final long start = Long.parseLong(args[4]);
        while (System.currentTimeMillis() < start)
        {
            Thread.onSpinWait();
        }
        try (SharedMemory shm = SharedMemory.builder(name).directory(dir).pages(4).openOrCreate())
        {
            System.out.println("created=" + shm.created());
            shm.writeLong(id * Long.BYTES, id);
            final long deadline = System.nanoTime() + 20_000_000_000L;
            int seen;
            do
            {
                seen = 0;
                for (int i = 1; i <= processes; i++)
                {
                    seen += shm.readLong(i * Long.BYTES) == i ? 1 : 0;
                }
                Thread.sleep(1);
            }
            while (seen < processes && System.nanoTime() < deadline);
            System.out.println("seen=" + seen);
        }
    }
}
