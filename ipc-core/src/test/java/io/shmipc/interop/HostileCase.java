package io.shmipc.interop;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * One case of the shared list of damaged and hostile files, {@code clients/testdata/hostile-files.tsv} (its header
 * describes the columns and the recipe steps), and the Java implementation of its recipe.
 */
final class HostileCase
{
    final String name;
    final String requires;
    final String expect;
    final String mentions;
    final String recipe;

    private HostileCase(final String[] columns)
    {
        this.name = columns[0];
        this.requires = columns[1];
        this.expect = columns[2];
        this.mentions = columns[3];
        this.recipe = columns[4];
    }

    /** @return every case of the shared list. */
    static List<HostileCase> load()
    {
        try
        {
            final List<HostileCase> cases = new ArrayList<>();
            for (final String line : Files.readAllLines(Clients.root().resolve("clients/testdata/hostile-files.tsv"),
                StandardCharsets.UTF_8))
            {
                if (!line.startsWith("#") && !line.isBlank())
                {
                    final String[] columns = line.split("\t");
                    if (columns.length != 5)
                    {
                        throw new AssertionError("hostile-files.tsv: not 5 tab-separated columns: " + line);
                    }
                    cases.add(new HostileCase(columns));
                }
            }
            return cases;
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    /** @return a valid layout-version-2 file of 2 pages of 4096 bytes, byte by byte from docs/FORMAT.md. */
    static byte[] validFile()
    {
        final ByteBuffer file = ByteBuffer.allocate(16384).order(ByteOrder.LITTLE_ENDIAN);
        file.put("SHMIPC\0\0".getBytes(StandardCharsets.US_ASCII));
        file.putInt(2).putInt(4096).putInt(4096).putInt(2).putLong(4096).putLong(8192).putLong(16384);
        return file.array();
    }

    /** Makes this case's file (or link, FIFO, directory) under {@link #name} in {@code dir}. */
    void build(final Path dir) throws IOException, InterruptedException
    {
        final Path path = dir.resolve(name);
        byte[] data = validFile();
        final List<String[]> special = new ArrayList<>();
        for (final String step : recipe.split(";"))
        {
            final String[] words = step.trim().split(" ");
            switch (words[0])
            {
                case "-" ->
                {
                }
                case "put32" -> ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN)
                    .putInt(Integer.decode(words[1]), (int)Long.decode(words[2]).longValue());
                case "put64" -> ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN)
                    .putLong(Integer.decode(words[1]), words[2].startsWith("0x") ?
                        Long.parseUnsignedLong(words[2].substring(2), 16) : Long.parseLong(words[2]));
                case "fill" -> Arrays.fill(data, Integer.decode(words[1]),
                    Integer.decode(words[1]) + Integer.decode(words[2]), (byte)Integer.decode(words[3]).intValue());
                case "truncate" -> data = Arrays.copyOf(data, Integer.decode(words[1]));
                case "append" -> data = Arrays.copyOf(data, data.length + Integer.decode(words[1]));
                default -> special.add(words);
            }
        }
        final boolean noFile = special.stream().anyMatch(w -> List.of("symlink", "dangling-symlink", "fifo",
            "directory", "absent").contains(w[0]));
        if (!noFile)
        {
            Files.write(path, data);
            Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-------"));
        }
        for (final String[] words : special)
        {
            switch (words[0])
            {
                case "symlink" ->
                {
                    final Path target = dir.resolve(name + ".target");
                    Files.write(target, data);
                    Files.createSymbolicLink(path, target);
                }
                case "dangling-symlink" -> Files.createSymbolicLink(path, dir.resolve("nothing-here"));
                case "fifo" ->
                {
                    final Process mkfifo = new ProcessBuilder("mkfifo", "-m", "600", path.toString()).start();
                    if (mkfifo.waitFor() != 0)
                    {
                        throw new AssertionError("mkfifo failed");
                    }
                }
                case "directory" -> Files.createDirectory(path);
                case "absent" ->
                {
                }
                case "chown" -> Files.setAttribute(path, "unix:uid", Integer.parseInt(words[1]),
                    LinkOption.NOFOLLOW_LINKS);
                case "chmod" -> Files.setAttribute(path, "unix:mode", Integer.parseInt(words[1], 8));
                default -> throw new AssertionError("unknown recipe step '" + words[0] + "' in case " + name);
            }
        }
    }

    @Override
    public String toString()
    {
        return name;
    }
}
