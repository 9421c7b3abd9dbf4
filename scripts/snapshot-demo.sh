#!/usr/bin/env bash
# One publisher keeps 1,000 instrument records up to date in one segment; two readers sample consistent records
# and report their staleness; all three are separate JVMs.
# Usage: scripts/snapshot-demo.sh [SECONDS] [UPDATES_PER_SECOND]   (default 5 s, 10000/s). Leaves nothing behind.
set -euo pipefail
here="$(dirname "${BASH_SOURCE[0]}")"
seconds="${1:-5}"
rate="${2:-10000}"
name="snapshot-$$"

"$here/shmipc" --version >/dev/null   # builds the jar once, before the three processes start
pids=()
trap 'kill "${pids[@]}" 2>/dev/null || true; "$here/shmipc" rm -f "$name" >/dev/null 2>&1 || true' EXIT
"$here/shmipc" demo snapshot-publisher --name "$name" --rate "$rate" --duration "$((seconds + 2))" &
pids+=($!)
for r in reader-1 reader-2; do
  "$here/shmipc" demo snapshot-reader --name "$name" --id "$r" --duration "$seconds" &
  pids+=($!)
done
status=0
for p in "${pids[@]}"; do wait "$p" || status=1; done
pids=()
exit "$status"
