#!/usr/bin/env bash
# Runs the whole test suite from a fresh clone: the C and Python clients' tests (scripts/test-clients.sh); unit,
# stress, multi-process and cross-language tests of every module on JDK 25 and on the default JDK (17), as a
# non-root user and as root; the Docker (Testcontainers) tests and the jcstress quick run.
#
# Set-up it does itself: a Docker engine and the offline JRE base image (scripts/docker-engine.sh and
# scripts/docker-base-image.sh; they need root). Without Docker the container tests are skipped with a message,
# unless REQUIRE_DOCKER=1 (CI sets it), which makes a missing engine fail the build.
#
# Also: a project outside the repository built against the installed ipc-core (scripts/consumer-test.sh), the
# compose demo (when Docker is there) and the javadoc doclint check of the public API.
#
# Environment: JDK25_HOME (default: the Temurin 25 JDK under /usr/lib/jvm, if present; without one that pass is
# skipped with a warning, unless CI=true or REQUIRE_JDK25=1); SKIP_JDK25=1 to skip that pass; REQUIRE_DOCKER=1.
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
# (The Java <-> C <-> Python tests, io.shmipc.interop, run in the Maven passes below.)
step "C and Python clients (scripts/test-clients.sh)"
bash scripts/test-clients.sh

# --- Every module on JDK 25 (Java 17 bytecode) as a non-root user, without the container tests ------------------
# Services run as ordinary users: the cross-process, CLI and security tests run as one here (scripts/nonroot-pass.sh
# creates it when run as root). Tests that need root (tag needs-root: several users, mounting a small tmpfs) follow
# as root, on the same JDK. No JDK 25 on this machine: a warning and no such pass, unless CI=true or REQUIRE_JDK25=1
# (scripts/common.sh).
bash scripts/selftest-jdk25.sh
read -r jdk25_action jdk25_detail <<<"$(jdk25_decision)"
case "$jdk25_action" in
  run)
    step "mvn clean verify, all modules, $("$jdk25_detail/bin/java" -version 2>&1 | head -1), as a non-root user"
    bash scripts/nonroot-pass.sh "$jdk25_detail"
    if [ "$(id -u)" = 0 ]; then
      step "the tests that need root (tag needs-root), $("$jdk25_detail/bin/java" -version 2>&1 | head -1)"
      JAVA_HOME="$jdk25_detail" mvn_batch clean verify -pl ipc-core,ipc-examples -am -Dshmipc.docker.skip=true \
        -Dgroups=needs-root -Dsurefire.failIfNoSpecifiedTests=false
    fi ;;
  skip) echo "WARNING: skipping the JDK 25 pass: $jdk25_detail" >&2 ;;
  *) echo "ERROR: $jdk25_detail" >&2; exit 1 ;;
esac

# --- The core on the default JDK (17: the process-lock and quiescence paths) as a non-root user ----------------
step "mvn clean verify, ipc-core, $(java -version 2>&1 | head -1), as a non-root user"
bash scripts/nonroot-pass.sh "$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")" -pl ipc-core

# --- Every module on the default JDK as root, container tests included -----------------------------------------
step "mvn clean verify, all modules, $(java -version 2>&1 | head -1), as $(id -un)"
mvn_batch clean verify

# --- A new project outside the repository uses the installed ipc-core: class path, module path, Maven exec -----
step "consumer project (scripts/consumer-test.sh)"
bash scripts/consumer-test.sh

# --- docker-compose.yml itself, under compose (docker-engine.sh installs it) -----------------------------------
if [ "${SHMIPC_DOCKER_READY:-0}" = 1 ]; then
  step "compose demo (scripts/docker-demo.sh --require-compose)"
  bash scripts/docker-demo.sh --require-compose
fi

# --- jcstress quick run -----------------------------------------------------------------------------------------
step "jcstress (quick mode; the full run is scripts/jcstress.sh)"
bash scripts/jcstress.sh --quick

# --- The public API's javadoc: every doclint group, a warning fails (exported packages of module io.shmipc) ------
step "javadoc -Xdoclint:all of io.shmipc and io.shmipc.layout"
mvn_batch -pl ipc-core javadoc:javadoc-no-fork@api-doclint

step "all tests passed"
