package io.shmipc.docker;

import org.testcontainers.DockerClientFactory;
import org.testcontainers.images.builder.ImageFromDockerfile;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The project's image, built once per test JVM from the root {@code Dockerfile} and the freshly packaged
 * {@code ipc-examples/target/shmipc.jar}; and the rule for when there is no Docker engine: skip with a reason, or
 * fail when {@code REQUIRE_DOCKER=1}.
 */
final class DockerImage
{
    private static String built;

    private DockerImage()
    {
    }

    /** Skips the calling test (or fails it under {@code REQUIRE_DOCKER=1}) when no Docker engine answers. */
    static void requireDocker()
    {
        boolean available;
        String why = "";
        try
        {
            available = DockerClientFactory.instance().isDockerAvailable();
        }
        catch (final Throwable ex)
        {
            available = false;
            why = ": " + ex;
        }
        if (!available && "1".equals(System.getenv("REQUIRE_DOCKER")))
        {
            fail("REQUIRE_DOCKER=1 but no Docker engine answers" + why + " (run scripts/docker-engine.sh)");
        }
        assumeTrue(available, "no Docker engine answers" + why + ": container tests skipped " +
            "(scripts/docker-engine.sh starts one; REQUIRE_DOCKER=1 makes this a failure)");
    }

    /** @return the name of the project's image, building it on first use. */
    static synchronized String name()
    {
        if (built == null)
        {
            final Path jar = Path.of(System.getProperty("shmipc.jar", "target/shmipc.jar"));
            final Path root = Path.of(System.getProperty("shmipc.root", ".."));
            assertTrue(Files.isRegularFile(jar), jar + " is missing: the container tests run after 'mvn package'");
            try
            {
                // A tag of its own per test JVM (other builds may run at the same time), removed by remove().
                built = new ImageFromDockerfile("shmipc-it:" + ProcessHandle.current().pid() + "-" +
                    Long.toHexString(System.nanoTime()), false)
                    .withFileFromPath("Dockerfile", root.resolve("Dockerfile"))
                    .withFileFromPath("ipc-examples/target/shmipc.jar", jar)
                    .get();
            }
            catch (final Exception ex)
            {
                fail("cannot build the image from " + root.resolve("Dockerfile") + " (is the base image there? " +
                    "scripts/docker-base-image.sh makes it offline): " + ex, ex);
            }
        }
        return built;
    }

    /** Removes the image if this JVM built it (without Ryuk, Testcontainers would leave it behind). */
    static synchronized void remove()
    {
        if (built != null)
        {
            DockerClientFactory.instance().client().removeImageCmd(built).withForce(true).exec();
            built = null;
        }
    }
}
