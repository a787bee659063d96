#!/usr/bin/env bash
# A smaller demo without a LiveKit server: the elements alone over UDP.
# A sender encodes a 440 Hz tone with Opus, encrypts every frame in LiveKit's
# E2EE format (livekitencrypt) and sends it as RTP over UDP on 127.0.0.1; a
# receiver decrypts (livekitdecrypt) and writes a WAV file. The receiver also
# keeps what came over the wire, and the report shows that it is ciphertext.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
"$top/scripts/bootstrap.sh" >/dev/null

out=${DEMO_OUT:-"$top/build/demo"}
rm -rf "$out" && mkdir -p "$out/wire"
export GST_PLUGIN_PATH="$top/build/plugins/livekit"

# The key lives in a file: a key on the command line would end up in shell
# history, process listings and GStreamer's parser debug log.
key="$out/shared.key"
(umask 077 && head -c 24 /dev/urandom | base64 > "$key")

port=$(python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
caps="application/x-rtp,media=audio,encoding-name=OPUS,clock-rate=48000,payload=96"

echo "receiver: udp://127.0.0.1:$port -> rtpopusdepay -> livekitdecrypt -> opusdec -> $out/received.wav"
gst-launch-1.0 -e -q udpsrc address=127.0.0.1 port="$port" caps="$caps" \
  ! rtpopusdepay ! tee name=wire \
  wire. ! queue ! livekitdecrypt shared-key-file="$key" ! opusdec ! audioconvert \
    ! wavenc ! filesink location="$out/received.wav" \
  wire. ! queue ! multifilesink location="$out/wire/frame-%05d.bin" &
receiver=$!
trap 'kill "$receiver" 2>/dev/null || true' EXIT
sleep 1

echo "sender:   audiotestsrc 440 Hz -> opusenc -> livekitencrypt -> rtpopuspay -> udp://127.0.0.1:$port"
gst-launch-1.0 -q audiotestsrc freq=440 num-buffers=150 is-live=true \
  ! opusenc ! livekitencrypt shared-key-file="$key" ! rtpopuspay \
  ! udpsink host=127.0.0.1 port="$port"
sleep 0.5
kill -INT "$receiver"
wait "$receiver" || true
trap - EXIT

# For comparison: decode what crossed the wire without decrypting it.
gst-launch-1.0 -q multifilesrc location="$out/wire/frame-%05d.bin" \
  caps="audio/x-opus,channel-mapping-family=0,channels=1,rate=48000" \
  ! opusdec ! audioconvert ! wavenc ! filesink location="$out/wire-decoded.wav" \
  >/dev/null 2>&1 || true

python3 "$top/scripts/demo-report.py" udp "$out"
