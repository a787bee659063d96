#!/usr/bin/env bash
# livekitroombin against LiveKit's Python SDK and LiveKit's browser SDK in
# headless Chromium, through a local livekit-server.
#
#   tests/integration/run-roombin.sh [--py-standin] [--out DIR] [--full] SCENARIO... | all
#   tests/integration/run-roombin.sh --dry-run [DIR]
#
# Scenarios (each in a fresh network namespace with its own server):
#   py-to-gst               Python publishes E2EE 440 Hz + VP8 video; the bin
#                           subscribes: ~440 Hz, decoded frames, state ok
#   gst-to-py               the bin publishes 660 Hz Opus + VP8; a Python E2EE
#                           subscriber: state OK, ~660 Hz, video frames, GCM
#   gst-to-py-h264          the same with H.264 video
#   wrong-key               room a: the bin publishes; Python with a wrong key and
#                           failure_tolerance 0: failure state, no tone, no video.
#                           room b: Python publishes; the bin with a wrong key
#                           outputs nothing (state decryption-failed), then
#                           --set-key-after installs the right key: media recovers
#   per-participant         alice (440 Hz) and bob (550 Hz) publish with their own
#                           keys; the bin gets both via keyring set_key, decodes both;
#                           and the bin publishing under its own identity's key to
#                           a Python subscriber that has that key for it
#   server-sees-ciphertext  the bin publishes 660 Hz; a Python subscriber WITHOUT
#                           E2EE must not hear it (ciphertext to its decoder);
#                           a Python E2EE subscriber in the same room (control)
#                           must hear it
#   gst-to-gst-vp9, -h264, -h265  bin -> bin (660 Hz + that codec): decoded, state ok
#   gst-mixed-codecs        bins publish VP8 (660 Hz) and VP9 (550 Hz), Python H.264
#                           (440 Hz), into one room: one bin subscriber decodes
#                           every participant's video and tone, state ok
#   join-refused            a full room and a duplicate identity: element errors
#   server-restart          bin -> bin (660 Hz + VP8); the server is killed mid-call
#                           and restarted: both bins rejoin, media flows again on
#                           the subscriber's same pads (no new pad)
#   cluster-cross-node      a two-node cluster (scripts/livekit-cluster.sh, one
#                           Redis): Python publishes 440 Hz + VP8 through node a
#                           into a room on node a, the bin subscribes through
#                           node b; the bin publishes 660 Hz + VP8 through node a
#                           into a room on node b, Python subscribes through b:
#                           tones, video, state ok; the rooms stay on their nodes
#   cluster-failover        both bins connect through node b to a room on node a;
#                           node a is killed (SIGKILL) mid-call: the bins rejoin
#                           through b, the room moves to b, media resumes on the
#                           subscriber's same pads (report: failover block); a
#                           Python subscriber through b comes back too; a bin
#                           that first joins right after the kill gets in
#   cluster-signal-node     the bin connects through node b to a room on node a;
#                           node b is killed and started again: the bin rejoins
#                           through it, the room stays on a, media on the same pads
#   record-cluster          gst-livekit-record through node b records (~15 s) a
#                           room on node a with a Python SDK publisher (E2EE,
#                           440 Hz + H.264) on node a (recorder_peer.py): one file,
#                           Opus + H.264, the tone, decoded frames, seekable,
#                           duration = manifest's, no rejoin
#   record-cluster-failover the same, and node a is killed mid-recording: the
#                           recorder rejoins through b into the same file (valid,
#                           seekable), the tone and video after the kill, the
#                           manifest counts the rejoin (report: event block)
#   isolation               alice (right key, 440 Hz), bob (wrong key, 550 Hz) and
#                           carol (her key given to the bin 5 s late, 660 Hz) publish
#                           (Python SDK) to one bin with default (async, synced)
#                           sinks: PLAYING throughout, alice's media without a gap,
#                           nothing of bob's, carol's within 2 s of her key
#   gst-launch              a real gst-launch-1.0 line links r.py-pub_microphone and
#                           r.py-pub_camera by name, writes a WAV file and JPEG
#                           frames; the server is killed and restarted under it: the
#                           WAV keeps growing with the tone after the restart, new
#                           frames come (gst_launch_peer.py)
#   data                    encrypted user data both ways, bin <-> Python SDK
#                           (data_peer.py / roombin_data.py); wrong-key and
#                           no-E2EE peers get nothing of the bin's, the bin drops
#                           the wrong-key peer's packets
#   e2ee-key-index          the bin (key-index=0) publishes 660 Hz; mid-call it gets
#                           the key for index 1 (frames stay at index 0), then
#                           key-index=1: a Python subscriber with both keys hears
#                           the tone throughout, one with only the index-1 key
#                           only after the switch, a bin subscriber sees every
#                           frame's key index (GstLiveKitFrameMeta) go 0 -> 1;
#                           frame-cryptors shows the sender's index
#   e2ee-py-key-index       a Python publisher with keys 0 and 1 calls
#                           set_key_index(1) mid-call: the bin decrypts on, with
#                           key index 1 (frame meta and frame-cryptors)
#   e2ee-toggle             the bin sets e2ee-enabled=false mid-call, then true:
#                           a Python E2EE subscriber hears nothing while it is off
#                           (its decryptor drops the plaintext), a Python
#                           subscriber without E2EE hears the tone only then; the
#                           bin outputs nothing of a Python sender that still
#                           encrypts (never its ciphertext) and warns. Room b:
#                           the Python SDK's set_enabled(false), then true: the
#                           bin outputs nothing meanwhile (decryption-failed)
#   e2ee-cryptors           alice and bob (Python) publish; the bin disables
#                           alice's cryptor mid-call, then enables it again, and
#                           carol's before she joins: alice's frames are dropped
#                           meanwhile, bob's go on, carol's never come out;
#                           frame-cryptors lists each with identity, key index,
#                           enabled and state
#   chaos                   bin -> bin (660 Hz Opus + VP8) with every media packet
#                           through udp_impair.py (5 % loss, 2 % reordering,
#                           20 +- 10 ms delay, both ways; the server is ICE lite
#                           and advertises the relay's address); the sender
#                           rotates to a new key index every second and ratchets
#                           every 3 s; the server is killed and restarted once
#                           (the join and the rejoin go through a clean path).
#                           No buffer without a decrypted/passthrough outcome at
#                           the decoders, >= 99 % of the frames the decryptors got
#                           decrypted, the tone in >= 90 % of the 100 ms slots
#                           outside the restart window (chaos_peer.py). Always
#                           the bin (no --py-standin)
#   browser-to-gst          Chromium (livekit-client, E2EE, string key) publishes its
#                           fake camera (VP8, simulcast) and microphone (880 Hz
#                           tone file); the bin: ~880 Hz, decoded frames, state ok
#   gst-to-browser          the bin publishes 660 Hz Opus + VP8; Chromium:
#                           framesDecoded rising, rendered video not blank and
#                           moving, ~660 Hz (Web Audio), no EncryptionError
#   browser-camera-toggle   Chromium publishes, then unpublishes its camera and
#                           publishes a new one 2 s later: the bin's
#                           browser_camera pad carries the new track, no new pad
#   browser-wrong-key       room a: the bin publishes; Chromium with a wrong key:
#                           no decoded frame, no tone, EncryptionError (InvalidKey).
#                           room b: Chromium publishes with a wrong key; the bin
#                           outputs nothing (state decryption-failed)
#
# Peers: tests/integration/peer.py (SDK venv, scripts/python-env.sh),
# tests/integration/roombin_peer.py (/usr/bin/python3, GStreamer, the plugin in
# $ROOMBIN_BUILD, default <repo>/build) and tests/browser/browser_peer.mjs
# (node; Debian's chromium driven by playwright-core, both pinned/installed by
# scripts/bootstrap.sh). Every peer is bounded by --duration;
# "serving" peers (publishers only) are stopped by PID (SIGTERM, then KILL)
# once the measuring peers are done. Each peer writes a JSON report; all are
# printed (without their config/messages unless --full) followed by
# "N passed, M failed" (one per peer report; a missing report is a failure).
#
# --py-standin   run peer.py in place of roombin_peer.py (same flags, translated):
#                validates the scenarios and peer.py without the bin.
# --dry-run      (first argument) no server, no namespace, no root: roombin_peer.py --dry-run
#                (loopback stand-in through livekitencrypt/livekitdecrypt) in
#                four configurations; checks the GStreamer peer itself.
# --out DIR      where reports/logs go (default: a new /tmp/roombin.XXXXXX)
#
# Needs root (ip netns). Exit status 0 when everything passed.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
here=$top/tests/integration
server_sh=$top/scripts/livekit-server.sh
cluster_sh=$top/scripts/livekit-cluster.sh
ALL="py-to-gst gst-to-py gst-to-py-h264 wrong-key per-participant server-sees-ciphertext data e2ee-key-index e2ee-py-key-index e2ee-toggle e2ee-cryptors gst-to-gst-vp9 gst-to-gst-h264 gst-to-gst-h265 gst-mixed-codecs join-refused server-restart chaos cluster-cross-node cluster-failover cluster-signal-node record-cluster record-cluster-failover isolation gst-launch browser-to-gst gst-to-browser browser-wrong-key browser-camera-toggle"

