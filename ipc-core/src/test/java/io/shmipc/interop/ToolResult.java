package io.shmipc.interop;

/** What one command of an interop tool ended with: its exit code and everything it printed. */
final class ToolResult
{
    final int exitCode;
    final String output;

    ToolResult(final int exitCode, final String output)
    {
        this.exitCode = exitCode;
        this.output = output;
    }

    /** @return the last non-empty line printed (the tools print their result last). */
    String lastLine()
    {
        final String[] lines = output.strip().split("\n");
        return lines[lines.length - 1].strip();
    }

    /** @return whether the command ended with {@code OK}. */
    boolean ok()
    {
        return exitCode == 0 && lastLine().startsWith("OK");
    }

    @Override
    public String toString()
    {
        return "exit " + exitCode + ": " + output.strip();
    }
}
