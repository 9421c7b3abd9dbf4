#!/usr/bin/env bash
# Checks scripts/common.sh's jdk25_decision, which scripts/test.sh follows: a machine without JDK 25 skips that
# pass with a warning, unless CI=true or REQUIRE_JDK25=1, which make it an error. Runs in well under a second.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

fake="$(mktemp -d)"
trap 'rm -rf "$fake"' EXIT
mkdir -p "$fake/temurin-25-jdk/bin"
printf '#!/bin/sh\n' >"$fake/temurin-25-jdk/bin/java"
chmod +x "$fake/temurin-25-jdk/bin/java"

failures=0
expect() {
  local want="$1"; shift
  local got
  got="$(env -u JDK25_HOME -u CI -u REQUIRE_JDK25 -u SKIP_JDK25 "$@" bash -c \
    "source '$ROOT/scripts/common.sh'; jdk25_decision" | cut -d' ' -f1)"
  if [ "$got" != "$want" ]; then
    echo "selftest-jdk25: FAILED: $* -> $got, expected $want" >&2
    failures=$((failures + 1))
  fi
}
expect skip JDK25_SEARCH="$fake/none*"
expect fail JDK25_SEARCH="$fake/none*" CI=true
expect fail JDK25_SEARCH="$fake/none*" REQUIRE_JDK25=1
expect skip JDK25_SEARCH="$fake/none*" CI=true SKIP_JDK25=1
expect run JDK25_SEARCH="$fake/temurin-25*"
expect run JDK25_SEARCH="$fake/none*" JDK25_HOME="$fake/temurin-25-jdk" CI=true
expect fail JDK25_SEARCH="$fake/temurin-25*" JDK25_HOME="$fake/nowhere" CI=true
[ "$failures" = 0 ] || exit 1
echo "selftest-jdk25: 7 cases passed"
