#!/usr/bin/env bash
# Runs `mvn clean verify` of every module as an unprivileged user, the way services run: the cross-process, CLI and
# security tests then create, open and share segments as that user (tests that need root, tagged needs-root, run in
# the root pass instead). Called by scripts/test.sh; usable alone.
#
# As root: creates the system user shmipc-test (no login, no password) if missing, copies the work tree (without
# build output and .git) to /var/tmp/shmipc-test/src, gives that user a Maven repository seeded from the caller's,
# and runs Maven there through runuser. As any other user: runs Maven in place, as that user.
#
# Usage: scripts/nonroot-pass.sh JAVA_HOME [extra Maven arguments...]
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

java_home="${1:?usage: nonroot-pass.sh JAVA_HOME [maven args...]}"
shift
maven_args=(clean verify -Dshmipc.docker.skip=true -Dshmipc.test.excludedGroups=needs-root "$@")

if [ "$(id -u)" != 0 ]; then
  echo "nonroot-pass: running as $(id -un) (uid $(id -u)) in place"
  cd "$ROOT"
  JAVA_HOME="$java_home" mvn_batch "${maven_args[@]}"
  exit 0
fi

user=shmipc-test
base=/var/tmp/shmipc-test
if ! id -u "$user" >/dev/null 2>&1; then
  useradd --system --user-group --no-create-home --home-dir "$base/home" --shell /usr/sbin/nologin "$user"
fi
uid=$(id -u "$user")
mkdir -p "$base/home" "$base/m2"

# The work tree as the user will build it: sources only, so nothing root-owned is left inside.
rm -rf "$base/src"
mkdir -p "$base/src"
tar -C "$ROOT" --exclude=./.git --exclude='*/target' --exclude=./target --exclude=./bench-results -cf - . |
  tar -C "$base/src" -xf -

# Seed the user's Maven repository from root's (read-only for the user otherwise); new artifacts download as usual.
if [ -d "$HOME/.m2/repository" ]; then
  cp -a --no-clobber "$HOME/.m2/repository/." "$base/m2/" 2>/dev/null || true
fi
rm -rf "$base/m2/io/shmipc" # this project's own snapshots come from the build, never from an old run
chown -R "$user:$user" "$base"

echo "nonroot-pass: running as $user (uid $uid) in $base/src"
# Maven's own JVM and every test JVM it forks run as that user; JAVA_TOOL_OPTIONS is not passed on.
runuser -u "$user" -- env -i \
  HOME="$base/home" PATH="$java_home/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" \
  JAVA_HOME="$java_home" LANG=C.UTF-8 CI="${CI:-}" \
  bash -c 'cd "$1" && shift && mvn -B -ntp -Dmaven.repo.local="$0" "$@"' "$base/m2" "$base/src" "${maven_args[@]}"
