package io.shmipc.testing;

import io.shmipc.SharedMemory;

import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ThreadLocalRandom;

/**
 * {@code TruncationTrial DIR}: writes and reads a segment in a loop while another thread truncates its file after a
 * random delay, as another process could; prints {@code CAUGHT <error>} if the fault surfaced as an exception. If the
 * JVM dies instead (SIGBUS in a path without a fault guard), the caller sees its exit status. Used by
 * {@code scripts/truncation-trials.sh} to measure what remains of that window (docs/FORMAT.md section 13).
 */
public final class TruncationTrial
{
    private TruncationTrial()
    {
    }

    public static void main(final String[] args) throws Exception
    {
        final Path directory = Path.of(args[0]);
        final SharedMemory shm = SharedMemory.builder("victim").directory(directory).pages(16).create();
        final Thread truncator = new Thread(() ->
        {
            try
            {
                Thread.sleep(ThreadLocalRandom.current().nextInt(1, 40));
                try (FileChannel channel = FileChannel.open(shm.path(), StandardOpenOption.WRITE))
                {
                    channel.truncate(4096);
                }
            }
            catch (final Exception ex)
            {
                System.out.println("TRUNCATE-FAILED " + ex);
            }
        });
        truncator.start();
        final byte[] page = new byte[4096];
        final long deadline = System.nanoTime() + 10_000_000_000L;
        try
        {
            for (long i = 0; System.nanoTime() < deadline; i++)
            {
                final int p = (int)(i & 15);
                shm.writeLong(p * 4096 + 8, i);
                shm.read(p * 4096, page);
            }
            System.out.println("NO-FAULT");
        }
        catch (final Throwable t)
        {
            System.out.println("CAUGHT " + t.getClass().getName());
        }
        System.out.flush();
        Runtime.getRuntime().halt(0);
    }
}
