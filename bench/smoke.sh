#!/bin/sh
# A quick smoke of the per-buffer benchmarks (scripts/test.sh runs it): every
# element of bench/element-bench pushes a few buffers, and bench/callgrind.sh
# produces its table. Proves the benchmarks still run, measures nothing.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
build=${BUILD_DIR:-$(dirname "$here")/build}
t0=$(date +%s)
export GST_PLUGIN_PATH="$build/plugins/livekit" LD_LIBRARY_PATH="$build/gst/livekit"
ninja -C "$build" bench/element-bench plugins/livekit/libgstlivekit.so >/dev/null
lines=$("$build/bench/element-bench" --size 1024 --iters 64 | grep -c '"thread_ns_per_buffer"')
[ "$lines" -eq 7 ] || { echo "smoke.sh: element-bench gave $lines of 7 cases" >&2; exit 1; }
out=$(mktemp -d "${TMPDIR:-/tmp}/bench-smoke.XXXXXX")
trap 'rm -rf "$out"' EXIT
table=$(OUT_DIR=$out ITERS=8 "$here/callgrind.sh" 2>/dev/null)
for e in identity livekitencrypt livekitdecrypt srtpenc srtpdec; do
  echo "$table" | grep -q "^| $e | [0-9.]* k |" ||
    { echo "smoke.sh: callgrind.sh has no row for $e" >&2; echo "$table" >&2; exit 1; }
done
echo "bench smoke: passed in $(($(date +%s) - t0)) s"
