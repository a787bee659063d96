#!/usr/bin/env bash
# Records what a real livekit-server sends in an encrypted call and turns it
# into the seed corpus of the signalling harnesses:
#
#   tests/fuzz/capture-seeds.sh [OUT]     (default OUT: build/fuzz-capture)
#
# Starts the pinned livekit-server on 127.0.0.1 (scripts/livekit-server.sh),
# the recording proxy (signal-capture-proxy.py) in front of it, then two
# livekitroombin pipelines through the proxy: "sender" publishes Opus and VP8
# encrypted, "receiver" subscribes. Every server frame lands in OUT/frames;
# make-seeds.py writes the seeds to OUT/corpus/<harness>. Copy (a few of)
# them to tests/fuzz/corpus/ by hand: the committed corpus stays small.
# Stops what it started, by PID. Needs build/ (scripts/bootstrap.sh).
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
out=${1:-$top/build/fuzz-capture}
server_sh=$top/scripts/livekit-server.sh
py=$("$top/scripts/python-env.sh")
proxy_port=${CAPTURE_PROXY_PORT:-7990}

rm -rf "$out" && mkdir -p "$out/frames"
export GST_PLUGIN_PATH=$top/build/plugins/livekit
"$server_sh" install >/dev/null
env_lines=$("$server_sh" start)
set -a
eval "$env_lines"
set +a
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  "$server_sh" stop "$LIVEKIT_PID" >/dev/null 2>&1 || true
  rm -rf "$LIVEKIT_STATE_DIR"
}
trap cleanup EXIT

"$py" "$top/tests/fuzz/signal-capture-proxy.py" --listen "127.0.0.1:$proxy_port" \
  --upstream "http://127.0.0.1:${LIVEKIT_URL##*:}" --out "$out/frames" \
  >"$out/proxy.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 50); do
  grep -q "frames in" "$out/proxy.log" && break
  sleep 0.1
done

key=$out/room.key
(umask 077 && head -c 24 /dev/urandom | base64 >"$key")
room=(url="ws://127.0.0.1:$proxy_port" api-key="$LIVEKIT_API_KEY"
  api-secret="$LIVEKIT_API_SECRET" room=fuzz-seeds shared-key-file="$key")

gst-launch-1.0 -e livekitroombin name=r "${room[@]}" identity=receiver \
  r.sender_microphone ! queue ! fakesink r.sender_camera ! queue ! fakesink \
  >"$out/receiver.log" 2>&1 &
receiver=$!
pids+=("$receiver")
sleep 1
timeout 20 gst-launch-1.0 -e livekitroombin name=r "${room[@]}" identity=sender \
  audiotestsrc is-live=true num-buffers=300 samplesperbuffer=480 ! opusenc ! r.audio_0 \
  videotestsrc is-live=true num-buffers=45 ! video/x-raw,width=160,height=120,framerate=15/1 \
  ! vp8enc deadline=1 ! r.video_0 >"$out/sender.log" 2>&1 || true
sleep 1
kill -INT "$receiver" 2>/dev/null || true
wait "$receiver" 2>/dev/null || true

"$py" "$top/tests/fuzz/make-seeds.py" "$out/frames" "$out/corpus"
echo "capture-seeds: $(ls "$out/frames" | wc -l) frames in $out/frames, seeds in $out/corpus"
