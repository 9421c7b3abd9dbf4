#!/usr/bin/env bash
# Two processes bounce a message through two pages of one segment and print round-trip percentiles.
# Usage: scripts/pingpong.sh [ROUNDS] [spin|yield]   (default 100000 rounds, yield). Leaves nothing in /dev/shm.
set -euo pipefail
here="$(dirname "${BASH_SOURCE[0]}")"
rounds="${1:-100000}"
idle="${2:-yield}"
name="pingpong-$$"

"$here/shmipc" --version >/dev/null   # builds the jar once, before the two processes start
"$here/shmipc" demo pingpong pong --name "$name" --idle "$idle" &
pong=$!
trap 'kill "$pong" 2>/dev/null || true; "$here/shmipc" rm -f "$name" >/dev/null 2>&1 || true' EXIT
"$here/shmipc" demo pingpong ping --name "$name" --idle "$idle" --rounds "$rounds" --warmup "$((rounds / 5))"
wait "$pong"
