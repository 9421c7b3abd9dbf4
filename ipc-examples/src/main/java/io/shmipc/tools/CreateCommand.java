package io.shmipc.tools;

import io.shmipc.SharedMemory;
import io.shmipc.layout.SegmentDescriptor;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.nio.file.attribute.PosixFilePermission;
import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.Callable;

/** {@code shmipc create}: makes a new segment. */
@Command(
    name = "create",
    mixinStandardHelpOptions = true,
    description = "Create segment NAME with N zeroed pages; fails if the name exists.")
final class CreateCommand implements Callable<Integer>
{
    @Spec
    private CommandSpec spec;

    @Mixin
    private DirectoryOption dir;

    @Parameters(index = "0", paramLabel = "NAME", description = "Segment name (a file name in the directory).")
    private String name;

    @Option(names = {"-p", "--pages"}, required = true, paramLabel = "N", description = "Number of pages.")
    private int pages;

    @Option(names = {"-s", "--page-size"}, paramLabel = "B", defaultValue = "" + SegmentDescriptor.DEFAULT_PAGE_SIZE,
        description = "Bytes per page, a power of two from 64 to 1 GiB (default: ${DEFAULT-VALUE}).")
    private int pageSize;

    @Option(names = {"-m", "--mode"}, paramLabel = "MODE", defaultValue = "0600",
        description = "File mode in octal (default: ${DEFAULT-VALUE}); applied exactly, whatever the umask.")
    private String mode;

    @Option(names = "--leases", description = "Create it with lease and sleepers words (layout version 4), so " +
        "that a process can lease pages to an exclusive writer. The C and Python clients read it too and honour its " +
        "leases.")
    private boolean leases;

    @Override
    public Integer call()
    {
        final Set<PosixFilePermission> permissions = parseMode(mode);
        if ((Integer.parseInt(mode, 8) & 0044) != 0)
        {
            spec.commandLine().getErr().println("warning: mode " + mode + " lets other users read the segment, and " +
                "a user who can read it can hold read locks on its owner-slot bytes: new processes then cannot " +
                "attach, and a dead writer's pages are not recovered (docs/FORMAT.md, hostile files). Grant read " +
                "access only to users you trust as much as writers.");
        }
        try (SharedMemory shm = dir.segment(name).pages(pages).pageSize(pageSize).permissions(permissions)
            .leases(leases).create())
        {
            spec.commandLine().getOut().printf("created %s: %d pages x %d bytes = %d bytes (file %s)%s%n",
                shm.name(), shm.pageCount(), shm.pageSize(), shm.capacity(), shm.path(),
                leases ? ", with leases (layout version 4)" : "");
        }
        return 0;
    }

    private Set<PosixFilePermission> parseMode(final String text)
    {
        final int bits;
        try
        {
            bits = Integer.parseInt(text, 8);
        }
        catch (final NumberFormatException ex)
        {
            throw new ParameterException(spec.commandLine(), "mode '" + text + "' is not an octal number like 0600");
        }
        if (bits < 0 || bits > 0777)
        {
            throw new ParameterException(spec.commandLine(), "mode '" + text + "' is outside 0000..0777 " +
                "(setuid, setgid and sticky bits are not supported)");
        }
        final PosixFilePermission[] order = {
            PosixFilePermission.OTHERS_EXECUTE, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_READ,
            PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_READ,
            PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_READ
        };
        final Set<PosixFilePermission> permissions = EnumSet.noneOf(PosixFilePermission.class);
        for (int bit = 0; bit < order.length; bit++)
        {
            if ((bits & (1 << bit)) != 0)
            {
                permissions.add(order[bit]);
            }
        }
        return permissions;
    }
}
