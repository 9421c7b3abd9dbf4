package io.shmipc.tools;

import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;

/**
 * Range checks of option values that picocli's types cannot express. A value out of range is a usage error
 * (exit status 2), with a message naming the option, the value and the allowed range.
 */
final class UsageChecks
{
    /** The longest interval or duration the tool accepts, in seconds: a day. */
    static final double MAX_SECONDS = 86_400;

    private UsageChecks()
    {
    }

    /** Checks an optional count limit: absent means no limit, present must be at least 1. */
    static void countLimit(final CommandSpec spec, final String option, final Long value)
    {
        if (value != null && value < 1)
        {
            throw new ParameterException(spec.commandLine(), option + " " + value + " is out of range: give at " +
                "least 1, or leave " + option + " out for no limit");
        }
    }

    /** Checks a number of seconds: more than 0 and at most {@link #MAX_SECONDS}; {@code null} (absent) passes. */
    static void seconds(final CommandSpec spec, final String option, final Double value)
    {
        if (value != null && !(value > 0 && value <= MAX_SECONDS))
        {
            throw new ParameterException(spec.commandLine(), option + " " + value + " is out of range: give more " +
                "than 0 and at most " + (long)MAX_SECONDS + " seconds");
        }
    }

    /** Checks that {@code value} is not negative. */
    static void notNegative(final CommandSpec spec, final String option, final long value)
    {
        if (value < 0)
        {
            throw new ParameterException(spec.commandLine(), option + " " + value + " is negative");
        }
    }
}
