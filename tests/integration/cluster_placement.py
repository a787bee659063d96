#!/usr/bin/env python3
"""Which node of a two-node LiveKit cluster hosts a room, over time: reads the
servers' own placement (Redis hash room_node_map, spec §9) every 0.2 s and
judges it. A peer of run-roombin.sh like the others (JSON report, exit 0 when
every expectation holds); it runs until SIGTERM or --duration.

  cluster_placement.py --report F [--redis-port 6379] [--duration S]
      --expect ROOM=NODE_ID          ROOM is on NODE_ID (repeatable); with
                                     --moved-to, only until --mark exists
      --moved-to ROOM=NODE_ID        after --mark appears, ROOM moves to
                                     NODE_ID and stays there
      --mark FILE                    written by the runner when it killed a
                                     node; holds the wall-clock time of the kill

Samples where a room has no node (not created yet, or closed) are recorded
and not judged. The report lists each room's placements with their times
(seconds since the kill when there is one).
"""
from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time


def kv(s: str) -> tuple[str, str]:
    k, sep, v = s.partition("=")
    if not sep or not k or not v:
        raise argparse.ArgumentTypeError(f"want ROOM=NODE_ID, got {s!r}")
    return k, v


def room_node(port: int, room: str) -> str | None:
    try:
        out = subprocess.run(["redis-cli", "-h", "127.0.0.1", "-p", str(port), "--raw",
                              "hget", "room_node_map", room], capture_output=True,
                             text=True, timeout=2)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return out.stdout.strip() if out.returncode == 0 else None


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--report", required=True)
    ap.add_argument("--redis-port", type=int, default=6379)
    ap.add_argument("--duration", type=float, default=120)
    ap.add_argument("--expect", type=kv, action="append", default=[])
    ap.add_argument("--moved-to", type=kv, action="append", default=[])
    ap.add_argument("--mark")
    a = ap.parse_args()
    if a.moved_to and not a.mark:
        ap.error("--moved-to needs --mark")
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    signal.signal(signal.SIGINT, lambda *_: stop.append(1))

    rooms = sorted({r for r, _ in a.expect} | {r for r, _ in a.moved_to})
    history: dict[str, list] = {r: [] for r in rooms}   # [wall time, node] on change
    before: dict[str, set] = {r: set() for r in rooms}  # nodes seen before the mark
    after: dict[str, list] = {r: [] for r in rooms}     # nodes after it, in order
    errors: list[str] = []
    kill_at = None
    t_end = time.monotonic() + a.duration
    while not stop and time.monotonic() < t_end:
        if kill_at is None and a.mark and os.path.exists(a.mark):
            try:
                kill_at = float(open(a.mark).read().strip())
            except ValueError:
                pass
        now = time.time()
        for r in rooms:
            node = room_node(a.redis_port, r)
            if node is None:
                if "redis unreachable" not in errors:
                    errors.append("redis unreachable")
                continue
            if not history[r] or history[r][-1][1] != node:
                history[r].append([now, node])
            if node:
                if kill_at is None or now < kill_at:
                    before[r].add(node)
                elif not after[r] or after[r][-1] != node:
                    after[r].append(node)
        time.sleep(0.2)

    for r, node in a.expect:
        if not before[r]:
            errors.append(f"{r}: never placed" + (" before the kill" if kill_at else ""))
        elif before[r] != {node}:
            errors.append(f"{r}: on {', '.join(sorted(before[r]))}, want {node}")
    moved = {}
    for r, node in a.moved_to:
        if kill_at is None:
            errors.append(f"{r}: no kill mark ({a.mark})")
            continue
        if not after[r] or after[r][-1] != node:
            errors.append(f"{r}: after the kill on {' -> '.join(after[r]) or 'no node'}, "
                          f"want {node}")
        t_new = next((t for t, n in history[r] if n == node and t >= kill_at), None)
        moved[r] = round(t_new - kill_at, 3) if t_new is not None else None
    origin = kill_at
    rep = {
        "tool": "cluster_placement.py", "ok": not errors, "errors": errors,
        "kill_at": kill_at,
        "placements": {r: [[round(t - origin, 3) if origin else round(t, 3), n]
                           for t, n in h] for r, h in history.items()},
        "moved_after_kill_s": moved,
    }
    with open(a.report, "w") as f:
        json.dump(rep, f, indent=1)
    print(json.dumps(rep), file=sys.stderr)
    return 0 if not errors else 1


if __name__ == "__main__":
    raise SystemExit(main())
