package io.shmipc.tools;

import io.shmipc.layout.SegmentDescriptor;
import picocli.CommandLine.IVersionProvider;

/** The version shown by {@code shmipc --version}: the jar's and the segment layout's. */
public final class ShmipcVersion implements IVersionProvider
{
    @Override
    public String[] getVersion()
    {
        final String version = Shmipc.class.getPackage().getImplementationVersion();
        return new String[] {
            "shmipc " + (version != null ? version : "(development build)"),
            "segment layout version " + SegmentDescriptor.LAYOUT_VERSION
        };
    }
}
