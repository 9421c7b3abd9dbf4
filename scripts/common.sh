# Shared settings of the scripts in this folder; source it, do not run it.
# shellcheck shell=bash

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# Every JVM that runs Agrona 2.x needs this flag (the library fails fast, naming it, without).
AGRONA_FLAG="--add-exports java.base/jdk.internal.misc=ALL-UNNAMED"
# JDK 22+: the library makes system calls through the FFM API; this allows them without the JDK's warning. JDK 17
# rejects the option, so it is added only where `java` is 22 or later.
if java -version 2>&1 | head -1 | grep -qE 'version "(2[2-9]|[3-9][0-9])'; then
  AGRONA_FLAG="$AGRONA_FLAG --enable-native-access=ALL-UNNAMED"
fi
EXAMPLES_JAR="$ROOT/ipc-examples/target/shmipc.jar"

# Maven in batch mode, quiet about downloads: CI logs stay readable.
mvn_batch() {
  mvn -B -ntp "$@"
}

require_java_and_maven() {
  command -v java >/dev/null || { echo "ERROR: java not found (install a JDK 17+)" >&2; exit 1; }
  command -v mvn >/dev/null || { echo "ERROR: mvn not found (apt-get install maven)" >&2; exit 1; }
}

# Prints the class-data-sharing archive of $EXAMPLES_JAR for the `java` on the PATH, making it first when it is
# missing or older than the jar: one training run of the tool (`ls` of the default directory: it loads picocli,
# Logback and the library's classes, and only reads) with
# -XX:ArchiveClassesAtExit. An archive only fits the JVM that wrote it, so its name carries a checksum of that JVM's
# path and time stamp. Returns 1, printing nothing, when no archive can be made (e.g. a read-only target/): the
# tool then simply starts without one.
shmipc_cds_archive() {
  local java_bin key archive tmp
  java_bin="$(readlink -f "$(command -v java)")" || return 1
  key="$(printf '%s %s' "$java_bin" "$(stat -c %Y "$java_bin")" | cksum | cut -d' ' -f1)"
  archive="${EXAMPLES_JAR%.jar}-cds-$key.jsa"
  if [ -f "$archive" ] && [ "$archive" -nt "$EXAMPLES_JAR" ]; then
    echo "$archive"
    return 0
  fi
  tmp="$archive.$$.tmp"
  # shellcheck disable=SC2086
  if java $AGRONA_FLAG -XX:TieredStopAtLevel=1 "-XX:ArchiveClassesAtExit=$tmp" -Xlog:cds=off -Xlog:cds+dynamic=off \
       -jar "$EXAMPLES_JAR" ls >/dev/null 2>&1 && [ -s "$tmp" ] && mv -f "$tmp" "$archive"; then
    echo "$archive"
    return 0
  fi
  rm -f "$tmp"
  return 1
}

# Decides the JDK 25 pass of scripts/test.sh. Prints one line: "run <java home>", "skip <why>" or "fail <why>".
# JDK25_HOME names the JDK; else the first /usr/lib/jvm/temurin-25* (JDK25_SEARCH overrides that pattern). Without
# one the pass is skipped, unless CI=true or REQUIRE_JDK25=1 require it; SKIP_JDK25=1 skips it in any case.
jdk25_decision() {
  local jdk="${JDK25_HOME:-}"
  if [ "${SKIP_JDK25:-0}" = 1 ]; then
    echo "skip SKIP_JDK25=1"
    return 0
  fi
  if [ -z "$jdk" ]; then
    # shellcheck disable=SC2086
    jdk="$(ls -d ${JDK25_SEARCH:-/usr/lib/jvm/temurin-25*} 2>/dev/null | head -1 || true)"
  fi
  if [ -n "$jdk" ] && [ -x "$jdk/bin/java" ]; then
    echo "run $jdk"
  elif [ "${CI:-}" = true ] || [ "${REQUIRE_JDK25:-0}" = 1 ]; then
    echo "fail no JDK 25 found (set JDK25_HOME); it is required under CI=true or REQUIRE_JDK25=1"
  else
    echo "skip no JDK 25 found: the build is checked on the default JDK only (set JDK25_HOME to add that pass;" \
      "REQUIRE_JDK25=1 makes a missing JDK 25 an error)"
  fi
}
