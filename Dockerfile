# Runtime image for the shm-ipc examples jar.
#
# The base is normally made locally by scripts/docker-base-image.sh (no
# registry is reachable on the project's machines); override with
#   docker build --build-arg BASE_IMAGE=... .
# Build the jar first (ipc-examples/target/shmipc.jar); .dockerignore keeps
# everything else out of the build context.
ARG BASE_IMAGE=eclipse-temurin:17-jre
FROM ${BASE_IMAGE}

COPY ipc-examples/target/shmipc.jar /opt/shmipc/shmipc.jar

# Agrona uses jdk.internal.misc (Unsafe/memory fences) on Java 17.
# The "=" form is required: the JVM parses JAVA_TOOL_OPTIONS itself and
# rejects "--add-exports <value>" (space) with "Unrecognized option".
ENV JAVA_TOOL_OPTIONS="--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED"

ENTRYPOINT ["java", "-jar", "/opt/shmipc/shmipc.jar"]
