package io.shmipc.testing;

import io.shmipc.SharedMemory;

import java.nio.file.Path;

/** {@code CreateAndExit DIR NAME}: creates a one-page segment, writes to it and exits; errors propagate. */
public final class CreateAndExit
{
    private CreateAndExit()
    {
    }

    public static void main(final String[] args)
    {
        try (SharedMemory shm = SharedMemory.builder(args[1]).directory(Path.of(args[0])).pages(1).create())
        {
            shm.writeLong(0, 42);
            System.out.println("wrote " + shm.readLong(0));
        }
    }
}
