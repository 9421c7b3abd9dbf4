package io.shmipc;

import io.shmipc.testing.TestDirectoryExtension;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.ByteBuffer;
import java.nio.ReadOnlyBufferException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Arrays;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every bad argument gets a clear exception naming the bad value, and a refused call changes no byte and leaves no
 * lock held.
 */
class BadInputTest
{
    private static final int PAGE = 64;
    private static final int PAGES = 4;
    private static final int CAPACITY = PAGE * PAGES;

    @RegisterExtension
    final TestDirectoryExtension dir = new TestDirectoryExtension();
    private SharedMemory shm;
    private byte[] before;

    @BeforeEach
    void setUp()
    {
        shm = SharedMemory.builder("bad").directory(dir.path()).pages(PAGES).pageSize(PAGE).create();
        final byte[] pattern = new byte[CAPACITY];
        for (int i = 0; i < CAPACITY; i++)
        {
            pattern[i] = (byte)(i + 1);
        }
        shm.write(0, pattern);
        before = snapshotFile();
    }

    @AfterEach
    void tearDown()
    {
        shm.close();
    }

    static Stream<Arguments> badRanges()
    {
        return Stream.of(
            Arguments.of(-1, 4, "-1"),
            Arguments.of(0, -1, "-1"),
            Arguments.of(CAPACITY, 1, String.valueOf(CAPACITY)),
            Arguments.of(CAPACITY - 3, 4, String.valueOf(CAPACITY + 1)),
            Arguments.of(Integer.MAX_VALUE, 8, "2147483655"),   // offset + length overflows an int
            Arguments.of(8, Integer.MAX_VALUE, "2147483655"),
            Arguments.of(Integer.MIN_VALUE, 8, String.valueOf(Integer.MIN_VALUE)));
    }

