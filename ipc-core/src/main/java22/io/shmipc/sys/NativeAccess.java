package io.shmipc.sys;

/**
 * Whether this JVM can make the system calls of this package: this is the JDK 22+ version, which uses the FFM API.
 * System property {@value #PROPERTY}{@code =false} turns them off, for the JDK 17 behaviour everywhere. Without
 * {@code --enable-native-access=ALL-UNNAMED} (or {@code =io.shmipc} for a modular application) the JDK prints a
 * warning the first time; where a future JDK denies native access, the calls are reported unavailable.
 */
public final class NativeAccess
{
    /** System property: {@code false} turns the native calls off. */
    public static final String PROPERTY = "shmipc.native";

    private NativeAccess()
    {
    }

    /** @return whether the FFM-based calls are available. */
    public static boolean isAvailable()
    {
        return Syscalls.AVAILABLE;
    }

    /** @return how the calls are made, or why they are not available, for logs and {@code shmipc info}. */
    public static String describe()
    {
        return Syscalls.WHY;
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
