#!/usr/bin/env bash
# A private network namespace for LiveKit integration tests (needs root).
#
# libwebrtc-based peers (LiveKit's Python/Node/Rust SDKs) gather no ICE
# candidates on loopback interfaces, so a loopback-only server cannot reach
# them. Inside this namespace there is a veth pair whose one end carries
# 198.18.0.1/24 (RFC 2544 benchmarking range), no default route and no link to
# the host: every packet stays inside the namespace, and peers get ordinary
# host candidates on 198.18.0.1.
#
#   scripts/livekit-netns.sh run CMD [ARGS...]
#       create a fresh namespace, run CMD inside it (as this user, same cwd)
#       with LIVEKIT_NETNS and LIVEKIT_NODE_IP exported, delete the namespace
#       afterwards (also on error/signal); exits with CMD's status.
#   scripts/livekit-netns.sh up [NAME]     create; prints LIVEKIT_NETNS=, LIVEKIT_NODE_IP=
#   scripts/livekit-netns.sh exec NAME CMD [ARGS...]   run CMD in an existing one
#   scripts/livekit-netns.sh down NAME     delete (ends processes left inside it)
#
# Env: LIVEKIT_NETNS_ADDR (default 198.18.0.1).
set -euo pipefail
addr=${LIVEKIT_NETNS_ADDR:-198.18.0.1}

die() {
  echo "livekit-netns.sh: $*" >&2
  exit 1
}

ns_up() {
  local ns=$1
  [ "$(id -u)" = 0 ] || die "must run as root (ip netns)"
  ip netns add "$ns"
  # From here on the namespace exists: undo it if any step fails.
  if ! {
    ip -n "$ns" link set lo up &&
      ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
        net.ipv6.conf.default.disable_ipv6=1 &&
      ip -n "$ns" link add lk0 type veth peer name lk1 &&
      ip -n "$ns" addr add "$addr/24" dev lk0 &&
      ip -n "$ns" link set lk0 up &&
      ip -n "$ns" link set lk1 up
  }; then
    ip netns del "$ns" 2>/dev/null || true
    die "could not set up namespace $ns (needs veth support)"
  fi
  # The veth needs carrier before libwebrtc lists it (IFF_RUNNING); bounded.
  for _ in $(seq 1 50); do
    ip -n "$ns" -br link show lk0 | grep -q 'LOWER_UP' && break
    sleep 0.1
  done
}

ns_down() {
  local ns=$1 pids pid
  [ -e "/run/netns/$ns" ] || return 0
  # Processes still inside were started by the caller of `run`/`up`; end them
  # by PID so the namespace really goes away.
  pids=$(ip netns pids "$ns" 2>/dev/null | tr '\n' ' ' || true)
  if [ -n "${pids// /}" ]; then
    echo "livekit-netns.sh: ending leftover processes in $ns: $pids" >&2
    # TERM twice (livekit-server treats the second one as "force"), then KILL.
    local sig
    for sig in TERM TERM KILL; do
      for pid in $pids; do kill -"$sig" "$pid" 2>/dev/null || true; done
      for _ in $(seq 1 30); do # <= 3 s per round
        pids=$(ip netns pids "$ns" 2>/dev/null | tr '\n' ' ' || true)
        [ -z "${pids// /}" ] && break 2
        sleep 0.1
      done
    done
  fi
  ip netns del "$ns"
}

case ${1:-} in
run)
  shift
  [ $# -gt 0 ] || die "run: no command"
  ns=lkt-$$
  child=
  # shellcheck disable=SC2317 # called from the EXIT trap
  cleanup() {
    # On a signal the child may still run: ns_down ends everything inside the
    # namespace (the child included) by PID, then deletes it.
    if [ -n "$child" ] && kill -0 "$child" 2>/dev/null; then
      kill -TERM "$child" 2>/dev/null || true
    fi
    ns_down "$ns"
  }
  trap cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  ns_up "$ns"
  # Run in the background and wait, so that a SIGTERM/SIGINT to this script is
  # handled at once (not only after the child ends). Explicit stdin keeps the
  # child's stdin (bash would give a background job /dev/null).
  exec 3<&0
  LIVEKIT_NETNS=$ns LIVEKIT_NODE_IP=$addr ip netns exec "$ns" "$@" <&3 3<&- &
  child=$!
  set +e
  wait "$child"
  rc=$?
  set -e
  exit "$rc"
  ;;
up)
  ns=${2:-lkt-$$}
  ns_up "$ns"
  echo "LIVEKIT_NETNS=$ns"
  echo "LIVEKIT_NODE_IP=$addr"
  ;;
exec)
  ns=${2:?exec: namespace name}
  shift 2
  LIVEKIT_NETNS=$ns LIVEKIT_NODE_IP=$addr exec ip netns exec "$ns" "$@"
  ;;
down)
  ns_down "${2:?down: namespace name}"
  ;;
*)
  sed -n '2,19p' "$0" >&2
  exit 2
  ;;
esac
