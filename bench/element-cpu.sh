#!/bin/sh
# Thread CPU time per buffer (bench/element-bench) for identity,
# livekitencrypt/decrypt, srtpenc/dec (AES-128-GCM) and raw OpenSSL
# AES-128-GCM at 100 B, 1 KB, 64 KB and 256 KB, the cases taking turns for
# ROUNDS rounds (best kept), as a Markdown table with the throughput ratios
# against OpenSSL (OpenSSL time / element time: 1.00 = as fast as AES-GCM
# alone), the same with identity's time (two pad pushes and freeing the
# input, which OpenSSL alone never pays) taken off, and the page faults per
# buffer.
#
# Usage: bench/element-cpu.sh [--quick]
# Environment: BUILD_DIR (default <repo>/build), ROUNDS (default 5; --quick 2).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
build=${BUILD_DIR:-$root/build}
rounds=${ROUNDS:-5}
[ "${1:-}" = --quick ] && rounds=${ROUNDS:-2}

ninja -C "$build" bench/element-bench plugins/livekit/libgstlivekit.so >&2
out=$(mktemp "${TMPDIR:-/tmp}/livekit-element-cpu.XXXXXX")
export GST_PLUGIN_PATH="$build/plugins/livekit" LD_LIBRARY_PATH="$build/gst/livekit"
for r in $(seq 1 "$rounds"); do
  for size in 100 1024 65536 262144; do
    iters=$((8 * 1024 * 1024 / size))
    [ $iters -gt 8192 ] && iters=8192
    [ $iters -lt 128 ] && iters=128
    for e in identity livekitencrypt livekitdecrypt srtpenc srtpdec openssl-encrypt openssl-decrypt; do
      "$build/bench/element-bench" --only $e --size $size --iters $iters >> "$out"
    done
  done
done
echo "Load average after the run: $(cut -d' ' -f1-3 /proc/loadavg)"
python3 - "$out" <<'EOF'
import json, sys
best, faults = {}, {}
for line in open(sys.argv[1]):
    c = json.loads(line)
    k = (c["element"], c["size"])
    best[k] = min(best.get(k, 1e18), c["thread_ns_per_buffer"])
    faults[k] = min(faults.get(k, 1e18), c["page_faults_per_buffer"])
sizes = sorted({k[1] for k in best})
name = lambda s: "%d B" % s if s < 1024 else "%d KB" % (s // 1024)
print("\nThread CPU time per buffer, ns (best of the rounds):\n")
print("| element | " + " | ".join(name(s) for s in sizes) + " |")
print("|---|" + "--:|" * len(sizes))
for e in ["identity", "livekitencrypt", "livekitdecrypt", "srtpenc", "srtpdec",
          "openssl-encrypt", "openssl-decrypt"]:
    print("| %s | %s |" % (e, " | ".join("%.0f" % best[(e, s)] for s in sizes)))
print("\n| throughput against OpenSSL | " + " | ".join(name(s) for s in sizes) + " |")
print("|---|" + "--:|" * len(sizes))
for e, ref in (("livekitencrypt", "openssl-encrypt"), ("livekitdecrypt", "openssl-decrypt"),
               ("srtpenc", "openssl-encrypt"), ("srtpdec", "openssl-decrypt")):
    print("| %s | %s |" % (e, " | ".join("%.2f" % (best[(ref, s)] / best[(e, s)]) for s in sizes)))
print("\n| page faults per buffer | " + " | ".join(name(s) for s in sizes) + " |")
print("|---|" + "--:|" * len(sizes))
for e in ("livekitencrypt", "livekitdecrypt", "srtpenc", "srtpdec"):
    print("| %s | %s |" % (e, " | ".join("%.2f" % faults[(e, s)] for s in sizes)))
print("\n| the same, element time less identity's | " + " | ".join(name(s) for s in sizes) + " |")
print("|---|" + "--:|" * len(sizes))
for e, ref in (("livekitencrypt", "openssl-encrypt"), ("livekitdecrypt", "openssl-decrypt"),
               ("srtpenc", "openssl-encrypt"), ("srtpdec", "openssl-decrypt")):
    print("| %s | %s |" % (e, " | ".join(
        "%.2f" % (best[(ref, s)] / max(best[(e, s)] - best[("identity", s)], 1)) for s in sizes)))
for e, ref in (("livekitencrypt", "openssl-encrypt"), ("livekitdecrypt", "openssl-decrypt")):
    r = best[(ref, 65536)] / best[(e, 65536)]
    print("\n- %s: %s at 64 KB: %.2f of OpenSSL's throughput (target >= 0.9)"
          % ("PASS" if r >= 0.9 else "MISS", e, r), end="")
print()
EOF
echo "raw JSON lines: $out" >&2
