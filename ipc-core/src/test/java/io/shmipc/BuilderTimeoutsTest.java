package io.shmipc;

import io.shmipc.testing.TestDirectoryExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Timeouts too long to count in nanoseconds mean "no limit"; bad ones are refused before anything is opened. */
class BuilderTimeoutsTest
{
    @RegisterExtension
    final TestDirectoryExtension dir = new TestDirectoryExtension();

    private static long openDescriptors() throws IOException
    {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd")))
        {
            return fds.count();
        }
    }

    @Test
    void foreverTimeoutsAreAcceptedAndMeanNoLimit() throws IOException
    {
        final Duration forever = ChronoUnit.FOREVER.getDuration();
        final long before = openDescriptors();
        try (SharedMemory created = SharedMemory.builder("forever").directory(dir.path()).pages(1)
            .recoveryTimeout(forever).initTimeout(forever).accessTimeout(forever).create();
            SharedMemory opened = SharedMemory.builder("forever").directory(dir.path())
                .recoveryTimeout(forever).initTimeout(forever).accessTimeout(forever).open())
        {
            created.writeLong(0, 11L);
            assertEquals(11L, opened.withTimeout(forever).readLong(0));
            assertEquals(created.version(0), opened.awaitChange(0, created.version(0) - 1, forever));
        }
        assertEquals(before, openDescriptors(), "no descriptor leaked");
    }

    @Test
    void negativeTimeoutsAreRefusedByTheBuilderNamingThem()
    {
        final SharedMemoryBuilder builder = SharedMemory.builder("never").directory(dir.path()).pages(1);
        final Duration negative = Duration.ofMillis(-3);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> builder.recoveryTimeout(negative))
            .getMessage().contains("recovery timeout PT-0.003S is negative"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> builder.initTimeout(negative))
            .getMessage().contains("init timeout"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> builder.accessTimeout(negative))
            .getMessage().contains("access timeout"));
        assertThrows(NullPointerException.class, () -> builder.accessTimeout(null));
        assertFalse(Files.exists(dir.path().resolve("never")), "nothing was opened or created");
    }

    @Test
    void openRefusesAGeometryTheCallerSetThatDiffers()
    {
        SharedMemory.builder("shape").directory(dir.path()).pages(4).create().close();
        final InvalidSegmentException pages = assertThrows(InvalidSegmentException.class,
            () -> SharedMemory.builder("shape").directory(dir.path()).pages(7).open());
        assertTrue(pages.getMessage().contains("4 pages of 4096 bytes") && pages.getMessage().contains("7 pages"),
            pages.getMessage());
        final InvalidSegmentException size = assertThrows(InvalidSegmentException.class,
            () -> SharedMemory.builder("shape").directory(dir.path()).pageSize(65536).open());
        assertTrue(size.getMessage().contains("65536 bytes"), size.getMessage());
        try (SharedMemory same = SharedMemory.builder("shape").directory(dir.path()).pages(4).pageSize(4096).open())
        {
            assertEquals(4, same.pageCount());
        }
    }
}
