#!/usr/bin/env bash
# Local livekit-server for the integration tests.
#
#   scripts/livekit-server.sh install       build the pinned server once (cached)
#   scripts/livekit-server.sh start         start it in the background, wait
#                                           (<= 30 s) until it answers HTTP, print
#                                           KEY=VALUE lines: LIVEKIT_URL
#                                           LIVEKIT_API_KEY LIVEKIT_API_SECRET
#                                           LIVEKIT_PID LIVEKIT_NODE_IP
#                                           LIVEKIT_UDP_PORT LIVEKIT_STATE_DIR
#                                           LIVEKIT_NODE_ID
#       e.g.  set -a; eval "$(scripts/livekit-server.sh start)"; set +a
#   scripts/livekit-server.sh stop [PID]    stop it (default: $LIVEKIT_PID):
#                                           SIGTERM, again SIGTERM (= force), KILL
#   scripts/livekit-server.sh path          print the binary's path
#
# Network: the server advertises exactly one address, LIVEKIT_NODE_IP.
#   * Inside a namespace made by scripts/livekit-netns.sh (LIVEKIT_NETNS and
#     LIVEKIT_NODE_IP are set there): node_ip = the namespace's veth address
#     (198.18.0.1), ordinary host candidates. This is what SDK peers need.
#   * Otherwise: node_ip = 127.0.0.1 with enable_loopback_candidate. Enough for
#     a libnice client pinned to 127.0.0.1, NOT for the Python/Node SDKs
#     (libwebrtc gathers no loopback candidates).
# Never leaves node_ip unset (that would make the server use public STUN).
#
# Media through a relay (the chaos scenario): LIVEKIT_MEDIA_IP is the address
# the UDP media port binds (default: LIVEKIT_NODE_IP, which is then only
# advertised) and LIVEKIT_ICE_LITE=true makes the server ICE lite, so it only
# answers the peers' checks and sends nothing past the advertised address.
#
# Env overrides: LIVEKIT_NODE_IP, LIVEKIT_PORT (7880), LIVEKIT_UDP_PORT (7882),
# LIVEKIT_LOG_LEVEL (info), LIVEKIT_STATE_DIR (config/log/pid; default mktemp),
# LIVEKIT_REDIS (host:port: a node of a multi-node cluster sharing that Redis;
# scripts/livekit-cluster.sh), LK_VERSION (v1.13.5), XDG_CACHE_HOME.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
LK_VERSION=${LK_VERSION:-v1.13.5}
cache=${XDG_CACHE_HOME:-$HOME/.cache}/gst-livekit-e2ee
gobin=$cache/go-bin
bin=$gobin/server

API_KEY=devkey
# >= 32 chars so the server does not complain; a test secret, not a credential.
API_SECRET=gst-livekit-e2ee-integration-test-secret-0123456789

die() {
  echo "livekit-server.sh: $*" >&2
  exit 1
}

do_install() {
  if [ -x "$bin" ] && [ "$(cat "$gobin/server.version" 2>/dev/null)" = "$LK_VERSION" ]; then
    echo "$bin"
    return 0
  fi
  command -v go >/dev/null || die "go not found (need Go >= 1.26)"
  mkdir -p "$gobin"
  echo "livekit-server.sh: building livekit-server $LK_VERSION into $gobin" >&2
  # The module's go.mod has no replace directives at v1.13.5, so go install
  # works; pure Go, no cgo.
  GOBIN=$gobin CGO_ENABLED=0 GOFLAGS=-mod=mod \
    go install "github.com/livekit/livekit-server/cmd/server@$LK_VERSION" >&2
  echo "$LK_VERSION" >"$gobin/server.version"
  echo "$bin"
}

# is_our_server PID: the process exists and runs our binary (guards against a
# recycled PID).
is_our_server() {
  local pid=$1 exe
  [ -n "$pid" ] && [ -d "/proc/$pid" ] || return 1
  exe=$(readlink "/proc/$pid/exe" 2>/dev/null) || return 1
  [ "${exe% (deleted)}" = "$(readlink -f "$bin")" ]
}

