package io.shmipc.sys;

/**
 * What the kernel says of an open file or a path: the file's identity (device and inode), its owner and its mode.
 * Two descriptors refer to the same file exactly when their device and inode are equal.
 *
 * @param device the device number ({@code st_dev}).
 * @param inode  the inode number ({@code st_ino}).
 * @param uid    the owner's user id ({@code st_uid}).
 * @param mode   the file type and permission bits ({@code st_mode}).
 */
public record FileIdentity(long device, long inode, int uid, int mode)
{
    private static final int TYPE_MASK = 0xF000;
    private static final int REGULAR = 0x8000;

    /** @return whether the file is a regular file ({@code S_ISREG}). */
    public boolean isRegularFile()
    {
        return (mode & TYPE_MASK) == REGULAR;
    }

    /** @return whether {@code other} is the same file (same device and inode), whatever its owner or mode now. */
    public boolean sameFileAs(final FileIdentity other)
    {
        return other != null && device == other.device && inode == other.inode;
    }

    /** @return the key that names this file in maps: device and inode only. */
    public Key key()
    {
        return new Key(device, inode);
    }

    /** @return the permission bits as an octal string, such as {@code 0600}. */
    public String permissions()
    {
        return String.format("%04o", mode & 07777);
    }

    /**
     * The part of a {@link FileIdentity} that names a file.
     *
     * @param device the device number.
     * @param inode  the inode number.
     */
    public record Key(long device, long inode)
    {
    }
}
