package io.shmipc.replication.transport;

import io.aeron.CommonContext;
import io.shmipc.replication.ReplicationException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/** The directories of embedded media drivers: one per transport, unique, owner-only, removed after use. */
final class EmbeddedDriverDirectory
{
    static final String PREFIX = "shmipc-aeron-";
    /** A directory this old whose driver does not answer is left over by a killed process. */
    private static final long STALE_MILLIS = TimeUnit.SECONDS.toMillis(30);
    private static final long DRIVER_TIMEOUT_MILLIS = TimeUnit.SECONDS.toMillis(10);
    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedDriverDirectory.class);

    private EmbeddedDriverDirectory()
    {
    }

    /** @return {@code /dev/shm} if it is a writable directory, else {@code java.io.tmpdir}. */
    static Path defaultParent()
    {
        final Path shm = Path.of("/dev/shm");
        return Files.isDirectory(shm) && Files.isWritable(shm) ? shm : Path.of(System.getProperty("java.io.tmpdir"));
    }

    /** Removes stale driver directories under {@code parent}, then makes a new one. */
    static Path create(final Path parent)
    {
        removeStale(parent);
        try
        {
            return Files.createTempDirectory(parent, PREFIX + ProcessHandle.current().pid() + "-",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        }
        catch (final IOException | UnsupportedOperationException ex)
        {
            throw new ReplicationException("cannot create a media driver directory in " + parent + ": " + ex, ex);
        }
    }

    /** @return the {@code aeron.dir} inside a directory made by {@link #create(Path)}. */
    static Path aeronDir(final Path dir)
    {
        return dir.resolve("driver");
    }

    /** Deletes {@code dir} and everything in it, quietly. */
    static void delete(final Path dir)
    {
        if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS))
        {
            return;
        }
        try (Stream<Path> files = Files.walk(dir))
        {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
        catch (final IOException | RuntimeException ex)
        {
            LOG.warn("could not delete media driver directory {}: {}", dir, ex.toString());
        }
    }

    private static void removeStale(final Path parent)
    {
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(parent, PREFIX + "*"))
        {
            for (final Path dir : dirs)
            {
                final BasicFileAttributes attributes =
                    Files.readAttributes(dir, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                final long age = System.currentTimeMillis() - attributes.lastModifiedTime().toMillis();
                if (attributes.isDirectory() && Files.isWritable(dir) && age > STALE_MILLIS &&
                    !CommonContext.isDriverActive(aeronDir(dir).toFile(), DRIVER_TIMEOUT_MILLIS, msg -> { }))
                {
                    LOG.info("removing media driver directory {} left by a process that is gone", dir);
                    delete(dir);
                }
            }
        }
        catch (final IOException | RuntimeException ex)
        {
            LOG.debug("could not look for stale media driver directories in {}: {}", parent, ex.toString());
        }
    }
}
