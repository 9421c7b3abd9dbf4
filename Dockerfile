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

# Class-data sharing: one training run of the tool records the classes it
# loads (picocli, Logback, the library) in an archive for this image's JVM;
# every container then maps it instead of loading and verifying them again,
# which is most of a short command's start-up. Readable by any user.
RUN java -XX:ArchiveClassesAtExit=/opt/shmipc/shmipc.jsa -jar /opt/shmipc/shmipc.jar ls >/dev/null \
 && chmod 0444 /opt/shmipc/shmipc.jsa /opt/shmipc/shmipc.jar

# Not root: a fixed unprivileged uid that needs no passwd entry. Any other
# works too (docker run --user 1000:1000): the image writes nothing outside
# /dev/shm, which is world-writable. Containers that share a segment must run
# as the same user (segments are owner-only, 0600, by default), or create it
# with --mode and open it with --allow-foreign-owner.
USER 10001:10001

# Agrona needs jdk.internal.misc exported: the jar's manifest carries
# "Add-Exports: java.base/jdk.internal.misc", which java -jar honours, so no
# JAVA_TOOL_OPTIONS (and no "Picked up ..." line on every run) is needed.
# cds logging off: an archive that does not fit is then skipped silently
# rather than with a warning on stdout.
ENTRYPOINT ["java", "-XX:SharedArchiveFile=/opt/shmipc/shmipc.jsa", "-Xlog:cds=off", "-Xlog:cds+dynamic=off", \
            "-jar", "/opt/shmipc/shmipc.jar"]
