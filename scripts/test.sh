#!/usr/bin/env bash
# Runs the whole test suite from a fresh clone: the C and Python clients' tests, unit, stress and multi-process
# tests of every module on JDK 25 and on the default JDK (17) (the Java <-> C <-> Python tests among them), the
# Docker (Testcontainers) tests and the jcstress quick run.
#
# Set-up it does itself: a Docker engine and the offline JRE base image (scripts/docker-engine.sh and
# scripts/docker-base-image.sh; they need root). Without Docker the container tests are skipped with a message,
# unless REQUIRE_DOCKER=1 (CI sets it), which makes a missing engine fail the build.
#
# Environment: JDK25_HOME (default: the Temurin 25 JDK under /usr/lib/jvm, if present); SKIP_JDK25=1 to skip
# that pass; REQUIRE_DOCKER=1.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$ROOT"
require_java_and_maven
start=$SECONDS

step() { printf '\n== %s (%ds)\n' "$*" "$((SECONDS - start))"; }

# --- Docker for the container tests -----------------------------------------------------------------------------
step "Docker engine and base image"
if bash scripts/docker-engine.sh && bash scripts/docker-base-image.sh; then
  export SHMIPC_DOCKER_READY=1
elif [ "${REQUIRE_DOCKER:-0}" = 1 ]; then
  echo "ERROR: REQUIRE_DOCKER=1 but no Docker engine could be made available" >&2
  exit 1
else
  echo "WARNING: no Docker engine: the container tests will be skipped (set REQUIRE_DOCKER=1 to fail instead)" >&2
fi
# Testcontainers against this engine: no Ryuk (its image cannot be pulled), no start-up checks, local host.
export TESTCONTAINERS_RYUK_DISABLED=true TESTCONTAINERS_HOST_OVERRIDE=localhost TESTCONTAINERS_CHECKS_DISABLE=true

# --- C and Python clients: unit tests and C <-> Python interop (scripts/test-clients.sh) ------------------------
step "C and Python clients (scripts/test-clients.sh)"
bash scripts/test-clients.sh

# --- Every module on JDK 25 (Java 17 bytecode), without the container tests ------------------------------------
jdk25="${JDK25_HOME:-}"
if [ -z "$jdk25" ]; then
  jdk25="$(ls -d /usr/lib/jvm/temurin-25* 2>/dev/null | head -1 || true)"
fi
if [ "${SKIP_JDK25:-0}" = 1 ]; then
  echo "SKIP_JDK25=1: not running the JDK 25 pass"
elif [ -n "$jdk25" ] && [ -x "$jdk25/bin/java" ]; then
  step "mvn clean verify, all modules, $("$jdk25/bin/java" -version 2>&1 | head -1)"
  JAVA_HOME="$jdk25" mvn_batch clean verify -Dshmipc.docker.skip=true
else
  echo "ERROR: no JDK 25 found (set JDK25_HOME, or SKIP_JDK25=1 to skip that pass)" >&2
  exit 1
fi

# --- Every module on the default JDK, container tests included --------------------------------------------------
step "mvn clean verify, all modules, $(java -version 2>&1 | head -1)"
mvn_batch clean verify

# --- jcstress quick run -----------------------------------------------------------------------------------------
step "jcstress (quick mode; the full run is scripts/jcstress.sh)"
bash scripts/jcstress.sh --quick

step "all tests passed"
