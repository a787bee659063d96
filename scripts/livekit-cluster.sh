#!/usr/bin/env bash
# A two-node LiveKit cluster for the integration tests: two livekit-server
# nodes (scripts/livekit-server.sh) sharing one Redis (Debian's redis-server),
# the distributed deployment of spec §9 and docs/cluster.md.
#
#   scripts/livekit-cluster.sh start DIR     start Redis, node a, node b; wait
#                                            (bounded) until Redis lists both
#                                            nodes; print KEY=VALUE lines:
#       LIVEKIT_API_KEY LIVEKIT_API_SECRET LIVEKIT_REDIS LIVEKIT_REDIS_PID
#       LIVEKIT_URL_A LIVEKIT_PID_A LIVEKIT_NODE_ID_A LIVEKIT_NODE_IP_A
#       LIVEKIT_STATE_DIR_A, and the same for B
#   scripts/livekit-cluster.sh stop DIR      stop every process start left
#                                            (by the PIDs in DIR), then Redis
#   scripts/livekit-cluster.sh restart DIR a|b   start that node again (after a
#                                            kill: same address and ports, a new
#                                            node id); print its lines as start
#   scripts/livekit-cluster.sh room-node ROOM    the node id Redis places ROOM
#                                            on (hash room_node_map), or nothing
#
# Node a: LIVEKIT_NODE_IP (the namespace's 198.18.0.1), port 7880, UDP 7882.
# Node b: LIVEKIT_NODE_IP_B (198.18.0.2, added to the namespace's veth; 127.0.0.2
# outside a namespace), port 8880, UDP 8882. Each has its own rtc.node_ip, so
# a client's media visibly goes to the room's node. Redis listens on
# 127.0.0.1:LIVEKIT_REDIS_PORT (6379) only, keeps nothing on disk, and is
# started and stopped here by PID: inside a test namespace it is reachable
# from nothing else.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
server_sh=$top/scripts/livekit-server.sh
redis_port=${LIVEKIT_REDIS_PORT:-6379}
redis_addr=127.0.0.1:$redis_port

die() {
  echo "livekit-cluster.sh: $*" >&2
  exit 1
}

rcli() { redis-cli -h 127.0.0.1 -p "$redis_port" --raw "$@"; }

# is_redis PID: that process runs redis-server (guards a recycled PID)
is_redis() {
  local exe
  [ -n "$1" ] && [ -d "/proc/$1" ] || return 1
  exe=$(readlink "/proc/$1/exe" 2>/dev/null) || return 1
  [ "${exe% (deleted)}" = "$(readlink -f "$(command -v redis-server)")" ]
}

start_redis() {
  local dir=$1
  command -v redis-server >/dev/null || die "redis-server not found (scripts/bootstrap.sh installs it)"
  # No persistence, loopback only; its own session so a terminal's Ctrl-C
  # does not reach it.
  setsid redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no \
    --dir "$dir" --logfile "$dir/redis.log" --daemonize no </dev/null >/dev/null 2>&1 &
  local pid=$!
  echo $pid >"$dir/redis.pid"
  for _ in $(seq 1 100); do # <= 10 s
    # Until setsid has exec'd, /proc/PID/exe is still the shell or setsid:
    # only a process that is gone (or a zombie) has exited.
    [ -d "/proc/$pid" ] && [ "$(cut -d' ' -f3 "/proc/$pid/stat" 2>/dev/null)" != Z ] ||
      die "redis-server exited (log: $dir/redis.log)"
    is_redis "$pid" && [ "$(rcli ping 2>/dev/null)" = PONG ] && return 0
    sleep 0.1
  done
  die "redis-server did not answer within 10 s (log: $dir/redis.log)"
}

stop_redis() {
  local pid
  pid=$(cat "$1/redis.pid" 2>/dev/null) || return 0
  is_redis "$pid" || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 50); do # <= 5 s
    is_redis "$pid" || return 0
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
}

