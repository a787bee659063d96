#!/usr/bin/env python3
"""A recording WebSocket proxy between LiveKit clients and a livekit-server,
for the fuzz seed corpus (tests/fuzz/capture-seeds.sh runs it).

  signal-capture-proxy.py --listen 127.0.0.1:7990 --upstream http://127.0.0.1:7880 \
      --out DIR

Every request is passed on unchanged (the /rtc WebSocket and the
/rtc/validate HTTP fallback). Each frame the server sends on a WebSocket is
written to DIR/<connection>-<nnnn>-<kind>.bin (kind from LiveKit's own
protocol package, livekit-protocol), in arrival order. Runs until killed.
Loopback only: --listen and --upstream must be 127.x addresses.
"""
import argparse
import asyncio
import ipaddress
import itertools
import os
import sys
from urllib.parse import urlsplit

import aiohttp
from aiohttp import web
from livekit.protocol import rtc

counter = itertools.count(1)


def kind_of(data: bytes) -> str:
    msg = rtc.SignalResponse()
    try:
        msg.ParseFromString(data)
    except Exception:
        return "undecodable"
    return msg.WhichOneof("message") or "empty"


def loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


async def relay(request: web.Request) -> web.StreamResponse:
    app = request.app
    url = app["upstream"] + request.path_qs
    hop = {"host", "connection", "upgrade", "sec-websocket-key",
           "sec-websocket-version", "sec-websocket-extensions",
           "content-length", "transfer-encoding"}
    headers = {k: v for k, v in request.headers.items() if k.lower() not in hop}
    session: aiohttp.ClientSession = app["session"]

    if request.headers.get("upgrade", "").lower() != "websocket":
        async with session.request(request.method, url, headers=headers,
                                   data=await request.read()) as up:
            body = await up.read()
            return web.Response(status=up.status, body=body,
                                content_type=up.content_type)

    try:
        upstream = await session.ws_connect(url, headers=headers,
                                            max_msg_size=64 << 20)
    except aiohttp.WSServerHandshakeError as e:
        return web.Response(status=e.status, text=e.message or "")
    client = web.WebSocketResponse(max_msg_size=64 << 20)
    await client.prepare(request)
    conn = next(counter)
    seq = itertools.count(1)

    async def server_to_client():
        async for msg in upstream:
            if msg.type == aiohttp.WSMsgType.BINARY:
                name = f"c{conn:02d}-{next(seq):04d}-{kind_of(msg.data)}.bin"
                with open(os.path.join(app["out"], name), "wb") as f:
                    f.write(msg.data)
                await client.send_bytes(msg.data)
            elif msg.type == aiohttp.WSMsgType.TEXT:
                await client.send_str(msg.data)
            else:
                break
        await client.close()

    async def client_to_server():
        async for msg in client:
            if msg.type == aiohttp.WSMsgType.BINARY:
                await upstream.send_bytes(msg.data)
            elif msg.type == aiohttp.WSMsgType.TEXT:
                await upstream.send_str(msg.data)
            else:
                break
        await upstream.close()

    tasks = [asyncio.ensure_future(server_to_client()),
             asyncio.ensure_future(client_to_server())]
    await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    for t in tasks:
        t.cancel()
    await upstream.close()
    await client.close()
    return client


async def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--listen", required=True)
    p.add_argument("--upstream", required=True)
    p.add_argument("--out", required=True)
    a = p.parse_args()
    host, port = a.listen.rsplit(":", 1)
    if not loopback(host) or not loopback(urlsplit(a.upstream).hostname or ""):
        sys.exit("signal-capture-proxy: loopback addresses only")
    os.makedirs(a.out, exist_ok=True)
    app = web.Application()
    app["upstream"] = a.upstream.rstrip("/")
    app["out"] = a.out
    app["session"] = aiohttp.ClientSession()
    app.router.add_route("*", "/{tail:.*}", relay)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, host, int(port)).start()
    print(f"signal-capture-proxy: {a.listen} -> {a.upstream}, frames in {a.out}",
          flush=True)
    await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(main())
