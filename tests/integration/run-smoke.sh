#!/usr/bin/env bash
# E2EE smoke test with LiveKit's Python SDK against a local livekit-server.
#
#   tests/integration/run-smoke.sh [--timeout S] [-v]
#
# 1. (host namespace, needs the package registries once) build the pinned
#    livekit-server and the Python venv; both are cached.
# 2. create a private network namespace (scripts/livekit-netns.sh: veth with
#    198.18.0.1, no route out), start the server inside, run
#    py_e2ee_smoke.py inside, stop the server by PID, delete the namespace.
# Needs root (ip netns). Exits with the test's status.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
server_sh=$top/scripts/livekit-server.sh

if [ "${1:-}" = "--inside" ]; then
  # Stage 2, inside the namespace: LIVEKIT_NETNS / LIVEKIT_NODE_IP are set.
  shift
  py=$1
  shift
  env_lines=$("$server_sh" start)
  pid=$(sed -n 's/^LIVEKIT_PID=//p' <<<"$env_lines")
  state=$(sed -n 's/^LIVEKIT_STATE_DIR=//p' <<<"$env_lines")
  rc=1
  # Stop the server by PID; keep its config/log only when the test failed.
  trap '"$server_sh" stop "$pid"; if [ "$rc" = 0 ]; then rm -rf "$state"; else echo "server log: $state/server.log" >&2; fi' EXIT
  set -a
  eval "$env_lines"
  set +a
  set +e
  "$py" "$top/tests/integration/py_e2ee_smoke.py" "$@"
  rc=$?
  exit "$rc"
fi

[ "$(id -u)" = 0 ] || {
  echo "run-smoke.sh: needs root (network namespace)" >&2
  exit 1
}
"$server_sh" install >/dev/null
py=$("$top/scripts/python-env.sh")
exec "$top/scripts/livekit-netns.sh" run "$0" --inside "$py" "$@"
