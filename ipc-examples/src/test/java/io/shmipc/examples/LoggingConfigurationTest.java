package io.shmipc.examples;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.core.status.Status;
import ch.qos.logback.core.status.StatusUtil;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** The examples' logback.xml loads without errors (a broken one silently falls back to Logback's defaults). */
class LoggingConfigurationTest
{
    @Test
    void logbackXmlLoadsCleanly()
    {
        final LoggerContext context = (LoggerContext)LoggerFactory.getILoggerFactory();
        final StatusUtil statuses = new StatusUtil(context);
        assertTrue(statuses.getHighestLevel(0) < Status.WARN,
            "logback reported problems: " + context.getStatusManager().getCopyOfStatusList());
    }
}