KEY="gst-livekit-e2ee roombin shared key"
WRONG="this is not the key you are looking for"
KEY_ALICE="alice's own key 0123456789"
KEY_BOB="bob's quite different key"
KEY_CAROL="carol's key, which comes late"
KEY_1="the room's second key, at index 1"

# ------------------------------------------------------------------ inside the namespace
if [ "${1:-}" = "--inside" ]; then
  py=$2 standin=$3 dir=$4 scenario=$5
  build=${ROOMBIN_BUILD:-$top/build}
  mkdir -p "$dir"
  if [ "$scenario" = chaos ]; then
    # The chaos scenario's media goes through a relay (udp_impair.py) on a
    # second address of the namespace's veth: the server binds its media
    # port on its own address, advertises the relay's and is ICE lite, so
    # the relay is the only path (restarts keep this environment).
    relay_ip=198.18.0.2
    dev=$(ip -o -4 addr show | awk -v a="$LIVEKIT_NODE_IP/" 'index($4, a) == 1 { print $2 }')
    ip addr add "$relay_ip/24" dev "$dev"
    export LIVEKIT_MEDIA_IP=$LIVEKIT_NODE_IP LIVEKIT_NODE_IP=$relay_ip LIVEKIT_ICE_LITE=true
  fi
  case $scenario in
  cluster-* | record-cluster*)
    # Two nodes and their Redis (scripts/livekit-cluster.sh); peers use node
    # a unless they say --url "$LIVEKIT_URL_B".
    cluster_dir=$(mktemp -d "${TMPDIR:-/tmp}/livekit-cluster.XXXXXX")
    trap '"$cluster_sh" stop "$cluster_dir" 2>>"$dir/server-start.log"; for f in "$cluster_dir"/[ab]/server*.log; do n=${f%/*}; cp "$f" "$dir/${n##*/}-${f##*/}"; done 2>/dev/null; cp "$cluster_dir/redis.log" "$dir/" 2>/dev/null; rm -rf "$cluster_dir"' EXIT
    env_lines=$("$cluster_sh" start "$cluster_dir" 2>"$dir/server-start.log")
    set -a
    eval "$env_lines"
    set +a
    LIVEKIT_URL=$LIVEKIT_URL_A
    echo "$env_lines" | grep -v SECRET >>"$dir/server-start.log"
    ;;
  *)
    env_lines=$("$server_sh" start 2>"$dir/server-start.log")
    set -a
    eval "$env_lines"
    set +a
    server_pid=$LIVEKIT_PID
    trap '"$server_sh" stop "$server_pid" 2>>"$dir/server-start.log"; cp "$LIVEKIT_STATE_DIR/server.log" "$dir/" 2>/dev/null; rm -rf "$LIVEKIT_STATE_DIR"' EXIT
    ;;
  esac
  common=(--url "$LIVEKIT_URL" --api-key "$LIVEKIT_API_KEY" --api-secret "$LIVEKIT_API_SECRET")

  measuring=()
  serving=()
  names=()
  declare -A pid_of=()
  max_measure=40 # --duration of measuring peers
  max_serve=120  # --duration of serving peers (they are stopped earlier)

  # start ROLE NAME CMD...: run in the background, stdout+stderr to NAME.log
  start() {
    local role=$1 name=$2
    shift 2
    echo "+ [$name] $*" >"$dir/$name.cmd"
    "$@" >"$dir/$name.log" 2>&1 &
    pid_of[$name]=$!
    names+=("$name")
    if [ "$role" = measure ]; then measuring+=("$name"); else serving+=("$name"); fi
  }

  # py ROLE NAME ARGS...: a Python SDK peer
  py() {
    local role=$1 name=$2
    shift 2
    local d=$max_measure
    [ "$role" = serve ] && d=$max_serve
    start "$role" "$name" "$py" "$here/peer.py" "${common[@]}" --duration "$d" \
      --report "$dir/$name.json" "$@"
  }

  # gst ROLE NAME ARGS...: the GStreamer room bin peer (roombin_peer.py flags);
  # with --py-standin a peer.py with the flags translated.
  gst() {
    local role=$1 name=$2
    shift 2
    local d=$max_measure
    [ "$role" = serve ] && d=$max_serve
    if [ "$standin" = 1 ]; then
      local args=() a
      while [ $# -gt 0 ]; do
        a=$1
        shift
        case $a in
        --publish-video)
          args+=(--publish-video --video-codec "$1")
          shift
          ;;
        --no-auto-subscribe) ;; # peer.py subscribes only with --subscribe
        --standin-extra) # flags only the stand-in needs
          read -r -a extra <<<"$1"
          args+=("${extra[@]}")
          shift
          ;;
        *) args+=("$a") ;;
        esac
      done
      [ "$role" = measure ] && args+=(--subscribe)
      start "$role" "$name" "$py" "$here/peer.py" "${common[@]}" --duration "$d" \
        --report "$dir/$name.json" "${args[@]}"
    else
      local args=() a
      while [ $# -gt 0 ]; do
        a=$1
        shift
        if [ "$a" = --standin-extra ]; then shift; else args+=("$a"); fi
      done
      start "$role" "$name" env GST_PLUGIN_PATH="$build/plugins/livekit" \
        GI_TYPELIB_PATH="$build/gst/livekit" LD_LIBRARY_PATH="$build/gst/livekit" \
        ROOMBIN_PEER_REEXEC=1 /usr/bin/python3 "$here/roombin_peer.py" --build "$build" \
        "${common[@]}" --duration "$d" --report "$dir/$name.json" "${args[@]}"
    fi
  }

  # browser ROLE NAME ARGS...: headless Chromium running livekit-client
  # (tests/browser/browser_peer.mjs; its flags)
  browser() {
    local role=$1 name=$2
    shift 2
    local d=$max_measure
    [ "$role" = serve ] && d=$max_serve
    start "$role" "$name" node "$top/tests/browser/browser_peer.mjs" "${common[@]}" \
      --duration "$d" --report "$dir/$name.json" "$@"
  }

  alive() { kill -0 "$1" 2>/dev/null; }

  # stop_peer NAME: SIGTERM, <= 15 s, SIGKILL; by PID only
  stop_peer() {
    local pid=${pid_of[$1]}
    alive "$pid" || return 0
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 150); do
      alive "$pid" || return 0
      sleep 0.1
    done
    echo "run-roombin: $1 (pid $pid) ignored SIGTERM for 15 s, killing" >&2
    kill -KILL "$pid" 2>/dev/null || true
  }

  # E2EE-at-runtime scenarios: every peer with timed actions or per-phase
  # checks gets these (phases.py); start_phases waits (<= 60 s) until each
  # named peer is ready (connected, media from its --ready-when peers), then
  # writes the common origin of their --at times.
  phased() { echo --epoch-file "$dir/epoch" --ready-file "$dir/ready.$1"; }
  start_phases() {
    local n ok
    for _ in $(seq 1 300); do
      ok=1
      for n in "$@"; do [ -e "$dir/ready.$n" ] || ok=0; done
      [ $ok = 1 ] && break
      sleep 0.2
    done
    [ $ok = 1 ] || echo "run-roombin: not every peer was ready after 60 s: $*" >&2
    date +%s.%N >"$dir/epoch.tmp" && mv "$dir/epoch.tmp" "$dir/epoch"
  }

  # Cluster scenarios. pin_room ROOM a|b: create ROOM on that node
  # (CreateRoomRequest.node_id; an auto-created room lands on a random node).
  pin_room() {
    local id=LIVEKIT_NODE_ID_${2^^}
    "$py" "$here/create_room.py" "${common[@]}" --room "$1" --node-id "${!id}" \
      >>"$dir/create-room.log" 2>&1
  }
  # placement ARGS...: a serving peer that follows Redis's room_node_map
  # (cluster_placement.py flags)
  placement() {
    start serve placement /usr/bin/python3 "$here/cluster_placement.py" \
      --report "$dir/placement.json" --duration "$max_serve" "$@"
  }
  # wait_file F S: until F exists, at most S s
  wait_file() {
    for _ in $(seq 1 $(($2 * 5))); do
      [ -e "$1" ] && return 0
      sleep 0.2
    done
    echo "run-roombin: no $1 after $2 s" >&2
  }
  # kill_node a|b MARK: SIGKILL (a crash, no goodbye to Redis); MARK gets the
  # wall-clock time for the peers' failover numbers
  kill_node() {
    local pid=LIVEKIT_PID_${1^^}
    local t
    t=$(date +%s.%N)
    kill -KILL "${!pid}"
    echo "$t" >"$2.tmp" && mv "$2.tmp" "$2"
    echo "node $1 (pid ${!pid}) killed at $t" >>"$dir/server-start.log"
  }

  t0=$(date +%s%N)
  case $scenario in
  cluster-cross-node)
    # Room a lives on node a: the Python SDK publishes through node a, the
    # bin subscribes through node b (node b relays its signalling to node a;
    # its media goes to node a's address). Room b lives on node b: the bin
    # publishes through node a, a Python subscriber is on node b.
    A=(--room cluster-cross-a)
    B=(--room cluster-cross-b)
    pin_room cluster-cross-a a
    pin_room cluster-cross-b b
    placement --expect "cluster-cross-a=$LIVEKIT_NODE_ID_A" \
      --expect "cluster-cross-b=$LIVEKIT_NODE_ID_B"
    py serve py-pub "${A[@]}" --identity py-pub --key "$KEY" --publish-audio 440 \
      --publish-video --video-codec vp8
    gst measure gst-sub "${A[@]}" --url "$LIVEKIT_URL_B" --identity gst-sub --key "$KEY" \
      --expect-from py-pub --expect-audio-hz 440 --expect-video --expect-state ok \
      --expect-encryption gcm --stop-when-done
    gst serve gst-pub "${B[@]}" --identity gst-pub --key "$KEY" --publish-audio 660 \
      --publish-video vp8
    py measure py-sub "${B[@]}" --url "$LIVEKIT_URL_B" --identity py-sub --key "$KEY" \
      --subscribe --expect-from gst-pub --expect-audio-hz 660 --expect-video \
      --expect-state ok --expect-encryption gcm --stop-when-done
    ;;
  cluster-failover)
    # The room lives on node a; both bins connect through node b. Node a is
    # killed once the subscriber has media: node b drops the bins when its
    # relay to node a gives up, they rejoin through node b, the room moves to
    # node b, and media resumes on the subscriber's same pads.
    max_measure=60
    R=(--room cluster-failover)
    pin_room cluster-failover a
    placement --expect "cluster-failover=$LIVEKIT_NODE_ID_A" \
      --moved-to "cluster-failover=$LIVEKIT_NODE_ID_B" --mark "$dir/killed"
    gst serve gst-pub "${R[@]}" --url "$LIVEKIT_URL_B" --identity gst-pub --key "$KEY" \
      --publish-audio 660 --publish-video vp8
    gst measure gst-sub "${R[@]}" --url "$LIVEKIT_URL_B" --identity gst-sub --key "$KEY" \
      --ready-file "$dir/ready.gst-sub" --ready-when gst-pub --expect-from gst-pub \
      --expect-audio-hz 660 --expect-video --expect-state ok --expect-encryption gcm \
      --expect-rejoin --event-mark "$dir/killed" --stop-when-done
    # LiveKit's Python SDK through node b as well: it comes back on its own
    py measure py-sub "${R[@]}" --url "$LIVEKIT_URL_B" --identity py-sub --key "$KEY" \
      --subscribe --expect-from gst-pub --expect-audio-hz 660 --expect-video \
      --expect-state ok --observe 8 --stop-when-done
    wait_file "$dir/ready.gst-sub" 40
    sleep 3 # media before the kill
    kill_node a "$dir/killed"
    # A first join right after the kill: node b's first attempt goes to the
    # dead node (its stats are not 5 s old yet) and times out after 3 s;
    # node b's next attempt places the room on itself, within the same
    # WebSocket request.
    gst measure gst-late "${R[@]}" --url "$LIVEKIT_URL_B" --identity gst-late --key "$KEY" \
      --expect-from gst-pub --expect-audio-hz 660 --expect-video --expect-state ok \
      --stop-when-done
    ;;
  cluster-signal-node)
    # The room lives on node a; the bin and a Python subscriber connect
    # through node b, which is killed mid-call and started again (a
    # signalling node restarted): both come back through the new node b, the
    # room stays on node a, media resumes on the bin's same pads.
    max_measure=60
    R=(--room cluster-signal)
    pin_room cluster-signal a
    placement --expect "cluster-signal=$LIVEKIT_NODE_ID_A"
    py serve py-pub "${R[@]}" --identity py-pub --key "$KEY" --publish-audio 440 \
      --publish-video --video-codec vp8
    gst measure gst-sub "${R[@]}" --url "$LIVEKIT_URL_B" --identity gst-sub --key "$KEY" \
      --ready-file "$dir/ready.gst-sub" --ready-when py-pub --expect-from py-pub \
      --expect-audio-hz 440 --expect-video --expect-state ok --expect-encryption gcm \
      --expect-rejoin --event-mark "$dir/killed" --stop-when-done
    py measure py-sub "${R[@]}" --url "$LIVEKIT_URL_B" --identity py-sub --key "$KEY" \
      --subscribe --expect-from py-pub --expect-audio-hz 440 --expect-video \
      --expect-state ok --observe 8 --stop-when-done
    wait_file "$dir/ready.gst-sub" 40
    sleep 2
    kill_node b "$dir/killed"
    sleep 1
    env_lines=$("$cluster_sh" restart "$cluster_dir" b 2>>"$dir/server-start.log")
    eval "$env_lines"
    echo "node b restarted as $LIVEKIT_PID_B ($LIVEKIT_NODE_ID_B) at $(date +%s.%N)" \
      >>"$dir/server-start.log"
    ;;
  record-cluster | record-cluster-failover)
    # gst-livekit-record through node b, the room and its Python SDK
    # publisher on node a. In the failover, node a is killed once the
    # recorder's file is being written: the publisher (through b there, or
    # it would have no node left) and the recorder rejoin through b, and the
    # recorder goes on writing the same file.
    R=(--room "$scenario")
    pin_room "$scenario" a
    recorder=(env GST_PLUGIN_PATH="$build/plugins/livekit" LD_LIBRARY_PATH="$build/gst/livekit"
      /usr/bin/python3 "$here/recorder_peer.py")
    rec=(--recorder "$build/tools/record/gst-livekit-record" "${common[@]}" "${R[@]}"
      --url "$LIVEKIT_URL_B" --key "$KEY" --out "$dir/rec" --expect-from py-pub
      --expect-audio-hz 440 --video-codec h264 --report "$dir/recorder.json")
    if [ "$scenario" = record-cluster ]; then
      placement --expect "$scenario=$LIVEKIT_NODE_ID_A"
      py serve py-pub "${R[@]}" --identity py-pub --key "$KEY" --publish-audio 440 \
        --publish-video --video-codec h264
      start measure recorder "${recorder[@]}" "${rec[@]}" \
        --duration 15 --max-rejoins 0
    else
      max_measure=60
      placement --expect "$scenario=$LIVEKIT_NODE_ID_A" \
        --moved-to "$scenario=$LIVEKIT_NODE_ID_B" --mark "$dir/killed"
      # the publisher through b as well: a dead node a would leave it nothing
      py serve py-pub "${R[@]}" --url "$LIVEKIT_URL_B" --identity py-pub --key "$KEY" \
        --publish-audio 440 --publish-video --video-codec h264
      start measure recorder "${recorder[@]}" "${rec[@]}" \
        --duration 32 --min-rejoins 1 --event-mark "$dir/killed"
      wait_file "$dir/rec/py-pub.mkv" 30
      sleep 4 # recording before the kill
      kill_node a "$dir/killed"
    fi
    ;;
  data)
    # Encrypted user data both ways between the bin and the Python SDK; a
    # peer with the wrong key gets nothing through either way, and a peer
    # without E2EE never gets the bin's plaintext.
    R=(--room data)
    start measure gst-data env GST_PLUGIN_PATH="$build/plugins/livekit" \
      GI_TYPELIB_PATH="$build/gst/livekit" LD_LIBRARY_PATH="$build/gst/livekit" \
      /usr/bin/python3 "$here/roombin_data.py" "${common[@]}" "${R[@]}" --identity gst \
      --key "$KEY" --expect-from py-data=8 --expect-none-from py-wrong --send 8 \
      --send-when-present py-data --send-when-present py-wrong \
      --send-when-present py-plain --duration 40 --report "$dir/gst-data.json"
    sleep 1
    start measure py-data "$py" "$here/data_peer.py" "${common[@]}" "${R[@]}" \
      --identity py-data --key "$KEY" --count 8 --expect-from gst=8 --duration 40 \
      --report "$dir/py-data.json"
    start measure py-wrong "$py" "$here/data_peer.py" "${common[@]}" "${R[@]}" \
      --identity py-wrong --key "$WRONG" --count 3 --expect-none-from gst --observe 12 \
      --duration 40 --report "$dir/py-wrong.json"
    start measure py-plain "$py" "$here/data_peer.py" "${common[@]}" "${R[@]}" \
      --identity py-plain --no-e2ee --count 0 --expect-none-from gst --observe 12 \
      --duration 40 --report "$dir/py-plain.json"
    ;;
  gst-to-gst-vp9 | gst-to-gst-h264 | gst-to-gst-h265)
    # bin -> bin through the server, for the codecs the Python SDK does not
    # cover in the other direction
    codec=${scenario#gst-to-gst-}
    R=(--room "$scenario")
    gst serve gst-pub "${R[@]}" --identity gst-pub --key "$KEY" --publish-audio 660 \
      --publish-video "$codec"
    gst measure gst-sub "${R[@]}" --identity gst-sub --key "$KEY" --expect-from gst-pub \
      --expect-audio-hz 660 --expect-video --expect-state ok --expect-encryption gcm \
      --stop-when-done
    ;;
  gst-mixed-codecs)
    # Every video codec through one subscriber connection: the server takes
    # the codecs of the subscriber's first video answer for all its video
    # m-lines (docs/room.md "Codecs received").
    R=(--room gst-mixed-codecs)
    # The publishers subscribe to nothing: fewer renegotiations, fewer of
    # webrtcbin's "not-linked" rejoins (docs/room.md).
    gst serve gst-vp8 "${R[@]}" --identity gst-vp8 --key "$KEY" --no-auto-subscribe \
      --publish-audio 660 --publish-video vp8
    gst serve gst-vp9 "${R[@]}" --identity gst-vp9 --key "$KEY" --no-auto-subscribe \
      --publish-audio 550 --publish-video vp9
    py serve py-h264 "${R[@]}" --identity py-h264 --key "$KEY" --publish-audio 440 \
      --publish-video --video-codec h264
    gst measure gst-sub "${R[@]}" --identity gst-sub --key "$KEY" --expect-from gst-vp8 \
      --expect-from gst-vp9 --expect-from py-h264 --expect-audio-hz gst-vp8=660 \
      --expect-audio-hz gst-vp9=550 --expect-audio-hz py-h264=440 --expect-video \
      --expect-state ok --expect-encryption gcm --stop-when-done
    ;;
  join-refused)
    # Room a is full (max_participants 1, a Python peer in it): the bin's
    # join fails with an element error. Room b: a second bin with the same
    # identity joins; the server removes the first, which errors out.
    "$py" "$here/create_room.py" "${common[@]}" --room join-refused-a --max-participants 1 \
      >"$dir/create-room.log" 2>&1
    py serve py-first --room join-refused-a --identity py-first --key "$KEY" \
      --publish-audio 440
    gst measure gst-twin --room join-refused-b --identity twin --key "$KEY" \
      --expect-error "duplicate-identity"
    # Past the first seconds, in which webrtcbin 1.22 has been seen to fail a
    # peer connection ("Could not write to resource"): the bin then rejoins,
    # and a rejoin after twin-2's join would make twin-2 the one removed.
    sleep 6
    gst measure gst-full --room join-refused-a --identity gst-full --key "$KEY" \
      --expect-error "room is full"
    gst serve gst-twin-2 --room join-refused-b --identity twin --key "$KEY"
    ;;
  server-restart)
    # The server dies (SIGKILL) mid-call and comes back on the same address:
    # both bins report it, rejoin with fresh peer connections, and media
    # flows again (only the new session's tracks count for gst-sub).
    R=(--room server-restart)
    gst serve gst-pub "${R[@]}" --identity gst-pub --key "$KEY" --publish-audio 660 \
      --publish-video vp8
    gst measure gst-sub "${R[@]}" --identity gst-sub --key "$KEY" --expect-from gst-pub \
      --expect-audio-hz 660 --expect-video --expect-state ok --expect-encryption gcm \
      --expect-rejoin --stop-when-done
    sleep 8
    kill -KILL "$server_pid"
    echo "server $server_pid killed at $(date +%T.%N)" >>"$dir/server-start.log"
    sleep 1
    cp "$LIVEKIT_STATE_DIR/server.log" "$dir/server-before-restart.log" 2>/dev/null || true
    env_lines=$("$server_sh" start 2>>"$dir/server-start.log")
    eval "$env_lines"
    server_pid=$LIVEKIT_PID
    echo "server restarted as $server_pid at $(date +%T.%N)" >>"$dir/server-start.log"
    ;;
  chaos)
    # Loss, reordering and jitter (udp_impair.py, this kernel has no netem),
    # a key index a second, a ratchet every 3 s, a server restart. Keys go
    # from the sender to the receiver through $dir/keys (chaos_peer.py).
    max_measure=100
    mkdir -p "$dir/keys" "$dir/marks"
    start serve relay /usr/bin/python3 "$here/udp_impair.py" \
      --listen "$LIVEKIT_NODE_IP:$LIVEKIT_UDP_PORT" --target "$LIVEKIT_MEDIA_IP:$LIVEKIT_UDP_PORT" \
      --loss 0.05 --reorder 0.02 --delay-ms 20 --jitter-ms 10 --seed 9 --clean-until-usr1 \
      --report "$dir/relay.json"
    chaos() {
      local role=$1 name=$2
      shift 2
      start "$role" "$name" env GST_PLUGIN_PATH="$build/plugins/livekit" \
        GI_TYPELIB_PATH="$build/gst/livekit" LD_LIBRARY_PATH="$build/gst/livekit" \
        /usr/bin/python3 "$here/chaos_peer.py" "${common[@]}" --room chaos --identity "$name" \
        --key-base "$KEY" --keys "$dir/keys" --report "$dir/$name.json" "$@"
    }
    chaos serve gst-pub --role send --hz 660 --rotate-every 1 --ratchet-every 3 --duration 110
    chaos measure gst-sub --role receive --hz 660 --expect-from gst-pub --marks "$dir/marks" \
      --restart-allowance 1 --after-restart 15 --duration 100
    # Joining through the impaired path is not part of it: under 5 % loss
    # webrtcbin's DTLS handshake (retransmitted after 1, 2, 4 s) can outlast
    # the server's 10 s connect timeout and a join then takes several
    # rejoins; the call starts clean and is impaired once media flows.
    for _ in $(seq 1 300); do # <= 60 s until decrypted audio flows
      [ -e "$dir/marks/ready" ] && break
      sleep 0.2
    done
    kill -USR1 "${pid_of[relay]}"
    date +%s.%N >"$dir/marks/impaired"
    sleep 12
    # The restart and the rejoin go through a clean path, for the same
    # reason; the call is impaired again once media is back.
    date +%s.%N >"$dir/marks/killed"
    kill -USR2 "${pid_of[relay]}"
    kill -KILL "$server_pid"
    echo "server $server_pid killed at $(date +%T.%N)" >>"$dir/server-start.log"
    sleep 1
    cp "$LIVEKIT_STATE_DIR/server.log" "$dir/server-before-restart.log" 2>/dev/null || true
    env_lines=$("$server_sh" start 2>>"$dir/server-start.log")
    eval "$env_lines"
    server_pid=$LIVEKIT_PID
    date +%s.%N >"$dir/marks/restarted"
    echo "server restarted as $server_pid at $(date +%T.%N)" >>"$dir/server-start.log"
    for _ in $(seq 1 150); do # <= 30 s until decrypted audio is back
      [ -e "$dir/marks/back" ] && break
      sleep 0.2
    done
    kill -USR1 "${pid_of[relay]}"
    date +%s.%N >"$dir/marks/impaired-again"
    ;;
  isolation)
    # One undecryptable sender stalls nobody (the decryptors send GAP events for
    # what they drop, so every sink prerolls) and a late key starts at once:
    # the audio at the next frame, the video at the key frame the bin asks for
    # (through the SFU, which throttles those requests). Measured for carol's
    # video: 1.1-1.8 s quiet, 2.16 and 2.19 s in a loaded fresh-clone run.
    R=(--room isolation)
    py serve alice "${R[@]}" --identity alice --key "$KEY" --publish-audio 440 \
      --publish-video --video-codec vp8
    py serve bob "${R[@]}" --identity bob --key "$WRONG" --publish-audio 550 \
      --publish-video --video-codec vp8
    py serve carol "${R[@]}" --identity carol --key "$KEY_CAROL" --publish-audio 660 \
      --publish-video --video-codec vp8
    gst measure gst-sub "${R[@]}" --identity gst-sub --key "$KEY" --default-sinks \
      --expect-playing --expect-from alice --expect-from carol --expect-nothing-from bob \
      --expect-audio-hz alice=440 --expect-audio-hz carol=660 --expect-video \
      --expect-continuous alice --set-key-after 5 "carol=$KEY_CAROL" \
      --expect-start-after-key 3 --observe 5 --stop-when-done
    ;;
  gst-launch)
    # A gst-launch-1.0 line names the publisher's pads; they survive a server
    # restart (gst-launch links delayed pads once only).
    R=(--room gst-launch)
    py serve py-pub "${R[@]}" --identity py-pub --key "$KEY" --publish-audio 440 \
      --publish-video --video-codec vp8
    printf '%s\n' "$KEY" >"$dir/key.txt"
    mkdir -p "$dir/frames"
    start measure gst-launch env GST_PLUGIN_PATH="$build/plugins/livekit" \
      LD_LIBRARY_PATH="$build/gst/livekit" /usr/bin/python3 "$here/gst_launch_peer.py" \
      --report "$dir/gst-launch.json" --wav "$dir/audio.wav" --frames "$dir/frames" \
      --hz 440 --kill-mark "$dir/killed" --restart-mark "$dir/restarted" --after 14 \
      --duration 60 -- gst-launch-1.0 -e livekitroombin name=r url="$LIVEKIT_URL" \
      api-key="$LIVEKIT_API_KEY" api-secret="$LIVEKIT_API_SECRET" room=gst-launch \
      identity=gst-launch shared-key-file="$dir/key.txt" \
      r.py-pub_microphone ! queue ! opusdec ! audioconvert ! audioresample ! \
      audio/x-raw,format=S16LE,rate=16000,channels=1 ! wavenc ! \
      filesink location="$dir/audio.wav" \
      r.py-pub_camera ! queue ! vp8dec ! videoconvert ! videoscale ! \
      video/x-raw,width=160,height=120 ! jpegenc ! \
      multifilesink location="$dir/frames/%05d.jpg"
    sleep 10
    : >"$dir/killed"
    kill -KILL "$server_pid"
    echo "server $server_pid killed at $(date +%T.%N)" >>"$dir/server-start.log"
    sleep 1
    cp "$LIVEKIT_STATE_DIR/server.log" "$dir/server-before-restart.log" 2>/dev/null || true
    env_lines=$("$server_sh" start 2>>"$dir/server-start.log")
    eval "$env_lines"
    server_pid=$LIVEKIT_PID
    : >"$dir/restarted"
    echo "server restarted as $server_pid at $(date +%T.%N)" >>"$dir/server-start.log"
    ;;
  py-to-gst)
    R=(--room py-to-gst)
    py serve py-pub "${R[@]}" --identity py-pub --key "$KEY" --publish-audio 440 \
      --publish-video --video-codec vp8
    gst measure gst-sub "${R[@]}" --identity gst --key "$KEY" --expect-from py-pub \
      --expect-audio-hz 440 --expect-video --expect-state ok --expect-encryption gcm \
      --stop-when-done
    ;;
  gst-to-py | gst-to-py-h264)
    codec=vp8
    [ "$scenario" = gst-to-py-h264 ] && codec=h264
    R=(--room "$scenario")
    gst serve gst-pub "${R[@]}" --identity gst --key "$KEY" --publish-audio 660 \
      --publish-video "$codec"
    py measure py-sub "${R[@]}" --identity py-sub --key "$KEY" --subscribe --expect-from gst \
      --expect-audio-hz 660 --expect-video --expect-state ok --expect-encryption gcm \
      --stop-when-done
    ;;
  wrong-key)
    # room a: the bin publishes, Python has the wrong key
    A=(--room wrong-key-a)
    gst serve gst-pub "${A[@]}" --identity gst --key "$KEY" --publish-audio 660 \
      --publish-video vp8
    # (libwebrtc decodes a few frames of ciphertext into noise before it drops
    # them: "no tone" is the audio criterion here, loud chunks are reported.)
    py measure py-wrong "${A[@]}" --identity py-wrong --key "$WRONG" --failure-tolerance 0 \
      --subscribe --expect-from gst --expect-state failed --expect-no-audio-hz 660 \
      --expect-no-video --expect-encryption gcm --observe 5 --stop-when-done
    # room b: Python publishes, the bin has the wrong key, then gets the right one.
    # The bin must output no audio at all before the key change. The stand-in
    # gets failure_tolerance 0 (libwebrtc reports DECRYPTION_FAILED only with a
    # tolerance >= 0; the bin whatever the tolerance) and 200 ms of noise.
    B=(--room wrong-key-b)
    py serve py-pub "${B[@]}" --identity py-pub --key "$KEY" --publish-audio 440 \
      --publish-video --video-codec vp8
    gst measure gst-wrong "${B[@]}" --identity gst-wrong --key "$WRONG" \
      --standin-extra "--failure-tolerance 0 --max-loud-chunks 20" \
      --set-key-after 8 "*=$KEY" --expect-from py-pub --expect-no-audio --expect-no-video \
      --expect-state failed-then-ok --expect-audio-hz 440 --expect-video --stop-when-done
    ;;
  per-participant)
    R=(--room per-participant)
    py serve alice "${R[@]}" --identity alice --key-for "alice=$KEY_ALICE" \
      --publish-audio 440 --publish-video --video-codec vp8
    py serve bob "${R[@]}" --identity bob --key-for "bob=$KEY_BOB" \
      --publish-audio 550 --publish-video --video-codec vp8
    gst measure gst-sub "${R[@]}" --identity gst --key-for "alice=$KEY_ALICE" \
      --key-for "bob=$KEY_BOB" --expect-from alice --expect-from bob \
      --expect-audio-hz alice=440 --expect-audio-hz bob=550 --expect-video \
      --expect-state ok --expect-encryption gcm --stop-when-done
    # the other way: the bin encrypts with its own identity's key
    P=(--room per-participant-gst-pub)
    gst serve gst-pub "${P[@]}" --identity gst-pub --key-for "gst-pub=$KEY_ALICE" \
      --publish-audio 660 --publish-video vp8
    py measure py-sub "${P[@]}" --identity py-sub --key-for "gst-pub=$KEY_ALICE" --subscribe \
      --expect-from gst-pub --expect-audio-hz 660 --expect-video --expect-state ok \
      --expect-encryption gcm --stop-when-done
    ;;
  server-sees-ciphertext)
    R=(--room server-sees-ciphertext)
    gst serve gst-pub "${R[@]}" --identity gst --key "$KEY" --publish-audio 660 \
      --publish-video vp8
    py measure py-plain "${R[@]}" --identity py-plain --subscribe --expect-from gst \
      --expect-no-audio-hz 660 --expect-encryption gcm --observe 6 --stop-when-done
    py measure py-e2ee "${R[@]}" --identity py-e2ee --key "$KEY" --subscribe \
      --expect-from gst --expect-audio-hz 660 --expect-state ok --stop-when-done
    ;;
  e2ee-key-index)
    # The bin's send key index: the new key is installed at index 1 first (the
    # bin keeps sending at 0: key-index=0), then key-index=1.
    max_measure=60 # the phases start once every peer is ready
    R=(--room e2ee-key-index)
    P=(--at 10 snapshot --at 16 snapshot)
    gst serve gst-pub "${R[@]}" $(phased gst-pub) --identity gst-pub --key "$KEY" \
      --prop key-index=0 --publish-audio 660 --at 10 "shared-key:1=$KEY_1" \
      --at 16 "prop:key-index=1" \
      --expect-cryptor "1:direction=encrypt,participant-identity=gst-pub,key-index=0,state=ok" \
      --expect-cryptor "2:direction=encrypt,participant-identity=gst-pub,key-index=1,state=ok"
    py measure py-both "${R[@]}" $(phased py-both) "${P[@]}" --identity py-both --key "$KEY" \
      --also-key "1=$KEY_1" --subscribe --ready-when gst-pub --expect-phase 0:gst-pub:tone=660 \
      --expect-phase 1:gst-pub:tone=660 --expect-phase 2:gst-pub:tone=660 --stop-when-done
    gst measure gst-sub "${R[@]}" $(phased gst-sub) --identity gst-sub --key "$KEY" \
      --ready-when gst-pub --at 1 "shared-key:1=$KEY_1" --at 10 snapshot --at 16 snapshot \
      --expect-phase 1:gst-pub:key-index=0 --expect-phase 2:gst-pub:key-index=0 \
      --expect-phase 3:gst-pub:key-index=1 --expect-phase 1:gst-pub:tone=660 \
      --expect-phase 2:gst-pub:tone=660 --expect-phase 3:gst-pub:tone=660 \
      --expect-cryptor "3:direction=decrypt,participant-identity=gst-pub,key-index=1,state=ok" \
      --stop-when-done
    start_phases gst-pub py-both gst-sub
    # The Python SDK sees index 1 too: a subscriber that joins after the switch
    # with only the index-1 key (a wrong one at 0) hears the tone.
    sleep 17
    py measure py-only-1 "${R[@]}" $(phased py-only-1) "${P[@]}" --identity py-only-1 \
      --key "$WRONG" --also-key "1=$KEY_1" --subscribe --expect-phase 2:gst-pub:tone=660 \
      --stop-when-done
    ;;
  e2ee-py-key-index)
    # The Python SDK's FrameCryptor.set_key_index(1) on its sender: the bin follows.
    max_measure=60 # the phases start once every peer is ready
    R=(--room e2ee-py-key-index)
    py serve py-pub "${R[@]}" $(phased py-pub) --identity py-pub --key "$KEY" \
      --also-key "1=$KEY_1" --publish-audio 440 --publish-video --video-codec vp8 \
      --at 12 "set-key-index:1"
    gst measure gst-sub "${R[@]}" $(phased gst-sub) --identity gst-sub --key "$KEY" \
      --ready-when py-pub --at 1 "shared-key:1=$KEY_1" --at 12 snapshot \
      --expect-phase 1:py-pub:key-index=0 --expect-phase 1:py-pub:tone=440 \
      --expect-phase 2:py-pub:key-index=1 --expect-phase 2:py-pub:tone=440 \
      --expect-phase 2:py-pub:video \
      --expect-cryptor "1:direction=decrypt,participant-identity=py-pub,key-index=0,state=ok" \
      --expect-cryptor "2:direction=decrypt,participant-identity=py-pub,key-index=1,state=ok" \
      --stop-when-done
    start_phases py-pub gst-sub
    ;;
  e2ee-toggle)
    # E2EEManager.set_enabled(false) on the bin mid-call, then true again.
    max_measure=60 # the phases start once every peer is ready
    R=(--room e2ee-toggle)
    P=(--at 12 snapshot --at 20 snapshot)
    py serve py-pub "${R[@]}" --identity py-pub --key "$KEY" --publish-audio 440
    gst measure gst-bin "${R[@]}" $(phased gst-bin) --identity gst-bin --key "$KEY" \
      --publish-audio 660 --publish-video vp8 --ready-when py-pub \
      --at 12 "prop:e2ee-enabled=false" --at 20 "prop:e2ee-enabled=true" \
      --expect-phase 0:py-pub:tone=440 --expect-phase 1:py-pub:nothing \
      --expect-phase 2:py-pub:tone=440 --expect-warning "end-to-end encryption is off" \
      --expect-message "livekit-participant-encryption-status-changed:identity=py-pub,encrypted=true" \
      --expect-message "livekit-participant-encryption-status-changed:identity=gst-bin,encrypted=false,local=true" \
      --expect-message "livekit-participant-encryption-status-changed:identity=gst-bin,encrypted=true,local=true" \
      --expect-cryptor "1:direction=decrypt,participant-identity=py-pub,enabled=false,encrypted-frames-dropped=>0" \
      --expect-cryptor "1:direction=encrypt,participant-identity=gst-bin,enabled=false" \
      --expect-cryptor "2:direction=decrypt,participant-identity=py-pub,enabled=true,state=ok" \
      --stop-when-done
    py measure py-sub "${R[@]}" $(phased py-sub) "${P[@]}" --identity py-sub --key "$KEY" \
      --subscribe --ready-when gst-bin --expect-from gst-bin --expect-state failed-then-ok \
      --expect-phase 0:gst-bin:tone=660 --expect-phase 0:gst-bin:video \
      --expect-phase 1:gst-bin:no-tone=660 --expect-phase 1:gst-bin:no-video \
      --expect-phase 2:gst-bin:tone=660 --expect-phase 2:gst-bin:video --stop-when-done
    py measure py-plain "${R[@]}" $(phased py-plain) "${P[@]}" --identity py-plain --subscribe \
      --ready-when gst-bin --expect-phase 0:gst-bin:no-tone=660 \
      --expect-phase 1:gst-bin:tone=660 --expect-phase 2:gst-bin:no-tone=660 --stop-when-done
    # room b: the Python SDK's E2EEManager.set_enabled(false), then true: the
    # bin (E2EE on) drops its plaintext frames and says decryption-failed.
    B=(--room e2ee-toggle-b)
    py serve py-toggler "${B[@]}" $(phased py-toggler) --identity py-toggler --key "$KEY" \
      --publish-audio 440 --publish-video --video-codec vp8 \
      --at 12 "set-enabled:false" --at 20 "set-enabled:true"
    gst measure gst-b "${B[@]}" $(phased gst-b) "${P[@]}" --identity gst-b --key "$KEY" \
      --ready-when py-toggler \
      --expect-phase 0:py-toggler:tone=440 --expect-phase 0:py-toggler:video \
      --expect-phase 1:py-toggler:nothing --expect-phase 2:py-toggler:tone=440 \
      --expect-phase 2:py-toggler:video --expect-from py-toggler \
      --expect-state failed-then-ok \
      --expect-cryptor "1:direction=decrypt,participant-identity=py-toggler,enabled=true,state=decryption-failed" \
      --expect-cryptor "2:direction=decrypt,participant-identity=py-toggler,enabled=true,state=ok" \
      --stop-when-done
    start_phases gst-bin py-sub py-plain py-toggler gst-b
    ;;
  e2ee-cryptors)
    # Per-participant cryptors: alice's off and on again mid-call, carol's off
    # before she joins; bob is not touched.
    max_measure=60 # the phases start once every peer is ready
    R=(--room e2ee-cryptors)
    py serve alice "${R[@]}" --identity alice --key "$KEY" --publish-audio 440
    py serve bob "${R[@]}" --identity bob --key "$KEY" --publish-audio 550
    gst measure gst-sub "${R[@]}" $(phased gst-sub) --identity gst-sub --key "$KEY" \
      --publish-audio 660 --ready-when alice --ready-when bob \
      --at 1 "cryptor-enabled:carol=false" --at 12 "cryptor-enabled:alice=false" \
      --at 20 "cryptor-enabled:alice=true" \
      --expect-phase 1:alice:tone=440 --expect-phase 1:bob:tone=550 \
      --expect-phase 2:alice:nothing --expect-phase 2:bob:tone=550 \
      --expect-phase 3:alice:tone=440 --expect-phase 3:bob:tone=550 \
      --expect-phase 2:carol:nothing --expect-phase 3:carol:nothing \
      --expect-cryptor "1:direction=encrypt,participant-identity=gst-sub,kind=audio,key-index=0,enabled=true,state=ok,track-sid=*" \
      --expect-cryptor "1:direction=decrypt,participant-identity=alice,kind=audio,key-index=0,enabled=true,state=ok,track-sid=*" \
      --expect-cryptor "1:direction=decrypt,participant-identity=bob,kind=audio,key-index=0,enabled=true,state=ok,track-sid=*" \
      --expect-cryptor "2:direction=decrypt,participant-identity=alice,enabled=false,encrypted-frames-dropped=>0" \
      --expect-cryptor "2:direction=decrypt,participant-identity=bob,enabled=true,state=ok,encrypted-frames-dropped=0" \
      --expect-cryptor "3:direction=decrypt,participant-identity=alice,enabled=true,state=ok" \
      --expect-cryptor "3:direction=decrypt,participant-identity=carol,kind=audio,enabled=false,encrypted-frames-dropped=>0" \
      --stop-when-done
    start_phases gst-sub
    # carol joins after her cryptor was disabled (at 1 s)
    sleep 3
    py serve carol "${R[@]}" --identity carol --key "$KEY" --publish-audio 770
    ;;
  browser-to-gst)
    # Chromium publishes its fake camera (VP8, simulcast) and fake microphone (an
    # 880 Hz tone file) with E2EE and the string key; the bin decrypts and decodes.
    R=(--room browser-to-gst)
    browser serve browser-pub "${R[@]}" --identity browser --key "$KEY" --publish \
      --fake-audio-hz 880
    gst measure gst-sub "${R[@]}" --identity gst --key "$KEY" --expect-from browser \
      --expect-audio-hz 880 --expect-video --expect-state ok --expect-encryption gcm \
      --stop-when-done
    ;;
  gst-to-browser)
    # The bin publishes 660 Hz Opus + VP8; Chromium (livekit-client, E2EE) decodes
    # and renders them.
    R=(--room gst-to-browser)
    gst serve gst-pub "${R[@]}" --identity gst --key "$KEY" --publish-audio 660 \
      --publish-video vp8
    browser measure browser-sub "${R[@]}" --identity browser --key "$KEY" --expect-from gst \
      --expect-video --expect-audio-hz 660 --expect-state ok --expect-encryption gcm \
      --stop-when-done
    ;;
  browser-camera-toggle)
    # A browser turns its camera off (unpublishes it) and on again (a new
    # track): the bin's pad for that camera carries on with the new track.
    R=(--room browser-camera-toggle)
    browser serve browser-pub "${R[@]}" --identity browser --key "$KEY" --publish \
      --fake-audio-hz 880 --toggle-camera-after 6
    gst measure gst-sub "${R[@]}" --identity gst --key "$KEY" --expect-from browser \
      --expect-audio-hz 880 --expect-video --expect-resubscribed browser \
      --expect-state ok --observe 4 --stop-when-done
    ;;
  browser-wrong-key)
    # room a: the bin publishes; Chromium with the wrong key decodes nothing and
    # livekit-client reports EncryptionError for the bin.
    A=(--room browser-wrong-key-a)
    gst serve gst-pub "${A[@]}" --identity gst --key "$KEY" --publish-audio 660 \
      --publish-video vp8
    browser measure browser-wrong "${A[@]}" --identity browser-wrong --key "$WRONG" \
      --expect-from gst --expect-no-video --expect-no-audio-hz 660 --expect-state failed \
      --expect-encryption gcm --observe 6 --stop-when-done
    # room b: Chromium publishes with the wrong key; the bin outputs nothing.
    B=(--room browser-wrong-key-b)
    browser serve browser-pub "${B[@]}" --identity browser --key "$WRONG" --publish \
      --fake-audio-hz 880
    gst measure gst-sub "${B[@]}" --identity gst --key "$KEY" --expect-from browser \
      --expect-no-audio --expect-no-video --expect-state failed --expect-encryption gcm \
      --observe 6 --stop-when-done
    ;;
  *)
    echo "run-roombin: unknown scenario $scenario" >&2
    exit 2
    ;;
  esac

  # Wait for the measuring peers (bounded: their --duration + 30 s).
  for _ in $(seq 1 $(((max_measure + 30) * 5))); do
    any=0
    for n in "${measuring[@]}"; do alive "${pid_of[$n]}" && any=1; done
    [ $any = 0 ] && break
    sleep 0.2
  done
  for n in "${measuring[@]}" "${serving[@]}"; do stop_peer "$n"; done
  : >"$dir/peers.txt"
  for n in "${names[@]}"; do
    rc=0
    wait "${pid_of[$n]}" || rc=$?
    echo "$n $rc" >>"$dir/peers.txt"
  done
  ms=$((($(date +%s%N) - t0) / 1000000))
  printf 'scenario %s took %d.%01d s\n' "$scenario" $((ms / 1000)) $((ms % 1000 / 100)) \
    >"$dir/took.txt"
  exit 0
