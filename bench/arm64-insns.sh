#!/usr/bin/env bash
# Instructions per frame of the frame functions on arm64, counted under
# qemu-user, against raw OpenSSL AES-128-GCM and memcpy in the same run,
# with OpenSSL's ARMv8 AES/PMULL code and again with OPENSSL_armcap=1 (NEON
# only). Prints Markdown tables with ratios and instructions per byte.
#
# Counting: qemu-aarch64-static -singlestep makes every translation block
# one guest instruction; -d exec,nochain logs one line per executed block.
# bench/frame-insns.c runs each (frame, op, implementation) between two
# marker functions whose names appear in the log, so the lines between the
# markers are the instructions of that block. The log (hundreds of MB) goes
# through a FIFO into grep, which keeps only the markers' line numbers.
# Instruction counts are not a speed (qemu says nothing about a real core's
# cycles); they show how the work grows with the frame and what it costs
# next to OpenSSL. Wall-clock figures under emulation mean nothing.
#
# Usage: bench/arm64-insns.sh [--smoke] [--scale K]
#   --smoke   ARMv8 crypto only, and fail unless instructions per byte are
#             flat from 8 KB to 64 KB and within 1.5x of OpenSSL (~1 min CPU)
#   --scale K frames per block x K (default 1: 4 up to 1 KB, 1 above)
# Needs build-arm64/ (scripts/test-arm64.sh sets it up and installs the
# cross compiler and qemu). Environment: ARM64_BUILD_DIR, OUT_DIR (keeps
# the marker files and the program), QEMU (default qemu-aarch64-static).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=${ARM64_BUILD_DIR:-$top/build-arm64}
qemu=${QEMU:-qemu-aarch64-static}
smoke=0
scale=1

die() {
  echo "arm64-insns: $*" >&2
  exit 1
}

while [ $# -gt 0 ]; do
  case $1 in
    --smoke) smoke=1 ;;
    --scale) scale=$2; shift ;;
    -h | --help) sed -n '2,24p' "$0"; exit 0 ;;
    *) die "unknown argument $1" ;;
  esac
  shift
done

command -v "$qemu" >/dev/null || die "$qemu not found (scripts/test-arm64.sh install)"
command -v aarch64-linux-gnu-gcc >/dev/null || die "aarch64-linux-gnu-gcc not found"
[ -f "$build/build.ninja" ] || die "$build is not set up (run scripts/test-arm64.sh)"

