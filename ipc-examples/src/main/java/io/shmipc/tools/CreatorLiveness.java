package io.shmipc.tools;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

/**
 * Whether the process that created a segment is still alive in this PID namespace, as far as {@code /proc} can
 * tell. The header records the creator's PID in the creator's own PID namespace, so:
 * <ul>
 *   <li>{@code alive}: a process of that PID exists here and started before the segment was created;</li>
 *   <li>{@code not running}: no process of that PID exists here, or the one that does started after the segment was
 *   created (the PID was reused, or the creator ran in another PID namespace: another container sharing
 *   {@code /dev/shm}, where this tool cannot look);</li>
 *   <li>{@code unknown}: {@code /proc} belongs to another PID namespace than this process ({@code /proc/self} is
 *   not our PID), or the process's start time cannot be read.</li>
 * </ul>
 */
final class CreatorLiveness
{
    /** {@code /proc} times: process start in clock ticks since boot, at the kernel's USER_HZ, 100 on Linux. */
    private static final long MILLIS_PER_TICK = 10;
    /** Boot time is in whole seconds, and the creation time is taken after the creator started. */
    private static final long SLACK_MILLIS = 1_000;

    private CreatorLiveness()
    {
    }

    /** The answer and why. */
    record Verdict(String state, String reason)
    {
        static final String ALIVE = "alive";
        static final String NOT_RUNNING = "not running";
        static final String UNKNOWN = "unknown";
    }

    /**
     * @param proc       where {@code /proc} is.
     * @param creatorPid the PID in the segment's header.
     * @param created    the creation time in its header.
     * @return whether that creator is alive, not running, or unknown from here, and why.
     */
    static Verdict of(final Path proc, final long creatorPid, final Instant created)
    {
        final long myPid = ProcessHandle.current().pid();
        if (!Long.toString(myPid).equals(readLink(proc.resolve("self"))))
        {
            return new Verdict(Verdict.UNKNOWN, proc + " shows another PID namespace than this process's");
        }
        final Path process = proc.resolve(Long.toString(creatorPid));
        if (creatorPid <= 0 || !Files.isDirectory(process))
        {
            return new Verdict(Verdict.NOT_RUNNING, "no process " + creatorPid + " in this PID namespace");
        }
        final String who = "process " + creatorPid + (creatorPid == myPid ? " (this one)" : "");
        final long startMillis = startMillis(proc, process);
        if (startMillis < 0)
        {
            return new Verdict(Verdict.UNKNOWN, "cannot read the start time of " + who);
        }
        if (startMillis > created.toEpochMilli() + SLACK_MILLIS)
        {
            return new Verdict(Verdict.NOT_RUNNING, who + " started at " + Instant.ofEpochMilli(startMillis) +
                ", after the segment was created: it is not the creator, which exited or ran in another PID " +
                "namespace");
        }
        return new Verdict(Verdict.ALIVE, who + " in this PID namespace, started at " +
            Instant.ofEpochMilli(startMillis) + ", before the segment was created");
    }

    /** @return the start time of {@code process} in epoch milliseconds, or -1 if it cannot be read. */
    private static long startMillis(final Path proc, final Path process)
    {
        long bootSeconds = -1;
        for (final String line : readLines(proc.resolve("stat")))
        {
            if (line.startsWith("btime "))
            {
                bootSeconds = Long.parseLong(line.substring("btime ".length()).trim());
            }
        }
        final List<String> stat = readLines(process.resolve("stat"));
        if (bootSeconds < 0 || stat.isEmpty())
        {
            return -1;
        }
        // "pid (comm) state ppid ...": comm may hold spaces and parentheses; field 22, starttime, counts from there.
        final String line = stat.get(0);
        final String[] afterComm = line.substring(line.lastIndexOf(')') + 2).split(" ");
        final int startTimeIndex = 22 - 3;
        if (afterComm.length <= startTimeIndex)
        {
            return -1;
        }
        return bootSeconds * 1000 + Long.parseLong(afterComm[startTimeIndex]) * MILLIS_PER_TICK;
    }

    private static String readLink(final Path link)
    {
        try
        {
            return Files.readSymbolicLink(link).toString();
        }
        catch (final IOException | RuntimeException ex)
        {
            return null;
        }
    }

    private static List<String> readLines(final Path file)
    {
        try
        {
            return Files.readAllLines(file, StandardCharsets.UTF_8);
        }
        catch (final IOException | RuntimeException ex)
        {
            return List.of();
        }
    }
}
