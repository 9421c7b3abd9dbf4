package io.shmipc.replication.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** Fresh directories standing in for {@code /dev/shm}, one per simulated host, removed after the test. */
public final class Dirs
{
    private Dirs()
    {
    }

    /** @return a new empty directory under {@code /dev/shm} (or {@code java.io.tmpdir} without it). */
    public static Path create(final String prefix)
    {
        try
        {
            final Path parent = Files.isDirectory(Path.of("/dev/shm")) && Files.isWritable(Path.of("/dev/shm")) ?
                Path.of("/dev/shm") : Path.of(System.getProperty("java.io.tmpdir"));
            return Files.createTempDirectory(parent, "shmipc-repl-" + prefix + "-");
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    /** Removes {@code dir} and everything in it. */
    public static void delete(final Path dir)
    {
        if (dir == null || !Files.exists(dir))
        {
            return;
        }
        try (Stream<Path> files = Files.walk(dir))
        {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }
}
