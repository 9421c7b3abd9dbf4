package io.shmipc.robust;

import io.shmipc.SegmentAccessDeniedException;
import io.shmipc.SharedMemory;
import io.shmipc.testing.JavaProcess;
import io.shmipc.testing.OtherUsers;
import io.shmipc.testing.TestDirectoryExtension;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.file.attribute.PosixFilePermissions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Segments between users, as {@code shm_open} and Python's {@code SharedMemory} behave: a user's own segment opens
 * from any of its processes; another user's is refused, whoever the caller is, unless explicitly allowed. The children
 * run as unprivileged users; switching users needs root, so this class runs in the root pass of scripts/test.sh (the
 * non-root pass runs every other cross-process test as its own non-root user).
 */
@Tag(OtherUsers.TAG)
class OtherUsersTest
{
    @RegisterExtension
    final TestDirectoryExtension dir = new TestDirectoryExtension();

    @BeforeEach
    void everyoneMayCreateFilesHere()
    {
        assertTrue(OtherUsers.available(), "tagged " + OtherUsers.TAG + ": run as root, with setpriv");
        OtherUsers.openToEveryone(dir.path());
    }

    private String runAs(final int uid, final String... args)
    {
        try (JavaProcess child = JavaProcess.launch(ChildMain.class).asUser(uid, uid).args(args).start())
        {
            assertEquals(0, child.waitFor(60), child.describe());
            return child.output();
        }
    }

    private String dirPath()
    {
        return dir.path().toString();
    }

    @Test
    void aNonRootUserOpensItsOwnSegmentFromAnotherProcess()
    {
        final String created = runAs(OtherUsers.NOBODY, "create", dirPath(), "mine", "42");
        assertTrue(created.contains("CREATED by uid " + OtherUsers.NOBODY), created);
        final String opened = runAs(OtherUsers.NOBODY, "open", dirPath(), "mine");
        assertTrue(opened.contains("READ 42"), opened);
        final String openedOrCreated = runAs(OtherUsers.NOBODY, "open-or-create", dirPath(), "mine");
        assertTrue(openedOrCreated.contains("READ 42"), openedOrCreated);
    }

    @Test
    void aNonRootUserRefusesARootOwnedSegmentEvenIfWorldWritable()
    {
        try (SharedMemory shm = SharedMemory.builder("roots").directory(dir.path()).pages(1)
            .permissions(PosixFilePermissions.fromString("rw-rw-rw-")).create())
        {
            shm.writeLong(0, 7);
        }
        final String refused = runAs(OtherUsers.NOBODY, "open", dirPath(), "roots");
        assertTrue(refused.contains("REFUSED SegmentAccessDeniedException") && refused.contains("owned by uid 0"),
            refused);
        final String allowed = runAs(OtherUsers.NOBODY, "open", dirPath(), "roots", "allow-foreign");
        assertTrue(allowed.contains("READ 7"), allowed);
    }

    @Test
    void rootRefusesASegmentOfAnotherUser()
    {
        runAs(OtherUsers.NOBODY, "create", dirPath(), "theirs", "5");
        final SegmentAccessDeniedException refused = assertThrows(SegmentAccessDeniedException.class,
            () -> SharedMemory.builder("theirs").directory(dir.path()).open());
        assertTrue(refused.getMessage().contains("owned by uid " + OtherUsers.NOBODY), refused.getMessage());
        try (SharedMemory shm = SharedMemory.builder("theirs").directory(dir.path()).allowForeignOwner(true).open())
        {
            assertEquals(5, shm.readLong(0));
        }
    }

    @Test
    void aUserTheModeDoesNotLetWriteIsRefusedForPermissions()
    {
        SharedMemory.builder("readable").directory(dir.path()).pages(1)
            .permissions(PosixFilePermissions.fromString("rw-r--r--")).create().close();
        final String refused = runAs(OtherUsers.OTHER, "open", dirPath(), "readable", "allow-foreign");
        assertTrue(refused.contains("REFUSED SegmentAccessDeniedException") &&
            refused.contains("permission denied"), refused);
    }
}
