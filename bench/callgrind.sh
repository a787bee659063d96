#!/bin/sh
# Instructions per buffer (valgrind's callgrind, deterministic on a noisy
# machine) for identity, livekitencrypt, livekitdecrypt, srtpenc/srtpdec
# (AES-128-GCM) and raw OpenSSL AES-128-GCM at 100 B, 1 KB and 64 KB, from
# bench/element-bench, printed as a Markdown table with ratios.
#
# Usage: bench/callgrind.sh [--quick] [--before BUILD_DIR]
#   --before: also measure the livekit plugin of another build (an older
#   commit) in the same run, as "before" rows: a build directory, or a
#   directory holding libgstlivekit.so and libgstlivekit-1.0.so.0.
# Environment: BUILD_DIR (default <repo>/build), ITERS (buffers per case,
#   default 256; --quick 64), OUT_DIR (keeps callgrind's files).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
build=${BUILD_DIR:-$root/build}
iters=${ITERS:-256}
before=

while [ $# -gt 0 ]; do
  case $1 in
    --quick) iters=${ITERS:-64} ;;
    --before) before=$(cd "$2" && pwd); shift ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) echo "callgrind.sh: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done

command -v valgrind >/dev/null 2>&1 || { echo "callgrind.sh: valgrind not found" >&2; exit 1; }
out=${OUT_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/livekit-callgrind.XXXXXX")}
mkdir -p "$out"
ninja -C "$build" bench/element-bench plugins/livekit/libgstlivekit.so >&2

# $1 label, $2 plugin dir, $3 library dir, $4... element-bench arguments
measure() {
  label=$1 plugins=$2 libs=$3
  shift 3
  mkdir -p "$out/$label"
  echo "callgrind.sh: $label $*" >&2
  LD_LIBRARY_PATH=$libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH} \
  GST_PLUGIN_PATH=$plugins GST_REGISTRY="$out/$label/registry.bin" \
    valgrind --tool=callgrind --collect-atstart=no \
    --callgrind-out-file="$out/$label/cg.%p" \
    "$build/bench/element-bench" --callgrind --iters "$iters" "$@" \
    > "$out/$label/cases.jsonl" 2> "$out/$label/valgrind.log" ||
    { tail -20 "$out/$label/valgrind.log" >&2; exit 1; }
}

measure after "$build/plugins/livekit" "$build/gst/livekit"
if [ -n "$before" ]; then
  if [ -d "$before/plugins/livekit" ]; then
    bplugins=$before/plugins/livekit blibs=$before/gst/livekit
  else
    bplugins=$before blibs=$before
  fi
  for e in livekitencrypt livekitdecrypt; do
    measure "before-$e" "$bplugins" "$blibs" --only "$e"
  done
fi

python3 - "$out" <<'EOF'
import glob, json, os, re, sys

out = sys.argv[1]
ir = {}        # (label, element, size) -> instructions per buffer
for label in sorted(os.listdir(out)):
    d = os.path.join(out, label)
    if not os.path.isdir(d):
        continue
    n = {}
    for line in open(os.path.join(d, "cases.jsonl")):
        c = json.loads(line)
        n[(c["element"], c["size"])] = c["buffers"]
    for f in glob.glob(os.path.join(d, "cg.*")):
        desc = total = None
        for line in open(f):
            m = re.match(r"desc: Trigger: Client Request: case:(.+):(\d+)", line)
            if m:
                desc = (m.group(1), int(m.group(2)))
            m = re.match(r"(?:summary|totals): (\d+)", line)
            if m:
                total = int(m.group(1))
        if desc and total is not None and desc in n:
            key = ("before" if label.startswith("before") else "after",) + desc
            ir[key] = total / n[desc]

sizes = [100, 1024, 65536]
names = {100: "100 B", 1024: "1 KB", 65536: "64 KB"}
def k(v):
    return "%.1f k" % (v / 1000) if v < 1e6 else "%.2f M" % (v / 1e6)
def get(e, s, label="after"):
    return ir.get((label, e, s))

print("Instructions per buffer (callgrind, %s):" % os.path.basename(out))
print()
print("| element | " + " | ".join(names[s] for s in sizes) + " |")
print("|---|" + "--:|" * len(sizes))
rows = ["identity", "livekitencrypt", "livekitdecrypt", "srtpenc", "srtpdec",
        "openssl-encrypt", "openssl-decrypt"]
for e in rows:
    for label in ("before", "after"):
        vals = [get(e, s, label) for s in sizes]
        if all(v is None for v in vals):
            continue
        name = e if label == "after" else e + " (before)"
        print("| %s | %s |" % (name, " | ".join(k(v) if v else "n/a" for v in vals)))
print()
print("| ratio | " + " | ".join(names[s] for s in sizes) + " |")
print("|---|" + "--:|" * len(sizes))
def ratio(a, b, label_a="after"):
    vals = []
    for s in sizes:
        x, y = get(a, s, label_a), get(b, s)
        vals.append("%.2f" % (x / y) if x and y else "n/a")
    return " | ".join(vals)
print("| livekitencrypt / srtpenc | %s |" % ratio("livekitencrypt", "srtpenc"))
print("| livekitdecrypt / srtpdec | %s |" % ratio("livekitdecrypt", "srtpdec"))
print("| livekitencrypt / identity | %s |" % ratio("livekitencrypt", "identity"))
print("| livekitdecrypt / identity | %s |" % ratio("livekitdecrypt", "identity"))
if any(key[0] == "before" for key in ir):
    for e in ("livekitencrypt", "livekitdecrypt"):
        vals = []
        for s in sizes:
            x, y = get(e, s), get(e, s, "before")
            vals.append("%.2f" % (x / y) if x and y else "n/a")
        print("| %s after / before | %s |" % (e, " | ".join(vals)))
print()
for e, target in (("livekitdecrypt", 5500), ("livekitencrypt", 7500)):
    v = get(e, 100)
    if v:
        print("- %s: %s at 100 B: %.0f instructions per buffer (target <= %d)"
              % ("PASS" if v <= target else "MISS", e, v, target))
EOF
echo "callgrind files: $out" >&2