fi

# ------------------------------------------------------------------ --dry-run
if [ "${1:-}" = --dry-run ]; then
  out=${2:-$(mktemp -d "${TMPDIR:-/tmp}/roombin-dry.XXXXXX")}
  mkdir -p "$out"
  build=${ROOMBIN_BUILD:-$top/build}
  dry() {
    local name=$1 rc=0
    shift
    env GST_PLUGIN_PATH="$build/plugins/livekit" GI_TYPELIB_PATH="$build/gst/livekit" \
      LD_LIBRARY_PATH="$build/gst/livekit" ROOMBIN_PEER_REEXEC=1 \
      /usr/bin/python3 "$here/roombin_peer.py" --build "$build" --dry-run --duration 25 \
      --stop-when-done --report "$out/$name.json" "$@" >"$out/$name.log" 2>&1 || rc=$?
    echo "$name $rc"
  }
  {
    dry shared-vp8 --key "$KEY" --publish-audio 440 --publish-video vp8 \
      --expect-audio-hz 440 --expect-video --expect-state ok --expect-encryption gcm
    dry wrong-then-right --key "$WRONG" --dry-run-remote-key "$KEY" --publish-audio 440 \
      --publish-video vp8 --set-key-after 4 "*=$KEY" --expect-no-audio --expect-no-video \
      --expect-state failed-then-ok --expect-audio-hz 440 --expect-video
    dry per-participant-h264 --key-for "alice=$KEY_ALICE" --dry-run-remote-identity alice \
      --dry-run-remote-key "$KEY_ALICE" --publish-audio 550 --publish-video h264 \
      --expect-from alice --expect-audio-hz alice=550 --expect-video --expect-state ok
    dry wrong-stays-failed --key-for "alice=$KEY_BOB" --dry-run-remote-identity alice \
      --dry-run-remote-key "$KEY_ALICE" --publish-audio 550 --publish-video vp9 \
      --expect-no-audio --expect-no-video --expect-state failed
  } | tee "$out/peers.txt"
  passed=$(awk '$2 == 0' "$out/peers.txt" | wc -l)
  failed=$(awk '$2 != 0' "$out/peers.txt" | wc -l)
  echo "reports in $out"
  echo "$passed passed, $failed failed"
  [ "$failed" = 0 ]
  exit
