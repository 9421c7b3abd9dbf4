package io.shmipc.replication.testing;

import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.nio.file.Path;

/**
 * A source host's and a replica host's directories ({@link Dirs}), created with the test instance and removed after
 * each test: {@code @RegisterExtension final HostDirs dirs = new HostDirs();}.
 */
public final class HostDirs implements AfterEachCallback
{
    private final Path source = Dirs.create("src");
    private final Path replica = Dirs.create("dst");

    /** @return the source host's directory. */
    public Path source()
    {
        return source;
    }

    /** @return the replica host's directory. */
    public Path replica()
    {
        return replica;
    }

    @Override
    public void afterEach(final ExtensionContext context)
    {
        Dirs.delete(source);
        Dirs.delete(replica);
    }
}
