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

# Agrona needs jdk.internal.misc exported: the jar's manifest carries
# "Add-Exports: java.base/jdk.internal.misc", which java -jar honours, so no
# JAVA_TOOL_OPTIONS (and no "Picked up ..." line on every run) is needed.

ENTRYPOINT ["java", "-jar", "/opt/shmipc/shmipc.jar"]