    @ParameterizedTest(name = "offset {0} length {1}")
    @MethodSource("badRanges")
    void outOfRangeAccessesAreRefusedWithTheValue(final int offset, final int length, final String named)
    {
        final byte[] big = new byte[1024];
        expectRefused(IndexOutOfBoundsException.class, named, () -> shm.write(offset, big, 0, length));
        expectRefused(IndexOutOfBoundsException.class, named, () -> shm.read(offset, big, 0, length));
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[1024]);
        expectRefused(IndexOutOfBoundsException.class, named, () -> shm.write(offset, buffer, 0, length));
        expectRefused(IndexOutOfBoundsException.class, named, () -> shm.read(offset, buffer, 0, length));
        final ByteBuffer bb = ByteBuffer.allocate(1024);
        expectRefused(IndexOutOfBoundsException.class, named, () -> shm.write(offset, bb, 0, length));
        expectRefused(IndexOutOfBoundsException.class, named, () -> shm.read(offset, bb, 0, length));
    }

    @Test
    void valueHelpersCheckTheirWidth()
    {
        expectRefused(IndexOutOfBoundsException.class, "capacity " + CAPACITY, () -> shm.writeLong(CAPACITY - 7, 1));
        expectRefused(IndexOutOfBoundsException.class, "capacity " + CAPACITY, () -> shm.readLong(CAPACITY - 4));
        expectRefused(IndexOutOfBoundsException.class, "-8", () -> shm.writeLong(-8, 1));
        expectRefused(IndexOutOfBoundsException.class, "capacity " + CAPACITY, () -> shm.writeInt(CAPACITY - 3, 1));
        expectRefused(IndexOutOfBoundsException.class, "-1", () -> shm.readInt(-1));
    }

    @Test
    void tooSmallOrNegativeArraySidesAreRefused()
    {
        final byte[] small = new byte[10];
        expectRefused(IndexOutOfBoundsException.class, "src length 10", () -> shm.write(0, small, 0, 11));
        expectRefused(IndexOutOfBoundsException.class, "src length 10", () -> shm.write(0, small, 5, 6));
        expectRefused(IndexOutOfBoundsException.class, "src offset -1", () -> shm.write(0, small, -1, 2));
        expectRefused(IndexOutOfBoundsException.class, "dst length 10", () -> shm.read(0, small, 0, 11));
        expectRefused(IndexOutOfBoundsException.class, "dst offset -3", () -> shm.read(0, small, -3, 1));
        expectRefused(IndexOutOfBoundsException.class, "dst length 10",
            () -> shm.read(0, new UnsafeBuffer(small), 9, 2));
        expectRefused(IndexOutOfBoundsException.class, "src length 10",
            () -> shm.write(0, ByteBuffer.wrap(small), 9, 2));
        expectRefused(IndexOutOfBoundsException.class, "src offset 2147483647",
            () -> shm.write(0, small, Integer.MAX_VALUE, 8));
    }

    @Test
    void nullArraysAndBuffersAreRefused()
    {
        expectRefused(NullPointerException.class, "src", () -> shm.write(0, (byte[])null, 0, 1));
        expectRefused(NullPointerException.class, "dst", () -> shm.read(0, (byte[])null, 0, 1));
        expectRefused(NullPointerException.class, "src", () -> shm.write(0, (UnsafeBuffer)null, 0, 1));
        expectRefused(NullPointerException.class, "dst", () -> shm.read(0, (UnsafeBuffer)null, 0, 1));
        expectRefused(NullPointerException.class, "src", () -> shm.write(0, (ByteBuffer)null, 0, 1));
        expectRefused(NullPointerException.class, "dst", () -> shm.read(0, (ByteBuffer)null, 0, 1));
    }

    @Test
    void readOnlyDestinationIsRefused()
    {
        final ByteBuffer readOnly = ByteBuffer.allocateDirect(16).asReadOnlyBuffer();
        assertThrows(ReadOnlyBufferException.class, () -> shm.read(0, readOnly, 0, 8));
        assertNothingChanged();
    }

    @Test
    void badPagesAreRefused()
    {
        expectRefused(IndexOutOfBoundsException.class, "page -1", () -> shm.version(-1));
        expectRefused(IndexOutOfBoundsException.class, "page 4", () -> shm.version(PAGES));
        expectRefused(IndexOutOfBoundsException.class, "page 4", () -> shm.awaitChange(PAGES, 0, Duration.ZERO));
        expectRefused(IndexOutOfBoundsException.class, "page -2", () -> shm.lockWord(-2));
        expectRefused(IndexOutOfBoundsException.class, "offset " + CAPACITY, () -> shm.pageOf(CAPACITY));
        assertThrows(NullPointerException.class, () -> shm.awaitChange(0, 0, null));
    }

    @Test
    void badGeometriesAreRefusedAndCreateNothing()
    {
        final SharedMemoryBuilder builder = SharedMemory.builder("geometry").directory(dir.path());
        expectMessage(IllegalArgumentException.class, "page count 0", () -> builder.pages(0));
        expectMessage(IllegalArgumentException.class, "page count -5", () -> builder.pages(-5));
        expectMessage(IllegalArgumentException.class, "page size 100", () -> builder.pageSize(100));
        expectMessage(IllegalArgumentException.class, "page size 32", () -> builder.pageSize(32));
        expectMessage(IllegalArgumentException.class, "page size 0", () -> builder.pageSize(0));
        expectMessage(IllegalArgumentException.class, "page size -4096", () -> builder.pageSize(-4096));
        expectMessage(IllegalArgumentException.class, "page count 1000000",
            () -> builder.pages(1_000_000).pageSize(4096).create());
        expectMessage(IllegalArgumentException.class, "page count 2147483647",
            () -> builder.pages(Integer.MAX_VALUE).pageSize(1 << 30).create());
        expectMessage(IllegalStateException.class, "page count not set",
            () -> SharedMemory.builder("nopages").directory(dir.path()).create());
        expectMessage(IllegalArgumentException.class, "init timeout", () -> builder.initTimeout(Duration.ofSeconds(-1)));
        assertFalse(Files.exists(dir.path().resolve("geometry")));
        assertFalse(Files.exists(dir.path().resolve("nopages")));
    }

    static Stream<Arguments> badNames()
    {
        return Stream.of(
            Arguments.of("", "empty"),
            Arguments.of("a/b", "'a/b'"),
            Arguments.of("/abs", "'/abs'"),
            Arguments.of(".", "'.'"),
            Arguments.of("..", "'..'"),
            Arguments.of("nul\0byte", "NUL"),
            Arguments.of("x".repeat(256), "256 bytes"),
            Arguments.of("é".repeat(128), "256 bytes"));
    }

    @ParameterizedTest(name = "name {1}")
    @MethodSource("badNames")
    void badNamesAreRefusedByEveryEntryPoint(final String name, final String named)
    {
        expectMessage(IllegalArgumentException.class, named, () -> SharedMemory.builder(name));
        expectMessage(IllegalArgumentException.class, named, () -> SharedMemory.create(name, 1));
        expectMessage(IllegalArgumentException.class, named, () -> SharedMemory.open(name));
        expectMessage(IllegalArgumentException.class, named, () -> SharedMemory.openOrCreate(name, 1));
        expectMessage(IllegalArgumentException.class, named, () -> SharedMemory.unlink(name));
    }

    @Test
    void nullNameIsRefused()
    {
        expectMessage(IllegalArgumentException.class, "null", () -> SharedMemory.builder(null));
    }

    @Test
    void longestValidNameWorks()
    {
        final String name = "n".repeat(255);
        try (SharedMemory ok = SharedMemory.builder(name).directory(dir.path()).pages(1).create())
        {
            assertEquals(name, ok.name());
        }
    }

    private <T extends Throwable> void expectRefused(final Class<T> type, final String named, final Executable call)
    {
        expectMessage(type, named, call);
        assertNothingChanged();
    }

    private static <T extends Throwable> void expectMessage(
        final Class<T> type, final String named, final Executable call)
    {
        final T ex = assertThrows(type, call);
        assertTrue(String.valueOf(ex.getMessage()).contains(named),
            "message should name '" + named + "': " + ex.getMessage());
    }

    private void assertNothingChanged()
    {
        assertArrayEquals(before, snapshotFile(), "a refused call changed the segment file");
        for (int page = 0; page < PAGES; page++)
        {
            assertEquals(1, shm.version(page), "version of page " + page);
            assertFalse(io.shmipc.layout.LockWord.isHeld(shm.lockWord(page)), "page " + page + " left locked");
        }
        // and the segment is still fully usable
        final byte[] probe = new byte[CAPACITY];
        shm.read(0, probe);
        final int data = (int)io.shmipc.layout.SegmentDescriptor.dataOffset(PAGES);
        assertArrayEquals(Arrays.copyOfRange(before, data, data + CAPACITY), probe);
    }

    private byte[] snapshotFile()
    {
        try
        {
            return Files.readAllBytes(shm.path());
        }
        catch (final java.io.IOException ex)
        {
            throw new java.io.UncheckedIOException(ex);
        }
    }
}
