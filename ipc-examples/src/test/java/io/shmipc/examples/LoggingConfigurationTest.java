package io.shmipc.examples;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.status.Status;
import ch.qos.logback.core.status.StatusUtil;
import org.junit.jupiter.api.Test;

import java.util.ServiceLoader;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The examples' logging set-up: registered for Logback's service lookup, logging to stderr at the level the
 * property or the environment names, and configured without errors (a broken set-up silently falls back to
 * Logback's defaults, on stdout).
 */
class LoggingConfigurationTest
{
    @Test
    void logbackFindsItThroughTheServiceLoader()
    {
        assertTrue(ServiceLoader.load(Configurator.class).stream().anyMatch(p -> p.type() == ConsoleLogging.class),
            "META-INF/services/ch.qos.logback.classic.spi.Configurator names ConsoleLogging");
    }

    @Test
    void configuresAConsoleAppenderOnStderrCleanly()
    {
        final LoggerContext context = new LoggerContext();
        final ConsoleLogging logging = new ConsoleLogging();
        logging.setContext(context);
        assertEquals(Configurator.ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY, logging.configure(context));
        final Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        final ConsoleAppender<ILoggingEvent> console =
            assertInstanceOf(ConsoleAppender.class, root.getAppender("CONSOLE"));
        assertEquals("System.err", console.getTarget());
        assertTrue(console.isStarted());
        assertEquals(ConsoleLogging.PATTERN,
            assertInstanceOf(PatternLayoutEncoder.class, console.getEncoder()).getPattern());
        assertTrue(new StatusUtil(context).getHighestLevel(0) < Status.WARN,
            () -> "Logback reported problems: " + context.getStatusManager().getCopyOfStatusList());
        context.stop();
    }

    @Test
    void levelComesFromThePropertyThenTheEnvironmentElseInfo()
    {
        assertEquals(Level.DEBUG, ConsoleLogging.level("DEBUG", "WARN"));
        assertEquals(Level.WARN, ConsoleLogging.level(null, "warn"));
        assertEquals(Level.WARN, ConsoleLogging.level(" ", "WARN"));
        assertEquals(Level.INFO, ConsoleLogging.level(null, null));
        assertEquals(Level.INFO, ConsoleLogging.level("LOUD", null));
    }
}
