#!/usr/bin/python3
"""One subscribing livekitroombin: CPU per received stream (bench/room-cpu.sh).

  room-cpu.py URL API_KEY API_SECRET ROOM IDENTITY KEY|- STREAMS WARMUP SECONDS

Joins ROOM (KEY "-": no E2EE key), links every source pad the bin adds to a
fakesink (no decoding: what is measured is receiving, depayloading and
decrypting), waits until STREAMS pads have rendered buffers, lets WARMUP
seconds pass, then measures SECONDS: the process's CPU time (utime + stime,
/proc/self/stat) and each thread's (/proc/self/task/*/stat), and the buffers
every fakesink rendered. Prints one JSON line.
"""

import json
import os
import sys
import threading
import time

import gi

gi.require_version("Gst", "1.0")
from gi.repository import GLib, Gst  # noqa: E402

TICK = os.sysconf("SC_CLK_TCK")


def cpu_of(stat_path):
    """(comm, CPU seconds) from a /proc stat file."""
    with open(stat_path) as f:
        data = f.read()
    comm = data[data.index("(") + 1:data.rindex(")")]
    fields = data[data.rindex(")") + 2:].split()
    return comm, (int(fields[11]) + int(fields[12])) / TICK


def threads():
    out = {}
    for tid in os.listdir("/proc/self/task"):
        try:
            out[tid] = cpu_of(f"/proc/self/task/{tid}/stat")
        except (FileNotFoundError, ProcessLookupError, ValueError):
            pass
    return out


def main():
    url, key_id, secret, room, identity, key, streams, warmup, seconds = sys.argv[1:10]
    streams, warmup, seconds = int(streams), float(warmup), float(seconds)
    Gst.init(None)
    pipe = Gst.Pipeline.new("sub")
    rb = Gst.ElementFactory.make("livekitroombin", "r")
    rb.set_property("url", url)
    rb.set_property("api-key", key_id)
    rb.set_property("api-secret", secret)
    rb.set_property("room", room)
    rb.set_property("identity", identity)
    if key != "-":
        rb.set_property("shared-key", key)
    pipe.add(rb)
    sinks = []
    lock = threading.Lock()

    def on_pad(_bin, pad):
        if pad.get_direction() != Gst.PadDirection.SRC:
            return
        sink = Gst.ElementFactory.make("fakesink")
        sink.set_property("sync", False)
        sink.set_property("async", False)
        sink.set_property("enable-last-sample", False)
        pipe.add(sink)
        sink.sync_state_with_parent()
        pad.link(sink.get_static_pad("sink"))
        with lock:
            sinks.append((pad.get_name(), sink))

    rb.connect("pad-added", on_pad)
    loop = GLib.MainLoop()
    result = {}

    def rendered():
        with lock:
            return {name: s.get_property("stats").get_value("rendered") for name, s in sinks}

    def measure():
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            r = rendered()
            if len(r) >= streams and all(v > 0 for v in r.values()):
                break
            time.sleep(0.5)
        else:
            result["error"] = f"only {len(rendered())} of {streams} streams flowing"
            GLib.idle_add(loop.quit)
            return
        time.sleep(warmup)
        t0, c0, th0, r0 = time.monotonic(), cpu_of("/proc/self/stat")[1], threads(), rendered()
        time.sleep(seconds)
        t1, c1, th1, r1 = time.monotonic(), cpu_of("/proc/self/stat")[1], threads(), rendered()
        per_name = {}
        for tid, (comm, cpu) in th1.items():
            base = th0.get(tid, (comm, 0.0))[1]
            per_name[comm] = per_name.get(comm, 0.0) + cpu - base
        result.update({
            "wall_s": t1 - t0,
            "process_cpu_s": c1 - c0,
            "threads_cpu_s": dict(sorted(per_name.items(), key=lambda kv: -kv[1])),
            "streams": len(r1),
            "buffers": {k: r1[k] - r0.get(k, 0) for k in r1},
        })
        GLib.idle_add(loop.quit)

    bus = pipe.get_bus()
    bus.add_signal_watch()

    def on_error(_bus, msg):
        err, dbg = msg.parse_error()
        result["error"] = f"{err.message} ({dbg})"
        loop.quit()

    bus.connect("message::error", on_error)
    pipe.set_state(Gst.State.PLAYING)
    threading.Thread(target=measure, daemon=True).start()
    loop.run()
    pipe.set_state(Gst.State.NULL)
    print(json.dumps(result))
    return 1 if "error" in result else 0


if __name__ == "__main__":
    sys.exit(main())
