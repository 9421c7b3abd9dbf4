package io.shmipc.examples;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.spi.ContextAwareBase;

/**
 * The logging set-up of the demos and the {@code shmipc} tool, in code rather than a logback.xml: parsing XML is
 * about a third of a short {@code shmipc} command's start-up. Logback finds it through {@link java.util.ServiceLoader}
 * ({@code META-INF/services/ch.qos.logback.classic.spi.Configurator}).
 *
 * <p>Logs go to stderr (stdout belongs to the tool's output, which must stay parseable with {@code --json}), as
 * {@value #PATTERN}. Level: {@code -Dshmipc.log.level=DEBUG}, else the {@code SHMIPC_LOG_LEVEL} environment variable,
 * else INFO. With {@code -Dlogback.configurationFile=FILE} this steps aside and Logback reads that file.
 */
public final class ConsoleLogging extends ContextAwareBase implements Configurator
{
    /** The layout of a log line. */
    public static final String PATTERN = "%d{HH:mm:ss.SSS} %-5level %logger{0} - %msg%n";
    /** System property naming the level. */
    public static final String LEVEL_PROPERTY = "shmipc.log.level";
    /** Environment variable naming the level, if the property is not set. */
    public static final String LEVEL_VARIABLE = "SHMIPC_LOG_LEVEL";

    @Override
    public ExecutionStatus configure(final LoggerContext context)
    {
        if (System.getProperty("logback.configurationFile") != null)
        {
            return ExecutionStatus.INVOKE_NEXT_IF_ANY;
        }
        final PatternLayoutEncoder encoder = new PatternLayoutEncoder();
        encoder.setContext(context);
        encoder.setPattern(PATTERN);
        encoder.start();
        final ConsoleAppender<ILoggingEvent> console = new ConsoleAppender<>();
        console.setContext(context);
        console.setName("CONSOLE");
        console.setTarget("System.err");
        console.setEncoder(encoder);
        console.start();
        final Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        root.setLevel(level(System.getProperty(LEVEL_PROPERTY), System.getenv(LEVEL_VARIABLE)));
        root.addAppender(console);
        return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
    }

    /** @return the level named by the property, else by the variable, else INFO (also for a name Logback lacks). */
    static Level level(final String property, final String variable)
    {
        final String name = property != null && !property.isBlank() ? property : variable;
        return name != null && !name.isBlank() ? Level.toLevel(name.strip(), Level.INFO) : Level.INFO;
    }
}
