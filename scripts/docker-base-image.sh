#!/usr/bin/env bash
# Make the JRE base image `eclipse-temurin:17-jre` exist in the local engine,
# idempotently and offline from any container registry.
#
# Why this exists: no registry can be reached from the project's machines, so
# `FROM eclipse-temurin:17-jre` can never be pulled. Debian's archive can be
# reached, so we debootstrap a minimal bookworm with openjdk-17-jre-headless
# and `docker import` it under that tag. `docker build` then finds the tag
# locally and does not try to pull. (It is Debian's OpenJDK 17, not Adoptium's
# Temurin build; the tag is kept so the Dockerfile also works where the real
# image can be pulled.)
#
# Needs: a running engine (scripts/docker-engine.sh), root, Debian's archive.
# Env:   BASE_IMAGE   tag to create             (default eclipse-temurin:17-jre)
#        DEB_MIRROR   Debian mirror to use      (default: the one apt uses here)
#        DEB_SUITE    Debian suite              (default: this machine's codename)
#        WORK_PARENT  where the temporary tree goes (default /var/tmp)
set -euo pipefail

BASE_IMAGE="${BASE_IMAGE:-eclipse-temurin:17-jre}"
WORK_PARENT="${WORK_PARENT:-/var/tmp}"

log()  { echo "docker-base-image: $*" >&2; }
fail() { echo "docker-base-image: ERROR: $*" >&2; exit 1; }

t0=$SECONDS

command -v docker >/dev/null 2>&1 || fail "docker CLI not found; run scripts/docker-engine.sh first"
docker info >/dev/null 2>&1 || fail "docker engine does not answer; run scripts/docker-engine.sh first"

# 1. Already there? Nothing to do.
if docker image inspect "$BASE_IMAGE" >/dev/null 2>&1; then
  log "$BASE_IMAGE already present; nothing to do"
  exit 0
fi

[[ $(id -u) -eq 0 ]] || fail "building the base image needs root (debootstrap)"

# 2. Which suite and mirror. Use the mirror apt on this machine is configured
#    with (it is the one known to be reachable), never a hard-coded host.
# shellcheck source=/dev/null
. /etc/os-release
DEB_SUITE="${DEB_SUITE:-${VERSION_CODENAME:-bookworm}}"

