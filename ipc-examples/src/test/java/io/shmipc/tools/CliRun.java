package io.shmipc.tools;

import java.io.PrintWriter;
import java.io.StringWriter;

/** One in-process run of the {@code shmipc} tool with its output captured. */
final class CliRun
{
    final int status;
    final String out;
    final String err;

    CliRun(final int status, final String out, final String err)
    {
        this.status = status;
        this.out = out;
        this.err = err;
    }

    static CliRun of(final String... args)
    {
        final StringWriter out = new StringWriter();
        final StringWriter err = new StringWriter();
        final int status = Shmipc.execute(new PrintWriter(out, true), new PrintWriter(err, true), args);
        return new CliRun(status, out.toString(), err.toString());
    }

    @Override
    public String toString()
    {
        return "exit " + status + "\n--- stdout\n" + out + "--- stderr\n" + err;
    }
}
