#!/usr/bin/env bash
# Runs "$@" (the integration test) against a real livekit-server started
# with scripts/livekit-server.sh: loopback only (node_ip 127.0.0.1), on free
# ports so it can run beside other servers, stopped by PID on exit.
# Exit 77 (meson SKIP) when the server binary is not installed.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
script=$top/scripts/livekit-server.sh

if [ ! -x "$script" ]; then
  echo "SKIP: $script missing"
  exit 77
fi
bin=$("$script" path 2>/dev/null || true)
if [ -z "$bin" ] || [ ! -x "$bin" ]; then
  echo "SKIP: livekit-server not installed (run: scripts/livekit-server.sh install)"
  exit 77
fi

free_port() { # $1 = tcp|udp
  python3 - "$1" <<'PY'
import socket, sys
kind = socket.SOCK_STREAM if sys.argv[1] == "tcp" else socket.SOCK_DGRAM
s = socket.socket(socket.AF_INET, kind)
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
PY
}

state=$(mktemp -d "${TMPDIR:-/tmp}/lk-signalling.XXXXXX")
unset LIVEKIT_NETNS
export LIVEKIT_NODE_IP=127.0.0.1
export LIVEKIT_PORT=${LIVEKIT_PORT:-$(free_port tcp)}
export LIVEKIT_UDP_PORT=${LIVEKIT_UDP_PORT:-$(free_port udp)}
export LIVEKIT_STATE_DIR=$state

t0=$(date +%s.%N)
if ! env_lines=$("$script" start); then
  echo "FAIL: livekit-server did not start (log: $state/server.log)"
  exit 1
fi
eval "$env_lines"
export LIVEKIT_URL LIVEKIT_API_KEY LIVEKIT_API_SECRET
cleanup() {
  "$script" stop "$LIVEKIT_PID" >/dev/null 2>&1
  if [ "${rc:-1}" -eq 0 ]; then rm -rf "$state"; else echo "server log kept: $state/server.log"; fi
}
trap cleanup EXIT
echo "livekit-server $("$bin" --version 2>/dev/null | awk '{print $NF}') up on" \
  "$LIVEKIT_URL in $(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b - a}') s"

"$@"
rc=$?
exit $rc
