#!/bin/sh
# What a key set costs, this build against another (issue 8 item 1): runs
# bench/keyset-bench once with this build's library and plugin and, with
# --before DIR (the build directory of an older tree, e.g. a worktree of
# the commit before), once with that build's, and prints a Markdown table.
# Every number is a ratio against HKDF with ratchet window 0 in the same
# run; the PBKDF2 column counts PBKDF2 runs, interposed in OpenSSL.
#
# Usage: bench/keyset.sh [--before BUILD_DIR] [--rounds N]
set -eu

here=$(cd "$(dirname "$0")" && pwd)
build=${BUILD_DIR:-$(dirname "$here")/build}
before= rounds=5
while [ $# -gt 0 ]; do
  case $1 in
    --before) before=$2; shift ;;
    --rounds) rounds=$2; shift ;;
    *) echo "keyset.sh: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done

ninja -C "$build" bench/keyset-bench >&2
sys=$(pkg-config --variable=pluginsdir gstreamer-1.0)
registry=$(mktemp -d "${TMPDIR:-/tmp}/keyset-bench.XXXXXX")
trap 'rm -rf "$registry"' EXIT

# run LABEL LIBDIR PLUGINDIR
run() {
  LD_LIBRARY_PATH=$2 GST_PLUGIN_SYSTEM_PATH_1_0= \
    GST_PLUGIN_PATH_1_0=$3:$sys GST_REGISTRY=$registry/$1.registry \
    "$build/bench/keyset-bench" --rounds "$rounds" | sed "s/^{/{\"build\": \"$1\", /"
}

{
  run after "$build/gst/livekit" "$build/plugins/livekit"
  [ -z "$before" ] || run before "$before/gst/livekit" "$before/plugins/livekit"
} | python3 -c '
import json, sys
rows = [json.loads(l) for l in sys.stdin if l.startswith("{")]
print("| case | build | PBKDF2 runs (window 16) | CPU, PBKDF2 window 16 | CPU, HKDF window 0 | CPU ratio |")
print("| --- | --- | --- | --- | --- | --- |")
for r in sorted(rows, key=lambda r: (r["case"], r["build"] != "before")):
    print("| %s | %s | %d | %.1f ms | %.2f ms | %.0f |" % (r["case"], r["build"],
          r["pbkdf2_w16_pbkdf2_runs"], r["pbkdf2_w16_cpu_ms"], r["hkdf_w0_cpu_ms"], r["cpu_ratio"]))
'
