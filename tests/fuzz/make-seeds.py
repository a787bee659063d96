#!/usr/bin/env python3
"""Seeds for the signalling harnesses from recorded server frames.

  make-seeds.py FRAMES-DIR OUT-DIR

FRAMES-DIR holds c<conn>-<nnnn>-<kind>.bin files (signal-capture-proxy.py).
Writes
  OUT/fuzz_signal_frames/session-c<conn>   a connection's frames in order
  OUT/fuzz_signal_frames/<kind>            its JoinResponse, then the first
                                           frame of that kind
  OUT/fuzz_candidate/<n>                   trickle candidateInit JSON
  OUT/fuzz_data_packet/*                   DataPackets (the server relays
                                           them on the data channels, which
                                           the proxy does not see: these are
                                           built with LiveKit's own protocol
                                           package) and packets for the
                                           harness to seal and flip
in the harnesses' input formats (see fuzz_signal_frames.c: records of
[flags u8][length u16 BE][frame]; fuzz_data_packet.c: an op byte first).
"""
import os
import re
import struct
import sys

from livekit.protocol import models, rtc

MAX_SESSION = 48 * 1024


def record(frame: bytes, flags: int = 0) -> bytes:
    return struct.pack(">BH", flags, len(frame)) + frame


def main() -> None:
    frames_dir, out = sys.argv[1], sys.argv[2]
    sig = os.path.join(out, "fuzz_signal_frames")
    cand = os.path.join(out, "fuzz_candidate")
    os.makedirs(sig, exist_ok=True)
    os.makedirs(cand, exist_ok=True)
    conns: dict[str, list[tuple[str, bytes]]] = {}
    for name in sorted(os.listdir(frames_dir)):
        m = re.match(r"(c\d+)-(\d+)-(\w+)\.bin$", name)
        if not m:
            continue
        with open(os.path.join(frames_dir, name), "rb") as f:
            data = f.read()
        if len(data) > 0xFFFF:
            continue
        conns.setdefault(m.group(1), []).append((m.group(3), data))

    kinds_done = set()
    candidates = []
    for conn, frames in conns.items():
        blob = b""
        for _, data in frames:
            if len(blob) + len(data) + 3 > MAX_SESSION:
                break
            blob += record(data)
        with open(os.path.join(sig, "session-" + conn), "wb") as f:
            f.write(blob)
        if not frames or frames[0][0] != "join":
            continue
        join = frames[0][1]
        for kind, data in frames[1:]:
            if kind == "trickle":
                msg = rtc.SignalResponse()
                msg.ParseFromString(data)
                candidates.append(msg.trickle.candidateInit)
            if kind in kinds_done:
                continue
            kinds_done.add(kind)
            with open(os.path.join(sig, kind), "wb") as f:
                f.write(record(join) + record(data))
        if "join" not in kinds_done:
            kinds_done.add("join")
            with open(os.path.join(sig, "join"), "wb") as f:
                f.write(record(join))
    seen = set()
    for c in candidates:
        # One seed per candidate type (host/srflx/..., udp/tcp).
        m = re.search(r" (udp|tcp) .* typ (\w+)", c)
        key = m.groups() if m else c
        if key in seen:
            continue
        seen.add(key)
        with open(os.path.join(cand, "trickle-%d" % len(seen)), "wb") as f:
            f.write(c.encode())
    data_seeds(out)


def data_seeds(out: str) -> None:
    d = os.path.join(out, "fuzz_data_packet")
    os.makedirs(d, exist_ok=True)
    user = models.DataPacket(
        kind=models.DataPacket.RELIABLE, participant_identity="alice",
        destination_identities=["receiver"],
        user=models.UserPacket(payload=b"hello from alice", topic="chat"))
    lossy = models.DataPacket(
        kind=models.DataPacket.LOSSY,
        user=models.UserPacket(participant_identity="bob", payload=b"\x00\xff"))
    enc = models.DataPacket(
        kind=models.DataPacket.RELIABLE, participant_identity="alice",
        encrypted_packet=models.EncryptedPacket(
            encryption_type=models.Encryption.GCM, iv=bytes(range(12)),
            key_index=0, encrypted_value=bytes(range(48))))
    seeds = {
        "user-reliable": b"\x00" + user.SerializeToString(),
        "user-lossy-legacy-identity": b"\x00" + lossy.SerializeToString(),
        "encrypted-wrong-key": b"\x00" + enc.SerializeToString(),
        # op 1/2: [sender][topic length][topic][flip u16 BE][payload]
        "seal-alice": b"\x01\x01\x04chat\xff\xffhello",
        "seal-shared-flip": b"\x01\x00\x04chat\x00\x64hello",
        "seal-bob-tag-flip": b"\x02\x02\x00\x00\x05payload",
    }
    for name, data in seeds.items():
        with open(os.path.join(d, name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
