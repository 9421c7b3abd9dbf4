package io.shmipc.sys;

import org.agrona.UnsafeApi;

import java.io.FileDescriptor;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Map;

/**
 * The descriptor number behind a {@link FileChannel}, and the identity of the file it has open: the equivalent of
 * {@code fstat(2)}, which the JDK does not offer. The identity comes from {@code /proc/self/fd/N}, a link that the
 * kernel resolves to the open file itself, even when its name was since unlinked or replaced.
 *
 * <p>The descriptor number is read from the JDK's private fields ({@code FileChannelImpl.fd}, then
 * {@code FileDescriptor.fd}) through Agrona's {@link UnsafeApi}, which the Agrona flag already makes available. If
 * a JDK ever renames them, {@link #numberOf(FileChannel)} returns -1 and callers fall back to what needs no number.
 */
public final class FileDescriptors
{
    private static final Path PROC_SELF_FD = Path.of("/proc/self/fd");
    private static final String STAT_ATTRIBUTES = "unix:dev,ino,uid,mode";
    private static volatile long channelFdOffset = -1;
    private static volatile long descriptorFdOffset = -1;
    private static volatile boolean unavailable;

    private FileDescriptors()
    {
    }

    /** @return the descriptor number of {@code channel}, or -1 if it cannot be found out on this JDK. */
    public static int numberOf(final FileChannel channel)
    {
        if (unavailable)
        {
            return -1;
        }
        try
        {
            long channelOffset = channelFdOffset;
            long descriptorOffset = descriptorFdOffset;
            if (channelOffset < 0 || descriptorOffset < 0)
            {
                channelOffset = UnsafeApi.objectFieldOffset(channel.getClass(), "fd");
                descriptorOffset = UnsafeApi.objectFieldOffset(FileDescriptor.class, "fd");
                channelFdOffset = channelOffset;
                descriptorFdOffset = descriptorOffset;
            }
            final Object descriptor = UnsafeApi.getReference(channel, channelOffset);
            if (!(descriptor instanceof FileDescriptor))
            {
                unavailable = true;
                return -1;
            }
            return UnsafeApi.getInt(descriptor, descriptorOffset);
        }
        catch (final RuntimeException | Error ex)
        {
            unavailable = true;
            return -1;
        }
    }

    /**
     * @return the identity, owner and mode of the file that {@code channel} has open ({@code fstat}).
     * @throws IOException if the descriptor number is unknown or {@code /proc} cannot be read.
     */
    public static FileIdentity stat(final FileChannel channel) throws IOException
    {
        final int fd = numberOf(channel);
        if (fd < 0)
        {
            throw new IOException("the descriptor number of a FileChannel is not readable on this JDK");
        }
        return identity(PROC_SELF_FD.resolve(Integer.toString(fd)), true);
    }

    /**
     * @return what {@link #stat(FileChannel)} says of {@code channel}, or, on a JDK whose descriptor numbers cannot
     * be read, what {@link #lstat(Path)} says of {@code path} (a weaker check: the name could have been replaced
     * between the open and this call).
     */
    public static FileIdentity statOrLstat(final FileChannel channel, final Path path) throws IOException
    {
        return numberOf(channel) >= 0 ? stat(channel) : lstat(path);
    }

    /**
     * @return the identity, owner and mode of {@code path} itself ({@code lstat}: a symbolic link is not followed).
     * @throws IOException if it cannot be read ({@link java.nio.file.NoSuchFileException} if it does not exist).
     */
    public static FileIdentity lstat(final Path path) throws IOException
    {
        return identity(path, false);
    }

    /**
     * @return the contents of {@code /proc/self/fdinfo/N} for {@code channel}'s descriptor (its flags and the record
     * locks this process holds on the file), or {@code null} if they cannot be read.
     */
    public static String info(final FileChannel channel)
    {
        final int fd = numberOf(channel);
        if (fd < 0)
        {
            return null;
        }
        try
        {
            return Files.readString(Path.of("/proc/self/fdinfo/" + fd));
        }
        catch (final IOException ex)
        {
            return null;
        }
    }

    private static FileIdentity identity(final Path path, final boolean follow) throws IOException
    {
        final Map<String, Object> attributes = follow ? Files.readAttributes(path, STAT_ATTRIBUTES) :
            Files.readAttributes(path, STAT_ATTRIBUTES, LinkOption.NOFOLLOW_LINKS);
        return new FileIdentity(
            ((Number)attributes.get("dev")).longValue(),
            ((Number)attributes.get("ino")).longValue(),
            ((Number)attributes.get("uid")).intValue(),
            ((Number)attributes.get("mode")).intValue());
    }
}
