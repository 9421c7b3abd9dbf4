package com.example.consumer;

import io.shmipc.SharedMemory;

import java.time.Duration;

/**
 * Two processes exchange data through a shared-memory segment in /dev/shm.
 *
 * <p>{@code writer NAME COUNT}: writes records 1..COUNT into page 0, each {@code (n, 3n)} in one atomic write, then
 * waits for the reader's acknowledgement in page 1 and removes the segment. {@code reader NAME COUNT}: follows
 * page 0 until it sees record COUNT, checking that every snapshot is one whole record, then acknowledges. Either may
 * start first. Exit status 0 on success, 1 on a failure.
 */
public final class Exchange
{
    private static final int ACK_OFFSET = 4096;
    private static final Duration PATIENCE = Duration.ofSeconds(60);

    private Exchange()
    {
    }

    public static void main(final String[] args) throws InterruptedException
    {
        if (args.length != 3 || !(args[0].equals("writer") || args[0].equals("reader")))
        {
            System.err.println("usage: Exchange writer|reader NAME COUNT");
            System.exit(2);
        }
        final String name = args[1];
        final long count = Long.parseLong(args[2]);
        final boolean modular = Exchange.class.getModule().isNamed();
        try (SharedMemory shm = SharedMemory.openOrCreate(name, 2))
        {
            final boolean ok = args[0].equals("writer") ? write(shm, count) : read(shm, count);
            System.out.printf("%s (%s): %s%n", args[0], modular ? "module " + Exchange.class.getModule().getName() :
                "class path", ok ? "done" : "FAILED");
            if (args[0].equals("writer"))
            {
                SharedMemory.unlink(name);
            }
            System.exit(ok ? 0 : 1);
        }
    }

    private static boolean write(final SharedMemory shm, final long count) throws InterruptedException
    {
        final byte[] record = new byte[16];
        for (long n = 1; n <= count; n++)
        {
            putLong(record, 0, n);
            putLong(record, 8, 3 * n);
            shm.write(0, record);
            if (n % 100 == 0)
            {
                Thread.sleep(1); // give a reader on a busy machine a chance to see intermediate records
            }
        }
        final long deadline = System.nanoTime() + PATIENCE.toNanos();
        long seen = shm.version(1);
        while (shm.readLong(ACK_OFFSET) != count)
        {
            if (System.nanoTime() - deadline > 0)
            {
                System.err.println("writer: no acknowledgement of record " + count + " within " + PATIENCE);
                return false;
            }
            seen = shm.awaitChange(1, seen, Duration.ofMillis(100));
        }
        System.out.println("writer: wrote " + count + " records, the reader acknowledged the last");
        return true;
    }

    private static boolean read(final SharedMemory shm, final long count)
    {
        final byte[] record = new byte[16];
        final long deadline = System.nanoTime() + PATIENCE.toNanos();
        long seen = -1;
        long snapshots = 0;
        long last = 0;
        while (last != count)
        {
            if (System.nanoTime() - deadline > 0)
            {
                System.err.println("reader: record " + count + " did not arrive within " + PATIENCE);
                return false;
            }
            seen = shm.awaitChange(0, seen, Duration.ofMillis(100));
            shm.read(0, record);
            final long n = getLong(record, 0);
            if (getLong(record, 8) != 3 * n || n < last)
            {
                System.err.println("reader: inconsistent snapshot " + n + ", " + getLong(record, 8) + " after " + last);
                return false;
            }
            last = n;
            snapshots++;
        }
        shm.writeLong(ACK_OFFSET, count);
        System.out.println("reader: saw record " + count + " after " + snapshots + " consistent snapshots");
        return true;
    }

    private static void putLong(final byte[] bytes, final int at, final long value)
    {
        for (int i = 0; i < Long.BYTES; i++)
        {
            bytes[at + i] = (byte)(value >>> (8 * i));
        }
    }

    private static long getLong(final byte[] bytes, final int at)
    {
        long value = 0;
        for (int i = Long.BYTES - 1; i >= 0; i--)
        {
            value = (value << 8) | (bytes[at + i] & 0xFF);
        }
        return value;
    }
}
