package io.shmipc.sys;

/**
 * Replaces a mapping in place with private anonymous memory ({@code mmap(MAP_FIXED | MAP_ANONYMOUS)}), through the
 * FFM API: the file's pages stop being mapped at once, so the file's memory can be freed, while the addresses stay
 * valid, so a thread that still touches them reads zeros instead of faulting. {@code MAP_NORESERVE}: the replacement
 * costs no memory until touched.
 */
public final class AddressSpace
{
    private static final int PROT_READ_WRITE = 0x1 | 0x2;
    private static final int MAP_PRIVATE = 0x02;
    private static final int MAP_FIXED = 0x10;
    private static final int MAP_ANONYMOUS = 0x20;
    private static final int MAP_NORESERVE = 0x4000;
    private static final long MAP_FAILED = -1L;

    private AddressSpace()
    {
    }

    /** @return whether mappings can be replaced. */
    public static boolean isSupported()
    {
        return Syscalls.AVAILABLE;
    }

    /**
     * Replaces {@code length} bytes of mapping at {@code address} (page-aligned) with anonymous memory.
     *
     * @throws IllegalStateException if the kernel refuses.
     */
    public static void replaceWithAnonymous(final long address, final long length)
    {
        if (!Syscalls.AVAILABLE)
        {
            throw Syscalls.unavailable();
        }
        final long result;
        try
        {
            result = (long)Syscalls.MMAP.invokeExact(address, length, PROT_READ_WRITE,
                MAP_PRIVATE | MAP_FIXED | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0L);
        }
        catch (final RuntimeException | Error ex)
        {
            throw ex;
        }
        catch (final Throwable ex)
        {
            throw new IllegalStateException(ex);
        }
        if (result == MAP_FAILED || result != address)
        {
            throw new IllegalStateException("mmap(MAP_FIXED) over " + length + " bytes at 0x" +
                Long.toHexString(address) + " returned 0x" + Long.toHexString(result));
        }
    }
}
