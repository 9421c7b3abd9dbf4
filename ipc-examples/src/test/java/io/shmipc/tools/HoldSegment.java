package io.shmipc.tools;

import io.shmipc.SharedMemory;

import java.nio.file.Path;

/** {@code HoldSegment DIR NAME SECONDS}: creates a one-page segment, prints "holding", keeps it open, exits. */
public final class HoldSegment
{
    private HoldSegment()
    {
    }

    public static void main(final String[] args) throws InterruptedException
    {
        try (SharedMemory shm = SharedMemory.builder(args[1]).directory(Path.of(args[0])).pages(1).create())
        {
            System.out.println("holding " + shm.name());
            Thread.sleep((long)(Double.parseDouble(args[2]) * 1000));
        }
    }
}
