package io.shmipc.tools;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

/**
 * Whether the process that created a segment is still alive, as far as {@code /proc} can tell. The header records
 * the creator's PID in the creator's own PID namespace, so the answer is {@code alive} or {@code not running} only
 * when that PID can be checked here, and {@code unknown} otherwise:
 * <ul>
 *   <li>{@code /proc} belongs to another PID namespace than this process ({@code /proc/self} is not our PID);</li>
 *   <li>a process this {@code /proc} cannot see holds the segment open: every open handle holds an owner-slot lock,
 *   and {@code /proc/locks} shows the holder's PID as 0 when it lives in another PID namespace (another
 *   container sharing {@code /dev/shm}), where the creator may be too.</li>
 * </ul>
 * Otherwise the creator is {@code alive} if a process of that PID exists and started before the segment was created,
 * and {@code not running} if there is no such process, or the one there started later (the PID was reused).
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
     * @param segment    the segment file.
     * @param creatorPid the PID in its header.
     * @param created    the creation time in its header.
     * @return whether that creator is alive, not running, or unknown from here, and why.
     */
    static Verdict of(final Path proc, final Path segment, final long creatorPid, final Instant created)
    {
        final long myPid = ProcessHandle.current().pid();
        final String self = readLink(proc.resolve("self"));
        if (!Long.toString(myPid).equals(self))
        {
            return new Verdict(Verdict.UNKNOWN, proc + " shows another PID namespace than this process's");
        }
        if (heldFromAnotherPidNamespace(proc, segment))
        {
            return new Verdict(Verdict.UNKNOWN, "processes in another PID namespace have the segment open, and the " +
                "creator's PID may be one of theirs");
        }
        if (creatorPid == myPid)
        {
            return new Verdict(Verdict.ALIVE, "this process");
        }
        final Path process = proc.resolve(Long.toString(creatorPid));
        if (creatorPid <= 0 || !Files.isDirectory(process))
        {
            return new Verdict(Verdict.NOT_RUNNING, "no process " + creatorPid + " in this PID namespace");
        }
        final long startMillis = startMillis(proc, process);
        if (startMillis < 0)
        {
            return new Verdict(Verdict.UNKNOWN, "cannot read the start time of process " + creatorPid);
        }
        if (startMillis > created.toEpochMilli() + SLACK_MILLIS)
        {
            return new Verdict(Verdict.NOT_RUNNING, "process " + creatorPid + " started at " +
                Instant.ofEpochMilli(startMillis) + ", after the segment was created: its PID was reused");
        }
        return new Verdict(Verdict.ALIVE, "process " + creatorPid + " in this PID namespace, started at " +
            Instant.ofEpochMilli(startMillis));
    }

    /** @return whether {@code /proc/locks} shows a lock on {@code segment} by a process this namespace cannot see. */
    private static boolean heldFromAnotherPidNamespace(final Path proc, final Path segment)
    {
        final String device;
        try
        {
            final long dev = (Long)Files.getAttribute(segment, "unix:dev", LinkOption.NOFOLLOW_LINKS);
            final long ino = (Long)Files.getAttribute(segment, "unix:ino", LinkOption.NOFOLLOW_LINKS);
            device = String.format("%02x:%02x:%d", major(dev), minor(dev), ino);
        }
        catch (final IOException | RuntimeException ex)
        {
            return false;
        }
        for (final String line : readLines(proc.resolve("locks")))
        {
            // "1: POSIX  ADVISORY  WRITE 23621 fe:00:2146384 0 EOF"; a blocked waiter's line has "->" after the id.
            final String[] fields = line.trim().split("\\s+");
            final int pidField = fields.length > 1 && "->".equals(fields[1]) ? 5 : 4;
            if (fields.length > pidField + 1 && "POSIX".equals(fields[pidField - 3]) &&
                device.equals(fields[pidField + 1]) && "0".equals(fields[pidField]))
            {
                return true;
            }
        }
        return false;
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

    private static long major(final long dev)
    {
        return ((dev >>> 8) & 0xfff) | ((dev >>> 32) & ~0xfffL);
    }

    private static long minor(final long dev)
    {
        return (dev & 0xff) | ((dev >>> 12) & ~0xffL);
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
