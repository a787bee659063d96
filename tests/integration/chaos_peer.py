#!/usr/bin/python3
"""A room bin peer for the chaos scenario of tests/integration/run-roombin.sh:
a call through an impaired path (udp_impair.py), with key rotation, ratchets
and a server restart.

  chaos_peer.py --role send --url U --api-key K --api-secret S --room R
      --identity ID --key-base TEXT --keys DIR [--rotate-every 1]
      [--ratchet-every 3] [--hz 660] --duration S --report FILE
  chaos_peer.py --role receive ... --expect-from ID --keys DIR --marks DIR
      [--restart-allowance 8] --duration S --report FILE

Keys: key n is "<key-base> #n" at index n % key-ring-size. The sender starts
with key 0 and every --rotate-every s announces key n+1 in DIR/next (the
test's out-of-band key distribution, as an application's would be), sets it
half a period later and switches its key-index to it; every --ratchet-every
s it ratchets its current key (the receivers follow by their auto-ratchet).
The receiver installs every announced key (polled every 50 ms, on its main
thread: no KDF on a streaming thread).

The runner writes MARKS/impaired when the relay starts impairing (after the
call is up: see run-roombin.sh); frames and audio slots count while it
impairs: not from MARKS/killed (the relay forwards clean during the restart
and the rejoin) to MARKS/impaired-again.

The receiver links each src pad of the bin to a decoder (opusdec / vp8dec)
and checks at the decoders' inputs that every buffer has a GstLiveKitFrameMeta
whose outcome is decrypted or passthrough (no frame that failed
authentication reaches a decoder). It counts the frames each livekitdecrypt
in the bin received (the depayloaders hand over whole frames only) and
decrypted: the share decrypted must be >= --min-share (0.99). Audio is
analysed in 100 ms slots of its timestamps: the tone (--hz) must be in >= 90 % of
the slots outside the restart window [kill, restarted + --restart-allowance]
(times from the runner's MARKS/killed and MARKS/impaired-again). It writes
MARKS/ready once decrypted media flows and MARKS/back once it flows again
after MARKS/restarted, and stops --after-restart s after MARKS/impaired-again.
"""
from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
import time
from array import array

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstLiveKit", "1.0")
from gi.repository import GLib, Gst, GstLiveKit  # noqa: E402

from tone import goertzel_power, rms  # noqa: E402

Gst.init(None)
RATE = 8000
SLOT = 0.1


def key_text(base: str, n: int) -> bytes:
    return f"{base} #{n}".encode()


def read_time(path: str) -> float | None:
    try:
        with open(path) as f:
            return float(f.read().strip())
    except (OSError, ValueError):
        return None


def slot_has_tone(x, hz: float) -> bool:
    if len(x) < RATE * SLOT * 0.5 or rms(x) < 300:
        return False
    mean = sum(x) / len(x)
    blk = [v - mean for v in x]
    e = sum(v * v for v in blk)
    return e > 0 and 2 * goertzel_power(blk, RATE, hz) / (len(blk) * e) >= 0.5


