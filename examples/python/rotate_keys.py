#!/usr/bin/env python3
"""Drive the GstLiveKit keyring from Python (PyGObject) while media flows.

Two participants' keys live in one keyring shared with every element through
a GstContext. Alice's sender rotates to a new key index each second; the
receiver, told the frames come from "alice", decrypts with her key ring.

    GI_TYPELIB_PATH=build/gst/livekit GST_PLUGIN_PATH=build/plugins/livekit \
        python3 examples/python/rotate_keys.py [seconds]
"""
import sys

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstLiveKit", "1.0")
from gi.repository import GLib, Gst, GstLiveKit  # noqa: E402


def main(seconds: int) -> int:
    Gst.init(None)
    keyring = GstLiveKit.Keyring.new()
    keyring.set_key("alice", b"alice key 0", 0)

    pipeline = Gst.parse_launch(
        f"audiotestsrc is-live=true num-buffers={seconds * 47} ! opusenc ! "
        "livekitencrypt participant-identity=alice key-index=-1 ! "
        "livekitdecrypt participant-identity=alice name=dec ! opusdec ! "
        "fakesink name=sink")
    pipeline.set_context(GstLiveKit.context_new_keyring(keyring))

    decoded = 0

    def count(pad, info):
        nonlocal decoded
        decoded += 1
        return Gst.PadProbeReturn.OK

    pipeline.get_by_name("sink").get_static_pad("sink").add_probe(
        Gst.PadProbeType.BUFFER, count)

    rotations = 0

    def rotate():
        nonlocal rotations
        rotations += 1
        index = rotations % 16
        keyring.set_key("alice", f"alice key {rotations}".encode(), index)
        print(f"alice now sends with key index {index}")
        return True

    states = []
    loop = GLib.MainLoop()

    def on_message(bus, msg):
        if msg.type == Gst.MessageType.ELEMENT:
            s = msg.get_structure()
            if s.has_name("livekit-e2ee-state"):
                states.append(s.get_value("state"))
                print(f"{msg.src.get_name()}: {s.get_string('participant-identity')}"
                      f" {s.get_value('state').value_nick}")
        elif msg.type in (Gst.MessageType.EOS, Gst.MessageType.ERROR):
            loop.quit()

    bus = pipeline.get_bus()
    bus.add_signal_watch()
    bus.connect("message", on_message)
    # Removed when done: a source left on the default main context would keep
    # its closure, and with it the keyring, alive until the process exits.
    rotate_source = GLib.timeout_add_seconds(1, rotate)
    pipeline.set_state(Gst.State.PLAYING)
    loop.run()
    GLib.source_remove(rotate_source)
    stats = pipeline.get_by_name("dec").get_property("stats")
    pipeline.set_state(Gst.State.NULL)
    bus.remove_signal_watch()

    alice = stats.get_value("participants")[0]
    frames_in, frames_out = alice.get_value("frames-in"), alice.get_value("frames-out")
    print(f"decrypted {frames_out} of {frames_in} frames across {rotations} rotations;"
          f" the decoder produced {decoded} buffers")
    ok = frames_in > 0 and frames_out == frames_in and decoded > 0 and rotations > 0
    ok = ok and GstLiveKit.EncryptionState.DECRYPTION_FAILED not in states
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 4))
