#!/usr/bin/env bash
# Make a Docker engine available on this machine, idempotently.
#
# Why this exists: the project's machines are fresh Debian bookworm boxes
# with (at most) a docker CLI and no engine, and no container registry is
# reachable. Debian's archive is, so we install docker.io from it and run
# dockerd ourselves (there is no systemd to do it for us).
#
# Usage: scripts/docker-engine.sh          (no arguments)
# Env:   DOCKERD_LOG      log file of the daemon   (default /tmp/dockerd.log)
#        DOCKERD_WAIT_S   seconds to wait for it   (default 60)
# Exit:  0 when `docker info` answers; non-zero with one clear line otherwise.
set -euo pipefail

DOCKERD_LOG="${DOCKERD_LOG:-/tmp/dockerd.log}"
DOCKERD_WAIT_S="${DOCKERD_WAIT_S:-60}"

log()  { echo "docker-engine: $*" >&2; }
fail() {
  # The tail of the daemon log is usually the only hint of why it died.
  if [[ -s "$DOCKERD_LOG" ]]; then
    echo "---- last lines of $DOCKERD_LOG ----" >&2
    tail -n 25 "$DOCKERD_LOG" >&2 || true
    echo "-------------------------------------" >&2
  fi
  echo "docker-engine: ERROR: $*" >&2
  exit 1
}

engine_answers() { docker info >/dev/null 2>&1; }

start_s=$SECONDS

# Serialise concurrent callers (e.g. two CI steps or two shells): without it
# both could see "no dockerd" and start two daemons on the same socket.
exec 9>/tmp/docker-engine.lock
flock -w 300 9 || fail "another scripts/docker-engine.sh holds /tmp/docker-engine.lock for > 300 s"

# Compose, for docker-compose.yml (scripts/docker-demo.sh): the `docker compose` plugin if the CLI has it, else
# Debian's docker-compose (v1.29, Python; it talks to the engine's API directly and reads the Compose
# Specification, so it needs neither the plugin nor a particular CLI). A missing compose is a warning here:
# the engine itself is usable without it, and docker-demo.sh --require-compose is what fails on it.
compose_answers() { docker compose version >/dev/null 2>&1 || docker-compose version >/dev/null 2>&1; }
ensure_compose() {
  compose_answers && return 0
  if [[ $(id -u) -ne 0 ]]; then
    log "WARNING: no docker compose, and installing docker-compose needs root"
    return 0
  fi
  log "installing docker-compose from the Debian archive"
  export DEBIAN_FRONTEND=noninteractive
  local apt_log=/tmp/docker-engine-apt.log
  if ! { apt-get update -qq && apt-get install -y -qq --no-install-recommends docker-compose; } >>"$apt_log" 2>&1; then
    tail -n 15 "$apt_log" >&2
    fail "apt-get install docker-compose failed (see $apt_log)"
  fi
  compose_answers || fail "docker-compose installed but 'docker-compose version' fails"
  log "installed $(docker-compose version --short 2>/dev/null || echo docker-compose)"
}

# 1. Already up (from an earlier run or session)? Then only compose may be missing.
if command -v docker >/dev/null 2>&1 && engine_answers; then
  ensure_compose
  log "engine already answers"
  exit 0
fi

# 2. Install the engine from Debian's archive if dockerd is missing.
#    docker.io also brings containerd, runc and a docker CLI.
if ! command -v dockerd >/dev/null 2>&1; then
  [[ $(id -u) -eq 0 ]] || fail "dockerd is missing and installing it needs root"
  log "installing docker.io from the Debian archive"
  export DEBIAN_FRONTEND=noninteractive
  # apt's chatter goes to a file, shown only when it fails.
  apt_log=/tmp/docker-engine-apt.log
  apt-get update -qq >"$apt_log" 2>&1 \
    || { tail -n 15 "$apt_log" >&2; fail "apt-get update failed (see $apt_log)"; }
  apt-get install -y -qq --no-install-recommends docker.io >>"$apt_log" 2>&1 \
    || { tail -n 15 "$apt_log" >&2; fail "apt-get install docker.io failed (see $apt_log)"; }
  command -v dockerd >/dev/null 2>&1 || fail "docker.io installed but dockerd is not on PATH"
  log "installed docker.io in $((SECONDS - start_s)) s"
fi

# 3. Start dockerd unless one is already running (e.g. still booting from a
#    previous call): a second daemon would fight over /var/run/docker.sock
#    and /var/lib/docker, so we only wait for the existing one.
if pid=$(pidof dockerd 2>/dev/null); then
  log "dockerd already running (pid $pid); waiting for it"
else
  log "starting dockerd (log: $DOCKERD_LOG)"
  # setsid + nohup: the daemon must outlive this script and the shell (and
  # its process group) that called it, e.g. a CI step.
  # Default networking on purpose: never '--bridge none' (containers and
  # Testcontainers need the default bridge).
  # 9>&-: the daemon must not inherit the lock, or it would hold it forever.
  setsid nohup dockerd >"$DOCKERD_LOG" 2>&1 </dev/null 9>&- &
  disown || true
fi

# 4. Wait until the API answers.
deadline=$((SECONDS + DOCKERD_WAIT_S))
until engine_answers; do
  if (( SECONDS >= deadline )); then
    fail "dockerd did not answer 'docker info' within ${DOCKERD_WAIT_S} s (see $DOCKERD_LOG)"
  fi
  sleep 1
  # Checked after the sleep so a just-forked daemon has had time to exec.
  if ! pidof dockerd >/dev/null 2>&1; then
    fail "dockerd exited before answering (see $DOCKERD_LOG)"
  fi
done

ensure_compose
log "engine ready: server $(docker version --format '{{.Server.Version}} (API {{.Server.APIVersion}})' 2>/dev/null || echo '?') after $((SECONDS - start_s)) s"
