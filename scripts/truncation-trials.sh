#!/usr/bin/env bash
# Measures what remains of the truncation window (docs/FORMAT.md section 13): runs N trials in which a segment is
# written and read in a loop while its file is truncated under it, and counts how often the fault surfaced as an
# InternalError (the JVM survives) and how often the JVM died of SIGBUS. Interpreted (-Xint) and JIT, per JDK.
# Usage: scripts/truncation-trials.sh [N] [JAVA_HOME...]   (default 40 trials; the default java and JDK 25)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$ROOT"
n="${1:-40}"
shift || true
homes=("$@")
if [ ${#homes[@]} -eq 0 ]; then
  homes=("$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")")
  for j in /usr/lib/jvm/temurin-25*; do [ -x "$j/bin/java" ] && homes+=("$j"); done
fi
mvn_batch -q -pl ipc-core -am test-compile >/dev/null
cp="$(mvn_batch -q -pl ipc-core dependency:build-classpath -Dmdep.outputFile=/dev/stdout -Dmdep.includeScope=test)"
for home in "${homes[@]}"; do
  version="$("$home/bin/java" -version 2>&1 | head -1)"
  classes=ipc-core/target/classes
  extra=()
  if "$home/bin/java" -version 2>&1 | grep -qE 'version "(2[2-9]|[3-9][0-9])'; then
    [ -d ipc-core/target/classes-22 ] && classes=ipc-core/target/classes-22
    extra=(--enable-native-access=ALL-UNNAMED)
  fi
  for mode in -Xint -Xmixed; do
    caught=0; crashed=0; clean=0
    for _ in $(seq "$n"); do
      dir="$(mktemp -d /dev/shm/shmipc-trunc-XXXXXX)"
      set +e
      out="$("$home/bin/java" $AGRONA_FLAG "${extra[@]}" "$mode" -XX:-CreateCoredumpOnCrash \
        -XX:ErrorFile=/dev/null -cp "$classes:ipc-core/target/test-classes:$cp" \
        io.shmipc.testing.TruncationTrial "$dir" 2>/dev/null)"
      status=$?
      set -e
      rm -rf "$dir"
      if [ $status -ne 0 ]; then crashed=$((crashed + 1));
      elif [[ $out == *CAUGHT* ]]; then caught=$((caught + 1));
      else clean=$((clean + 1)); fi
    done
    printf '%-60s %-7s trials %3d: exception %3d, JVM died %3d, no fault %3d\n' "$version" "$mode" "$n" \
      "$caught" "$crashed" "$clean"
  done
done
