package io.shmipc.testing;

import io.shmipc.segment.SegmentSecurity;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Running child JVMs as other users, for the tests of what one user may do to another's segments. Switching users
 * needs root: these tests carry the JUnit tag {@value #TAG}, and the non-root pass of {@code scripts/test.sh}
 * excludes that tag (its own children run as its own non-root user), while the root pass runs them.
 */
public final class OtherUsers
{
    /** JUnit tag of tests that need root to act as several users. */
    public static final String TAG = "needs-root";
    /** The {@code nobody} user and group of Debian. */
    public static final int NOBODY = 65534;
    /** A second unprivileged user id with no passwd entry (only the kernel's notion of a user matters). */
    public static final int OTHER = 54321;

    private static String readableClassPath;

    private OtherUsers()
    {
    }

    /** @return whether this JVM can start children as other users: it runs as root and has {@code setpriv}. */
    public static boolean available()
    {
        return SegmentSecurity.effectiveUid() == 0 && Files.isExecutable(Path.of("/usr/bin/setpriv"));
    }

    /** @return the command prefix that runs a program as {@code uid}:{@code gid} with no supplementary groups. */
    public static List<String> commandPrefix(final int uid, final int gid)
    {
        if (!available())
        {
            throw new IllegalStateException("running as another user needs root and setpriv; tests doing it carry " +
                "the tag " + TAG);
        }
        return List.of("/usr/bin/setpriv", "--reuid=" + uid, "--regid=" + gid, "--clear-groups", "--");
    }

    /**
     * @return this JVM's class path, copied to a world-readable directory (Maven's repository under /root is not
     * readable by other users); made once per JVM.
     */
    public static synchronized String readableClassPath()
    {
        if (readableClassPath == null)
        {
            try
            {
                final Path root = Files.createTempDirectory(Path.of("/tmp"), "shmipc-cp-");
                final List<String> entries = new ArrayList<>();
                int index = 0;
                for (final String entry : System.getProperty("java.class.path").split(File.pathSeparator))
                {
                    final Path source = Path.of(entry);
                    if (!Files.exists(source))
                    {
                        continue;
                    }
                    final Path target = root.resolve(index++ + "-" + source.getFileName());
                    copy(source, target);
                    entries.add(target.toString());
                }
                makeReadable(root);
                readableClassPath = String.join(File.pathSeparator, entries);
            }
            catch (final IOException ex)
            {
                throw new UncheckedIOException(ex);
            }
        }
        return readableClassPath;
    }

    /** Lets every user create files in {@code directory} (mode 1777, like /dev/shm). */
    public static void openToEveryone(final Path directory)
    {
        try
        {
            Files.setPosixFilePermissions(directory, PosixFilePermissions.fromString("rwxrwxrwx"));
            new ProcessBuilder("chmod", "+t", directory.toString()).start().waitFor();
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(ex);
        }
    }

    private static void copy(final Path source, final Path target) throws IOException
    {
        if (Files.isDirectory(source))
        {
            try (Stream<Path> files = Files.walk(source))
            {
                for (final Path file : (Iterable<Path>)files::iterator)
                {
                    final Path to = target.resolve(source.relativize(file).toString());
                    if (Files.isDirectory(file))
                    {
                        Files.createDirectories(to);
                    }
                    else
                    {
                        Files.copy(file, to, StandardCopyOption.REPLACE_EXISTING);
                    }
                }
            }
        }
        else
        {
            Files.copy(source, target, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    private static void makeReadable(final Path root) throws IOException
    {
        try (Stream<Path> files = Files.walk(root))
        {
            for (final Path file : (Iterable<Path>)files::iterator)
            {
                Files.setPosixFilePermissions(file, PosixFilePermissions.fromString(
                    Files.isDirectory(file) ? "rwxr-xr-x" : "rw-r--r--"));
            }
        }
    }
}
