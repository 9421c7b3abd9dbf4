package com.example.consumer;

import io.shmipc.SharedMemory;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** shm-ipc inside a Surefire test: works because the pom gives Surefire the JVM flag (argLine). */
class SharedMemoryInTestsTest
{
    @Test
    void writesAndReadsASegment()
    {
        final String name = "consumer-test-" + ProcessHandle.current().pid();
        try (SharedMemory shm = SharedMemory.openOrCreate(name, 1))
        {
            shm.writeLong(0, 42);
            assertEquals(42, shm.readLong(0));
        }
        finally
        {
            SharedMemory.unlink(name);
        }
    }
}
