#!/usr/bin/env bash
# examples/c/room-e2ee and examples/python/room_e2ee.py in one room with one
# random 32-byte key (the Python one ratchets it once): each must see the
# other's frames decrypt across the key rotations and list its cryptor as ok.
#   run-room-e2ee.sh C-EXAMPLE PY-EXAMPLE   (LIVEKIT_URL, _API_KEY, _API_SECRET set)
set -uo pipefail
c=$1 py=$2
dir=$(mktemp -d "${TMPDIR:-/tmp}/room-e2ee.XXXXXX")
trap 'rm -rf "$dir"' EXIT
head -c 32 /dev/urandom >"$dir/key.bin"
common=(--url "$LIVEKIT_URL" --api-key "$LIVEKIT_API_KEY" --api-secret "$LIVEKIT_API_SECRET"
  --room "room-e2ee-$$" --key-file "$dir/key.bin" --seconds 20)
"$c" "${common[@]}" --identity c-example --expect-peer py-example >"$dir/c.log" 2>&1 &
cpid=$!
/usr/bin/python3 "$py" "${common[@]}" --identity py-example --expect-peer c-example \
  --ratchet >"$dir/py.log" 2>&1 &
pypid=$!
rc_c=0 rc_py=0
wait "$cpid" || rc_c=$?
wait "$pypid" || rc_py=$?
echo "--- C example (exit $rc_c)"; cat "$dir/c.log"
echo "--- Python example (exit $rc_py)"; cat "$dir/py.log"
[ "$rc_c" = 0 ] && [ "$rc_py" = 0 ]
