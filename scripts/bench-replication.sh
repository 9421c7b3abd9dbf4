#!/usr/bin/env bash
# Replication over Aeron on loopback against a bare Aeron publication/subscription sending the same bytes:
# lag percentiles (write to visible on the replica), pages/s, time to a full 64 MiB image on a new replica, idle
# CPU of each process (io.shmipc.bench.replication.ReplicationBenchmark; results in docs/BENCHMARKS.md).
# Usage: scripts/bench-replication.sh [SECONDS per measurement, default 10]   (about 2 minutes at 10)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$ROOT"
require_java_and_maven
mvn_batch -q -pl ipc-benchmarks -am package -DskipTests
java $AGRONA_FLAG -Xmx1g -Dshmipc.log.level=WARN -cp ipc-benchmarks/target/benchmarks.jar \
  io.shmipc.bench.replication.ReplicationBenchmark "${1:-10}"
