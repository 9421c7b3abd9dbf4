package io.shmipc.sys;

/**
 * Replaces a mapping in place with private anonymous memory ({@code mmap(MAP_FIXED | MAP_ANONYMOUS)}): the file's
 * pages stop being mapped at once, so the file's memory can be freed, while the addresses stay valid, so a thread that
 * still touches them reads zeros instead of faulting. Unsupported on this JDK (see the JDK 22+ version).
 */
public final class AddressSpace
{
    private AddressSpace()
    {
    }

    /** @return whether mappings can be replaced: never on this JDK. */
    public static boolean isSupported()
    {
        return false;
    }

    /**
     * Replaces {@code length} bytes of mapping at {@code address} (page-aligned) with anonymous memory.
     *
     * @throws IllegalStateException if the kernel refuses.
     */
    public static void replaceWithAnonymous(final long address, final long length)
    {
        throw new UnsupportedOperationException("mmap needs JDK 22+");
    }
}
