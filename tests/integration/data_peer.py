#!/usr/bin/env python3
"""Python SDK peer that sends and receives user data packets.

  data_peer.py --url U --api-key K --api-secret S --room R --identity ID
               [--key TEXT | --no-e2ee] [--count N] [--topic T]
               [--expect-from ID=N]... [--expect-none-from ID]...
               [--duration S] [--report FILE]
With --key the room's encryption is on (E2EE data); --no-e2ee joins without.
Sends "<identity> <i>" N times, reliable, every 0.3 s (after 1 s, so the
others' data channels are open). Receives everything; passes when every
--expect-from sender's N packets arrived with the right contents and nothing
arrived from an --expect-none-from sender; a packet whose text ends in
"private" (sent to another identity only) must never arrive. Without expectations the peer
leaves once it has sent (SIGTERM then exits 0 if all was sent).
"""
import argparse
import asyncio
import json
import os
import signal
import sys

from livekit import api, rtc


async def run(a) -> int:
    token = (api.AccessToken(a.api_key, a.api_secret).with_identity(a.identity)
             .with_grants(api.VideoGrants(room_join=True, room=a.room)).to_jwt())
    options = rtc.RoomOptions()
    if a.key is not None:
        opts = rtc.E2EEOptions()
        opts.key_provider_options.shared_key = a.key.encode()
        options = rtc.RoomOptions(encryption=opts)
    want = {k: int(v) for k, v in (e.split("=", 1) for e in a.expect_from)}
    got: dict[str, list[str]] = {}
    complete = asyncio.Event()
    room = rtc.Room()

    @room.on("data_received")
    def on_data(packet: rtc.DataPacket) -> None:
        who = packet.participant.identity if packet.participant else "?"
        got.setdefault(who, []).append(packet.data.decode(errors="replace"))
        if want and all(len(got.get(k, [])) >= n for k, n in want.items()):
            complete.set()

    await room.connect(a.url, token, options=options)
    sent = 0

    def report() -> bool:
        errors = [] if sent == a.count else [f"sent {sent} of {a.count}"]
        for ident, n in want.items():
            texts = set(got.get(ident, []))
            missing = [i for i in range(n) if f"{ident} {i}" not in texts]
            if missing:
                errors.append(f"{ident}: {n - len(missing)} of {n} packets")
        for ident, texts in got.items():
            if any(t.endswith(" private") for t in texts):
                errors.append(f"{ident}: a packet addressed to someone else arrived")
        for ident in a.expect_none_from:
            if got.get(ident):
                errors.append(f"{ident}: {len(got[ident])} packets got through: "
                              f"{got[ident][:3]}")
        if a.report:
            with open(a.report, "w") as f:
                json.dump({"ok": not errors, "identity": a.identity, "sent": sent,
                           "received": {k: len(v) for k, v in got.items()},
                           "texts": {k: v[:20] for k, v in got.items()},
                           "errors": errors}, f, indent=1)
        return not errors

    signal.signal(signal.SIGTERM, lambda *_: os._exit(0 if report() else 1))
    await asyncio.sleep(1.0)
    for i in range(a.count):
        await room.local_participant.publish_data(f"{a.identity} {i}".encode(),
                                                  reliable=True, topic=a.topic)
        sent += 1
        report()
        await asyncio.sleep(0.3)
    if want:
        try:
            await asyncio.wait_for(complete.wait(), a.duration)
        except asyncio.TimeoutError:
            pass
    elif a.expect_none_from:
        await asyncio.sleep(a.observe)
    ok = report()
    await room.disconnect()
    return 0 if ok else 1


def main() -> int:
    ap = argparse.ArgumentParser()
    for k in ("--url", "--api-key", "--api-secret", "--room", "--identity"):
        ap.add_argument(k, required=True)
    e2ee = ap.add_mutually_exclusive_group(required=True)
    e2ee.add_argument("--key")
    e2ee.add_argument("--no-e2ee", action="store_true")
    ap.add_argument("--count", type=int, default=10)
    ap.add_argument("--topic", default="chat")
    ap.add_argument("--expect-from", action="append", default=[], metavar="ID=N")
    ap.add_argument("--expect-none-from", action="append", default=[], metavar="ID")
    ap.add_argument("--observe", type=float, default=8.0,
                    help="with only --expect-none-from: seconds to listen")
    ap.add_argument("--report")
    ap.add_argument("--duration", type=float, default=60)
    a = ap.parse_args()
    return asyncio.run(asyncio.wait_for(run(a), a.duration + 15))


if __name__ == "__main__":
    code = main()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)  # as peer.py: the SDK's teardown can panic after a verdict