# Print the first URI that serves "deb <suite> main", from deb822 *.sources
# files and one-line *.list files (only the names apt itself reads, so
# e.g. *.disabled files are ignored).
apt_mirror_for_suite() {
  local suite=$1 f
  for f in /etc/apt/sources.list.d/*.sources; do
    [[ -f $f ]] || continue
    awk -v suite="$suite" '
      function flush() {
        if (types ~ /(^| )deb( |$)/ && (" " suites " ") ~ (" " suite " ") &&
            (" " comps " ") ~ / main / && enabled != "no" && uri != "") {
          print uri; found = 1; exit
        }
        types = suites = comps = uri = enabled = ""
      }
      /^[ \t]*#/ { next }
      /^[ \t]*$/ { flush(); next }
      { key = tolower($1); sub(/:$/, "", key); $1 = ""; sub(/^ +/, ""); val = $0 }
      key == "types"      { types = val }
      key == "suites"     { suites = val }
      key == "components" { comps = val }
      key == "enabled"    { enabled = tolower(val) }
      key == "uris"       { split(val, u, " "); uri = u[1] }
      END { if (!found) flush() }
    ' "$f" | head -n1
  done
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [[ -f $f ]] || continue
    # deb [options] URI suite components...
    sed -E 's/\[[^]]*\]//' "$f" | awk -v suite="$suite" '
      $1 == "deb" && $3 == suite { for (i = 4; i <= NF; i++) if ($i == "main") { print $2; exit } }'
  done
}

if [[ -z "${DEB_MIRROR:-}" ]]; then
  DEB_MIRROR=$(apt_mirror_for_suite "$DEB_SUITE" | head -n1 || true)
  [[ -n "$DEB_MIRROR" ]] || fail "no 'deb $DEB_SUITE main' source found in /etc/apt/sources.list{,.d/*}; set DEB_MIRROR"
fi

ARCH=$(dpkg --print-architecture)
JAVA_HOME_IN_IMAGE="/usr/lib/jvm/java-17-openjdk-${ARCH}"
log "building $BASE_IMAGE from $DEB_MIRROR $DEB_SUITE ($ARCH)"

# 3. Tools: debootstrap (from Debian's archive) if missing.
if ! command -v debootstrap >/dev/null 2>&1; then
  t=$SECONDS
  export DEBIAN_FRONTEND=noninteractive
  # apt's chatter goes to a file, shown only when it fails.
  apt_log=/tmp/docker-base-image-apt.log
  apt-get update -qq >"$apt_log" 2>&1 \
    || { tail -n 15 "$apt_log" >&2; fail "apt-get update failed (see $apt_log)"; }
  apt-get install -y -qq --no-install-recommends debootstrap >>"$apt_log" 2>&1 \
    || { tail -n 15 "$apt_log" >&2; fail "apt-get install debootstrap failed (see $apt_log)"; }
  log "installed debootstrap in $((SECONDS - t)) s"
fi

# 4. Build the root tree in a temporary directory that is always removed,
#    even on failure or Ctrl-C (it holds device nodes and ~250 MB).
#    /var/tmp rather than /tmp: /tmp may be a small or nodev tmpfs.
ROOTFS=$(mktemp -d "${WORK_PARENT%/}/shmipc-rootfs.XXXXXX")
cleanup() {
  local rc=$?
  # Anything debootstrap may have left mounted inside the tree first, so
  # rm -rf never walks into the host's /proc or /sys.
  if [[ -n "${ROOTFS:-}" && -d "$ROOTFS" ]]; then
    for m in proc sys dev/pts dev; do
      if mountpoint -q "$ROOTFS/$m" 2>/dev/null; then umount -l "$ROOTFS/$m" || true; fi
    done
    rm -rf --one-file-system "$ROOTFS"
  fi
  rm -f "${ROOTFS:-}.log"
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

t=$SECONDS
# minbase: only Essential + apt, then the headless JRE (and its deps).
if ! debootstrap --variant=minbase --include=openjdk-17-jre-headless \
      "$DEB_SUITE" "$ROOTFS" "$DEB_MIRROR" >"$ROOTFS.log" 2>&1; then
  tail -n 25 "$ROOTFS.log" >&2 || true
  rm -f "$ROOTFS.log"
  fail "debootstrap of $DEB_SUITE from $DEB_MIRROR failed"
fi
rm -f "$ROOTFS.log"
log "debootstrap took $((SECONDS - t)) s"

[[ -x "$ROOTFS$JAVA_HOME_IN_IMAGE/bin/java" ]] \
  || fail "java not found at $JAVA_HOME_IN_IMAGE/bin/java inside the tree"

# Trim what a container never needs, to keep the image small.
rm -rf "$ROOTFS"/var/cache/apt/archives/*.deb \
       "$ROOTFS"/var/lib/apt/lists/* \
       "$ROOTFS"/var/log/* \
       "$ROOTFS"/tmp/* || true

# 5. Import the tree as an image. docker import starts with no config at all,
#    so PATH and JAVA_HOME must be set here or `java` is not found.
t=$SECONDS
tar --numeric-owner -C "$ROOTFS" -c . | docker import \
  --change "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:${JAVA_HOME_IN_IMAGE}/bin" \
  --change "ENV JAVA_HOME=${JAVA_HOME_IN_IMAGE}" \
  --change "ENV LANG=C.UTF-8" \
  --change 'CMD ["bash"]' \
  --message "debootstrap $DEB_SUITE minbase + openjdk-17-jre-headless (scripts/docker-base-image.sh)" \
  - "$BASE_IMAGE" >/dev/null
log "docker import took $((SECONDS - t)) s"

docker run --rm "$BASE_IMAGE" java -version >/dev/null 2>&1 \
  || fail "the imported image $BASE_IMAGE cannot run 'java -version'"

log "$BASE_IMAGE ready ($(docker image inspect -f '{{.Size}}' "$BASE_IMAGE" | awk '{printf "%d MB", $1/1e6}')) in $((SECONDS - t0)) s total"
