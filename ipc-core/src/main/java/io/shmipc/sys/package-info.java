/**
 * Operating-system calls the segment life cycle and the lock protocol need beyond the JDK 17 API: the descriptor
 * behind a {@link java.nio.channels.FileChannel} and the identity of its open file; and, from JDK 22 on (through
 * the FFM API, in the {@code META-INF/versions/22} part of the multi-release jar), open-file-description locks,
 * futex waits and wakes, and replacing a mapping with anonymous memory. On JDK 17 to 21 the classes of this package
 * report those capabilities as unsupported and the library uses its documented fallbacks ({@code docs/FORMAT.md}).
 *
 * <p>Internal: not exported by the {@code io.shmipc} module.
 */
package io.shmipc.sys;
