#!/usr/bin/env bash
# Runs every test: installs what is missing (apt, npm, a pinned livekit-server,
# the pinned Python SDK), builds, then
#   1. meson test: gst-check unit and element tests, signalling (incl. a real
#      livekit-server), interop against LiveKit's own JS implementation,
#   2. the unit and signalling tests under ASan + UBSan (a second build dir),
#   3. the room bin in a real LiveKit room with the Python SDK and headless
#      Chromium (livekit-client) as the peers,
#   4. a smoke of the per-buffer benchmarks (bench/smoke.sh, ~10 s),
#   5. the arm64 suite: the same code cross-built for arm64 and tested under
#      qemu-user (scripts/test-arm64.sh),
#   6. the libFuzzer harnesses for a bounded time (scripts/fuzz.sh).
# A skipped test counts as a failure.
# Exits non-zero if anything fails. Prints "N passed, N failed" last.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

"$top/scripts/bootstrap.sh" || { echo "bootstrap failed"; exit 1; }
"$top/scripts/livekit-server.sh" install || { echo "livekit-server install failed"; exit 1; }
"$top/scripts/python-env.sh" >/dev/null || { echo "Python SDK venv failed"; exit 1; }

passed=0
failed=0
step() {
  local name=$1
  shift
  echo "=== $name"
  if "$@"; then
    passed=$((passed + 1))
    echo "=== $name: passed"
  else
    failed=$((failed + 1))
    echo "=== $name: FAILED"
  fi
}

# meson test, failing on skipped tests too: a skip proves nothing.
meson_suites() {
  local dir=$1
  shift
  local log
  log=$(mktemp)
  meson test -C "$dir" --print-errorlogs "$@" 2>&1 | tee "$log"
  local rc=${PIPESTATUS[0]}
  if grep -Eq '^Skipped: +[1-9]' "$log"; then
    echo "some tests were skipped"
    rc=1
  fi
  rm -f "$log"
  return "$rc"
}

asan_build() {
  if [ ! -f "$top/build-asan/build.ninja" ]; then
    CC=clang meson setup "$top/build-asan" "$top" -Db_sanitize=address,undefined \
      -Db_lundef=false -Dbenchmarks=false --buildtype=debug >/dev/null || return 1
  fi
  ninja -C "$top/build-asan" >/dev/null || return 1
  # GStreamer's own libraries are not instrumented; report only our bugs.
  # Plugins load in the (instrumented) test process, not in GStreamer's
  # uninstrumented plugin scanner; GIO's libproxy module (C++) does not run
  # under ASan's interceptors, and loopback needs no proxy anyway.
  # LeakSanitizer: reports go to files and scripts/lsan-report.py judges
  # them (a leak with a frame of ours fails; tests/lsan.supp lists the
  # third-party one-time allocations). LSAN_SLOW=1: full stacks, minutes.
  local lsan_dir="$top/build-asan/lsan" unwind="" rc t0=$SECONDS
  rm -rf "$lsan_dir" && mkdir -p "$lsan_dir"
  python3 "$top/scripts/warm-gst-registries.py" "$top/build-asan" check signalling || return 1
  [ "${LSAN_SLOW:-0}" = 1 ] && unwind=":fast_unwind_on_malloc=0:malloc_context_size=30"
  GST_REGISTRY_FORK=no GIO_USE_PROXY_RESOLVER=dummy \
    ASAN_OPTIONS=detect_leaks=1:abort_on_error=1$unwind \
    LSAN_OPTIONS=suppressions=$top/tests/lsan.supp:exitcode=0:log_path=$lsan_dir/lsan \
    UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
    meson_suites "$top/build-asan" --suite check --suite signalling
  rc=$?
  python3 "$top/scripts/lsan-report.py" "$top" "$lsan_dir" || rc=1
  echo "ASan+UBSan+LSan suites: $((SECONDS - t0)) s"
  return "$rc"
}

step "unit, element, signalling and interop tests" meson_suites "$top/build"
step "unit and signalling tests under ASan+UBSan" asan_build
# The room bin against a real livekit-server, LiveKit's Python SDK and
# livekit-client in headless Chromium, in a network namespace of its own
# (libwebrtc ignores loopback interfaces).
step "room bin with livekit-server, the Python SDK and Chromium" \
  "$top/tests/integration/run-roombin.sh" all
# The per-buffer benchmarks still run (a smoke: nothing is measured).
step "benchmark smoke" "$top/bench/smoke.sh"
# gst-livekit-record in a real room: the Python SDK, Chromium and bin publishers,
# a server restart, a ratchet, a late key, a wrong-key participant, the
# composite, SIGINT (tests/integration/run-record.sh).
step "gst-livekit-record in a real room" "$top/tests/integration/run-record.sh"
# The same library, plugin and tests cross-built for arm64 (Debian's arm64
# GStreamer), run under qemu-user (scripts/test-arm64.sh; installs once).
step "arm64: cross build, unit/element/interop tests under qemu" \
  "$top/scripts/test-arm64.sh"
if [ -x "$top/scripts/fuzz.sh" ]; then
  step "fuzzing (bounded)" "$top/scripts/fuzz.sh"
fi

echo
echo "suites: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
