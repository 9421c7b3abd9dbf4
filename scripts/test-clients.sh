#!/usr/bin/env bash
# Builds and tests the C and Python clients of clients/ (docs/CLIENTS.md):
#  - the C client, with -Wall -Wextra -std=c11 -Werror, and its unit tests (clients/c/tests/test_shmipc.c);
#  - the Python client's unittest suite (clients/python/tests), which also runs the C client against it (each
#    opening what the other created, concurrent writers and readers, SIGKILLed writers, the shared list of hostile
#    files), on Debian's /usr/bin/python3, and again on the python3 first on the PATH if that is another one;
#  - as root, both suites once more as an unprivileged user (uid 65534), from a copy of the built clients.
# The Java side of the cross-language tests is in ipc-core (io.shmipc.interop) and runs with the Maven build.
#
# As root it installs what is missing (gcc, make, python3, libatomic1) with apt-get; otherwise it stops, naming it.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$ROOT"
start=$SECONDS
step() { printf '\n-- %s (%ds)\n' "$*" "$((SECONDS - start))"; }

missing=()
command -v gcc >/dev/null || missing+=(gcc)
command -v make >/dev/null || missing+=(make)
[ -x /usr/bin/python3 ] || missing+=(python3)
ldconfig -p 2>/dev/null | grep -q 'libatomic\.so\.1' || missing+=(libatomic1)
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    step "installing ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "ERROR: the client tests need: ${missing[*]} (apt-get install ${missing[*]})" >&2
    exit 1
  fi
fi

build="$ROOT/clients/c/build"
step "C client: build with -Werror, unit tests"
make -C clients/c BUILD="$build" WERROR=1 --no-print-directory
"$build/test_shmipc"

export SHMIPC_C_TOOL="$build/shmipc-interop" PYTHONDONTWRITEBYTECODE=1
pythons=(/usr/bin/python3)
path_python="$(command -v python3 || true)"
if [ -n "$path_python" ] && [ "$(readlink -f "$path_python")" != "$(readlink -f /usr/bin/python3)" ] &&
   "$path_python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
  pythons+=("$path_python")
fi
for python in "${pythons[@]}"; do
  step "Python client on $("$python" --version 2>&1) ($python): unit tests and C <-> Python interop"
  "$python" -m unittest discover -s clients/python/tests
done

if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
  step "both suites again as an unprivileged user (uid 65534)"
  copy="$(mktemp -d /tmp/shmipc-clients-nonroot.XXXXXX)"
  trap 'rm -rf "$copy"' EXIT
  mkdir -p "$copy/clients/c/build"
  cp "$build/test_shmipc" "$build/shmipc-interop" "$copy/clients/c/build/"
  cp -r clients/python clients/testdata "$copy/clients/"
  chmod -R a+rX "$copy"
  as_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups env HOME=/tmp "$@"; }
  as_nobody "$copy/clients/c/build/test_shmipc"
  as_nobody SHMIPC_C_TOOL="$copy/clients/c/build/shmipc-interop" /usr/bin/python3 -m unittest discover \
    -s "$copy/clients/python/tests"
fi
step "client tests passed"