class Peer:
    def __init__(self, a):
        self.a = a
        self.loop = GLib.MainLoop()
        self.pipeline = Gst.Pipeline()
        self.room = Gst.ElementFactory.make("livekitroombin", "room")
        for prop, v in (("url", a.url), ("api-key", a.api_key), ("api-secret", a.api_secret),
                        ("room", a.room), ("identity", a.identity),
                        ("shared-key", key_text(a.key_base, 0).decode()),
                        ("ratchet-window-size", a.ratchet_window)):
            self.room.set_property(prop, v)
        self.pipeline.add(self.room)
        self.errors: list[str] = []
        self.lock = threading.Lock()
        self.t0 = time.time()
        self.rejoins = 0
        self.events: list[str] = []   # bus warnings, joins and rejoins, with times
        bus = self.pipeline.get_bus()
        bus.add_signal_watch()
        bus.connect("message", self.on_message)

    def make(self, factory: str, **props) -> Gst.Element:
        e = Gst.ElementFactory.make(factory)
        if e is None:
            raise RuntimeError(f"GStreamer element {factory} not found")
        for k, v in props.items():
            if isinstance(v, str):
                Gst.util_set_object_arg(e, k.replace("_", "-"), v)
            else:
                e.set_property(k.replace("_", "-"), v)
        self.pipeline.add(e)
        return e

    def link(self, *elems) -> None:
        for x, y in zip(elems, elems[1:]):
            if not x.link(y):
                raise RuntimeError(f"cannot link {x.get_name()} -> {y.get_name()}")

    def keyring(self):
        return self.room.get_property("keyring")

    def on_message(self, bus, msg) -> None:
        if msg.type == Gst.MessageType.ERROR:
            err, _ = msg.parse_error()
            self.errors.append(f"bus error: {err.message}")
            self.loop.quit()
        elif msg.type == Gst.MessageType.WARNING:
            err, _ = msg.parse_warning()
            self.event(f"warning: {err.message}")
        elif msg.type == Gst.MessageType.ELEMENT:
            s = msg.get_structure()
            name = s.get_name() if s else ""
            if name == "livekit-reconnecting":
                self.rejoins += 1
            if name in ("livekit-connected", "livekit-reconnecting", "livekit-disconnected",
                        "livekit-track-subscribed"):
                self.event(name)

    def event(self, what: str) -> None:
        if len(self.events) < 100:
            self.events.append(f"{time.time() - self.t0:.2f} {what}"[:200])

    def run(self) -> None:
        if self.pipeline.set_state(Gst.State.PLAYING) == Gst.StateChangeReturn.FAILURE:
            self.errors.append("could not go to PLAYING")
            return
        GLib.timeout_add(int(self.a.duration * 1000), self.loop.quit)
        GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signal.SIGTERM, self.stop)
        self.loop.run()
        self.pipeline.set_state(Gst.State.NULL)

    def stop(self) -> bool:
        self.loop.quit()
        return GLib.SOURCE_REMOVE


class Sender(Peer):
    def __init__(self, a):
        super().__init__(a)
        src = self.make("audiotestsrc", is_live=True, freq=float(a.hz), wave="sine", volume=0.5)
        caps = self.make("capsfilter", caps=Gst.Caps.from_string("audio/x-raw,rate=48000,channels=1"))
        enc = self.make("opusenc", bitrate=64000, frame_size="20")
        self.link(src, self.make("audioconvert"), self.make("audioresample"), caps, enc)
        enc.get_static_pad("src").link(self.room.request_pad_simple("audio_%u"))
        vsrc = self.make("videotestsrc", is_live=True, pattern="ball")
        vcaps = self.make("capsfilter", caps=Gst.Caps.from_string(
            "video/x-raw,width=320,height=240,framerate=15/1"))
        venc = self.make("vp8enc", deadline=1, cpu_used=8, keyframe_max_dist=30,
                         lag_in_frames=0, target_bitrate=400000)
        self.link(vsrc, vcaps, self.make("videoconvert"), venc)
        venc.get_static_pad("src").link(self.room.request_pad_simple("video_%u"))
        self.n = 0
        self.rotations = self.ratchets = 0
        self.ring = self.room.get_property("key-ring-size")
        self.announce(0)

    def announce(self, n: int) -> None:
        tmp = os.path.join(self.a.keys, "next.tmp")
        with open(tmp, "w") as f:
            f.write(str(n))
        os.replace(tmp, os.path.join(self.a.keys, "next"))

    def run(self) -> None:
        period = int(self.a.rotate_every * 1000)
        # announce key n+1, then half a period later use it
        GLib.timeout_add(period, self.on_announce)
        GLib.timeout_add(int(self.a.ratchet_every * 1000), self.on_ratchet)
        super().run()

    def on_announce(self) -> bool:
        self.announce(self.n + 1)
        GLib.timeout_add(int(self.a.rotate_every * 500), self.on_rotate)
        return GLib.SOURCE_CONTINUE

    def on_rotate(self) -> bool:
        n = self.n + 1
        idx = n % self.ring
        try:
            self.keyring().set_shared_key(key_text(self.a.key_base, n), idx)
        except GLib.Error as e:
            self.errors.append(f"set_shared_key {idx}: {e.message}")
            return GLib.SOURCE_REMOVE
        self.room.set_property("key-index", idx)
        self.n = n
        self.rotations += 1
        return GLib.SOURCE_REMOVE

    def on_ratchet(self) -> bool:
        try:
            self.keyring().ratchet_shared_key(self.n % self.ring)
            self.ratchets += 1
        except GLib.Error as e:
            self.errors.append(f"ratchet: {e.message}")
        return GLib.SOURCE_CONTINUE

    def report(self) -> dict:
        return {"role": "send", "rotations": self.rotations, "ratchets": self.ratchets,
                "last_key": self.n, "rejoins": self.rejoins, "events": self.events}


