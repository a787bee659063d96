#!/usr/bin/python3
"""A UDP relay that impairs what it forwards, for the chaos scenario of
tests/integration/run-roombin.sh.

This machine's kernel has no netem qdisc (tc ... netem: "Specified qdisc
kind is unknown", no sch_netem module), and inside one network namespace
the peers reach the server's own address through lo, not the veth. So the
server advertises this relay's address (rtc.node_ip, ICE lite: it only
answers checks, never sends its own, so no direct path exists) and the
relay forwards each peer's flow to the server's media port through a socket
of its own, both directions impaired like netem's
    loss LOSS%  delay DELAY JITTER  reorder REORDER%
each packet: dropped with probability LOSS; else, with probability REORDER,
sent at once (ahead of the packets still delayed); else held DELAY +-
JITTER (uniform), never overtaking an earlier held packet of its flow
(jitter without netem's implicit reordering: reordering is only the
REORDER share).

  udp_impair.py --listen IP:PORT --target IP:PORT [--loss 0.05]
      [--reorder 0.02] [--delay-ms 20] [--jitter-ms 10] [--seed N]
      [--clean-until-usr1] --report FILE [--min-packets N]

With --clean-until-usr1 it forwards unimpaired (and counts nothing) until
SIGUSR1; SIGUSR2 makes it clean again, SIGUSR1 impairing again. Runs until SIGTERM, then writes FILE: per direction the packets in, dropped,
sent ahead (reordered) and delayed, the measured shares, "ok" when at least
--min-packets went each way and the measured loss is within 2 points of
LOSS (the impairment really applied), "errors" otherwise.
"""
import argparse
import heapq
import json
import random
import selectors
import signal
import socket
import sys
import time


def addr(text: str) -> tuple[str, int]:
    host, _, port = text.rpartition(":")
    return host, int(port)


class Direction:
    def __init__(self, name: str):
        self.name = name
        self.packets = self.dropped = self.ahead = self.delayed = 0

    def report(self) -> dict:
        n = max(self.packets, 1)
        return {"packets": self.packets, "dropped": self.dropped, "reordered": self.ahead,
                "delayed": self.delayed, "loss": round(self.dropped / n, 4),
                "reorder": round(self.ahead / n, 4)}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--listen", type=addr, required=True)
    ap.add_argument("--target", type=addr, required=True)
    ap.add_argument("--loss", type=float, default=0.05)
    ap.add_argument("--reorder", type=float, default=0.02)
    ap.add_argument("--delay-ms", type=float, default=20)
    ap.add_argument("--jitter-ms", type=float, default=10)
    ap.add_argument("--seed", type=int)
    ap.add_argument("--report", required=True)
    ap.add_argument("--min-packets", type=int, default=1000)
    ap.add_argument("--clean-until-usr1", action="store_true")
    a = ap.parse_args()
    rng = random.Random(a.seed)

    sel = selectors.DefaultSelector()
    front = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    front.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    front.bind(a.listen)
    front.setblocking(False)
    sel.register(front, selectors.EVENT_READ, None)
    upstream: dict[tuple[str, int], socket.socket] = {}  # peer -> its socket to the server
    peer_of: dict[socket.socket, tuple[str, int]] = {}
    up, down = Direction("to-server"), Direction("to-peers")
    queue: list = []           # (due, seq, sock, data, dest)
    last_due: dict = {}        # (sock, dest) -> due of its last held packet
    seq = 0
    stop = False
    impairing = not a.clean_until_usr1
    impaired_at = time.monotonic() if impairing else None

    def on_term(*_):
        nonlocal stop
        stop = True

    def on_usr1(*_):
        nonlocal impairing, impaired_at
        if impaired_at is None:
            impaired_at = time.monotonic()
        impairing = True
    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGINT, on_term)
    def on_usr2(*_):
        nonlocal impairing
        impairing = False
    signal.signal(signal.SIGUSR1, on_usr1)
    signal.signal(signal.SIGUSR2, on_usr2)

    def impair(d: Direction, sock: socket.socket, data: bytes, dest) -> None:
        nonlocal seq
        if not impairing:
            try:
                sock.sendto(data, dest)
            except OSError:
                pass
            return
        d.packets += 1
        r = rng.random()
        if r < a.loss:
            d.dropped += 1
            return
        now = time.monotonic()
        if rng.random() < a.reorder:
            d.ahead += 1
            due = now
        else:
            d.delayed += 1
            due = now + (a.delay_ms + rng.uniform(-a.jitter_ms, a.jitter_ms)) / 1000
            due = max(due, last_due.get((sock, dest), 0.0))
            last_due[(sock, dest)] = due
        seq += 1
        heapq.heappush(queue, (due, seq, sock, data, dest))

    while not stop:
        timeout = max(0.0, queue[0][0] - time.monotonic()) if queue else 0.2
        for key, _ in sel.select(min(timeout, 0.2)):
            sock = key.fileobj
            while True:
                try:
                    data, src = sock.recvfrom(65536)
                except (BlockingIOError, InterruptedError):
                    break
                except OSError:
                    break
                if sock is front:
                    u = upstream.get(src)
                    if u is None:
                        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                        u.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
                        u.bind((a.listen[0], 0))
                        u.setblocking(False)
                        upstream[src] = u
                        peer_of[u] = src
                        sel.register(u, selectors.EVENT_READ, None)
                    impair(up, u, data, a.target)
                else:
                    impair(down, front, data, peer_of[sock])
        now = time.monotonic()
        while queue and queue[0][0] <= now:
            _, _, sock, data, dest = heapq.heappop(queue)
            try:
                sock.sendto(data, dest)
            except OSError:
                pass  # the server is down (restart): like a lost packet

    rep = {"listen": "%s:%d" % a.listen, "target": "%s:%d" % a.target, "flows": len(upstream),
           "impaired_s": round(time.monotonic() - impaired_at, 1) if impaired_at else 0,
           "config": {"loss": a.loss, "reorder": a.reorder, "delay_ms": a.delay_ms,
                      "jitter_ms": a.jitter_ms},
           up.name: up.report(), down.name: down.report(), "errors": []}
    for d in (up, down):
        if d.packets < a.min_packets:
            rep["errors"].append(f"{d.name}: only {d.packets} packets went through the relay")
        elif abs(d.dropped / d.packets - a.loss) > 0.02:
            rep["errors"].append(f"{d.name}: loss {d.dropped / d.packets:.3f}, want {a.loss}")
    rep["ok"] = not rep["errors"]
    with open(a.report, "w") as f:
        json.dump(rep, f, indent=1)
    print(json.dumps(rep))
    return 0


if __name__ == "__main__":
    sys.exit(main())
