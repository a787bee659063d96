#!/usr/bin/env python3
"""Prints what each side of the demo saw (standard library only)."""
import glob
import math
import os
import re
import struct
import sys
import wave


def tone(path):
    """(seconds, dominant frequency by zero crossings, RMS) of a WAV file."""
    if not os.path.exists(path) or os.path.getsize(path) <= 44:
        return None
    with wave.open(path) as w:
        n, ch, rate = w.getnframes(), w.getnchannels(), w.getframerate()
        raw = w.readframes(n)
    samples = struct.unpack("<%dh" % (len(raw) // 2), raw)[::ch]
    if not samples:
        return None
    crossings = sum(1 for a, b in zip(samples, samples[1:]) if (a < 0) != (b < 0))
    secs = len(samples) / rate
    rms = math.sqrt(sum(s * s for s in samples) / len(samples)) / 32768
    return secs, crossings / 2 / secs, rms


def png_size(path):
    data = open(path, "rb").read(24)
    return struct.unpack(">II", data[16:24]) if data[:8] == b"\x89PNG\r\n\x1a\n" else None


def states(log_path):
    """The livekit-e2ee-state messages of a gst-launch -m log, in order."""
    found = []
    if not os.path.exists(log_path):
        return found
    for line in open(log_path, errors="replace"):
        m = re.search(r"livekit-e2ee-state, participant-identity=\(string\)([^,]*), "
                      r".*state=\(GstLiveKitEncryptionState\)([a-z-]+), direction=\(string\)(\w+)",
                      line)
        if m:
            found.append("%s %s: %s" % (m.group(3), m.group(1), m.group(2)))
    return found


def messages(log_path, name):
    if not os.path.exists(log_path):
        return []
    return [line.split("(element): ", 1)[1].strip() for line in open(log_path, errors="replace")
            if "(element): " + name in line]


def room_report(out):
    print("\n== sender")
    for m in messages(os.path.join(out, "sender.log"), "livekit-local-track-published"):
        print("  published " + m)
    for s in states(os.path.join(out, "sender.log")):
        print("  " + s)

    print("\n== receiver (right key)")
    for m in messages(os.path.join(out, "receiver.log"), "livekit-track-subscribed"):
        print("  subscribed " + m)
    for s in states(os.path.join(out, "receiver.log")):
        print("  " + s)
    got = tone(os.path.join(out, "received.wav"))
    frames = len(glob.glob(os.path.join(out, "video", "*.png")))
    if got:
        print("  audio: %.1f s, dominant frequency ~%.0f Hz, RMS %.3f -> %s"
              % (*got, os.path.join(out, "received.wav")))
    print("  video: %d decoded frames -> %s" % (frames, os.path.join(out, "video")))

    print("\n== intruder (wrong key; what anyone without the key, the server included, gets)")
    intruder_states = states(os.path.join(out, "intruder.log"))
    for s in intruder_states:
        print("  " + s)
    bad = tone(os.path.join(out, "intruder.wav"))
    bad_pngs = glob.glob(os.path.join(out, "intruder", "*.png"))
    # When the sender leaves, the SFU injects its blank frames (an 8x8 VP8
    # key frame, Opus silence) in the clear, marked with the room's SIF
    # trailer; every LiveKit client shows them. Nothing else may get through.
    blank = [p for p in bad_pngs if png_size(p) == (8, 8)]
    leaked_audio = bad is not None and bad[2] > 0.001
    print("  audio decoded: %s; video frames decoded: %d"
          % ("%.1f s of silence" % bad[0] if bad and not leaked_audio else
             ("%.1f s, RMS %.3f" % (bad[0], bad[2]) if bad else "none"), len(bad_pngs)))
    if blank:
        print("  (%d of them are the SFU's 8x8 blank frame, sent in the clear when the sender left)"
              % len(blank))

    ok = (got is not None and abs(got[1] - 440) < 25 and frames > 0 and not leaked_audio
          and len(blank) == len(bad_pngs)
          and any("decryption-failed" in s for s in intruder_states))
    print("\nresult: %s" % ("encrypted end to end: the receiver plays, the intruder gets none of the media"
                            if ok else "UNEXPECTED"))
    return 0 if ok else 1


def main(mode, out):
    if mode == "room":
        return room_report(out)
    return udp_report(out)


def udp_report(out):
    frames = sorted(glob.glob(os.path.join(out, "wire", "frame-*.bin")))
    data = [open(f, "rb").read() for f in frames]
    trailers = sum(1 for d in data if len(d) >= 30 and d[-2] == 0x0C)
    print("\n== on the wire (what the SFU would see)")
    print("frames received: %d; with LiveKit's E2EE trailer (IV | 0x0C | key index): %d"
          % (len(data), trailers))
    for d in data[5:8]:
        print("  %4d bytes: TOC %02x | ciphertext %s... | IV %s | %02x %02x"
              % (len(d), d[0], d[1:13].hex(), d[-14:-2].hex(), d[-2], d[-1]))
    wire = tone(os.path.join(out, "wire-decoded.wav"))
    if wire:
        print("decoding the wire bytes directly: %.1f s, ~%.0f Hz, RMS %.3f (noise, not the tone)"
              % wire)
    else:
        print("decoding the wire bytes directly: the decoder produced no audio")

    print("\n== receiver (after livekitdecrypt)")
    got = tone(os.path.join(out, "received.wav"))
    if not got:
        print("no audio received")
        return 1
    print("%s: %.1f s, dominant frequency ~%.0f Hz, RMS %.3f" % (
        os.path.join(out, "received.wav"), *got))
    ok = trailers == len(data) > 0 and abs(got[1] - 440) < 20
    print("\nresult: %s" % ("encrypted on the wire, 440 Hz after decryption"
                            if ok else "UNEXPECTED"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
