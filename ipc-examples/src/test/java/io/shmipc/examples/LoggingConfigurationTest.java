package io.shmipc.examples;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.core.status.Status;
import ch.qos.logback.core.status.StatusUtil;
import org.junit.jupiter.api.Test;

import java.net.URL;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The examples' logback.xml loads without errors: a broken one silently falls back to Logback's defaults. It is
 * loaded explicitly into a fresh context, because the test class path also holds the core's logback-test.xml.
 */
class LoggingConfigurationTest
{
    @Test
    void logbackXmlLoadsCleanly() throws Exception
    {
        final URL config = WriterDemo.class.getClassLoader().getResource("logback.xml");
        assertNotNull(config, "logback.xml on the class path");
        final LoggerContext context = new LoggerContext();
        final JoranConfigurator configurator = new JoranConfigurator();
        configurator.setContext(context);
        try
        {
            configurator.doConfigure(config);
        }
        catch (final ch.qos.logback.core.joran.spi.JoranException ex)
        {
            // reported through the status manager as well, checked below
        }
        assertTrue(new StatusUtil(context).getHighestLevel(0) < Status.WARN,
            "logback reported problems with " + config + ": " + context.getStatusManager().getCopyOfStatusList());
        context.stop();
    }
}