class Receiver(Peer):
    def __init__(self, a):
        super().__init__(a)
        self.installed = 0           # highest key number installed
        self.ring = self.room.get_property("key-ring-size")
        self.decoder_in = {"audio": 0, "video": 0}
        self.bad_at_decoder = 0      # buffers without a decrypted/passthrough outcome
        self.bad_examples: list[str] = []
        self.decrypt_in: dict[str, int] = {}     # livekitdecrypt name -> frames in
        self.decrypt_out: dict[str, int] = {}    # -> decrypted frames out
        self.probed: set[str] = set()
        self.audio: list[tuple[float, array]] = []   # (content time, samples)
        self.first_audio = None
        self.to_wall = None          # running time (ns) -> wall clock (s)
        self.impaired_at = None      # counting starts when the relay impairs
        self.counting = False
        self.last_audio = None
        self.back_written = False
        self.ready_written = False
        self.room.connect("pad-added", self.on_pad)

    # ---- keys
    def poll_keys(self) -> bool:
        try:
            with open(os.path.join(self.a.keys, "next")) as f:
                want = int(f.read().strip())
        except (OSError, ValueError):
            return GLib.SOURCE_CONTINUE
        while self.installed < want:
            n = self.installed + 1
            try:
                self.keyring().set_shared_key(key_text(self.a.key_base, n), n % self.ring)
            except GLib.Error as e:
                self.errors.append(f"set_shared_key: {e.message}")
                break
            self.installed = n
        return GLib.SOURCE_CONTINUE

    # ---- decryptors inside the bin
    def scan_decryptors(self) -> bool:
        it = self.room.iterate_recurse()
        while True:
            res, e = it.next()
            if res == Gst.IteratorResult.RESYNC:
                it.resync()
                continue
            if res != Gst.IteratorResult.OK:
                break
            f = e.get_factory()
            name = e.get_name()
            if f and f.get_name() == "livekitdecrypt" and name not in self.probed:
                self.probed.add(name)
                self.decrypt_in[name] = self.decrypt_out[name] = 0
                e.get_static_pad("sink").add_probe(Gst.PadProbeType.BUFFER, self.on_dec_in, name)
                e.get_static_pad("src").add_probe(Gst.PadProbeType.BUFFER, self.on_dec_out, name)
        return GLib.SOURCE_CONTINUE

    def on_dec_in(self, pad, info, name):
        if not self.counting:
            return Gst.PadProbeReturn.OK
        with self.lock:
            self.decrypt_in[name] += 1
        return Gst.PadProbeReturn.OK

    def on_dec_out(self, pad, info, name):
        meta = GstLiveKit.frame_meta_get(info.get_buffer())
        if self.counting and meta and meta.outcome == GstLiveKit.FrameOutcome.DECRYPTED:
            with self.lock:
                self.decrypt_out[name] += 1
        return Gst.PadProbeReturn.OK

    # ---- decoders
    def on_pad(self, room, pad) -> None:
        if pad.get_direction() != Gst.PadDirection.SRC:
            return
        name = pad.get_name()
        if "microphone" in name or name.startswith("audio"):
            kind = "audio"
            dec = self.make("opusdec", plc=True)
            sink = self.make("appsink", emit_signals=True, sync=False, caps=Gst.Caps.from_string(
                f"audio/x-raw,format=S16LE,rate={RATE},channels=1"))
            sink.connect("new-sample", self.on_sample)
            chain = [self.make("queue"), dec, self.make("audioconvert"),
                     self.make("audioresample"), sink]
        else:
            kind = "video"
            dec = self.make("vp8dec", max_errors=-1)
            chain = [self.make("queue"), dec, self.make("fakesink", sync=False)]
        self.link(*chain)
        dec.get_static_pad("sink").add_probe(Gst.PadProbeType.BUFFER, self.on_decoder_in, kind)
        for e in chain:
            e.sync_state_with_parent()
        pad.link(chain[0].get_static_pad("sink"))
        self.scan_decryptors()

    def on_decoder_in(self, pad, info, kind):
        meta = GstLiveKit.frame_meta_get(info.get_buffer())
        ok = meta is not None and meta.outcome in (GstLiveKit.FrameOutcome.DECRYPTED,
                                                   GstLiveKit.FrameOutcome.PASSTHROUGH)
        with self.lock:
            self.decoder_in[kind] += 1
            if not ok:
                self.bad_at_decoder += 1
                if len(self.bad_examples) < 5:
                    self.bad_examples.append(
                        f"{kind}: outcome {meta.outcome.value_nick if meta else 'no meta'}")
        return Gst.PadProbeReturn.OK

    def on_sample(self, sink):
        s = sink.emit("pull-sample")
        buf = s.get_buffer()
        if self.to_wall is None:
            clock = self.pipeline.get_clock()
            base = self.pipeline.get_base_time()
            off = time.time() - clock.get_time() / 1e9
            self.to_wall = lambda rt: (base + rt) / 1e9 + off
        ok, m = buf.map(Gst.MapFlags.READ)
        if ok and buf.pts != Gst.CLOCK_TIME_NONE:
            x = array("h", bytes(m.data))
            buf.unmap(m)
            # Slots by the audio's own timestamps (running time, as wall
            # clock): the jitterbuffer hands audio over in bursts after each
            # loss it waited for, so arrival times say little.
            t = self.to_wall(buf.pts)
            with self.lock:
                self.audio.append((t, x))
                self.last_audio = time.time()
                if self.first_audio is None:
                    self.first_audio = self.last_audio
        elif ok:
            buf.unmap(m)
        return Gst.FlowReturn.OK

    def tick(self) -> bool:
        now = time.time()
        if not self.ready_written and self.first_audio and now - self.first_audio > 1:
            with open(os.path.join(self.a.marks, "ready.tmp"), "w") as f:
                f.write(str(now))
            os.replace(os.path.join(self.a.marks, "ready.tmp"),
                       os.path.join(self.a.marks, "ready"))
            self.ready_written = True
        marks = self.a.marks
        if self.impaired_at is None:
            self.impaired_at = read_time(os.path.join(marks, "impaired"))
        killed = read_time(os.path.join(marks, "killed"))
        restarted = read_time(os.path.join(marks, "restarted"))
        again = read_time(os.path.join(marks, "impaired-again"))
        self.counting = self.impaired_at is not None and (killed is None or again is not None)
        # decrypted audio of the new session: the runner impairs again
        if restarted and not self.back_written and self.last_audio and \
                self.last_audio > restarted + 1:
            with open(os.path.join(marks, "back.tmp"), "w") as f:
                f.write(str(now))
            os.replace(os.path.join(marks, "back.tmp"), os.path.join(marks, "back"))
            self.back_written = True
        if again and now > again + self.a.after_restart:
            self.loop.quit()
        return GLib.SOURCE_CONTINUE

    def run(self) -> None:
        GLib.timeout_add(50, self.poll_keys)
        GLib.timeout_add(500, self.scan_decryptors)
        GLib.timeout_add(100, self.tick)
        self.t_start = time.time()
        super().run()
        self.t_end = time.time()

    def report(self) -> dict:
        a = self.a
        killed = read_time(os.path.join(a.marks, "killed"))
        restarted = read_time(os.path.join(a.marks, "restarted"))
        again = read_time(os.path.join(a.marks, "impaired-again"))
        rep = {"role": "receive", "keys_installed": self.installed, "rejoins": self.rejoins,
               "decoder_inputs": self.decoder_in, "bad_at_decoder": self.bad_at_decoder,
               "bad_examples": self.bad_examples, "events": self.events}
        fin = sum(self.decrypt_in.values())
        fout = sum(self.decrypt_out.values())
        share = fout / fin if fin else 0.0
        rep.update({"decryptor_frames_in": fin, "decrypted": fout,
                    "decrypted_share": round(share, 4), "decryptors": len(self.probed)})
        print(f"chaos: decrypted share {share:.4f} ({fout} of {fin} whole frames)")
        if self.bad_at_decoder:
            self.errors.append(f"{self.bad_at_decoder} buffers reached a decoder without a "
                               f"decrypted/passthrough outcome: {self.bad_examples}")
        if fin < 500:
            self.errors.append(f"only {fin} frames reached the decryptors")
        elif share < a.min_share:
            self.errors.append(f"decrypted share {share:.4f} < {a.min_share}")
        # audio slots by arrival time
        if self.first_audio is None or self.impaired_at is None or not self.audio:
            self.errors.append("no audio" if self.first_audio is None else
                               "the relay never impaired the call")
            return rep
        start = self.impaired_at + 0.5
        end = max(t for t, _ in self.audio) - 0.5
        lo = killed if killed else None
        hi = again + a.restart_allowance if again else None
        slots: dict[int, array] = {}
        for t, x in self.audio:
            slots.setdefault(int((t - start) // SLOT), array("h")).extend(x)
        timeline = []                # one character per second: slots with the tone
        counted = present = 0
        after = after_present = 0
        recovered_at = None
        for i in range(int((end - start) // SLOT)):
            ts = start + i * SLOT
            tone = slot_has_tone(slots.get(i, array("h")), a.hz)
            if i % 10 == 0:
                timeline.append(0)
            timeline[-1] += tone
            if restarted and ts >= restarted and tone and recovered_at is None:
                recovered_at = ts
            if lo is not None and hi is not None and lo - SLOT < ts < hi:
                continue
            counted += 1
            present += tone
            if hi is not None and ts >= hi:
                after += 1
                after_present += tone
        tone_share = present / counted if counted else 0.0
        rep.update({"slots": counted, "slots_with_tone": present,
                    "tone_share": round(tone_share, 4),
                    "slots_after_restart": after, "tone_share_after_restart":
                        round(after_present / after, 4) if after else None,
                    "tone_timeline": "".join(str(min(9, n)) for n in timeline),
                    "audio_start_s": round(self.first_audio - self.t_start, 1),
                    "impaired_from_s": round(self.impaired_at - self.t_start, 1),
                    "restart_window_s": [round(lo - self.t_start, 1) if lo else None,
                                         round(hi - self.t_start, 1) if hi else None],
                    "media_back_after_restart_s":
                        round(recovered_at - restarted, 2) if recovered_at else None})
        print(f"chaos: tone in {present} of {counted} slots ({tone_share:.4f}) outside the "
              f"restart window; after it {after_present} of {after}")
        if counted < 100:
            self.errors.append(f"only {counted} audio slots outside the restart window")
        elif tone_share < 0.9:
            self.errors.append(f"tone in {tone_share:.3f} of the slots, want >= 0.9")
        if not killed or not restarted:
            self.errors.append("the server was not restarted during the call")
        elif after < 50 or after_present / after < 0.9:
            self.errors.append(f"tone after the restart window in {after_present} of {after} slots")
        return rep


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--role", choices=["send", "receive"], required=True)
    for o in ("url", "api-key", "api-secret", "room", "identity", "key-base", "keys", "report"):
        ap.add_argument("--" + o, required=True)
    ap.add_argument("--marks")
    ap.add_argument("--expect-from")
    ap.add_argument("--hz", type=float, default=660)
    ap.add_argument("--rotate-every", type=float, default=1.0)
    ap.add_argument("--ratchet-every", type=float, default=3.0)
    ap.add_argument("--ratchet-window", type=int, default=2)
    ap.add_argument("--min-share", type=float, default=0.99)
    ap.add_argument("--restart-allowance", type=float, default=8.0)
    ap.add_argument("--after-restart", type=float, default=15.0)
    ap.add_argument("--duration", type=float, required=True)
    a = ap.parse_args()
    if a.role == "receive" and not a.marks:
        ap.error("--marks is needed to receive")
    peer = Sender(a) if a.role == "send" else Receiver(a)
    t0 = time.time()
    peer.run()
    rep = peer.report()
    rep["took_s"] = round(time.time() - t0, 1)
    rep["errors"] = peer.errors + rep.get("errors", [])
    rep["ok"] = not rep["errors"]
    with open(a.report, "w") as f:
        json.dump(rep, f, indent=1)
    return 0 if rep["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
