package io.shmipc.tools;

import io.shmipc.SharedMemory;
import io.shmipc.SharedMemoryBuilder;
import io.shmipc.segment.SegmentDirectories;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.time.Duration;

/** The {@code --dir} option every command takes: where the segments are. */
public final class DirectoryOption
{
    @Option(
        names = {"-d", "--dir"},
        paramLabel = "DIR",
        description = "Directory of the segments (default: $SHMIPC_DIR, else /dev/shm).")
    private Path directory;

    /** @return the directory given, else {@code $SHMIPC_DIR}, else the library's default ({@code /dev/shm}). */
    public Path directory()
    {
        if (directory != null)
        {
            return directory;
        }
        final String env = System.getenv("SHMIPC_DIR");
        return env != null && !env.isBlank() ? Path.of(env) : SegmentDirectories.defaultDirectory();
    }

    /** @return a builder for segment {@code name} in {@link #directory()}, that does not wait for initialisation. */
    public SharedMemoryBuilder segment(final String name)
    {
        return SharedMemory.builder(name).directory(directory()).initTimeout(Duration.ZERO);
    }
}
