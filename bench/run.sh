#!/bin/sh
# One benchmark run on this machine: the C frame cryptor against raw OpenSSL
# (bench/livekit-bench), then LiveKit's JS worker under Node
# (tests/interop/bench-js.mjs) and what its numbers contain
# (bench/js-overhead.mjs), merged into one Markdown table on stdout.
#
# Usage: bench/run.sh [--quick] [--no-js]
# Environment: BUILD_DIR (default <repo>/build), JS_SECONDS (per JS case,
#   default 1.5), BENCH_ARGS (extra livekit-bench arguments), OUT_DIR (where
#   the raw JSON lines are kept, default a fresh temporary directory).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
build=${BUILD_DIR:-$root/build}
js_seconds=${JS_SECONDS:-1.5}
c_args=${BENCH_ARGS:-}
run_js=1

for a in "$@"; do
  case $a in
    --quick) c_args="$c_args --quick"; js_seconds=${JS_SECONDS:-0.3} ;;
    --no-js) run_js=0 ;;
    -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
    *) echo "run.sh: unknown argument $a" >&2; exit 2 ;;
  esac
done

out=${OUT_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/livekit-bench.XXXXXX")}
mkdir -p "$out"

# Only the benchmark and what it links: other targets may be mid-edit.
ninja -C "$build" bench/livekit-bench >&2

cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1)
aes=no; grep -qw aes /proc/cpuinfo && aes=yes
vaes=no; grep -qw vaes /proc/cpuinfo && vaes=yes
echo "Machine: $(nproc) CPUs, ${cpu:-unknown CPU}, AES-NI: $aes, VAES: $vaes;" \
  "$(openssl version 2>/dev/null || echo 'OpenSSL ?');" \
  "node $(node --version 2>/dev/null || echo 'not found'); $(date -u '+%Y-%m-%d %H:%M UTC')"
load=$(cut -d' ' -f1-3 /proc/loadavg)
echo "Load average before the run: $load"
echo
if awk -v l="${load%% *}" -v n="$(nproc)" 'BEGIN { exit !(l > n / 4) }'; then
  echo "run.sh: warning: load average ${load%% *} on $(nproc) CPUs, numbers will be noisy" >&2
fi

echo "[1/3] livekit-bench $c_args" >&2
# shellcheck disable=SC2086
"$build/bench/livekit-bench" --json $c_args > "$out/c.jsonl"

: > "$out/js.jsonl"
: > "$out/overhead.jsonl"
if [ "$run_js" = 1 ]; then
  if ! command -v node >/dev/null 2>&1; then
    echo "run.sh: node not in PATH, skipping the JS worker" >&2
  elif [ ! -d "$root/tests/interop/node_modules/livekit-client" ]; then
    echo "run.sh: tests/interop/node_modules missing (run the bootstrap), skipping the JS worker" >&2
  else
    echo "[2/3] tests/interop/bench-js.mjs $js_seconds" >&2
    (cd "$root/tests/interop" && node bench-js.mjs "$js_seconds") > "$out/js.jsonl"
    echo "[3/3] bench/js-overhead.mjs" >&2
    node "$here/js-overhead.mjs" "$js_seconds" > "$out/overhead.jsonl"
  fi
fi

python3 "$here/report.py" "$out/c.jsonl" "$out/js.jsonl" "$out/overhead.jsonl"
echo "Raw JSON lines: $out" >&2
