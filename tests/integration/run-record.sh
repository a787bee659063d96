#!/usr/bin/env bash
# gst-livekit-record in a real room (a network namespace with its own
# livekit-server; needs root):
#   gst       livekitroombin publisher, VP8 + 660 Hz, the shared key
#   late      livekitroombin publisher, VP8 + 440 Hz, its own key, which the
#             recorder gets only after 5 s (a file appearing in --key-dir)
#   intruder  livekitroombin publisher, VP8 + 550 Hz, a wrong key
#   py        Python SDK publisher (peer.py), VP8 + 770 Hz, its own key in
#             per-participant mode, given to the recorder by --participant-key;
#             it ratchets that key ~7 s into the recording (the recorder follows
#             with --ratchet-window-size 2; the file's tone goes on to the end)
# First a recorder with a token the server rejects must exit with 6.
# The recorder (with --composite) is stopped by SIGINT after ~16 s; then
# record_check.py checks the files (codecs, decoding with content, tones,
# durations against the manifest), that the intruder has no file and the
# manifest says decryption-failed, and the composite's picture and mix.
#   tests/integration/run-record.sh [OUT]
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
here=$top/tests/integration
build=${ROOMBIN_BUILD:-$top/build}

if [ "${1:-}" = --inside ]; then
  out=$2
  env_lines=$("$top/scripts/livekit-server.sh" start 2>"$out/server-start.log")
  set -a
  eval "$env_lines"
  set +a
  pids=()
  cleanup() {
    for p in "${pids[@]}"; do kill -INT "$p" 2>/dev/null || true; done
    sleep 1
    for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null || true; done
    "$top/scripts/livekit-server.sh" stop "$LIVEKIT_PID" >/dev/null 2>&1 || true
    cp "$LIVEKIT_STATE_DIR/server.log" "$out/" 2>/dev/null || true
    rm -rf "$LIVEKIT_STATE_DIR"
  }
  trap cleanup EXIT
  export GST_PLUGIN_PATH=$build/plugins/livekit
  (umask 077 && echo "the room's shared key" >"$out/room.key" &&
    echo "late's own key" >"$out/late.key.src" && echo "not the key" >"$out/wrong.key" &&
    echo "py's own key" >"$out/py.key")
  mkdir -p "$out/keys" "$out/rec"
  R=(url="$LIVEKIT_URL" api-key="$LIVEKIT_API_KEY" api-secret="$LIVEKIT_API_SECRET" room=rec)
  # A token the server rejects: exit code 6 and the server's reason.
  brc=0
  LIVEKIT_API_SECRET=not-the-secret "$build/tools/record/gst-livekit-record" --url "$LIVEKIT_URL" \
    --api-key "$LIVEKIT_API_KEY" --room rec --key-file "$out/room.key" --out "$out/bad-token" \
    --duration 10 >"$out/bad-token.log" 2>&1 || brc=$?
  echo "bad token: exit $brc: $(head -1 "$out/bad-token.log")" >>"$out/checks.log"
  [ "$brc" = 6 ] || { echo "FAIL: a rejected token gave exit $brc, not 6" >>"$out/checks.log"; exit 1; }
  publish() { # NAME KEYFILE HZ ENCODER
    gst-launch-1.0 -e livekitroombin name=r "${R[@]}" identity="$1" shared-key-file="$2" \
      audiotestsrc is-live=true freq="$3" volume=0.5 ! opusenc ! r.audio_0 \
      videotestsrc is-live=true pattern=ball ! video/x-raw,width=320,height=240,framerate=15/1 \
      ! $4 ! r.video_0 >"$out/$1.log" 2>&1 &
    pids+=($!)
  }
  # VP8 for all: a second remote video codec in one subscriber fails (docs/record.md)
  publish gst "$out/room.key" 660 "vp8enc deadline=1 keyframe-max-dist=30"
  publish late "$out/late.key.src" 440 "vp8enc deadline=1 keyframe-max-dist=30"
  publish intruder "$out/wrong.key" 550 "vp8enc deadline=1 keyframe-max-dist=30"
  "$("$top/scripts/python-env.sh")" "$here/peer.py" --url "$LIVEKIT_URL" \
    --api-key "$LIVEKIT_API_KEY" --api-secret "$LIVEKIT_API_SECRET" --room rec --identity py \
    --key "py's own key" --key-for "py=py's own key" --publish-audio 770 --publish-video --ratchet-after 9 \
    --video-codec vp8 --duration 40 >"$out/py.log" 2>&1 &
  pids+=($!)
  sleep 2
  LIVEKIT_API_SECRET=$LIVEKIT_API_SECRET ${REC_WRAP:-} "$build/tools/record/gst-livekit-record" \
    --url "$LIVEKIT_URL" --api-key "$LIVEKIT_API_KEY" --room rec --key-file "$out/room.key" \
    --key-dir "$out/keys" \
    --participant-key py="$out/py.key" --ratchet-window-size 2 --out "$out/rec" --composite "$out/rec/room.webm" \
    >"$out/recorder.log" 2>&1 &
  rec=$!
  sleep 5
  cp "$out/late.key.src" "$out/keys/.late.tmp" && mv "$out/keys/.late.tmp" "$out/keys/late.key"
  sleep 11
  kill -INT "$rec"
  rc=0
  wait "$rec" || rc=$?
  echo "recorder exit $rc" >>"$out/checks.log"
  [ "$rc" = 0 ]
  exit
fi

t0=$(date +%s)
out=${1:-$(mktemp -d "${TMPDIR:-/tmp}/record.XXXXXX")}
mkdir -p "$out"
echo "run-record: logs and files in $out"
[ "$(id -u)" = 0 ] || { echo "run-record.sh: needs root (network namespace)" >&2; exit 1; }
"$top/scripts/livekit-server.sh" install >/dev/null
rc=0
"$top/scripts/livekit-netns.sh" run "$0" --inside "$out" || rc=$?
cat "$out/checks.log" "$out/recorder.log" 2>/dev/null
if [ $rc = 0 ]; then
  /usr/bin/python3 "$here/record_check.py" "$out/rec" --file gst=vp8:660 --file late=vp8:440 --file py=vp8:770 \
    --no-file intruder=decryption-failed --composite "$out/rec/room.webm" \
    --composite-hz 660 --composite-hz 440 --composite-hz 770 || rc=$?
fi
echo "run-record: took $(($(date +%s) - t0)) s"
exit $rc
