package io.shmipc.replication.status;

/**
 * The counters of a publisher or a replica, in the order of their slots in the status segment
 * ({@link StatusSegment}). Each is a 64-bit little-endian integer. Counts only grow while the process runs.
 */
public enum StatusField
{
    /** {@link io.shmipc.replication.ReplicationState} ordinal. */
    STATE("state"),
    /** Epoch of the source being published or replicated (0 for none yet). */
    EPOCH("epoch"),
    /** Process id of the publisher or replica (in its own PID namespace). */
    PID("pid"),
    /** Wall clock (ns since 1970) when it started. */
    STARTED_AT("started at"),
    /** Wall clock (ns since 1970) of this sample. */
    UPDATED_AT("updated at"),
    /** Messages sent (publisher) or received (replica) on the data stream. */
    MESSAGES("messages"),
    /** Pages sent (publisher) or written to the local segment (replica). */
    PAGES("pages"),
    /** Bytes of page data sent or received. */
    BYTES("bytes"),
    /** Replica: time from the publisher reading the newest applied pages to the replica applying them (ns). */
    LAG_NANOS("lag ns"),
    /** Replica: the largest such lag since the previous sample (ns). */
    MAX_LAG_NANOS("max lag ns"),
    /** Packets lost and recovered by retransmission: NAKs sent (replica) or received (publisher) by its driver. */
    LOSS("loss (NAKs)"),
    /** Replica: gaps in the message sequence (messages that never arrived), each followed by a full resync. */
    GAPS("gaps"),
    /** Replica: full images applied. Publisher: full resends requested by replicas. */
    FULL_IMAGES("full images"),
    /** Replica: pages received at a version not newer than the one already applied, and so not written. */
    STALE_SKIPPED("stale pages skipped"),
    /** Replica: local writes to the replica found (then overwritten with the source's pages). */
    LOCAL_WRITES("local writes found"),
    /** Publisher: offers refused because a receiver was behind (back-pressure), changes conflated meanwhile. */
    BACK_PRESSURE("back-pressure"),
    /** Publisher: times a page marked torn (its writer died mid-write) was left out until it is rewritten. */
    TORN_SKIPPED("torn pages skipped"),
    /** Publisher: duration of the last full scan of the page versions (ns). */
    SCAN_NANOS("scan ns"),
    /** Sequence number of the last message sent or applied. */
    SEQUENCE("sequence"),
    /** Replica: how long the last catch-up took, from its start to the full image being applied (ns). */
    CATCH_UP_NANOS("catch-up ns"),
    /** Pages waiting: publisher, changed or requested pages not yet sent; replica, pages missing from the image. */
    PENDING_PAGES("pending pages");

    private final String label;

    StatusField(final String label)
    {
        this.label = label;
    }

    /** @return a short human-readable name. */
    public String label()
    {
        return label;
    }
}
