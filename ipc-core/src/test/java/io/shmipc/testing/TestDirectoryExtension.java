package io.shmipc.testing;

import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.nio.file.Path;

/**
 * A fresh {@link TestDirectory} for each test method, removed after it (after the test's own {@code @AfterEach}):
 * <pre>{@code
 * @RegisterExtension
 * final TestDirectoryExtension dir = new TestDirectoryExtension();
 * }</pre>
 */
public final class TestDirectoryExtension implements BeforeEachCallback, AfterEachCallback
{
    private TestDirectory directory;

    @Override
    public void beforeEach(final ExtensionContext context)
    {
        directory = TestDirectory.create();
    }

    @Override
    public void afterEach(final ExtensionContext context)
    {
        directory.close();
        directory = null;
    }

    /** @return the current test's directory. */
    public Path path()
    {
        return directory.path();
    }
}
