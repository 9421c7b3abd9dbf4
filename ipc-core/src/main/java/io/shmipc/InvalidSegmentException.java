package io.shmipc;

/**
 * The name exists but is not a usable segment: not a regular file, a symbolic link, a wrong magic number or layout
 * version, a header whose values are out of range or disagree with the file's length, or a file whose creator never
 * finished initialising it. Nothing is mapped when this is thrown.
 */
public class InvalidSegmentException extends SharedMemoryException
{
    private static final long serialVersionUID = 1L;

    /** @param message what is wrong with which file. */
    public InvalidSegmentException(final String message)
    {
        super(message);
    }
}
