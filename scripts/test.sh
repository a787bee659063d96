#!/usr/bin/env bash
# Runs every test: installs what is missing, builds, then
#   1. gst-check unit and element tests (meson test),
#   2. the same tests under ASan + UBSan (a second build dir),
#   3. interop against LiveKit's own JS implementation (node --test),
#   4. the libFuzzer harnesses for a bounded time (scripts/fuzz.sh).
# Exits non-zero if anything fails. Prints "N passed, N failed" last.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

"$top/scripts/bootstrap.sh" || { echo "bootstrap failed"; exit 1; }

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

asan_build() {
  if [ ! -f "$top/build-asan/build.ninja" ]; then
    CC=clang meson setup "$top/build-asan" "$top" -Db_sanitize=address,undefined \
      -Db_lundef=false -Dbenchmarks=false --buildtype=debug >/dev/null || return 1
  fi
  ninja -C "$top/build-asan" >/dev/null || return 1
  # GStreamer's own libraries are not instrumented; report only our bugs.
  ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 \
    UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
    meson test -C "$top/build-asan" --suite check --print-errorlogs
}

step "unit and element tests" meson test -C "$top/build" --suite check --print-errorlogs
step "unit tests under ASan+UBSan" asan_build
step "interop with livekit-client" env LK_FRAME_TOOL="$top/build/tests/interop/lk-frame-tool" \
  node --test "$top/tests/interop/"
if [ -x "$top/scripts/fuzz.sh" ]; then
  step "fuzzing (bounded)" "$top/scripts/fuzz.sh"
fi

echo
echo "suites: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
