package io.shmipc.replication;

/** Where a publisher or a replica stands. */
public enum ReplicationState
{
    /** Starting up: nothing connected yet. */
    STARTING,
    /** Publisher: no replica connected. Replica: no publisher heard from yet, or none for a while. */
    CONNECTING,
    /**
     * Publisher: changed or requested pages are waiting to be sent. Replica: building a full image of a new source
     * (first start, a new publisher or source segment, a gap in the stream); local readers still see the previous
     * complete image.
     */
    CATCHING_UP,
    /** Publisher: every change has been sent. Replica: applying changes as they come. */
    SYNCED,
    /** Cannot go on until the operator acts: the message says why (for example a local segment of another size). */
    ERROR,
    /** Closed. */
    STOPPED;

    /** @return the state with this {@link #ordinal()}, or {@link #STOPPED} for an unknown one. */
    public static ReplicationState of(final long ordinal)
    {
        final ReplicationState[] all = values();
        return ordinal >= 0 && ordinal < all.length ? all[(int)ordinal] : STOPPED;
    }
}