fi

# ------------------------------------------------------------------ outside
standin=0
full=0
out=
scen=()
while [ $# -gt 0 ]; do
  case $1 in
  --py-standin) standin=1 ;;
  --full) full=1 ;;
  --out)
    out=$2
    shift
    ;;
  all) read -r -a more <<<"$ALL" && scen+=("${more[@]}") ;;
  -h | --help)
    awk 'NR > 1 && /^#/ { print; next } NR > 1 { exit }' "$0"
    exit 0
    ;;
  -*)
    echo "run-roombin: unknown option $1" >&2
    exit 2
    ;;
  *) scen+=("$1") ;;
  esac
  shift
done
[ ${#scen[@]} -gt 0 ] || {
  awk 'NR > 1 && /^#/ { print; next } NR > 1 { exit }' "$0" >&2
  exit 2
}
for s in "${scen[@]}"; do
  case " $ALL " in *" $s "*) ;; *)
    echo "run-roombin: unknown scenario $s (known: $ALL)" >&2
    exit 2
    ;;
  esac
done
[ "$(id -u)" = 0 ] || {
  echo "run-roombin.sh: needs root (network namespace)" >&2
  exit 1
}
"$server_sh" install >/dev/null
py=$("$top/scripts/python-env.sh")
[ -n "$out" ] || out=$(mktemp -d "${TMPDIR:-/tmp}/roombin.XXXXXX")
mkdir -p "$out"
echo "run-roombin: reports and logs in $out$([ $standin = 1 ] && echo ' (py stand-in for the bin)')"

