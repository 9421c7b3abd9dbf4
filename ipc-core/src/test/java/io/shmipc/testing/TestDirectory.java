package io.shmipc.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * A fresh directory for a test's segments, on {@code /dev/shm} where it exists so tests use real shared memory,
 * removed with everything in it by {@link #close()}.
 */
public final class TestDirectory implements AutoCloseable
{
    private final Path path;

    private TestDirectory(final Path path)
    {
        this.path = path;
    }

    /** @return a new empty directory under {@code /dev/shm} (or {@code java.io.tmpdir} without it). */
    public static TestDirectory create()
    {
        try
        {
            final Path parent = Files.isDirectory(Path.of("/dev/shm")) ?
                Path.of("/dev/shm") : Path.of(System.getProperty("java.io.tmpdir"));
            return new TestDirectory(Files.createTempDirectory(parent, "shmipc-test-"));
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    public Path path()
    {
        return path;
    }

    /** @return a segment name unique within this directory. */
    public static String uniqueName(final String prefix)
    {
        return prefix + "-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
    }

    @Override
    public void close()
    {
        try (Stream<Path> files = Files.walk(path))
        {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }
}
