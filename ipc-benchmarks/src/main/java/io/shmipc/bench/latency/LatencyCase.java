package io.shmipc.bench.latency;

import java.util.Arrays;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/** The exchanges the cross-process harness compares, each measured against {@link #REFERENCE} in the same pair. */
public enum LatencyCase
{
    /** One {@code long} per direction on its own cache line: the floor. */
    REFERENCE("reference", "reference (1 long per direction)", ReferenceExchange::kind),
    /** {@code SharedMemory}: write a page, {@code awaitChange} (the library's own waiting) and read the peer's page. */
    SHARED_MEMORY("shm", "SharedMemory (awaitChange + read)",
        () -> SharedMemoryExchange.kind(SharedMemoryExchange.Receive.AWAIT_CHANGE)),
    /** {@code SharedMemory} waiting by spinning on {@code version()} instead of {@code awaitChange}. */
    SHARED_MEMORY_SPIN("shm-spin", "SharedMemory (version() spin + read)",
        () -> SharedMemoryExchange.kind(SharedMemoryExchange.Receive.SPIN_ON_VERSION)),
    /** {@code SharedMemory} with each side's page leased to its {@code ExclusiveWriter}: on JDK 22+ sole, no CAS. */
    SHARED_MEMORY_EXCLUSIVE("shm-exclusive", "SharedMemory, ExclusiveWriter (awaitChange + read)",
        () -> SharedMemoryExchange.kind(SharedMemoryExchange.Receive.EXCLUSIVE_WRITER)),
    /** Experiment: the sender writes with plain stores from the word it stored last: no CAS, no load. */
    SHARED_MEMORY_PLAIN("shm-plain", "SharedMemory, writer without CAS or load (experiment)",
        () -> SharedMemoryExchange.kind(SharedMemoryExchange.Receive.PLAIN_WRITER)),
    /** Experiment: a seqlock by hand, word and 56 B message on one line, no CAS ({@link HandSeqlockExchange}). */
    ONE_LINE_SEQLOCK(HandSeqlockExchange.Variant.ONE_LINE_PLAIN),
    /** Experiment: the same on one line, taken by a CAS. */
    ONE_LINE_CAS_SEQLOCK(HandSeqlockExchange.Variant.ONE_LINE_CAS),
    /** Experiment: word and message on separate lines, no CAS. */
    TWO_LINE_SEQLOCK(HandSeqlockExchange.Variant.SEPARATE_PLAIN),
    /** Experiment: separate lines, taken by a CAS (the protocol of {@code SharedMemory}, by hand). */
    TWO_LINE_CAS_SEQLOCK(HandSeqlockExchange.Variant.SEPARATE_CAS),
    /** Experiment: separate lines, no CAS, a full fence and a load after the release. */
    TWO_LINE_FENCE_SEQLOCK(HandSeqlockExchange.Variant.SEPARATE_PLAIN_FENCE),
    /** Two Agrona {@code OneToOneRingBuffer}s in a mapped file. */
    RING_BUFFER("ringbuffer", "Agrona OneToOneRingBuffer pair", RingBufferExchange::kind),
    /** Unix domain socket, non-blocking, busy-spinning. */
    UNIX_SOCKET("uds", "Unix domain socket (spinning)", SocketExchange::unixDomain),
    /** Loopback TCP with {@code TCP_NODELAY}, non-blocking, busy-spinning. */
    TCP("tcp", "loopback TCP_NODELAY (spinning)", SocketExchange::tcp);

    private final String id;
    private final String label;
    private final Supplier<ExchangeKind> kind;

    LatencyCase(final String id, final String label, final Supplier<ExchangeKind> kind)
    {
        this.id = id;
        this.label = label;
        this.kind = kind;
    }

    LatencyCase(final HandSeqlockExchange.Variant variant)
    {
        this(variant.id(), variant.label(), () -> HandSeqlockExchange.kind(variant));
    }

    /** @return the short name used on command lines and in result files. */
    public String id()
    {
        return id;
    }

    /** @return a readable name for tables and plots. */
    public String label()
    {
        return label;
    }

    /** @return a fresh set-up for this exchange (stateful: one per process). */
    public ExchangeKind newKind()
    {
        return kind.get();
    }

    /** @return the case named {@code id}. */
    public static LatencyCase of(final String id)
    {
        for (final LatencyCase c : values())
        {
            if (c.id.equals(id))
            {
                return c;
            }
        }
        throw new IllegalArgumentException("unknown case '" + id + "'; known: " +
            Arrays.stream(values()).map(LatencyCase::id).collect(Collectors.joining(", ")));
    }
}
