#!/usr/bin/env bash
# CPU per received stream of one subscribing livekitroombin, E2EE on and off:
# a benchmark, not a test (docs/benchmarks.md).
#
#   bench/room-cpu.sh [ROUNDS] [SECONDS]     (root: a test network namespace)
#
# A livekit-server in a fresh namespace (scripts/livekit-netns.sh); one
# gst-launch-1.0 process with 10 sending room bins (sender-0..9, each Opus +
# VP8 320x240 at 15 fps); one subscribing room bin (bench/room-cpu.py) that
# links its 20 source pads to fakesinks (no decoding) and measures, after
# 5 s of warm-up, SECONDS (default 15) of its process CPU time and each of
# its threads'. Variants alternate for ROUNDS rounds (default 2), each in a
# fresh room with fresh senders:
#   on    senders encrypt (shared key), the subscriber decrypts
#   off   senders with encryption=none, the subscriber has no key
# Prints per variant (its round with the least CPU per received frame) the
# process CPU per stream and per frame, the threads that took the most, and
# the ratios on/off. Frames per second depend on how fast the senders run on
# a loaded machine, so CPU per frame is the fairer comparison.
# Env: BUILD_DIR (default <repo>/build), SENDERS (default 10).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$top/build}
rounds=${1:-2}
seconds=${2:-15}
senders=${SENDERS:-10}

if [ "${ROOM_CPU_INSIDE:-}" != 1 ]; then
  [ "$(id -u)" = 0 ] || {
    echo "room-cpu.sh: needs root (network namespace)" >&2
    exit 1
  }
  ninja -C "$build" plugins/livekit/libgstlivekit.so >&2
  "$top/scripts/livekit-server.sh" install >/dev/null
  exec env ROOM_CPU_INSIDE=1 "$top/scripts/livekit-netns.sh" run "$0" "$rounds" "$seconds"
fi

dir=$(mktemp -d "${TMPDIR:-/tmp}/room-cpu.XXXXXX")
export GST_PLUGIN_PATH=$build/plugins/livekit LD_LIBRARY_PATH=$build/gst/livekit
eval "$("$top/scripts/livekit-server.sh" start 2>"$dir/server-start.log")"
pub=
stop_senders() {
  if [ -n "$pub" ]; then
    kill -INT "$pub" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pub" 2>/dev/null || break; sleep 0.1; done
    kill "$pub" 2>/dev/null || true
    for _ in $(seq 1 30); do kill -0 "$pub" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pub" 2>/dev/null || true
    wait "$pub" 2>/dev/null || true
    pub=
  fi
}
cleanup() {
  stop_senders
  "$top/scripts/livekit-server.sh" stop "$LIVEKIT_PID" 2>/dev/null || true
  rm -rf "$LIVEKIT_STATE_DIR"
}
trap cleanup EXIT
# No spaces: the sender line is split into gst-launch-1.0's arguments.
key=room-cpu-benchmark-key

# $1 variant, $2 room
start_senders() {
  local variant=$1 room=$2 line="" i crypt
  if [ "$variant" = on ]; then
    crypt="shared-key=$key"
  else
    crypt="encryption=none"
  fi
  for i in $(seq 0 $((senders - 1))); do
    line="$line livekitroombin name=s$i url=$LIVEKIT_URL api-key=$LIVEKIT_API_KEY"
    line="$line api-secret=$LIVEKIT_API_SECRET room=$room identity=sender-$i $crypt"
    line="$line audiotestsrc is-live=true freq=$((300 + 50 * i)) ! audioconvert !"
    line="$line audioresample ! opusenc ! s$i.audio_0"
    line="$line videotestsrc is-live=true pattern=ball !"
    line="$line video/x-raw,width=320,height=240,framerate=15/1 !"
    line="$line vp8enc deadline=1 cpu-used=16 target-bitrate=300000 ! s$i.video_0"
  done
  # Word-split on purpose (no glob characters): $! is gst-launch itself.
  # shellcheck disable=SC2086
  gst-launch-1.0 -q $line >"$dir/senders-$room.log" 2>&1 &
  pub=$!
}

: >"$dir/runs.jsonl"
for r in $(seq 1 "$rounds"); do
  for variant in on off; do
    room="cpu-$variant-$r"
    start_senders "$variant" "$room"
    sleep 3
    k=-
    [ "$variant" = on ] && k=$key
    echo "room-cpu: round $r, E2EE $variant" >&2
    if line=$(timeout 180 /usr/bin/python3 "$top/bench/room-cpu.py" "$LIVEKIT_URL" \
      "$LIVEKIT_API_KEY" "$LIVEKIT_API_SECRET" "$room" subscriber "$k" \
      $((2 * senders)) 5 "$seconds" 2>"$dir/sub-$room.log"); then
      echo "{\"variant\": \"$variant\", \"round\": $r, \"run\": $line}" >>"$dir/runs.jsonl"
    else
      echo "room-cpu: $room failed: ${line:-see $dir/sub-$room.log}" >&2
    fi
    stop_senders
  done
done

load=$(cut -d' ' -f1-3 /proc/loadavg)
python3 - "$dir/runs.jsonl" "$load" "$senders" <<'EOF'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
print(f"machine: {__import__('os').cpu_count()} CPUs, load average {sys.argv[2]}; "
      f"{sys.argv[3]} senders (Opus + VP8), one subscriber, log {sys.argv[1]}")
best = {}
for row in rows:
    run = row["run"]
    if "error" in run or not run.get("streams"):
        continue
    frames = sum(run["buffers"].values())
    if not frames:
        continue
    per_frame = run["process_cpu_s"] / frames
    if row["variant"] not in best or per_frame < best[row["variant"]][0]:
        best[row["variant"]] = (per_frame, run)
for v in ("on", "off"):
    if v not in best:
        print(f"E2EE {v}: no complete run")
        continue
    per_frame, run = best[v]
    bufs = sum(run["buffers"].values()) / run["wall_s"]
    per_stream = run["process_cpu_s"] / run["wall_s"] / run["streams"]
    print(f"\nE2EE {v}: {run['streams']} streams, {bufs:.0f} frames/s; process CPU "
          f"{100 * run['process_cpu_s'] / run['wall_s']:.1f} % of a core, "
          f"{1000 * per_stream:.2f} ms CPU per second per stream, "
          f"{1e6 * per_frame:.0f} us per frame")
    for name, cpu in list(run["threads_cpu_s"].items())[:6]:
        print(f"  thread {name:16s} {100 * cpu / run['wall_s']:5.1f} % of a core "
              f"({100 * cpu / max(run['process_cpu_s'], 1e-9):.0f} % of the process)")
if "on" in best and "off" in best:
    on, off = best["on"][1], best["off"][1]
    frames = lambda run: sum(run["buffers"].values())
    print(f"\nprocess CPU per frame, on / off: {best['on'][0] / best['off'][0]:.2f}")
    print("process CPU per stream, on / off: %.2f" % (
        (on["process_cpu_s"] / on["wall_s"] / on["streams"])
        / (off["process_cpu_s"] / off["wall_s"] / off["streams"])))
    for name in list(on["threads_cpu_s"])[:3]:
        a = on["threads_cpu_s"].get(name, 0) / frames(on)
        b = off["threads_cpu_s"].get(name, 0) / frames(off)
        if b > 0:
            print(f"thread {name} CPU per frame, on / off: {a / b:.2f}")
EOF