do_start() {
  [ -x "$bin" ] || do_install >/dev/null
  local node_ip=${LIVEKIT_NODE_IP:-127.0.0.1}
  local media_ip=${LIVEKIT_MEDIA_IP:-$node_ip} ice_lite=${LIVEKIT_ICE_LITE:-false}
  local port=${LIVEKIT_PORT:-7880} udp_port=${LIVEKIT_UDP_PORT:-7882}
  local loopback=false bind
  case $node_ip in
  127.*)
    loopback=true
    bind="\"$node_ip\""
    ;;
  *)
    # Also bind 127.0.0.1 so clients inside the namespace may use either.
    bind="\"$node_ip\", \"127.0.0.1\""
    ;;
  esac
  if [ -z "${LIVEKIT_NETNS:-}" ] && [ "$loopback" != true ]; then
    die "LIVEKIT_NODE_IP=$node_ip outside a test namespace: only 127.x is allowed here"
  fi
  local state=${LIVEKIT_STATE_DIR:-}
  if [ -z "$state" ]; then
    state=$(mktemp -d "${TMPDIR:-/tmp}/livekit-test.XXXXXX")
  fi
  mkdir -p "$state"
  sed -e "s|@PORT@|$port|g" -e "s|@UDP_PORT@|$udp_port|g" \
    -e "s|@NODE_IP@|$node_ip|g" -e "s|@BIND_ADDRESSES@|$bind|g" \
    -e "s|@MEDIA_IP@|$media_ip|g" -e "s|@ICE_LITE@|$ice_lite|g" \
    -e "s|@LOOPBACK@|$loopback|g" -e "s|@LOG_LEVEL@|${LIVEKIT_LOG_LEVEL:-info}|g" \
    -e "s|@API_KEY@|$API_KEY|g" -e "s|@API_SECRET@|$API_SECRET|g" \
    "$top/tests/integration/livekit.yaml" >"$state/livekit.yaml"
  if [ -n "${LIVEKIT_REDIS:-}" ]; then
    # Distributed mode (spec §9): Redis is the store and the message bus.
    printf 'redis:\n  address: %s\n' "$LIVEKIT_REDIS" >>"$state/livekit.yaml"
  fi

  # setsid: own session, so a Ctrl-C in the caller's terminal does not reach
  # it and a stop by PID is the only way it ends.
  setsid "$bin" --config "$state/livekit.yaml" </dev/null >"$state/server.log" 2>&1 &
  local pid=$!
  echo "$pid" >"$state/server.pid"

  local url="http://$node_ip:$port/"
  for _ in $(seq 1 300); do # <= 30 s
    if ! kill -0 "$pid" 2>/dev/null; then
      tail -n 30 "$state/server.log" >&2
      die "server exited during start-up (log: $state/server.log)"
    fi
    if curl -fsS --max-time 1 --noproxy '*' "$url" >/dev/null 2>&1; then
      echo "LIVEKIT_URL=ws://$node_ip:$port"
      echo "LIVEKIT_API_KEY=$API_KEY"
      echo "LIVEKIT_API_SECRET=$API_SECRET"
      echo "LIVEKIT_PID=$pid"
      echo "LIVEKIT_NODE_IP=$node_ip"
      echo "LIVEKIT_UDP_PORT=$udp_port"
      echo "LIVEKIT_STATE_DIR=$state"
      # The node's id (NodePrefix ND_), from its start-up line.
      echo "LIVEKIT_NODE_ID=$(grep -o -m1 'ND_[A-Za-z0-9]*' "$state/server.log" || true)"
      echo "livekit-server.sh: up (pid $pid, $url, log $state/server.log)" >&2
      return 0
    fi
    sleep 0.1
  done
  kill "$pid" 2>/dev/null || true
  die "server did not answer $url within 30 s (log: $state/server.log)"
}

do_stop() {
  local pid=${1:-${LIVEKIT_PID:-}}
  [ -n "$pid" ] || die "stop: no PID (argument or LIVEKIT_PID)"
  if ! is_our_server "$pid"; then
    echo "livekit-server.sh: pid $pid is not running $bin; nothing to stop" >&2
    return 0
  fi
  # First SIGTERM: graceful (the server waits for participants to leave);
  # second: livekit-server's forced shutdown; last resort SIGKILL.
  local sig
  for sig in TERM TERM; do
    kill -"$sig" "$pid" 2>/dev/null || true
    for _ in $(seq 1 30); do # <= 3 s each
      is_our_server "$pid" || {
        echo "livekit-server.sh: stopped pid $pid" >&2
        return 0
      }
      sleep 0.1
    done
  done
  echo "livekit-server.sh: pid $pid ignored SIGTERM twice, killing" >&2
  kill -KILL "$pid" 2>/dev/null || true
  for _ in $(seq 1 50); do
    is_our_server "$pid" || return 0
    sleep 0.1
  done
  die "could not stop pid $pid"
}

case ${1:-} in
install) do_install ;;
start) do_start ;;
stop) do_stop "${2:-}" ;;
path) echo "$bin" ;;
*)
  sed -n '2,29p' "$0" >&2
  exit 2
  ;;
esac
