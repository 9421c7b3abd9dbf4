package io.shmipc.tools;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import java.io.PrintWriter;
import java.io.UncheckedIOException;

/** The {@code --json} output of the commands: one JSON document per line. */
final class Json
{
    private static final ObjectMapper MAPPER = new ObjectMapper().disable(SerializationFeature.INDENT_OUTPUT);

    private Json()
    {
    }

    /** Prints {@code value} (maps, lists, strings, numbers, booleans) as one line of JSON. */
    static void println(final PrintWriter out, final Object value)
    {
        try
        {
            out.println(MAPPER.writeValueAsString(value));
        }
        catch (final JsonProcessingException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    /** @return {@code CONSTANT_NAME} as {@code constantName}, for JSON keys. */
    static String camelCase(final String constantName)
    {
        final StringBuilder sb = new StringBuilder(constantName.length());
        boolean upper = false;
        for (final char c : constantName.toCharArray())
        {
            if (c == '_')
            {
                upper = true;
            }
            else
            {
                sb.append(upper ? Character.toUpperCase(c) : Character.toLowerCase(c));
                upper = false;
            }
        }
        return sb.toString();
    }
}
