#!/usr/bin/env bash
# gst-livekit-record's exit codes and messages for what needs no server:
# missing options, a URL that is not one, an unreadable key file, a server
# that does not answer (docs/record.md, "Exit codes").
set -u
rec=$1
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
fails=0
expect() {
  local want=$1 pattern=$2
  shift 2
  local out rc
  out=$("$rec" "$@" 2>&1)
  rc=$?
  if [ "$rc" != "$want" ] || ! grep -q -- "$pattern" <<<"$out"; then
    echo "FAIL: $* -> exit $rc (want $want), output: $out"
    fails=$((fails + 1))
  else
    echo "ok: exit $rc: $(head -1 <<<"$out")"
  fi
}
echo "a key" >"$dir/key"
echo "a key" >"$dir/locked" && chmod 000 "$dir/locked"
A=(--api-key k --api-secret s --room r --out "$dir/out")
expect 2 "--url is required" "${A[@]}" --key-file "$dir/key"
expect 2 "no key" --url ws://127.0.0.1:1 "${A[@]}"
expect 5 "is not a LiveKit server URL" --url ftp://example.org "${A[@]}" --key-file "$dir/key"
expect 3 "key-file" --url ws://127.0.0.1:1 "${A[@]}" --key-file "$dir/missing"
if [ "$(id -u)" != 0 ]; then
  expect 3 "key-file" --url ws://127.0.0.1:1 "${A[@]}" --key-file "$dir/locked"
fi
: >"$dir/empty"
expect 3 "key-file" --url ws://127.0.0.1:1 "${A[@]}" --key-file "$dir/empty"
expect 2 "IDENTITY=FILE" --url ws://127.0.0.1:1 "${A[@]}" --participant-key bob
expect 4 "output directory" --url ws://127.0.0.1:1 --api-key k --api-secret s --room r \
  --key-file "$dir/key" --out "$dir/key/sub"
# Nothing listens on port 1: the bin's join fails, unreachable.
expect 5 "could not join" --url ws://127.0.0.1:1 "${A[@]}" --key-file "$dir/key" -q
[ -f "$dir/out/manifest.json" ] || { echo "FAIL: no manifest after a failed join"; fails=$((fails + 1)); }
# The composite's output fails mid-recording (a full disk) while the join
# is still going on (a server that accepts and says nothing): the recording
# goes on without it to its --duration and then exits with the output's
# exit code, naming the composite (it hung in rec_composite_stop, issue 11;
# and a composite error used to end every participant's file).
# timeout: a hang fails, it does not wait.
python3 -c '
import socket, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(4)
print(s.getsockname()[1], flush=True); s.settimeout(1); c = []
for _ in range(60):
    try: c.append(s.accept()[0])
    except OSError: pass' >"$dir/port" &
mute=$!
for _ in $(seq 50); do [ -s "$dir/port" ] && break; sleep 0.1; done
out=$(timeout -k 5 40 "$rec" --url "ws://127.0.0.1:$(cat "$dir/port")" "${A[@]}" \
  --out "$dir/full" --key-file "$dir/key" -q --composite /dev/full --duration 3 2>&1)
rc=$?
kill "$mute" 2>/dev/null; wait "$mute" 2>/dev/null
if [ "$rc" != 4 ] || ! grep -q "composite /dev/full failed (No space left" <<<"$out" ||
  ! grep -q "files go on" <<<"$out" ||
  ! grep -q '"stop_reason" *: *"duration"' "$dir/full/manifest.json" 2>/dev/null ||
  ! grep -q '"error" *: *"the composite /dev/full: No space left' "$dir/full/manifest.json"; then
  echo "FAIL: --composite /dev/full -> exit $rc (want 4), output: $out"
  fails=$((fails + 1))
else
  echo "ok: exit $rc: $(head -1 <<<"$out")"
fi
[ $fails = 0 ]
