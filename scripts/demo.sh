#!/usr/bin/env bash
# The main job: an end-to-end encrypted LiveKit call between two GStreamer
# pipelines, through a real LiveKit server on this machine.
#   sender:   440 Hz Opus + VP8 test video -> livekitroombin (encrypts, publishes)
#   receiver: livekitroombin (subscribes, decrypts) -> WAV file + PNG frames
#   intruder: livekitroombin with a wrong key: gets nothing but ciphertext,
#             which it refuses to decode
#   recorder: gst-livekit-record (hidden subscriber) -> rec/sender.mkv,
#             rec/room.webm (composite), rec/manifest.json
# The server runs on 127.0.0.1 only; keys are never on a command line.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
"$top/scripts/bootstrap.sh" >/dev/null
"$top/scripts/livekit-server.sh" install >/dev/null

out=${DEMO_OUT:-"$top/build/demo"}
rm -rf "$out" && mkdir -p "$out/video" "$out/intruder"
export GST_PLUGIN_PATH="$top/build/plugins/livekit"

(umask 077 && head -c 24 /dev/urandom | base64 > "$out/room.key" &&
  head -c 24 /dev/urandom | base64 > "$out/wrong.key")

set -a
eval "$("$top/scripts/livekit-server.sh" start)"
set +a
cleanup() {
  for pid in ${pids:-}; do kill "$pid" 2>/dev/null || true; done
  "$top/scripts/livekit-server.sh" stop "$LIVEKIT_PID" >/dev/null 2>&1 || true
}
trap cleanup EXIT
room=(url="$LIVEKIT_URL" api-key="$LIVEKIT_API_KEY" api-secret="$LIVEKIT_API_SECRET" room=demo)
echo "LiveKit server $LIVEKIT_URL (pid $LIVEKIT_PID), room 'demo'"

gst-launch-1.0 -e -m livekitroombin name=r "${room[@]}" identity=receiver \
    shared-key-file="$out/room.key" \
  r.sender_microphone ! queue ! opusdec ! audioconvert ! wavenc ! filesink location="$out/received.wav" \
  r.sender_camera ! queue ! vp8dec ! videoconvert ! pngenc ! \
    multifilesink location="$out/video/frame-%04d.png" \
  >"$out/receiver.log" 2>&1 &
receiver=$!
gst-launch-1.0 -e -m livekitroombin name=r "${room[@]}" identity=intruder \
    shared-key-file="$out/wrong.key" \
  r.sender_microphone ! queue ! opusdec ! audioconvert ! wavenc ! filesink location="$out/intruder.wav" \
  r.sender_camera ! queue ! vp8dec ! videoconvert ! pngenc ! \
    multifilesink location="$out/intruder/frame-%04d.png" \
  >"$out/intruder.log" 2>&1 &
intruder=$!
# The recorder (gst-livekit-record, docs/record.md): a hidden subscriber
# that writes the sender's decrypted, still-encoded frames to rec/sender.mkv
# and the room as one picture to rec/room.webm, plus rec/manifest.json.
LIVEKIT_API_SECRET=$LIVEKIT_API_SECRET "$top/build/tools/record/gst-livekit-record" \
  --url "$LIVEKIT_URL" --api-key "$LIVEKIT_API_KEY" --room demo \
  --key-file "$out/room.key" --out "$out/rec" --composite "$out/rec/room.webm" -q \
  >"$out/recorder.log" 2>&1 &
recorder=$!
pids="$receiver $intruder $recorder"
sleep 1

echo "sender publishes 8 s of 440 Hz Opus and VP8 video, end-to-end encrypted"
timeout 20 gst-launch-1.0 -e -m livekitroombin name=r "${room[@]}" identity=sender \
    shared-key-file="$out/room.key" \
  audiotestsrc is-live=true freq=440 num-buffers=800 samplesperbuffer=480 \
    ! opusenc ! r.audio_0 \
  videotestsrc is-live=true pattern=ball num-buffers=120 \
    ! video/x-raw,width=320,height=240,framerate=15/1 \
    ! vp8enc deadline=1 keyframe-max-dist=30 ! r.video_0 \
  >"$out/sender.log" 2>&1 || true
sleep 1
kill -INT "$receiver" "$intruder" "$recorder" 2>/dev/null || true
wait "$receiver" "$intruder" 2>/dev/null || true
rec_rc=0
wait "$recorder" || rec_rc=$?
pids=""
echo "recorder (exit $rec_rc): $(tail -1 "$out/recorder.log")"
ls -l "$out/rec"

python3 "$top/scripts/demo-report.py" room "$out"
