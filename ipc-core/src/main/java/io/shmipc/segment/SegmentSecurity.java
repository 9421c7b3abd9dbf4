package io.shmipc.segment;

import io.shmipc.SegmentAccessDeniedException;
import io.shmipc.SharedMemoryException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Ownership checks for segment files: {@code /dev/shm} is world-writable, so another user can plant a file under a
 * name a program is about to open. A segment owned by another user is refused unless the caller allows it. The owner
 * compared is that of the opened descriptor ({@code fstat}), against this process's effective uid.
 */
public final class SegmentSecurity
{
    /** The kernel's view of this process; its {@code Uid:} line holds the real, effective, saved and fs uids. */
    private static final Path PROC_SELF_STATUS = Path.of("/proc/self/status");

    private SegmentSecurity()
    {
    }

    /**
     * @return the refusal of a segment file owned by {@code fileUid} if that is not this process's effective user,
     * or {@code null} if it is.
     */
    public static SegmentAccessDeniedException foreignOwner(final int fileUid, final String name, final Path path)
    {
        final int ourUid = effectiveUid();
        if (fileUid == ourUid)
        {
            return null;
        }
        return new SegmentAccessDeniedException("segment '" + name + "' at " + path + " is owned by uid " + fileUid +
            ", not by this process's effective uid " + ourUid + "; refusing it (a file planted by another user?). " +
            "Allow it with SharedMemoryBuilder.allowForeignOwner(true) if that user is trusted");
    }

    /**
     * @return the effective uid of this process, the second field of the {@code Uid:} line of
     * {@code /proc/self/status}. (Not the owner of {@code /proc/self}: that is a symbolic link owned by root.)
     * @throws SharedMemoryException if {@code /proc} cannot be read.
     */
    public static int effectiveUid()
    {
        try
        {
            for (final String line : Files.readAllLines(PROC_SELF_STATUS))
            {
                if (line.startsWith("Uid:"))
                {
                    return Integer.parseInt(line.substring("Uid:".length()).trim().split("\\s+")[1]);
                }
            }
        }
        catch (final IOException | RuntimeException ex)
        {
            throw new SharedMemoryException("cannot read this process's effective uid from " + PROC_SELF_STATUS +
                ": " + ex, ex);
        }
        throw new SharedMemoryException("no Uid: line in " + PROC_SELF_STATUS);
    }
}
