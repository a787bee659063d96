#!/usr/bin/env python3
"""End-to-end encryption at runtime with livekitroombin, from Python (PyGObject).

The steps of the LiveKit Python SDK's E2EE example, in GStreamer:

  1. connect with E2EE: a 32-byte shared key, ratchet window 16, failure
     tolerance -1 (never give up on a sender)       KeyProviderOptions
  2. print every e2ee-state-changed and participant-encryption-status-changed
                                                    room events
  3. ratchet the shared key; say so, never show the key
                                                    KeyProvider.ratchet_shared_key
  4. list the frame cryptors                        E2EEManager.frame_cryptors()
  5. rotate the key periodically: the new key first, then the send index
                                                    set_shared_key + set_key_index
  6. disconnect cleanly

It publishes a tone and subscribes to everyone. Run two of them (or this and
examples/c/room-e2ee) in one room with the same key file:

    head -c 32 /dev/urandom > key.bin
    GI_TYPELIB_PATH=build/gst/livekit GST_PLUGIN_PATH=build/plugins/livekit \\
      python3 examples/python/room_e2ee.py --url ws://127.0.0.1:7880 \\
        --api-key devkey --api-secret secret --room demo --identity alice \\
        --key-file key.bin --ratchet

Every peer derives key n of the rotation from the shared key (SHA-256 of the
key and n) at the same wall-clock moments, so they agree without talking; a
real application distributes its keys itself. With --expect-peer ID it exits
non-zero unless ID's media decrypted with at least two key indexes, its
cryptor was listed in state ok, and it was connected and disconnected cleanly
(examples/meson.build runs it that way against a local server).
"""
import argparse
import hashlib
import os
import sys
import time

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstLiveKit", "1.0")
from gi.repository import GLib, Gst, GstLiveKit  # noqa: E402

RING = 16


def rotation_key(shared: bytes, n: int) -> bytes:
    return hashlib.sha256(shared + n.to_bytes(4, "big")).digest()


def rotation_index(n: int) -> int:
    return 1 + n % (RING - 1)        # index 0 keeps the key we joined with


