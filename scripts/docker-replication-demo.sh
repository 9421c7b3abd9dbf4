#!/usr/bin/env bash
# The replication demo on two "hosts" (docker-compose.replication.yml): a writer and `shmipc replicate publish`
# share one /dev/shm; `shmipc replicate subscribe` and a checking reader share another; only a Docker network joins
# them. Builds the jar and the image, runs the compose file (or, without compose, the same four containers with
# docker run), shows what each printed, and removes everything. Exit status 1 if the reader saw an inconsistent
# record or never saw an update.
# Usage: scripts/docker-replication-demo.sh   (needs root or a docker group member; may start the engine)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$ROOT"
require_java_and_maven

image="${SHMIPC_IMAGE:-shmipc:latest}"
project="shmipc-repl-demo-$$"

echo "== Docker engine and base image"
bash scripts/docker-engine.sh
bash scripts/docker-base-image.sh

echo "== building the jar and the image $image"
mvn_batch -q -pl ipc-examples -am package -DskipTests
build_log="$(mktemp)"
docker build -q -t "$image" . >/dev/null 2>"$build_log" || { cat "$build_log" >&2; exit 1; }
rm -f "$build_log"

if docker compose version >/dev/null 2>&1; then
  compose=(docker compose -f docker-compose.replication.yml -p "$project")
elif command -v docker-compose >/dev/null 2>&1; then
  compose=(docker-compose -f docker-compose.replication.yml -p "$project")
else
  compose=()
fi

reader_log="$(mktemp)"
if [ ${#compose[@]} -gt 0 ]; then
  trap '"${compose[@]}" down --remove-orphans >/dev/null 2>&1 || true; rm -f "$reader_log"' EXIT
  "${compose[@]}" up --no-build --no-color
  docker logs "$("${compose[@]}" ps -aq reader)" >"$reader_log" 2>&1
else
  echo "== no docker compose here: the compose file's four containers with docker run"
  net="$project-net"
  containers=()
  trap 'docker rm -f "${containers[@]}" >/dev/null 2>&1 || true; docker network rm "$net" >/dev/null 2>&1 || true; rm -f "$reader_log"' EXIT
  docker network create "$net" >/dev/null
  run() { containers+=("$(docker run -d --user 1000:1000 "$@")"); }
  run --name "$project-replica" --ipc shareable --shm-size 64m --network "$net" --network-alias replica-host \
    "$image" replicate subscribe snap --channel 'aeron:udp?endpoint=0.0.0.0:40123' --interval 1 --duration 20
  run --name "$project-reader" --ipc "container:$project-replica" --network none \
    "$image" demo snapshot-reader --name snap --id replica-reader --wait 30 --duration 15
  run --name "$project-writer" --ipc shareable --shm-size 64m --network none \
    "$image" demo snapshot-publisher --name snap --records 1000 --rate 2000 --duration 20
  run --name "$project-publisher" --ipc "container:$project-writer" --network "$net" \
    "$image" replicate publish snap --channel 'aeron:udp?endpoint=replica-host:40123' --interval 1 --duration 18 --wait 30
  for c in reader replica publisher writer; do docker wait "$project-$c" >/dev/null; done
  for c in writer publisher replica reader; do
    echo "---- $c"
    docker logs "$project-$c" 2>&1
  done
  docker logs "$project-reader" >"$reader_log" 2>&1
fi

last="$(grep -o 'samples=[0-9]* inconsistent=[0-9]* torn=[0-9]* epoch=[0-9]* newestSeq=[0-9]*' "$reader_log" | tail -1)"
echo "== reader on the replica host, last report: ${last:-none}"
case "$last" in
  *" inconsistent=0 "*) ;;
  *) echo "ERROR: the reader saw inconsistent records, or reported nothing" >&2; exit 1 ;;
esac
seq="${last##*newestSeq=}"
[ "${seq:-0}" -gt 0 ] || { echo "ERROR: no update reached the replica host" >&2; exit 1; }
echo "OK: every record read on the replica host was whole, and updates kept arriving (newest update $seq)"
