package io.shmipc.sys;

/**
 * Whether this JVM can make the system calls of this package (JDK 17 to 21: it cannot; the JDK 22+ version of this
 * class, in the multi-release jar, answers for the FFM API). System property {@value #PROPERTY}{@code =false} turns
 * them off on any JDK, for the JDK 17 behaviour everywhere.
 */
public final class NativeAccess
{
    /** System property: {@code false} turns the native calls off. */
    public static final String PROPERTY = "shmipc.native";

    private NativeAccess()
    {
    }

    /** @return whether the FFM-based calls are available: never on this JDK. */
    public static boolean isAvailable()
    {
        return false;
    }

    /** @return why the calls are not available, for logs and {@code shmipc info}. */
    public static String describe()
    {
        return "JDK " + Runtime.version().feature() + ": no FFM API (needs JDK 22+), using the JDK 17 fallbacks";
    }

    /**
     * @return the JVM options a child JVM of the same Java version needs for the library's native calls:
     * {@code --enable-native-access=ALL-UNNAMED} on JDK 22 and later, none before (JDK 17 rejects that option).
     */
    public static java.util.List<String> childJvmOptions()
    {
        return Runtime.version().feature() >= 22 ? java.util.List.of("--enable-native-access=ALL-UNNAMED") :
            java.util.List.of();
    }
}
