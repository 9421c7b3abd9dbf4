#!/usr/bin/env bash
# shm-ipc as another project uses it, by the README's commands: installs ipc-core into the local Maven repository,
# copies the project in scripts/consumer/ into a new temporary directory outside this repository, builds it there
# (its own unit test runs under Surefire with the JVM flag), and makes two JVMs exchange data through /dev/shm:
#   1. as a class-path application: java -jar (the flag comes from the jar's Add-Exports manifest entry);
#   2. as a modular application:   java --module-path ... -m com.example.consumer/... (module-info: requires
#      io.shmipc), with --add-exports java.base/jdk.internal.misc=org.agrona;
#   3. through Maven: mvn exec:exec@run (a new JVM with the flag) against mvn exec:java (Maven's own JVM, flag in
#      MAVEN_OPTS).
# Usage: scripts/consumer-test.sh        Env: KEEP=1 keeps the temporary project and prints where it is.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$ROOT"
require_java_and_maven

version="$(sed -n '/<artifactId>shm-ipc-parent<\/artifactId>/{n;s/.*<version>\(.*\)<\/version>.*/\1/p;q}' pom.xml)"
[ -n "$version" ] || { echo "ERROR: cannot read the project version from pom.xml" >&2; exit 1; }
count=20000
work="$(mktemp -d "${TMPDIR:-/tmp}/shmipc-consumer.XXXXXX")"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  if [ "${KEEP:-0}" = 1 ]; then echo "consumer project kept in $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

step() { printf '== consumer: %s\n' "$*"; }

step "install ipc-core $version into the local repository (mvn -pl ipc-core -am install -DskipTests)"
mvn_batch -q -pl ipc-core -am install -DskipTests

step "new project in $work, depending on io.shmipc:ipc-core:$version"
cp -R scripts/consumer/. "$work/"
cd "$work"
log="$work/build.log"
if ! mvn_batch package -Dshmipc.version="$version" >"$log" 2>&1; then
  tail -n 40 "$log" >&2
  echo "ERROR: the consumer project does not build (log: $log)" >&2
  exit 1
fi
grep -q "Tests run: 1, Failures: 0, Errors: 0, Skipped: 0" "$log" \
  || { tail -n 40 "$log" >&2; echo "ERROR: the consumer's Surefire test did not run and pass" >&2; exit 1; }
if grep -qi "filename-based automodule" "$log"; then
  grep -i "automodule" "$log" >&2
  echo "ERROR: a dependency on the module path has no stable module name" >&2
  exit 1
fi
jar --describe-module --file "target/lib/ipc-core-$version.jar" | grep -q "^io.shmipc@" \
  || { echo "ERROR: ipc-core's jar is not the named module io.shmipc" >&2; exit 1; }

# Runs the writer (in the background) and the reader with the command prefix given, on segment $1; both must
# succeed and the reader must have seen the last record.
exchange() {
  local name="$1"; shift
  local writer_status=0 reader_status=0
  "$@" writer "$name" "$count" >"$work/writer.out" 2>&1 &
  local writer=$!
  pids+=("$writer")
  "$@" reader "$name" "$count" >"$work/reader.out" 2>&1 || reader_status=$?
  wait "$writer" || writer_status=$?
  cat "$work/writer.out" "$work/reader.out"
  if [ "$writer_status" != 0 ] || [ "$reader_status" != 0 ]; then
    echo "ERROR: writer exited with $writer_status, reader with $reader_status" >&2
    return 1
  fi
  grep -q "reader: saw record $count after [0-9]* consistent snapshots" "$work/reader.out" \
    || { echo "ERROR: the reader did not see record $count" >&2; return 1; }
  [ ! -e "/dev/shm/$name" ] || { echo "ERROR: /dev/shm/$name was left behind" >&2; return 1; }
}

step "class-path application: java -jar target/consumer.jar (Add-Exports in its manifest, no flag)"
exchange "consumer-cp-$$" java -jar target/consumer.jar
grep -q "(class path): done" "$work/reader.out" || { echo "ERROR: not run from the class path" >&2; exit 1; }

step "modular application: java --add-exports java.base/jdk.internal.misc=org.agrona --module-path ... -m"
exchange "consumer-mod-$$" java --add-exports java.base/jdk.internal.misc=org.agrona \
  --module-path target/consumer.jar:target/lib -m com.example.consumer/com.example.consumer.Exchange
grep -q "(module com.example.consumer): done" "$work/reader.out" \
  || { echo "ERROR: not run as module com.example.consumer" >&2; exit 1; }

step "through Maven: mvn exec:exec@run (writer) and mvn exec:java with the flag in MAVEN_OPTS (reader)"
maven_exec() {
  local role="$1" name="$2" n="$3"
  if [ "$role" = writer ]; then
    mvn_batch -q -Dstyle.color=never exec:exec@run -Dshmipc.version="$version" -Dexchange.args="writer $name $n"
  else
    MAVEN_OPTS="${MAVEN_OPTS:-} --add-exports java.base/jdk.internal.misc=ALL-UNNAMED" \
      mvn_batch -q -Dstyle.color=never exec:java -Dshmipc.version="$version" -Dexec.args="reader $name $n"
  fi
}
exchange "consumer-mvn-$$" maven_exec

step "passed: class path, module path and Maven exec, $count records each"
