package io.shmipc.replication.status;

import io.shmipc.replication.ReplicationState;

import java.util.LinkedHashMap;
import java.util.Map;

/** One sample of a publisher's or a replica's counters ({@link StatusField}); immutable. */
public final class ReplicationStatus
{
    private final StatusRole role;
    private final long[] values;
    private final String error;

    ReplicationStatus(final StatusRole role, final long[] values, final String error)
    {
        this.role = role;
        this.values = values;
        this.error = error;
    }

    public StatusRole role()
    {
        return role;
    }

    /** @return the value of {@code field} in this sample. */
    public long get(final StatusField field)
    {
        return field.ordinal() < values.length ? values[field.ordinal()] : 0;
    }

    public ReplicationState state()
    {
        return ReplicationState.of(get(StatusField.STATE));
    }

    public long epoch()
    {
        return get(StatusField.EPOCH);
    }

    /** @return why the state is {@link ReplicationState#ERROR} (in-process samples only), or {@code null}. */
    public String error()
    {
        return error;
    }

    /** @return every field by its camel-case name, in slot order, with the state as its name: for JSON output. */
    public Map<String, Object> toMap()
    {
        final Map<String, Object> map = new LinkedHashMap<>();
        map.put("role", role.label());
        for (final StatusField field : StatusField.values())
        {
            map.put(camelCase(field.name()), field == StatusField.STATE ? state().name() :
                field == StatusField.EPOCH ? Long.toHexString(epoch()) : get(field));
        }
        if (error != null)
        {
            map.put("error", error);
        }
        return map;
    }

    /** @return a one-line summary: state, epoch, counts and lag. */
    public String summary()
    {
        final StringBuilder line = new StringBuilder()
            .append(role.label()).append(' ').append(state())
            .append(" epoch=").append(Long.toHexString(epoch()))
            .append(" messages=").append(get(StatusField.MESSAGES))
            .append(" pages=").append(get(StatusField.PAGES))
            .append(" pending=").append(get(StatusField.PENDING_PAGES))
            .append(" loss=").append(get(StatusField.LOSS));
        if (role == StatusRole.REPLICA)
        {
            line.append(" gaps=").append(get(StatusField.GAPS))
                .append(" fullImages=").append(get(StatusField.FULL_IMAGES))
                .append(" localWrites=").append(get(StatusField.LOCAL_WRITES))
                .append(String.format(" lag=%.3fms maxLag=%.3fms", get(StatusField.LAG_NANOS) / 1e6,
                    get(StatusField.MAX_LAG_NANOS) / 1e6));
        }
        else
        {
            line.append(" resendsServed=").append(get(StatusField.FULL_IMAGES))
                .append(" backPressure=").append(get(StatusField.BACK_PRESSURE))
                .append(" tornSkipped=").append(get(StatusField.TORN_SKIPPED))
                .append(String.format(" scan=%.1fus", get(StatusField.SCAN_NANOS) / 1e3));
        }
        if (error != null)
        {
            line.append(" error=\"").append(error).append('"');
        }
        return line.toString();
    }

    @Override
    public String toString()
    {
        return summary();
    }

    private static String camelCase(final String constant)
    {
        final StringBuilder out = new StringBuilder();
        boolean upper = false;
        for (final char c : constant.toCharArray())
        {
            if (c == '_')
            {
                upper = true;
            }
            else
            {
                out.append(upper ? c : Character.toLowerCase(c));
                upper = false;
            }
        }
        return out.toString();
    }
}
