package io.shmipc.bench.latency;

/**
 * One process's end of a two-way message channel, as the latency harness drives it: the pinger calls
 * {@link #send(long)} then {@link #receive()}; the ponger calls {@link #receive()} then {@link #send(long)} with the
 * same sequence. Messages are {@link #MESSAGE_LENGTH} bytes whose first 8 carry the sequence (the reference case
 * carries the bare sequence). Implementations busy-wait with the idle strategy they were given, allocate nothing per
 * message, and are used by one thread.
 */
public interface Exchange extends AutoCloseable
{
    /** Bytes per message. */
    int MESSAGE_LENGTH = 64;

    /** Sends message number {@code sequence} (1, 2, 3, ...) to the peer. */
    void send(long sequence);

    /** Waits for the peer's next message, copies it out, and returns its sequence. */
    long receive();

    /** Releases the channel's resources. */
    @Override
    void close();
}
