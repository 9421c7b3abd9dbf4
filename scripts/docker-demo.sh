#!/usr/bin/env bash
# The snapshot demo in three containers sharing /dev/shm: builds the jar and the image, runs docker-compose.yml
# (with `docker compose`, or `docker-compose`, or failing both the same three containers with `docker run`),
# shows what each container printed, and removes the containers.
# Usage: scripts/docker-demo.sh [--require-compose]
#   Needs root or a docker group member on a fresh machine (it may install and start the engine, and compose,
#   through scripts/docker-engine.sh). --require-compose fails instead of falling back to docker run (CI uses it:
#   the compose file itself is what is tested). Env: SHMIPC_IMAGE, the image tag to build and run
#   (default shmipc:latest).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$ROOT"
require_java_and_maven

require_compose=0
case "${1:-}" in
  --require-compose) require_compose=1 ;;
  "") ;;
  *) echo "usage: scripts/docker-demo.sh [--require-compose]" >&2; exit 2 ;;
esac

image="${SHMIPC_IMAGE:-shmipc:latest}"
export SHMIPC_IMAGE="$image"
project="shmipc-demo-$$"

echo "== Docker engine and base image"
bash scripts/docker-engine.sh
bash scripts/docker-base-image.sh

echo "== building the jar and the image $image"
mvn_batch -q -pl ipc-examples -am package -DskipTests
build_log="$(mktemp)"
docker build -q -t "$image" . >/dev/null 2>"$build_log" || { cat "$build_log" >&2; exit 1; }
rm -f "$build_log"

if docker compose version >/dev/null 2>&1; then
  compose=(docker compose)
elif command -v docker-compose >/dev/null 2>&1; then
  compose=(docker-compose)
else
  compose=()
fi

if [ ${#compose[@]} -gt 0 ]; then
  echo "== ${compose[*]} up: publisher (ipc: shareable) and two readers (ipc: service:publisher)"
  trap '"${compose[@]}" -p "$project" down --remove-orphans >/dev/null 2>&1 || true' EXIT
  "${compose[@]}" -p "$project" up --no-build --no-color -d
  publisher="$("${compose[@]}" -p "$project" ps -q publisher)"
  sleep 3
  echo "== shmipc ls and stat from a fourth container in the publisher's IPC namespace"
  docker run --rm --ipc "container:$publisher" "$image" ls
  docker run --rm --ipc "container:$publisher" "$image" stat snapshot --count 2 --interval 1
  status=0
  for s in reader-1 reader-2; do
    code="$(docker wait "$("${compose[@]}" -p "$project" ps -q "$s")")"
    [ "$code" = 0 ] || { echo "ERROR: $s exited with $code" >&2; status=1; }
  done
  docker wait "$publisher" >/dev/null
  "${compose[@]}" -p "$project" logs --no-color
  # Each reader must have seen whole records only, of the publisher's epoch.
  for s in reader-1 reader-2; do
    last="$("${compose[@]}" -p "$project" logs --no-color "$s" | grep -o 'samples=[0-9]* inconsistent=[0-9]*' | tail -1)"
    case "$last" in
      samples=0\ *|"") echo "ERROR: $s reported no samples" >&2; status=1 ;;
      *inconsistent=0) ;;
      *) echo "ERROR: $s read inconsistent records: $last" >&2; status=1 ;;
    esac
  done
  exit "$status"
elif [ "$require_compose" = 1 ]; then
  echo "ERROR: --require-compose, but neither 'docker compose' nor 'docker-compose' works (scripts/docker-engine.sh installs it)" >&2
  exit 1
fi

# No compose on this machine: the same three containers, same settings, by hand.
echo "== no docker compose here: running docker-compose.yml's three containers with docker run"
containers=()
trap 'docker rm -f "${containers[@]}" >/dev/null 2>&1 || true' EXIT
containers+=("$(docker run -d --name "$project-publisher" --ipc shareable --shm-size 64m "$image" \
  demo snapshot-publisher --name snapshot --records 1000 --rate 10000 --duration 12)")
for r in reader-1 reader-2; do
  containers+=("$(docker run -d --name "$project-$r" --ipc "container:$project-publisher" "$image" \
    demo snapshot-reader --name snapshot --id "$r" --duration 8)")
done
sleep 3
echo "== shmipc ls and stat from a fourth container in the same IPC namespace"
docker run --rm --ipc "container:$project-publisher" "$image" ls 2>/dev/null
docker run --rm --ipc "container:$project-publisher" "$image" stat snapshot --count 2 --interval 1 2>/dev/null
status=0
for r in reader-1 reader-2; do
  code="$(docker wait "$project-$r")"
  [ "$code" = 0 ] || { echo "ERROR: $r exited with $code" >&2; status=1; }
done
docker wait "$project-publisher" >/dev/null
for c in publisher reader-1 reader-2; do
  echo "---- $c (its own container, PID namespace and hostname; the same /dev/shm)"
  docker logs "$project-$c" 2>&1 | grep -v '^Picked up JAVA_TOOL_OPTIONS'
done
exit "$status"
