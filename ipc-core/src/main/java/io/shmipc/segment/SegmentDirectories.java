package io.shmipc.segment;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

/** Where segments live by default: {@code /dev/shm}, or {@code java.io.tmpdir} where there is none. */
public final class SegmentDirectories
{
    /** The Linux shared-memory file system, where {@code shm_open} puts its objects. */
    public static final Path DEV_SHM = Paths.get("/dev/shm");

    private static final Logger LOG = LoggerFactory.getLogger(SegmentDirectories.class);
    private static volatile Path defaultDirectory;

    private SegmentDirectories()
    {
    }

    /** @return {@code /dev/shm} if it is a directory, else {@code java.io.tmpdir} (logged once). */
    public static Path defaultDirectory()
    {
        Path dir = defaultDirectory;
        if (dir == null)
        {
            dir = resolveDefault(DEV_SHM);
            defaultDirectory = dir;
        }
        return dir;
    }

    static Path resolveDefault(final Path devShm)
    {
        if (Files.isDirectory(devShm))
        {
            return devShm;
        }
        final Path tmp = Paths.get(System.getProperty("java.io.tmpdir"));
        LOG.info("{} does not exist; segments default to {} (not shared memory: a file system page cache)",
            devShm, tmp);
        return tmp;
    }
}
