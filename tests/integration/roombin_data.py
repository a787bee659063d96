#!/usr/bin/python3
"""livekitroombin sending and receiving user data (GStreamer's Python, PyGObject).

  roombin_data.py --url U --api-key K --api-secret S --room R --identity ID --key TEXT
                  [--expect-from ID=N]... [--expect-none-from ID]...
                  [--send N --send-when-present ID...] [--duration S] [--report FILE]
Passes when every expected sender's N packets arrived decrypted with the right
contents, and nothing at all arrived from --expect-none-from (wrong key: its
packets must be dropped, reported as livekit-data-dropped). With --send, once
every --send-when-present participant has joined (+1 s for their data
channels), the bin sends "<identity> <i>" N times through its send-data action
signal (every 4th on the lossy channel), then "<identity> private" addressed to
an identity nobody has; the bin's own sends must all be accepted.
"""
import argparse
import json
import sys

import gi

gi.require_version("Gst", "1.0")
from gi.repository import GLib, Gst  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser()
    for k in ("--url", "--api-key", "--api-secret", "--room", "--identity", "--key"):
        ap.add_argument(k, required=True)
    ap.add_argument("--expect-from", action="append", default=[])
    ap.add_argument("--expect-none-from", action="append", default=[])
    ap.add_argument("--send", type=int, default=0)
    ap.add_argument("--send-when-present", action="append", default=[], metavar="ID")
    ap.add_argument("--linger", type=float, default=3.0,
                    help="seconds to stay after the last send (delivery)")
    ap.add_argument("--duration", type=float, default=30)
    ap.add_argument("--report")
    a = ap.parse_args()
    want = {k: int(v) for k, v in (e.split("=", 1) for e in a.expect_from)}

    Gst.init(None)
    room = Gst.ElementFactory.make("livekitroombin", "room")
    for prop, value in (("url", a.url), ("api-key", a.api_key), ("api-secret", a.api_secret),
                        ("room", a.room), ("identity", a.identity), ("shared-key", a.key)):
        room.set_property(prop, value)
    pipeline = Gst.Pipeline()
    pipeline.add(room)
    got, dropped = {}, {}
    present, refused = set(), []
    sending = {"next": 0, "started": False, "finished": False}
    loop = GLib.MainLoop()

    def done() -> bool:
        return all(len(got.get(k, [])) >= n for k, n in want.items()) and \
            all(dropped.get(k, 0) > 0 for k in a.expect_none_from) and \
            sending["finished"]

    def finish_sending() -> bool:
        sending["finished"] = True
        if done():
            loop.quit()
        return False

    def send_next() -> bool:
        i = sending["next"]
        if i == a.send:
            ok = room.emit("send-data", GLib.Bytes.new(f"{a.identity} private".encode()),
                           "chat", True, ["nobody-has-this-identity"])
            if not ok:
                refused.append("private")
            GLib.timeout_add(int(a.linger * 1000), finish_sending)
            return False
        ok = room.emit("send-data", GLib.Bytes.new(f"{a.identity} {i}".encode()), "chat",
                       i % 4 != 3, None)
        if not ok:
            refused.append(i)
        sending["next"] = i + 1
        return True

    def maybe_start_sending() -> None:
        if a.send and not sending["started"] and present >= set(a.send_when_present):
            sending["started"] = True
            GLib.timeout_add(1000, lambda: GLib.timeout_add(300, send_next) and False)

    if not a.send:
        sending["finished"] = True

    def on_data(_room, identity, topic, payload, encrypted):
        got.setdefault(identity, []).append((topic, payload.get_data().decode(errors="replace"),
                                             encrypted))
        if done():
            GLib.idle_add(loop.quit)

    def on_message(_bus, msg):
        s = msg.get_structure()
        if msg.type == Gst.MessageType.ELEMENT and s.has_name("livekit-participant-joined"):
            present.add(s.get_string("identity"))
            maybe_start_sending()
        elif msg.type == Gst.MessageType.ELEMENT and s.has_name("livekit-connected"):
            maybe_start_sending()
        elif msg.type == Gst.MessageType.ELEMENT and s.has_name("livekit-data-dropped"):
            ident = s.get_string("identity")
            dropped[ident] = dropped.get(ident, 0) + 1
            if done():
                loop.quit()
        elif msg.type == Gst.MessageType.ERROR:
            print("error:", msg.parse_error()[0].message, file=sys.stderr)
            loop.quit()

    room.connect("data-received", on_data)
    bus = pipeline.get_bus()
    bus.add_signal_watch()
    bus.connect("message", on_message)
    pipeline.set_state(Gst.State.PLAYING)
    GLib.timeout_add(int(a.duration * 1000), loop.quit)
    loop.run()
    pipeline.set_state(Gst.State.NULL)

    failures = []
    for ident, n in want.items():
        packets = got.get(ident, [])
        texts = {p[1] for p in packets}
        if len(packets) < n or any(f"{ident} {i}" not in texts for i in range(n)):
            failures.append(f"{ident}: {len(packets)} of {n} packets")
        if not all(p[2] for p in packets):
            failures.append(f"{ident}: a packet arrived unencrypted")
    if sending["next"] < a.send:
        failures.append(f"sent {sending['next']} of {a.send}")
    if refused:
        failures.append(f"send-data refused {refused}")
    for ident in a.expect_none_from:
        if got.get(ident):
            failures.append(f"{ident}: {len(got[ident])} packets got through with a wrong key")
        if not dropped.get(ident):
            failures.append(f"{ident}: no livekit-data-dropped")
    report = {"ok": not failures, "sent": sending["next"],
              "received": {k: len(v) for k, v in got.items()},
              "dropped": dropped, "errors": failures}
    print(json.dumps(report))
    if a.report:
        with open(a.report, "w") as f:
            json.dump(report, f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