out=${OUT_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/arm64-insns.XXXXXX")}
mkdir -p "$out"
[ -n "${OUT_DIR:-}" ] || trap 'rm -rf "$out"' EXIT

ninja -C "$build" gst/livekit/libgstlivekit-1.0.so.0.1.0 >/dev/null || die "library build failed"
# The library is meson's (buildtype=debugoptimized); the driver gets the same -O2.
aarch64-linux-gnu-gcc -O2 -g -Wall -Werror -I"$top" -o "$out/frame-insns" \
  "$top/bench/frame-insns.c" -L"$build/gst/livekit" -lgstlivekit-1.0 -lcrypto \
  -Wl,-rpath,"$build/gst/livekit" || die "building frame-insns failed"

# $1 tag, $2 OPENSSL_armcap value ("" = OpenSSL's own detection)
count() {
  local tag=$1 armcap=$2 fifo=$out/$1.fifo t0 gpid rc=0
  t0=$(date +%s)
  rm -f "$fifo"
  mkfifo "$fifo"
  grep -n -F -e frame_insns_begin -e frame_insns_end <"$fifo" >"$out/$tag.marks" &
  gpid=$!
  (
    [ -z "$armcap" ] || export OPENSSL_armcap=$armcap
    exec timeout 3600 "$qemu" -L / -singlestep -d exec,nochain -D "$fifo" \
      "$out/frame-insns" --scale "$scale" >"$out/$tag.blocks"
  ) || rc=$?
  wait "$gpid" || true
  rm -f "$fifo"
  [ "$rc" -eq 0 ] || die "frame-insns under qemu failed ($tag, exit $rc)"
  echo "arm64-insns: $tag: $(($(date +%s) - t0)) s" >&2
}

tags=(armv8)
count armv8 ""
if [ "$smoke" -eq 0 ]; then
  tags+=(neon)
  count neon 1
fi

python3 - "$out" "$smoke" "${tags[@]}" <<'EOF'
import sys

out, smoke, tags = sys.argv[1], sys.argv[2] == "1", sys.argv[3:]
titles = {"armv8": "OpenSSL's ARMv8 AES/PMULL code (default)",
          "neon": "OPENSSL_armcap=1 (NEON only, no crypto extensions)"}

def blocks(tag):
    """{(frame, impl, size): instructions per frame}"""
    names = [l.split() for l in open("%s/%s.blocks" % (out, tag))]
    counts, begin = [], None
    for line in open("%s/%s.marks" % (out, tag)):
        n, text = line.split(":", 1)
        if "frame_insns_begin" in text:
            begin = int(n)
        elif begin is not None:
            counts.append(int(n) - begin - 1)
            begin = None
    if len(counts) != len(names):
        sys.exit("arm64-insns: %d blocks but %d marker pairs in %s"
                 % (len(names), len(counts), tag))
    empty = counts[0]
    r = {}
    for (_, label, size, iters), c in zip(names[1:], counts[1:]):
        frame, impl = label.split(":")
        r[(frame, impl, int(size))] = (c - empty) / int(iters)
    return empty, r

def k(v):
    if v < 1e4:
        return "{:,.0f}".format(v)
    return "%.1f k" % (v / 1e3) if v < 1e6 else "%.2f M" % (v / 1e6)

sizes = {100: "100 B", 1024: "1 KB", 8192: "8 KB", 65536: "64 KB"}
rows = [("opus", 100), ("vp8", 1024), ("vp8", 8192), ("vp8", 65536),
        ("h264", 8192), ("h264", 65536), ("h264-esc", 65536)]
fails = []
res = {}
for tag in tags:
    empty, r = blocks(tag)
    res[tag] = r
    print("Instructions per frame under qemu-aarch64, %s (markers: %d):"
          % (titles[tag], empty))
    print()
    print("| frame | op | frame fn | OpenSSL | frame / OpenSSL | frame fn per byte "
          "| memcpy |")
    print("|---|---|--:|--:|--:|--:|--:|")
    for frame, size in rows:
        for op in ("encrypt", "decrypt"):
            f = r[(frame, "frame-" + op, size)]
            o = r[(frame, "openssl-" + op, size)]
            name = {"h264-esc": "h264, escaped"}.get(frame, frame)
            print("| %s %s | %s | %s | %s | %.2f | %.2f | %s |"
                  % (name, sizes[size], op, k(f), k(o), f / o, f / size,
                     k(r[(frame, "memcpy", size)])))
    print()
    # Linear, not quadratic: the cost of a byte stays put from 8 KB to 64 KB.
    for frame in ("vp8", "h264"):
        for op in ("encrypt", "decrypt"):
            a = r[(frame, "frame-" + op, 8192)] / 8192
            b = r[(frame, "frame-" + op, 65536)] / 65536
            o = r[(frame, "openssl-" + op, 65536)]
            f = r[(frame, "frame-" + op, 65536)]
            ok = b <= 1.2 * a and f <= 1.5 * o
            if not ok:
                fails.append((tag, frame, op))
            if smoke or not ok:
                print("- %s: %s %s %s: %.2f insns/byte at 8 KB, %.2f at 64 KB, "
                      "%.2f x OpenSSL at 64 KB" % ("PASS" if ok else "FAIL", tag,
                      frame, op, a, b, f / o))
    if smoke:
        print()

if not smoke:
    print("Instructions per byte (per frame / frame size) and the marginal cost of a byte"
          " from 8 KB to 64 KB:")
    print()
    print("| code | what | 1 KB | 8 KB | 64 KB | 8 KB to 64 KB |")
    print("|---|---|--:|--:|--:|--:|")
    for tag in tags:
        r = res[tag]
        for frame, impl in (("vp8", "frame-encrypt"), ("vp8", "frame-decrypt"),
                            ("vp8", "openssl-encrypt"), ("vp8", "openssl-decrypt"),
                            ("h264", "frame-encrypt"), ("h264", "frame-decrypt"),
                            ("vp8", "memcpy")):
            vals = ["%.2f" % (r[(frame, impl, s)] / s) if (frame, impl, s) in r
                    else "n/a" for s in (1024, 8192, 65536)]
            marg = (r[(frame, impl, 65536)] - r[(frame, impl, 8192)]) / (65536 - 8192)
            print("| %s | %s %s | %s | %.2f |" % (tag, frame, impl,
                  " | ".join(vals), marg))
    print()
if fails:
    sys.exit("arm64-insns: not linear or too far from OpenSSL: %s" % fails)
EOF
