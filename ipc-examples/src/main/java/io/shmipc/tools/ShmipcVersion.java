package io.shmipc.tools;

import io.shmipc.layout.SegmentDescriptor;
import picocli.CommandLine.IVersionProvider;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/**
 * The version shown by {@code shmipc --version}: the project's release version, which Maven writes into
 * {@code shmipc-version.properties} at build time, and the segment layout version this build reads and writes.
 */
public final class ShmipcVersion implements IVersionProvider
{
    private static final String RESOURCE = "shmipc-version.properties";

    @Override
    public String[] getVersion()
    {
        return new String[] {
            "shmipc " + projectVersion(),
            "segment layout version " + SegmentDescriptor.LAYOUT_VERSION
        };
    }

    /**
     * @return the Maven project version this tool was built as, e.g. {@code 0.1.0-SNAPSHOT}.
     * @throws IllegalStateException if the build did not write it (the resource is missing or was not filtered).
     */
    public static String projectVersion()
    {
        final Properties properties = new Properties();
        try (InputStream in = ShmipcVersion.class.getResourceAsStream(RESOURCE))
        {
            if (in == null)
            {
                throw new IllegalStateException(RESOURCE + " is missing from the class path: build with Maven");
            }
            properties.load(in);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot read " + RESOURCE, ex);
        }
        final String version = properties.getProperty("version", "");
        if (version.isBlank() || version.contains("${"))
        {
            throw new IllegalStateException(RESOURCE + " holds '" + version + "', not a version: Maven did not " +
                "filter it");
        }
        return version;
    }
}
