package io.shmipc.bench.latency;

import org.agrona.concurrent.IdleStrategy;

import java.io.IOException;
import java.nio.file.Path;

/**
 * How to set up one kind of {@link Exchange} between two processes: the ponger {@link #listen}s (creates files,
 * binds sockets) and {@link #accept}s; the pinger {@link #connect}s with the string {@code listen} returned.
 */
public interface ExchangeKind
{
    /**
     * Ponger side, before the pinger starts: creates what the pinger will connect to, under {@code dir}.
     *
     * @return what the pinger needs to find it (a port, say), never containing spaces; empty if nothing.
     */
    String listen(Path dir) throws IOException;

    /** Ponger side, after {@link #listen}: waits for the pinger if needed and returns the ponger's end. */
    Exchange accept(IdleStrategy idle) throws IOException;

    /** Pinger side: connects to what the ponger's {@link #listen} created and returns the pinger's end. */
    Exchange connect(Path dir, String info, IdleStrategy idle) throws IOException;
}
