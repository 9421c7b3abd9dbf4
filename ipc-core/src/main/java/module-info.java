/**
 * shm-ipc: named shared-memory segments with a per-page sequence lock, across threads, JVMs and containers.
 *
 * <p>The API is {@link io.shmipc.SharedMemory}, opened or created through {@link io.shmipc.SharedMemoryBuilder};
 * {@code io.shmipc.layout} holds the segment format's constants that the API refers to. Every other package is an
 * implementation detail and is not exported.
 *
 * <p>Agrona 2.x needs {@code jdk.internal.misc} exported to it: run a modular application with
 * {@code --add-exports java.base/jdk.internal.misc=org.agrona}.
 */
module io.shmipc
{
    requires transitive org.agrona;
    requires org.slf4j;

    exports io.shmipc;
    exports io.shmipc.layout;
}