run_scenario() {
  rm -rf "${out:?}/$1"
  "$top/scripts/livekit-netns.sh" run "$0" --inside "$py" "$standin" "$out/$1" "$1" ||
    echo "run-roombin: scenario $1: runner exited with $?" >&2
}
# A scenario with a failed peer runs once more, and says so loudly: some
# failures are known to be intermittent (docs/room.md "Not yet done"), and
# one run of the whole suite must not hide the rest behind them. The first attempt's
# reports stay in $out/SCENARIO.attempt1; a second failure fails the suite.
# ROOMBIN_RETRY=0 turns this off.
retried=()
for s in "${scen[@]}"; do
  run_scenario "$s"
  if [ "${ROOMBIN_RETRY:-1}" = 1 ] && { [ ! -s "$out/$s/peers.txt" ] ||
    awk '$2 != 0 { bad = 1 } END { exit !bad }' "$out/$s/peers.txt"; }; then
    echo "run-roombin: RETRY: scenario $s failed (reports in $out/$s.attempt1); running it once more" >&2
    rm -rf "${out:?}/$s.attempt1" && mv "$out/$s" "$out/$s.attempt1"
    run_scenario "$s"
    retried+=("$s")
  fi
done
[ ${#retried[@]} -eq 0 ] || echo "run-roombin: RETRIED after a failure: ${retried[*]} (look at $out/*.attempt1)"

# Print the reports and count.
/usr/bin/python3 - "$out" "$full" "${scen[@]}" <<'EOF'
import json, os, sys
out, full, scen = sys.argv[1], sys.argv[2] == "1", sys.argv[3:]
passed = failed = 0
lines = []
for s in scen:
    d = os.path.join(out, s)
    took = open(os.path.join(d, "took.txt")).read().strip() if os.path.exists(
        os.path.join(d, "took.txt")) else f"scenario {s}: no timing (runner failed?)"
    print(f"===== {s}: {took}")
    peers = []
    if os.path.exists(os.path.join(d, "peers.txt")):
        peers = [l.split() for l in open(os.path.join(d, "peers.txt")) if l.strip()]
    if not peers:
        failed += 1
        lines.append(f"FAIL {s}: no peers ran")
        continue
    for name, rc in peers:
        path = os.path.join(d, name + ".json")
        try:
            rep = json.load(open(path))
        except (OSError, ValueError) as e:
            failed += 1
            lines.append(f"FAIL {s}/{name}: no report (exit {rc}; log {d}/{name}.log)")
            print(f"--- {name}: no report ({e}); last log lines:")
            try:
                print("".join(open(os.path.join(d, name + ".log")).readlines()[-15:]))
            except OSError:
                pass
            continue
        if not full:
            rep = {k: v for k, v in rep.items() if k not in ("config", "messages")}
        print(f"--- {name} ({path}, exit {rc})")
        print(json.dumps(rep, indent=1))
        ok = rep.get("ok") and rc == "0"
        passed += bool(ok)
        failed += not ok
        lines.append(f"{'PASS' if ok else 'FAIL'} {s}/{name}"
                     + "".join(f"\n       {e}" for e in rep.get("errors", [])))
print("=====")
print("\n".join(lines))
print(f"{passed} passed, {failed} failed")
sys.exit(0 if failed == 0 else 1)
EOF
