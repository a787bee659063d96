#!/usr/bin/env python3
"""Creates a room through LiveKit's server API (PyPI livekit-api).

  create_room.py --url U --api-key K --api-secret S --room R [--max-participants N]
                 [--node-id ND_...]

--node-id places the room on that node of a multi-node cluster
(CreateRoomRequest.node_id; without it the node selector picks one).
"""
import argparse
import asyncio

from livekit import api


async def run(a) -> None:
    lk = api.LiveKitAPI(a.url.replace("ws", "http", 1), a.api_key, a.api_secret)
    try:
        room = await lk.room.create_room(
            api.CreateRoomRequest(name=a.room, max_participants=a.max_participants,
                                  node_id=a.node_id))
        print(f"created room {room.name} (max participants {room.max_participants}"
              + (f", on node {a.node_id}" if a.node_id else "") + ")")
    finally:
        await lk.aclose()


def main() -> int:
    ap = argparse.ArgumentParser()
    for k in ("--url", "--api-key", "--api-secret", "--room"):
        ap.add_argument(k, required=True)
    ap.add_argument("--max-participants", type=int, default=0)
    ap.add_argument("--node-id", default="")
    a = ap.parse_args()
    asyncio.run(asyncio.wait_for(run(a), 20))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
