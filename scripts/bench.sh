#!/usr/bin/env bash
# Runs every benchmark from a fresh clone: builds the shaded benchmarks jar (with a JDK 25 if there is one, so that
# it is a multi-release jar whose JDK 22+ part the JDK 25 runs use), runs the in-process JMH suite (with the gc
# profiler) on JDK 25 and on the default JDK, the same budgets paired (raw and SharedMemory blocks alternating in one
# JVM, to and from heap arrays and placed off-heap buffers) on JDK 25, the cross-process latency harness (paired
# against the reference) and the throughput case, and the wake-up benchmark (idle CPU and wake-up latency of a
# subscriber, on each JDK and for a C pair); prints the tables and writes the raw results and the percentile plot to
# bench-results/ (git-ignored).
# About 10 minutes on 2 cores. Arguments go to the latency harness (see: java -cp ... LatencyBenchmark --help),
# e.g. scripts/bench.sh --runs 5 --idle yield. JMH_ARGS goes to the JMH suite, e.g. JMH_ARGS="--iterations 5".
set -euo pipefail
cd "$(dirname "$0")/.."

OUT=${BENCH_OUT:-bench-results}
JAR=ipc-benchmarks/target/benchmarks.jar
JAVA_FLAGS=(--add-exports java.base/jdk.internal.misc=ALL-UNNAMED -Djava.awt.headless=true)
JDK25="${JDK25_HOME:-$(ls -d /usr/lib/jvm/temurin-25* 2>/dev/null | head -1 || true)}"
JAVA25=java
if [ -n "$JDK25" ] && [ -x "$JDK25/bin/java" ]; then
  JAVA25="$JDK25/bin/java"
fi
JAVA25_FLAGS=("${JAVA_FLAGS[@]}")
if "$JAVA25" -version 2>&1 | head -1 | grep -qE 'version "(2[2-9]|[3-9][0-9])'; then
  JAVA25_FLAGS+=(--enable-native-access=ALL-UNNAMED)
fi
read -r -a JMH_EXTRA <<< "${JMH_ARGS:-}"

start=$(date +%s)
echo "== building $JAR"
if [ "$JAVA25" != java ]; then
  JAVA_HOME="$JDK25" mvn -q -B -pl ipc-benchmarks -am package -DskipTests
  # The JDK 22+ classes (futex waits, OFD slot locks) must be in the jar, or JDK 25 would measure the JDK 17 paths.
  if ! "$JDK25/bin/jar" tf "$JAR" | grep -q '^META-INF/versions/22/io/shmipc/sys/Futex.class$'; then
    echo "bench.sh: $JAR has no META-INF/versions/22 classes: build ipc-core with a JDK 22+ (mvn clean)" >&2
    exit 1
  fi
else
  mvn -q -B -pl ipc-benchmarks -am package -DskipTests
fi
mkdir -p "$OUT"

{
  echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "commit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
  echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //') x $(nproc)"
  echo "kernel: $(uname -sr)"
  echo "java: $(java -version 2>&1 | head -1)"
  echo "java 25: $("$JAVA25" -version 2>&1 | head -1)"
} > "$OUT/machine.txt"
cat "$OUT/machine.txt"

echo "== in-process (JMH, gc profiler), $("$JAVA25" -version 2>&1 | head -1)"
"$JAVA25" "${JAVA25_FLAGS[@]}" -cp "$JAR" io.shmipc.bench.jmh.JmhSuite --out "$OUT" "${JMH_EXTRA[@]}" \
  > "$OUT/jmh.log" 2>&1 || { tail -50 "$OUT/jmh.log"; exit 1; }
if [ "$JAVA25" != java ]; then
  echo "== in-process (JMH, gc profiler), $(java -version 2>&1 | head -1)"
  mkdir -p "$OUT/jdk17"
  java "${JAVA_FLAGS[@]}" -cp "$JAR" io.shmipc.bench.jmh.JmhSuite --out "$OUT/jdk17" "${JMH_EXTRA[@]}" \
    > "$OUT/jdk17/jmh.log" 2>&1 || { tail -50 "$OUT/jdk17/jmh.log"; exit 1; }
fi

echo "== in-process, paired blocks (heap arrays, then off-heap buffers half a page from the data)," \
  "$("$JAVA25" -version 2>&1 | head -1)"
for buffers in heap direct; do
  "$JAVA25" "${JAVA25_FLAGS[@]}" -cp "$JAR" io.shmipc.bench.jmh.PairedAccessRatios --buffers "$buffers" \
    --out "$OUT/paired-$buffers" > "$OUT/paired-$buffers.log" 2>&1 || { tail -50 "$OUT/paired-$buffers.log"; exit 1; }
done

echo "== cross-process (paired with the reference) and throughput, $("$JAVA25" -version 2>&1 | head -1)"
"$JAVA25" "${JAVA25_FLAGS[@]}" -cp "$JAR" io.shmipc.bench.latency.LatencyBenchmark --out "$OUT" "$@" |
  tee "$OUT/latency.log"

echo "== wake-up of an idle subscriber: Java on each JDK, and a C pair"
# Both JDKs explicitly: the benchmark's default finds only its own JVM and a temurin-25 beside it.
JAVA_HOMES="$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")"
if [ "$JAVA25" != java ]; then
  JAVA_HOMES="$JAVA_HOMES,$(dirname "$(dirname "$(readlink -f "$JAVA25")")")"
fi
"$JAVA25" "${JAVA25_FLAGS[@]}" -Dshmipc.root="$PWD" -cp "$JAR" io.shmipc.bench.wakeup.WakeupBenchmark \
  --java "$JAVA_HOMES" --out "$OUT" | tee "$OUT/wakeup.log"

echo
echo "================================================================ results"
cat "$OUT/jmh-summary.md"
echo
cat "$OUT/paired-heap/paired-summary.md"
echo
cat "$OUT/paired-direct/paired-summary.md"
echo
cat "$OUT/latency-summary.md"
echo
cat "$OUT/wakeup-summary.md"
if [ -f "$OUT/jdk17/jmh-summary.md" ]; then
  echo
  echo "JMH on $(java -version 2>&1 | head -1):"
  cat "$OUT/jdk17/jmh-summary.md"
fi
echo
echo "raw: $OUT/jmh.json $OUT/jmh-summary.csv $OUT/paired-*/paired-rounds.csv $OUT/latency-runs.csv" \
  "$OUT/latency.json $OUT/latency-histograms.hlog $OUT/throughput.csv $OUT/wakeup.csv"
echo "plot: $OUT/latency-percentiles.png"
echo "took $(( $(date +%s) - start )) s"
