package io.shmipc.replication.testing;

import java.util.HashMap;
import java.util.Map;

/** {@code --key value} arguments of the test nodes. */
final class NodeArgs
{
    private final Map<String, String> values = new HashMap<>();

    NodeArgs(final String[] args)
    {
        for (int i = 0; i + 1 < args.length; i += 2)
        {
            values.put(args[i].replaceFirst("^--", ""), args[i + 1]);
        }
    }

    String get(final String key)
    {
        final String value = values.get(key);
        if (value == null)
        {
            throw new IllegalArgumentException("missing --" + key);
        }
        return value;
    }

    String get(final String key, final String fallback)
    {
        return values.getOrDefault(key, fallback);
    }

    int getInt(final String key, final int fallback)
    {
        return Integer.parseInt(get(key, Integer.toString(fallback)));
    }

    double getDouble(final String key, final double fallback)
    {
        return Double.parseDouble(get(key, Double.toString(fallback)));
    }
}
