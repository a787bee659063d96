#!/usr/bin/env python3
"""Python SDK peer that publishes user data packets, E2EE (room encryption on).

  data_pub.py --url U --api-key K --api-secret S --room R --identity ID --key TEXT
              [--count N] [--topic T] [--report FILE]
Sends "<identity> <i>" N times, reliable, every 0.3 s, then leaves. The
report (ok once all are sent) is rewritten after each packet, and SIGTERM (the
runner stopping a serving peer) exits 0 once everything was sent.
"""
import argparse
import asyncio
import json
import os
import signal

from livekit import api, rtc


async def run(a) -> int:
    token = (api.AccessToken(a.api_key, a.api_secret).with_identity(a.identity)
             .with_grants(api.VideoGrants(room_join=True, room=a.room)).to_jwt())
    opts = rtc.E2EEOptions()
    opts.key_provider_options.shared_key = a.key.encode()
    room = rtc.Room()
    await room.connect(a.url, token, options=rtc.RoomOptions(encryption=opts))
    await asyncio.sleep(1.0)  # let the subscriber's data channels open
    sent = 0

    def report() -> None:
        if a.report:
            with open(a.report, "w") as f:
                json.dump({"ok": sent == a.count, "identity": a.identity, "sent": sent,
                           "errors": [] if sent == a.count else [f"sent {sent} of {a.count}"]}, f)

    signal.signal(signal.SIGTERM, lambda *_: os._exit(0 if sent == a.count else 1))
    for i in range(a.count):
        await room.local_participant.publish_data(f"{a.identity} {i}".encode(),
                                                  reliable=True, topic=a.topic)
        sent += 1
        report()
        await asyncio.sleep(0.3)
    await room.disconnect()
    return 0


def main() -> int:
    ap = argparse.ArgumentParser()
    for k in ("--url", "--api-key", "--api-secret", "--room", "--identity", "--key"):
        ap.add_argument(k, required=True)
    ap.add_argument("--count", type=int, default=10)
    ap.add_argument("--topic", default="chat")
    ap.add_argument("--report")
    ap.add_argument("--duration", type=float, default=60)
    a = ap.parse_args()
    return asyncio.run(asyncio.wait_for(run(a), a.duration))


if __name__ == "__main__":
    raise SystemExit(main())
