#!/usr/bin/env bash
# Runs every benchmark from a fresh clone: builds the shaded benchmarks jar, runs the in-process JMH suite (with
# the gc profiler), the cross-process latency harness (paired against the reference) and the throughput case,
# prints the tables and writes the raw results and the percentile plot to bench-results/ (git-ignored).
# About 5 minutes on 2 cores. Arguments go to the latency harness (see: java -cp ... LatencyBenchmark --help),
# e.g. scripts/bench.sh --runs 5 --idle yield. JMH_ARGS goes to the JMH suite, e.g. JMH_ARGS="--iterations 5".
set -euo pipefail
cd "$(dirname "$0")/.."

OUT=${BENCH_OUT:-bench-results}
JAR=ipc-benchmarks/target/benchmarks.jar
JAVA_FLAGS=(--add-exports java.base/jdk.internal.misc=ALL-UNNAMED -Djava.awt.headless=true)
read -r -a JMH_EXTRA <<< "${JMH_ARGS:-}"

start=$(date +%s)
echo "== building $JAR"
mvn -q -B -pl ipc-benchmarks -am package -DskipTests
mkdir -p "$OUT"

{
  echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "commit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
  echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //') x $(nproc)"
  echo "kernel: $(uname -sr)"
  echo "java: $(java -version 2>&1 | head -1)"
} > "$OUT/machine.txt"
cat "$OUT/machine.txt"

echo "== in-process (JMH, gc profiler)"
java "${JAVA_FLAGS[@]}" -cp "$JAR" io.shmipc.bench.jmh.JmhSuite --out "$OUT" "${JMH_EXTRA[@]}" > "$OUT/jmh.log" 2>&1 ||
  { tail -50 "$OUT/jmh.log"; exit 1; }

echo "== cross-process (paired with the reference) and throughput"
java "${JAVA_FLAGS[@]}" -cp "$JAR" io.shmipc.bench.latency.LatencyBenchmark --out "$OUT" "$@" | tee "$OUT/latency.log"

echo
echo "================================================================ results"
cat "$OUT/jmh-summary.md"
echo
cat "$OUT/latency-summary.md"
echo
echo "raw: $OUT/jmh.json $OUT/jmh-summary.csv $OUT/latency-runs.csv $OUT/latency.json $OUT/latency-histograms.hlog" \
  "$OUT/throughput.csv"
echo "plot: $OUT/latency-percentiles.png"
echo "took $(( $(date +%s) - start )) s"
