#!/usr/bin/env bash
# Builds the ipc-jcstress module and runs the jcstress tests of the page lock protocol (io.shmipc.jcstress).
#
#   scripts/jcstress.sh            full run: jcstress's default mode on every CPU (tens of minutes)
#   scripts/jcstress.sh --quick    bounded run for CI: sanity mode, 2 CPUs (about a minute; a few at most)
#   JCSTRESS_QUICK=1 scripts/jcstress.sh   same as --quick
#   scripts/jcstress.sh -- ARGS    extra jcstress arguments, e.g. -- -m tough
#   JCSTRESS_TESTS=SinglePage scripts/jcstress.sh --quick   only the tests whose name matches the regexp
#
# Exits non-zero if any test has a FORBIDDEN outcome, fails, or errors. Reports go to
# ipc-jcstress/target/jcstress-results/ (HTML) and ipc-jcstress/target/jcstress-output.txt.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
quick="${JCSTRESS_QUICK:-0}"
extra=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --quick) quick=1; shift ;;
    --) shift; extra=("$@"); break ;;
    *) echo "usage: $0 [--quick] [-- jcstress-args...]" >&2; exit 2 ;;
  esac
done

cd "$root"
mvn -q -pl ipc-jcstress -am package -DskipTests

jar="$root/ipc-jcstress/target/jcstress.jar"
results="$root/ipc-jcstress/target/jcstress-results"
output="$root/ipc-jcstress/target/jcstress-output.txt"
flags="--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED"
if [[ "$quick" == "1" ]]; then
  mode=(-m sanity -c 2)
else
  mode=(-m default)
fi

rm -rf "$results"
cd "$root/ipc-jcstress/target" # jcstress leaves its binary results file in the working directory
set +e
# The forked test JVMs need Agrona's flag too: -jvmArgsPrepend adds it to every JVM configuration jcstress tries.
java "$flags" -jar "$jar" -t "${JCSTRESS_TESTS:-io\.shmipc\.jcstress\.}" "${mode[@]}" -jvmArgsPrepend "$flags" -r "$results" \
  "${extra[@]}" 2>&1 | tee "$output" | grep -E '^\(Results:|FAILED|FORBIDDEN|ERROR|RUN RESULTS|tests:' || true
status=${PIPESTATUS[0]}
set -e

if [[ "$status" -ne 0 ]]; then
  echo "jcstress exited with $status; see $output" >&2
  exit "$status"
fi
# jcstress prints "No matches." under each of these headings when nothing went wrong.
for heading in "Failed tests" "Error tests"; do
  if ! grep "$heading:" "$output" | grep -q "No matches"; then
    echo "jcstress: '$heading' is not empty; see $output and $results/index.html" >&2
    grep -A20 "$heading:" "$output" >&2 || true
    exit 1
  fi
done
passed=$(grep -E '^\(Results:' "$output" | tail -1 || true)
if [[ -z "$passed" ]] || ! grep -q "All remaining tests: [1-9]" "$output"; then
  echo "jcstress ran no test; see $output" >&2
  exit 1
fi
echo "jcstress: all tests passed $passed"
