package io.shmipc.tools;

import java.io.PrintWriter;
import java.util.List;
import java.util.Map;

/** The table {@code shmipc ls} prints without {@code --json}: one row per file, from the rows of its JSON. */
final class LsTable
{
    private LsTable()
    {
    }

    /** Prints {@code rows}; with {@code verbose}, each mapping process's command line on a line of its own. */
    static void print(final PrintWriter out, final List<Map<String, Object>> rows, final boolean verbose)
    {
        int nameWidth = 4;
        int ownerWidth = 5;
        for (final Map<String, Object> row : rows)
        {
            nameWidth = Math.max(nameWidth, row.get("name").toString().length());
            ownerWidth = Math.max(ownerWidth, owner(row).length());
        }
        final String format = "%-" + nameWidth + "s  %7s  %9s  %12s  %-24s  %-" + ownerWidth + "s  %s%n";
        out.printf(format, "NAME", "PAGES", "PAGE_SIZE", "BYTES", "CREATED", "OWNER", "MAPPED_BY");
        for (final Map<String, Object> row : rows)
        {
            if (Boolean.TRUE.equals(row.get("segment")))
            {
                @SuppressWarnings("unchecked")
                final List<Map<String, Object>> mappers = (List<Map<String, Object>>)row.get("mappedBy");
                final StringBuilder mappedBy = new StringBuilder();
                for (final Map<String, Object> mapper : mappers)
                {
                    mappedBy.append(mappedBy.length() == 0 ? "" : " ")
                        .append(mapper.get("pid")).append('(').append(mapper.get("command")).append(')');
                }
                out.printf(format, row.get("name"), row.get("pages"), row.get("pageSize"), row.get("fileBytes"),
                    row.get("created"), owner(row), mappedBy.length() == 0 ? "-" : mappedBy);
                if (verbose)
                {
                    for (final Map<String, Object> mapper : mappers)
                    {
                        out.printf("    %s: %s%n", mapper.get("pid"), mapper.get("commandLine"));
                    }
                }
            }
            else
            {
                final String what = Boolean.FALSE.equals(row.get("readable")) ?
                    String.valueOf(row.get("reason")) : "foreign: " + row.get("reason");
                final String unknown = Boolean.FALSE.equals(row.get("readable")) ? "?" : "-";
                out.printf(format, row.get("name"), unknown, unknown, row.get("fileBytes"), what, owner(row), "");
            }
        }
    }

    private static String owner(final Map<String, Object> row)
    {
        final String owner = String.valueOf(row.get("owner"));
        return Boolean.TRUE.equals(row.get("otherUser")) ? owner + " (other user)" : owner;
    }
}
