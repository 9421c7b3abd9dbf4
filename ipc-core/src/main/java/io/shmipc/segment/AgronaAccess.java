package io.shmipc.segment;

import org.agrona.DirectBuffer;

/**
 * Agrona 2.x reads and writes memory through {@code jdk.internal.misc.Unsafe}, which the JVM only opens with a
 * command-line flag. Without it the first buffer access dies deep inside Agrona with an {@link IllegalAccessError};
 * this check fails first, with the flag to add.
 */
public final class AgronaAccess
{
    /** The package Agrona needs exported. */
    public static final String INTERNAL_PACKAGE = "jdk.internal.misc";

    private static volatile boolean checked;

    private AgronaAccess()
    {
    }

    /** @return the exact JVM flag that makes Agrona work in this class loader setup, as given on a command line. */
    public static String requiredFlag()
    {
        return "--add-exports " + exportSpec();
    }

    /**
     * @return the same flag as one word, {@code --add-exports=java.base/...}: the only form the JVM accepts in
     * {@code JAVA_TOOL_OPTIONS} (the two-word form stops it from starting there).
     */
    public static String requiredFlagOneWord()
    {
        return "--add-exports=" + exportSpec();
    }

    private static String exportSpec()
    {
        final Module agrona = DirectBuffer.class.getModule();
        final String target = agrona.isNamed() ? agrona.getName() : "ALL-UNNAMED";
        return "java.base/" + INTERNAL_PACKAGE + "=" + target;
    }

    /** @throws IllegalStateException naming the flag to add if it is missing. */
    public static void ensureAvailable()
    {
        if (checked)
        {
            return;
        }
        final Module agrona = DirectBuffer.class.getModule();
        if (!Object.class.getModule().isExported(INTERNAL_PACKAGE, agrona))
        {
            throw new IllegalStateException("shm-ipc needs the JVM flag '" + requiredFlag() + "' (Agrona 2.x uses " +
                INTERNAL_PACKAGE + ".Unsafe): add it to the java command line, or add '" + requiredFlagOneWord() +
                "' (this form, with '=') to JAVA_TOOL_OPTIONS");
        }
        if (java.nio.ByteOrder.nativeOrder() != java.nio.ByteOrder.LITTLE_ENDIAN)
        {
            throw new IllegalStateException("shm-ipc's segment layout is little-endian and is accessed in native " +
                "order; this platform is " + java.nio.ByteOrder.nativeOrder());
        }
        checked = true;
    }
}
