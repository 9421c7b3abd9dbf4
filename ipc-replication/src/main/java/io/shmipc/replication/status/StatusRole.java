package io.shmipc.replication.status;

/** Which side of replication a status belongs to; also the suffix of its status segment's name. */
public enum StatusRole
{
    /** Reads a local segment and sends its changes. */
    PUBLISHER("publisher"),
    /** Receives changes and writes them to a local copy of the segment. */
    REPLICA("replica");

    private final String suffix;

    StatusRole(final String suffix)
    {
        this.suffix = suffix;
    }

    /** @return the status segment's name for segment {@code name}: {@code name.publisher} or {@code name.replica}. */
    public String statusSegmentName(final String name)
    {
        return name + "." + suffix;
    }

    /** @return the lower-case name. */
    public String label()
    {
        return suffix;
    }
}
