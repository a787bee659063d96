#!/usr/bin/env bash
# Join latency of livekitroombin: a benchmark, not a test (docs/benchmarks.md).
#
#   bench/join-latency.sh [N]        (root: runs in a test network namespace)
#
# A livekit-server and a publishing bin (gst-launch-1.0: E2EE Opus) run in a
# fresh namespace (scripts/livekit-netns.sh). Then 2 x N joins, each a fresh
# process (bench/join-latency, one room bin subscribing), alternating
#   after   the bin as built (DTLS certificate made in the background at
#           READY, the key derived while the WebSocket connects, jitterbuffer
#           fast start after 3 packets), and
#   before  the same build with GST_LIVEKIT_JOIN_PREWARM=0 (certificate made
#           when webrtcbin needs it, key derived before connecting, the
#           jitterbuffer holding its first packet for its whole latency: the
#           bin's behaviour before those changes),
# and prints per variant the median, min and max milliseconds from PLAYING
# to each step (cert = GStreamer's DTLS certificate made, connect = WebSocket
# open, join = JoinResponse, offer/answer = the subscriber's, ice, dtls,
# frame = the first decrypted frame out of the bin; bench/join-latency.c)
# and the ratio of the medians. N defaults to 15.
# Env: BUILD_DIR (default <repo>/build).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$top/build}
n=${1:-15}

if [ "${JOIN_BENCH_INSIDE:-}" != 1 ]; then
  [ "$(id -u)" = 0 ] || {
    echo "join-latency.sh: needs root (network namespace)" >&2
    exit 1
  }
  ninja -C "$build" bench/join-latency >&2
  "$top/scripts/livekit-server.sh" install >/dev/null
  exec env JOIN_BENCH_INSIDE=1 "$top/scripts/livekit-netns.sh" run "$0" "$n"
fi

dir=$(mktemp -d "${TMPDIR:-/tmp}/join-latency.XXXXXX")
export GST_PLUGIN_PATH=$build/plugins/livekit LD_LIBRARY_PATH=$build/gst/livekit
eval "$("$top/scripts/livekit-server.sh" start 2>"$dir/server-start.log")"
pub=
cleanup() {
  if [ -n "$pub" ]; then
    kill "$pub" 2>/dev/null || true
    wait "$pub" 2>/dev/null || true
  fi
  "$top/scripts/livekit-server.sh" stop "$LIVEKIT_PID" 2>/dev/null || true
  rm -rf "$LIVEKIT_STATE_DIR"
}
trap cleanup EXIT
key="join latency benchmark key"
room=join-bench

gst-launch-1.0 -q livekitroombin name=r url="$LIVEKIT_URL" api-key="$LIVEKIT_API_KEY" \
  api-secret="$LIVEKIT_API_SECRET" room=$room identity=publisher shared-key="$key" \
  audiotestsrc is-live=true freq=660 ! audioconvert ! audioresample ! opusenc ! r.audio_0 \
  >"$dir/publisher.log" 2>&1 &
pub=$!
sleep 4 # the publisher is streaming before the first join

echo "join-latency: $n joins per variant, log in $dir" >&2
: >"$dir/joins.jsonl"
for i in $(seq 1 "$n"); do
  for variant in after before; do
    prewarm=1
    [ $variant = before ] && prewarm=0
    if line=$(GST_LIVEKIT_JOIN_PREWARM=$prewarm "$build/bench/join-latency" "$LIVEKIT_URL" \
      "$LIVEKIT_API_KEY" "$LIVEKIT_API_SECRET" $room "sub-$variant-$i" "$key" 20 \
      2>>"$dir/joins.log"); then
      echo "{\"variant\": \"$variant\", \"steps\": $line}" >>"$dir/joins.jsonl"
    else
      echo "join-latency: join $variant $i failed: $line" >&2
    fi
  done
done

load=$(cut -d' ' -f1-3 /proc/loadavg)
python3 - "$dir/joins.jsonl" "$load" <<'EOF'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
steps = ["cert", "connect", "join", "offer", "answer", "ice", "dtls", "frame"]
print(f"machine: {__import__('os').cpu_count()} CPUs, load average {sys.argv[2]}")
med = {}
for v in ("before", "after"):
    got = [r["steps"] for r in rows if r["variant"] == v]
    print(f"\n{v}: {len(got)} joins; ms from PLAYING (median [min-max])")
    for s in steps:
        xs = [g[s] for g in got if g.get(s) is not None]
        if not xs:
            print(f"  {s:8s} -")
            continue
        med[(v, s)] = statistics.median(xs)
        print(f"  {s:8s} {med[(v, s)]:7.1f}  [{min(xs):.1f}-{max(xs):.1f}]")
    d = [g["frame"] - g["cert"] for g in got if g.get("frame") and g.get("cert")]
    if d:
        med[(v, "beyond-cert")] = statistics.median(d)
        print(f"  frame - cert (the path not waiting on the certificate) "
              f"{med[(v, 'beyond-cert')]:.1f}  [{min(d):.1f}-{max(d):.1f}]")
print("\nmedian after/before:")
for s in steps + ["beyond-cert"]:
    if (v := med.get(("after", s))) and (b := med.get(("before", s))):
        print(f"  {s:8s} {v / b:.2f}")
EOF