class App:
    def __init__(self, a):
        self.a = a
        self.shared = open(a.key_file, "rb").read()
        self.loop = GLib.MainLoop()
        self.connected = self.disconnected = False
        self.peer_indexes = set()       # key indexes the peer's frames decrypted with
        self.peer_listed_ok = False
        self.rotation = None            # the rotation period number last installed
        self.errors = []
        self.sources = []               # our GLib sources, removed at the end

    # 1. connect with E2EE
    def build(self):
        a = self.a
        self.pipeline = Gst.Pipeline.new("room-e2ee")
        room = self.room = Gst.ElementFactory.make("livekitroombin", "room")
        for prop, value in (("url", a.url), ("api-key", a.api_key),
                            ("api-secret", a.api_secret), ("room", a.room),
                            ("identity", a.identity)):
            room.set_property(prop, value)
        room.set_property("ratchet-window-size", 16)
        room.set_property("failure-tolerance", -1)
        # As LiveKit's native SDKs: the sender stays on its key index until
        # told otherwise (set-cryptor-key-index), whatever keys are set.
        room.set_property("key-index", 0)
        self.keyring = GstLiveKit.Keyring.new()
        room.set_property("keyring", self.keyring)
        self.keyring.set_shared_key(self.shared, 0)
        self.keyring.connect("key-ratcheted", self.on_key_ratcheted)

        src = Gst.parse_bin_from_description(
            "audiotestsrc is-live=true freq=523 ! audioconvert ! audioresample ! "
            "opusenc", True)
        self.pipeline.add(src)
        self.pipeline.add(room)
        src.get_static_pad("src").link(room.request_pad_simple("audio_%u"))

        room.connect("pad-added", self.on_pad_added)
        # 2. the room's E2EE events
        room.connect("e2ee-state-changed", self.on_e2ee_state)
        room.connect("participant-encryption-status-changed", self.on_encryption_status)
        room.connect("connected", lambda _r, s: self.on_connected(s))
        bus = self.pipeline.get_bus()
        bus.add_signal_watch()
        bus.connect("message", self.on_message)

    def on_connected(self, s):
        self.connected = True
        print(f"connected to room {s.get_string('room')} as {s.get_string('identity')}")

    # 2. print every state change and encryption status change
    def on_e2ee_state(self, room, identity, state):
        print(f"e2ee state changed: {identity}: {state.value_nick}")

    def on_encryption_status(self, room, s):
        print(f"participant encryption status changed: {s.get_string('identity')}: "
              f"{'encrypted' if s.get_value('encrypted') else 'not encrypted'}")

    def on_key_ratcheted(self, keyring, identity, index):
        print(f"key ratcheted: {identity or 'shared key'} at index {index}")

    # media of the others: count the key index of every decrypted frame
    def on_pad_added(self, room, pad):
        sink = Gst.ElementFactory.make("fakesink")
        sink.set_property("async", False)
        self.pipeline.add(sink)
        sink.sync_state_with_parent()
        pad.link(sink.get_static_pad("sink"))
        identity = pad.get_property("identity")
        print(f"subscribed: {identity}'s {pad.get_property('source')} on pad {pad.get_name()}")

        def frame(_pad, info):
            meta = GstLiveKit.frame_meta_get(info.get_buffer())
            if meta is not None and meta.key_index >= 0 and identity == self.a.expect_peer:
                self.peer_indexes.add(meta.key_index)
            return Gst.PadProbeReturn.OK
        pad.add_probe(Gst.PadProbeType.BUFFER, frame)

    # 3. ratchet the shared key: the new material is returned, and not shown
    def ratchet(self):
        index = self.room.get_property("key-index")
        new_key = self.keyring.ratchet_shared_key(index)
        print(f"ratcheted the shared key at index {index} "
              f"({new_key.get_size()} bytes of new key material, not shown)")
        return GLib.SOURCE_REMOVE

    # 4. list the frame cryptors
    def list_cryptors(self):
        for c in self.room.get_property("frame-cryptors"):
            state = c.get_value("state")
            print(f"frame cryptor: {c.get_string('participant-identity')} "
                  f"{c.get_string('direction')} {c.get_string('kind')} track "
                  f"{c.get_string('track-sid')} key index {c.get_value('key-index')} "
                  f"{'enabled' if c.get_value('enabled') else 'disabled'} "
                  f"{state.value_nick}")
            if (c.get_string("participant-identity") == self.a.expect_peer
                    and c.get_string("direction") == "decrypt"
                    and state == GstLiveKit.EncryptionState.OK):
                self.peer_listed_ok = True
        return GLib.SOURCE_CONTINUE

    # 5. rotate: at the start of each period the next key goes into the ring
    # (everyone can decrypt it then), at its middle our sender moves to it
    def rotate(self):
        period = self.a.rotate_every
        now = time.time()
        n = int(now // period)
        if self.rotation != n:
            self.rotation = n
            self.keyring.set_shared_key(rotation_key(self.shared, n), rotation_index(n))
            print(f"installed rotation key {n} at index {rotation_index(n)}")
        index = rotation_index(n)
        if now % period >= period / 2 and self.room.get_property("key-index") != index:
            self.room.emit("set-cryptor-key-index", self.a.identity, index)
            print(f"now sending with key index {index}")
        return GLib.SOURCE_CONTINUE

    def on_message(self, bus, msg):
        if msg.type == Gst.MessageType.ERROR:
            err, dbg = msg.parse_error()
            self.errors.append(err.message)
            print(f"error: {err.message}", file=sys.stderr)
            self.loop.quit()
        elif msg.type == Gst.MessageType.WARNING:
            w, _ = msg.parse_warning()
            print(f"warning: {w.message}", file=sys.stderr)

    def start_rotating(self):
        self.rotate()
        self.sources.append(GLib.timeout_add(250, self.rotate))
        return GLib.SOURCE_REMOVE

    def remove_sources(self):
        # Left on the default main context, a source would keep its closure
        # (self, and with it the pipeline and the keyring) alive until the
        # process exits.
        context = GLib.MainContext.default()
        for source_id in self.sources:
            if context.find_source_by_id(source_id):
                GLib.source_remove(source_id)
        self.sources.clear()

    def run(self):
        a = self.a
        self.build()
        if self.pipeline.set_state(Gst.State.PLAYING) == Gst.StateChangeReturn.FAILURE:
            print("could not start", file=sys.stderr)
            return 1
        if a.ratchet:
            self.sources.append(GLib.timeout_add_seconds(3, self.ratchet))
        self.sources.append(GLib.timeout_add_seconds(6, self.start_rotating))
        self.sources.append(GLib.timeout_add_seconds(2, self.list_cryptors))
        self.sources.append(GLib.timeout_add_seconds(a.seconds, self.loop.quit))
        self.loop.run()
        self.remove_sources()
        self.list_cryptors()
        # 6. disconnect: leaving NULL closes the session (LeaveRequest) and
        # both peer connections
        self.pipeline.set_state(Gst.State.NULL)
        self.disconnected = self.pipeline.get_state(5 * Gst.SECOND)[1] == Gst.State.NULL
        self.pipeline.get_bus().remove_signal_watch()
        print("disconnected" if self.disconnected else "did not stop within 5 s")
        if not a.expect_peer:
            return 0 if self.disconnected and not self.errors else 1
        print(f"{a.expect_peer}'s frames came with key indexes {sorted(self.peer_indexes)}")
        ok = (self.connected and self.disconnected and not self.errors
              and len(self.peer_indexes) >= 2 and self.peer_listed_ok)
        return 0 if ok else 1


def main():
    env = os.environ.get
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--url", default=env("LIVEKIT_URL"))
    ap.add_argument("--api-key", default=env("LIVEKIT_API_KEY"))
    ap.add_argument("--api-secret", default=env("LIVEKIT_API_SECRET"))
    ap.add_argument("--room", default="room-e2ee")
    ap.add_argument("--identity", default="python")
    ap.add_argument("--key-file", required=True, help="the 32-byte shared key")
    ap.add_argument("--ratchet", action="store_true", help="ratchet the shared key once")
    ap.add_argument("--rotate-every", type=float, default=4.0, help="seconds")
    ap.add_argument("--seconds", type=int, default=20)
    ap.add_argument("--expect-peer", metavar="ID")
    a = ap.parse_args()
    if len(open(a.key_file, "rb").read()) != 32:
        ap.error("--key-file must hold 32 bytes")
    Gst.init(None)
    return App(a).run()


if __name__ == "__main__":
    sys.exit(main())
