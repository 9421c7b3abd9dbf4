package io.shmipc.tools;

import picocli.CommandLine;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.ParseResult;

/**
 * Turns an exception thrown by a command into one line on stderr, {@code shmipc <command>: <message>}, and exit
 * status 1. Set {@code SHMIPC_DEBUG=1} to get the stack trace as well.
 */
final class ErrorReporter implements IExecutionExceptionHandler
{
    @Override
    public int handleExecutionException(
        final Exception ex, final CommandLine commandLine, final ParseResult parseResult)
    {
        final String message = ex.getMessage() != null && !ex.getMessage().isBlank() ?
            ex.getMessage() : ex.getClass().getSimpleName();
        commandLine.getErr().println(commandLine.getCommandSpec().qualifiedName() + ": " + message);
        if ("1".equals(System.getenv("SHMIPC_DEBUG")))
        {
            ex.printStackTrace(commandLine.getErr());
        }
        commandLine.getErr().flush();
        return Shmipc.EXIT_ERROR;
    }
}
