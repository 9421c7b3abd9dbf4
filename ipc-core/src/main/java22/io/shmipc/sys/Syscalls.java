package io.shmipc.sys;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.util.Locale;

/**
 * The C library functions this package calls through the FFM API (JDK 22+), looked up once. If anything about
 * this JVM or platform rules them out (not Linux on x86-64 or AArch64, native access denied, property
 * {@code shmipc.native=false}), {@link #AVAILABLE} is {@code false} and {@link #WHY} says why.
 */
final class Syscalls
{
    static final boolean AVAILABLE;
    static final String WHY;

    /** {@code int fcntl(int fd, int cmd, struct flock *lock)}, errno captured. */
    static final MethodHandle FCNTL_FLOCK;
    /** {@code int fcntl(int fd, int cmd, int arg)}, errno captured. */
    static final MethodHandle FCNTL_INT;
    /** {@code void *mmap(void *addr, size_t length, int prot, int flags, int fd, off_t offset)}. */
    static final MethodHandle MMAP;
    /** {@code long syscall(SYS_futex, uint32_t *uaddr, int op, uint32_t val, struct timespec *timeout, ...)}. */
    static final MethodHandle FUTEX;
    /** The same, for {@code FUTEX_WAKE}: a short call that never blocks. */
    static final MethodHandle FUTEX_WAKE_CALL;
    /** {@code SYS_futex} on this architecture. */
    static final long SYS_FUTEX;
    /** {@code long syscall(SYS_futex_waitv, struct futex_waitv *waiters, unsigned n, unsigned flags,
     * struct timespec *timeout, clockid_t clockid)}. */
    static final MethodHandle FUTEX_WAITV;
    /** {@code SYS_futex_waitv}: 449 on x86-64 and AArch64 (the generic table). */
    static final long SYS_FUTEX_WAITV = 449;
    /** Whether this kernel has {@code futex_waitv} (Linux 5.16+). */
    static final boolean FUTEX_WAITV_AVAILABLE;

    static final StructLayout CALL_STATE;
    static final VarHandle ERRNO;

    static final int F_SETFD = 2;
    static final int FD_CLOEXEC = 1;
    static final int F_OFD_GETLK = 36;
    static final int F_OFD_SETLK = 37;
    static final short F_WRLCK = 1;
    static final short F_UNLCK = 2;
    static final int EAGAIN = 11;
    static final int EACCES = 13;

    /** {@code struct flock} on x86-64 and AArch64 Linux: short type, short whence, off_t start, off_t len, pid. */
    static final long FLOCK_SIZE = 32;
    static final long FLOCK_TYPE = 0;
    static final long FLOCK_WHENCE = 2;
    static final long FLOCK_START = 8;
    static final long FLOCK_LEN = 16;
    static final long FLOCK_PID = 24;

    static
    {
        boolean available = false;
        String why;
        MethodHandle fcntlFlock = null;
        MethodHandle fcntlInt = null;
        MethodHandle mmap = null;
        MethodHandle futex = null;
        MethodHandle futexWake = null;
        MethodHandle futexWaitv = null;
        boolean waitvAvailable = false;
        StructLayout callState = null;
        VarHandle errno = null;
        long sysFutex = -1;
        final String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        final String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        if (!os.startsWith("linux"))
        {
            why = "not Linux (" + os + ")";
        }
        else if (!arch.equals("amd64") && !arch.equals("x86_64") && !arch.equals("aarch64"))
        {
            why = "architecture " + arch + " is not x86-64 or AArch64";
        }
        else if ("false".equalsIgnoreCase(System.getProperty(NativeAccess.PROPERTY)))
        {
            why = "turned off by -D" + NativeAccess.PROPERTY + "=false";
        }
        else
        {
            sysFutex = arch.equals("aarch64") ? 98 : 202;
            try
            {
                final Linker linker = Linker.nativeLinker();
                final SymbolLookup libc = linker.defaultLookup();
                callState = Linker.Option.captureStateLayout();
                errno = callState.varHandle(MemoryLayout.PathElement.groupElement("errno"));
                fcntlFlock = linker.downcallHandle(libc.find("fcntl").orElseThrow(),
                    FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
                        ValueLayout.ADDRESS),
                    Linker.Option.firstVariadicArg(2), Linker.Option.captureCallState("errno"));
                fcntlInt = linker.downcallHandle(libc.find("fcntl").orElseThrow(),
                    FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
                        ValueLayout.JAVA_INT),
                    Linker.Option.firstVariadicArg(2), Linker.Option.captureCallState("errno"));
                mmap = linker.downcallHandle(libc.find("mmap").orElseThrow(),
                    FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG,
                        ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG));
                final FunctionDescriptor futexDescriptor = FunctionDescriptor.of(ValueLayout.JAVA_LONG,
                    ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
                    ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT);
                futex = linker.downcallHandle(libc.find("syscall").orElseThrow(), futexDescriptor,
                    Linker.Option.firstVariadicArg(1));
                futexWake = linker.downcallHandle(libc.find("syscall").orElseThrow(), futexDescriptor,
                    Linker.Option.firstVariadicArg(1), Linker.Option.critical(false));
                futexWaitv = linker.downcallHandle(libc.find("syscall").orElseThrow(),
                    FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG,
                        ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT),
                    Linker.Option.firstVariadicArg(1), Linker.Option.captureCallState("errno"));
                // One harmless call proves that native access is allowed here (it throws if it is denied).
                try (Arena arena = Arena.ofConfined())
                {
                    final int result = (int)fcntlInt.invokeExact(arena.allocate(callState), -1, F_SETFD, 0);
                    if (result != -1)
                    {
                        throw new IllegalStateException("fcntl(-1) succeeded");
                    }
                }
                available = true;
                why = "FFM API on JDK " + Runtime.version().feature();
                // futex_waitv with no waiters fails with EINVAL where the kernel has it, ENOSYS where it does not.
                try (Arena arena = Arena.ofConfined())
                {
                    final MemorySegment state = arena.allocate(callState);
                    final long result = (long)futexWaitv.invokeExact(state, SYS_FUTEX_WAITV, 0L, 0, 0, 0L, 1);
                    waitvAvailable = result == -1 && (int)errno.get(state, 0L) != 38; // ENOSYS
                }
            }
            catch (final Throwable ex)
            {
                why = "native calls unavailable: " + ex;
            }
        }
        AVAILABLE = available;
        WHY = why;
        FCNTL_FLOCK = fcntlFlock;
        FCNTL_INT = fcntlInt;
        MMAP = mmap;
        FUTEX = futex;
        FUTEX_WAKE_CALL = futexWake;
        FUTEX_WAITV = futexWaitv;
        FUTEX_WAITV_AVAILABLE = waitvAvailable;
        CALL_STATE = callState;
        ERRNO = errno;
        SYS_FUTEX = sysFutex;
    }

    private Syscalls()
    {
    }

    static int errno(final MemorySegment callState)
    {
        return (int)ERRNO.get(callState, 0L);
    }

    static UnsupportedOperationException unavailable()
    {
        return new UnsupportedOperationException("native calls are not available: " + WHY);
    }
}
