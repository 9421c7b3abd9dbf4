package io.shmipc.tools;

import io.shmipc.SharedMemory;
import io.shmipc.SharedMemoryException;
import picocli.CommandLine.Option;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The options of every command that opens a segment: {@code --allow-foreign-owner}. Opens through the library and
 * words its refusals for a user of this tool: the library's advice names a Java builder method, this names the
 * option.
 */
final class OpenOptions
{
    /** The library's advice for a segment owned by another user: "...allowForeignOwner(true)". */
    private static final Pattern BUILDER_ADVICE = Pattern.compile("[\\w.]*allowForeignOwner\\(true\\)");
    static final String OPTION = "--allow-foreign-owner";

    @Option(
        names = OPTION,
        description = "Open the segment even if another user owns the file. Refused by default: anyone can put a " +
            "file into a shared directory such as /dev/shm.")
    private boolean allowForeignOwner;

    /**
     * Opens segment {@code name} in {@code dir}'s directory.
     *
     * @throws SharedMemoryException as the library does, with a refusal's advice naming {@value #OPTION}.
     */
    SharedMemory open(final DirectoryOption dir, final String name)
    {
        try
        {
            return dir.segment(name).allowForeignOwner(allowForeignOwner).open();
        }
        catch (final SharedMemoryException ex)
        {
            final String message = ex.getMessage();
            if (message == null)
            {
                throw ex;
            }
            final Matcher advice = BUILDER_ADVICE.matcher(message);
            if (!advice.find())
            {
                throw ex;
            }
            final SharedMemoryException reworded = new SharedMemoryException(advice.replaceAll(OPTION), ex);
            throw reworded;
        }
    }
}
