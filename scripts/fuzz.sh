#!/usr/bin/env bash
# Builds the libFuzzer harnesses (tests/fuzz) with clang + ASan + UBSan in a
# build directory of their own and runs each for a bounded time.
#
#   scripts/fuzz.sh                 # 90 s in total, split across harnesses
#   FUZZ_SECONDS=600 scripts/fuzz.sh
#   FUZZ_HARNESSES="fuzz_hex" scripts/fuzz.sh
#
# Environment:
#   FUZZ_SECONDS     total fuzzing time, split evenly (default 90)
#   FUZZ_HARNESSES   space-separated subset (default: all of them)
#   FUZZ_BUILD_DIR   build directory (default: <repo>/build-fuzz)
#   FUZZ_ARGS        extra libFuzzer arguments for every harness
#   FUZZ_LAYOUT_DRIFT=ignore  count, do not abort on, encrypted frames whose
#                    layout differs from their plaintext's (fuzz_frame_decrypt)
#
# The working corpus grows in $FUZZ_BUILD_DIR/fuzz-corpus/<harness>, seeded
# from tests/fuzz/corpus/<harness> (never written to). Crashing inputs land
# in $FUZZ_BUILD_DIR/fuzz-artifacts/. Exits non-zero if any harness crashed,
# leaked, hit undefined behaviour or failed one of its checks.
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
build=${FUZZ_BUILD_DIR:-$top/build-fuzz}
total=${FUZZ_SECONDS:-90}
harnesses=(${FUZZ_HARNESSES:-fuzz_frame_decrypt fuzz_hex fuzz_cryptor_decrypt fuzz_signal_frames fuzz_candidate fuzz_data_packet})
start=$(date +%s)
extra_args=(${FUZZ_ARGS:-})

die() { echo "fuzz.sh: $*" >&2; exit 2; }

command -v clang >/dev/null || die "clang not found (apt-get install clang)"
command -v meson >/dev/null || die "meson not found (scripts/bootstrap.sh)"

# libFuzzer and the sanitizer runtimes come with compiler-rt, which Debian
# ships apart from clang.
probe=$(mktemp -d)
trap 'rm -rf "$probe"' EXIT
printf '#include <stddef.h>\n#include <stdint.h>\nint LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { return 0; }\n' \
  >"$probe/p.c"
if ! clang -fsanitize=fuzzer,address,undefined "$probe/p.c" -o "$probe/p" 2>/dev/null; then
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
    echo "fuzz.sh: installing compiler-rt (libclang-rt-dev)"
    apt-get update -q >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
      libclang-rt-dev >/dev/null || die "could not install libclang-rt-dev"
    clang -fsanitize=fuzzer,address,undefined "$probe/p.c" -o "$probe/p" \
      || die "clang still cannot link -fsanitize=fuzzer"
  else
    die "clang cannot link -fsanitize=fuzzer: install libclang-rt-dev"
  fi
fi

# fuzzer-no-link everywhere: libFuzzer's coverage then reaches the code the
# cryptor harness links from libgstlivekit.
setup_opts=(-Dfuzzing=true -Db_sanitize=address,undefined -Db_lundef=false
  -Dc_args=-fsanitize=fuzzer-no-link -Dbenchmarks=false -Dtests=enabled
  --buildtype=debugoptimized)
if [ ! -f "$build/build.ninja" ]; then
  CC=clang meson setup "$build" "$top" "${setup_opts[@]}" >"$build.setup.log" 2>&1 \
    || { cat "$build.setup.log"; die "meson setup failed"; }
  rm -f "$build.setup.log"
else
  meson configure "$build" -Dfuzzing=true -Db_sanitize=address,undefined \
    -Db_lundef=false -Dc_args=-fsanitize=fuzzer-no-link >/dev/null \
    || die "meson configure failed"
fi
# (tests/fuzz/meson.build refuses a build directory set up with another
# compiler than clang: remove it then.)

# Only the harnesses (and what they need): the rest of the tree may be
# mid-edit and does not matter here.
meson compile -C "$build" "${harnesses[@]}" >"$build/fuzz-build.log" 2>&1 \
  || { tail -50 "$build/fuzz-build.log"; die "build failed (log: $build/fuzz-build.log)"; }

per=$(( total / ${#harnesses[@]} ))
[ "$per" -ge 1 ] || per=1

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}

failed=0
summary=()
for h in "${harnesses[@]}"; do
  exe="$build/tests/fuzz/$h"
  seeds="$top/tests/fuzz/corpus/$h"
  corpus="$build/fuzz-corpus/$h"
  artifacts="$build/fuzz-artifacts"
  log="$build/fuzz-$h.log"
  [ -x "$exe" ] || die "$exe was not built"
  mkdir -p "$corpus" "$artifacts"
  args=(-max_total_time="$per" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1
    -artifact_prefix="$artifacts/$h-")
  case $h in
    fuzz_frame_decrypt | fuzz_cryptor_decrypt) args+=(-dict="$top/tests/fuzz/frame.dict") ;;
    fuzz_candidate) args+=(-dict="$top/tests/fuzz/json.dict") ;;
  esac
  echo "fuzz.sh: $h for ${per}s (log: $log)"
  "$exe" "${args[@]}" "${extra_args[@]}" "$corpus" "$seeds" >"$log" 2>&1
  rc=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  if [ -z "$execs" ]; then
    execs=$(grep -oE '^#[0-9]+' "$log" | tail -1 | tr -d '#')
  fi
  cov=$(grep -oE 'cov: [0-9]+ ft: [0-9]+ corp: [0-9]+/[0-9]+[a-zA-Z]*' "$log" | tail -1)
  rate=$(grep -oE 'exec/s: [0-9]+' "$log" | tail -1)
  drift=$(sed -n 's/^fuzz_frame_decrypt: \(layout drift in .*\)$/\1/p' "$log" | tail -1)
  if [ "$rc" -ne 0 ]; then
    failed=1
    status="FAILED (exit $rc)"
    grep -E '^(==[0-9]+==ERROR|SUMMARY|FUZZ CHECK FAILED|LAYOUT DRIFT|.*runtime error)' "$log" | head -5 >&2
    artifact=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -1)
    if [ -n "$artifact" ] && [ -f "$artifact" ]; then
      echo "  crashing input $artifact:" >&2
      echo "  $(od -An -v -tx1 "$artifact" | tr -d ' \n')" >&2
      echo "  reproduce: $exe $artifact" >&2
    fi
  else
    status=ok
  fi
  summary+=("$(printf '%-22s %-18s execs: %-10s %-14s %s%s' "$h" "$status" "${execs:-?}" "${rate:-}" "${cov:-}" "${drift:+; $drift}")")
done

echo "fuzz.sh summary (${per}s each, $(( $(date +%s) - start )) s in all with the build):"
printf '  %s\n' "${summary[@]}"
exit $failed