# start_node NAME IP PORT UDP_PORT DIR: prints its KEY=VALUE lines, suffixed _NAME
start_node() {
  local name=$1 ip=$2 port=$3 udp=$4 dir=$5 lines
  lines=$(LIVEKIT_NODE_IP=$ip LIVEKIT_PORT=$port LIVEKIT_UDP_PORT=$udp \
    LIVEKIT_REDIS=$redis_addr LIVEKIT_STATE_DIR=$dir/$name "$server_sh" start) ||
    die "node $name did not start (log: $dir/$name/server.log)"
  # shared by both nodes: unsuffixed
  grep -E '^LIVEKIT_API_(KEY|SECRET)=' <<<"$lines"
  grep -E '^LIVEKIT_(URL|PID|NODE_ID|NODE_IP|STATE_DIR)=' <<<"$lines" |
    sed "s/=/_${name^^}=/"
}

do_start() {
  local dir=${1:?start: state directory} ip_a ip_b out
  mkdir -p "$dir"
  ip_a=${LIVEKIT_NODE_IP:-127.0.0.1}
  if [ -n "${LIVEKIT_NETNS:-}" ]; then
    ip_b=${LIVEKIT_NODE_IP_B:-198.18.0.2}
    # The second node's address on the namespace's veth (scripts/livekit-netns.sh).
    ip -br addr show dev lk0 | grep -qw "$ip_b" || ip addr add "$ip_b/24" dev lk0
  else
    ip_b=${LIVEKIT_NODE_IP_B:-127.0.0.2}
    case $ip_b in 127.*) ;; *) die "LIVEKIT_NODE_IP_B=$ip_b outside a test namespace" ;; esac
  fi
  start_redis "$dir"
  echo "LIVEKIT_REDIS=$redis_addr"
  echo "LIVEKIT_REDIS_PID=$(cat "$dir/redis.pid")"
  printf 'a %s 7880 7882\nb %s 8880 8882\n' "$ip_a" "$ip_b" >"$dir/nodes"
  out=$(start_node a "$ip_a" 7880 7882 "$dir")
  out+=$'\n'$(start_node b "$ip_b" 8880 8882 "$dir" | grep -v '^LIVEKIT_API_')
  echo "$out"
  wait_registered "$(sed -n 's/^LIVEKIT_NODE_ID_A=//p' <<<"$out")" \
    "$(sed -n 's/^LIVEKIT_NODE_ID_B=//p' <<<"$out")"
}

# wait_registered ID...: each node id in Redis's `nodes` hash (<= 10 s)
wait_registered() {
  local id ok
  for _ in $(seq 1 100); do
    ok=1
    for id in "$@"; do
      [ "$(rcli hexists nodes "$id" 2>/dev/null)" = 1 ] || ok=0
    done
    [ $ok = 1 ] && return 0
    sleep 0.1
  done
  die "Redis does not list node(s) $* after 10 s"
}

do_restart() {
  local dir=${1:?restart: state directory} name=${2:?restart: a or b} line out
  line=$(grep "^$name " "$dir/nodes") || die "restart: no node $name in $dir"
  read -r _ ip port udp <<<"$line"
  # keep the log of the node that was killed
  [ -f "$dir/$name/server.log" ] && mv "$dir/$name/server.log" "$dir/$name/server-before-restart.log"
  out=$(start_node "$name" "$ip" "$port" "$udp" "$dir" | grep -v '^LIVEKIT_API_')
  echo "$out"
  wait_registered "$(sed -n "s/^LIVEKIT_NODE_ID_${name^^}=//p" <<<"$out")"
}

do_stop() {
  local dir=${1:?stop: state directory} n
  for n in a b; do
    [ -f "$dir/$n/server.pid" ] && "$server_sh" stop "$(cat "$dir/$n/server.pid")"
  done
  stop_redis "$dir"
}

case ${1:-} in
start) do_start "${2:-}" ;;
stop) do_stop "${2:-}" ;;
restart) do_restart "${2:-}" "${3:-}" ;;
room-node) rcli hget room_node_map "${2:?room-node: room}" ;;
*)
  sed -n '2,18p' "$0" >&2
  exit 2
  ;;
esac
