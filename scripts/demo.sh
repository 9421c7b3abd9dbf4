#!/usr/bin/env bash
# Two JVM processes exchange data through /dev/shm: a writer publishes a counter and a timestamp into a shared
# page every millisecond for a few seconds, a reader follows it and prints what it sees and how stale it was.
# Usage: scripts/demo.sh [SECONDS]   (default 4). Leaves nothing in /dev/shm.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$ROOT"
require_java_and_maven

seconds="${1:-4}"
name="shmipc-demo-$$"
dir=/dev/shm
[ -d "$dir" ] || dir="$(java -XshowSettings:properties -version 2>&1 | awk -F'= ' '/java.io.tmpdir/ {print $2}')"

cleanup() {
  [ -n "${writer_pid:-}" ] && kill "$writer_pid" 2>/dev/null || true
  rm -f "$dir/$name"
}
trap cleanup EXIT

echo "== building (mvn -q -DskipTests package)"
mvn_batch -q -DskipTests package

echo "== starting writer and reader on segment '$name' in $dir for ${seconds}s"
# shellcheck disable=SC2086
java $AGRONA_FLAG -cp "$EXAMPLES_JAR" io.shmipc.examples.WriterDemo "$name" "$seconds" 1000 &
writer_pid=$!
reader_status=0
# shellcheck disable=SC2086
java $AGRONA_FLAG -cp "$EXAMPLES_JAR" io.shmipc.examples.ReaderDemo "$name" "$((seconds + 20))" || reader_status=$?
writer_status=0
wait "$writer_pid" || writer_status=$?
writer_pid=
[ "$writer_status" -eq 0 ] || { echo "ERROR: writer exited with $writer_status" >&2; exit 1; }

if [ -e "$dir/$name" ]; then
  echo "ERROR: segment $dir/$name was left behind" >&2
  exit 1
fi
echo "== done: reader exit $reader_status; nothing left in $dir"
exit "$reader_status"
