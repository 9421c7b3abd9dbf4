# Shared settings of the scripts in this folder; source it, do not run it.
# shellcheck shell=bash

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# Every JVM that runs Agrona 2.x needs this flag (the library fails fast, naming it, without).
AGRONA_FLAG="--add-exports java.base/jdk.internal.misc=ALL-UNNAMED"
EXAMPLES_JAR="$ROOT/ipc-examples/target/shmipc.jar"

# Maven in batch mode, quiet about downloads: CI logs stay readable.
mvn_batch() {
  mvn -B -ntp "$@"
}

require_java_and_maven() {
  command -v java >/dev/null || { echo "ERROR: java not found (install a JDK 17+)" >&2; exit 1; }
  command -v mvn >/dev/null || { echo "ERROR: mvn not found (apt-get install maven)" >&2; exit 1; }
}
