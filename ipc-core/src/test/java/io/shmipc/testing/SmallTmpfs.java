package io.shmipc.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * A tmpfs of a given size mounted for a test, standing in for Docker's small {@code /dev/shm} (64 MiB by default).
 * Mounting needs root: tests using it carry the tag {@value OtherUsers#TAG}.
 */
public final class SmallTmpfs implements AutoCloseable
{
    private final Path mountPoint;

    private SmallTmpfs(final Path mountPoint)
    {
        this.mountPoint = mountPoint;
    }

    /**
     * Mounts a tmpfs of {@code size} (mount's syntax, such as {@code 64m}) on a new directory.
     *
     * @throws IllegalStateException if it cannot be mounted (not root).
     */
    public static SmallTmpfs mount(final String size)
    {
        try
        {
            final Path mountPoint = Files.createTempDirectory("shmipc-tmpfs-");
            if (run("mount", "-t", "tmpfs", "-o", "size=" + size + ",mode=1777", "tmpfs", mountPoint.toString()) != 0)
            {
                Files.deleteIfExists(mountPoint);
                throw new IllegalStateException("cannot mount a " + size + " tmpfs (needs root); tests doing it carry " +
                    "the tag " + OtherUsers.TAG);
            }
            return new SmallTmpfs(mountPoint);
        }
        catch (final IOException ex)
        {
            throw new IllegalStateException(ex);
        }
    }

    /** @return the mounted directory. */
    public Path path()
    {
        return mountPoint;
    }

    /** @return the bytes the file system has free. */
    public long usableSpace()
    {
        try
        {
            return Files.getFileStore(mountPoint).getUsableSpace();
        }
        catch (final IOException ex)
        {
            throw new IllegalStateException(ex);
        }
    }

    @Override
    public void close()
    {
        // lazy: a mapping still held elsewhere (a failed test) must not make the unmount fail
        run("umount", "-l", mountPoint.toString());
        try
        {
            Files.deleteIfExists(mountPoint);
        }
        catch (final IOException ignore)
        {
            // a leftover empty directory in /tmp is harmless
        }
    }

    private static int run(final String... command)
    {
        try
        {
            final Process process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (!process.waitFor(30, TimeUnit.SECONDS))
            {
                process.destroyForcibly();
                return -1;
            }
            return process.exitValue();
        }
        catch (final IOException ex)
        {
            return -1;
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            return -1;
        }
    }
}
