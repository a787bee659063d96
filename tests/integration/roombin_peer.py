#!/usr/bin/python3
"""GStreamer peer for the livekitroombin integration tests.

Runs with the system python3 (PyGObject + GStreamer 1.22; no numpy). Builds

  livekitroombin name=room (properties from the command line)
  audiotestsrc is-live=true freq=HZ ! ... ! opusenc ! room.audio_0          (--publish-audio HZ)
  videotestsrc is-live=true pattern=ball ! ... ! vp8enc|x264enc|... ! room.video_N
                                                                            (--publish-video CODEC)

and links every src pad the bin adds (audio_<identity>_<tracksid> /
video_<identity>_<tracksid>, decrypted encoded media) to a decoder chosen by
caps (opusdec, vp8dec, vp9dec, h264parse ! avdec_h264, h265parse ! avdec_h265;
decodebin when the caps are not fixed yet) and an appsink that measures: audio
RMS, zero-crossing and Goertzel tone detection (pure Python), video frames,
frames with non-constant content, frames that change. Bus element messages
livekit-e2ee-state (participant-identity, state) and every other livekit-*
message (livekit-connected, livekit-participant-joined,
livekit-track-subscribed ...) are recorded. Writes a JSON report and exits 0
when every --expect-* holds, 1 otherwise, 2 on usage errors.

Expectations (per expected remote publisher: --expect-from, default every
identity that has a src pad, at least one) are the same as peer.py's:
  --expect-audio-hz [ID=]HZ   tone in the last --window s (repeatable; ID= for one publisher)
  --expect-no-audio-hz HZ     no such tone
  --expect-no-audio           no non-silent audio buffer (before --set-key-after applied)
  --expect-video              >= --min-frames decoded frames with content, some changing
  --expect-no-video           no decoded frame with content (before --set-key-after
                              applied); decoded frames in total are reported
  --expect-state ok|failed|failed-then-ok   on livekit-e2ee-state nicks
  --expect-encryption gcm|none  from livekit-track-subscribed's encryption field

Timed actions and per-phase expectations (phases.py: --at S ACTION,
--expect-phase N:ID:WHAT, --epoch, --settle; the key index of every frame the
bin hands out is read from its GstLiveKitFrameMeta). ACTION here:
  prop:NAME=VALUE             set a property of the bin (e2ee-enabled=false,
                              key-index=1)
  cryptor-enabled:ID=BOOL     emit set-cryptor-enabled (ID, BOOL)
  cryptor-key-index:ID=N      emit set-cryptor-key-index (ID, N)
  shared-key:N=TEXT           the keyring's set_shared_key (TEXT, N)
  snapshot                    nothing (a phase boundary)
The bin's frame-cryptors property is recorded every second;
  --expect-cryptor N:K=V,K=V  in phase N some frame cryptor has all these
                              fields (participant-identity, direction,
                              key-index, enabled, state, kind; V * = any
                              value, >N = a number above N)
  --expect-warning TEXT       a bus warning containing TEXT
  --expect-message NAME:K=V,...  a livekit-* element message with these fields

--dry-run replaces livekitroombin by a loopback stand-in written here
(lkfakeroombin): every published stream goes through livekitencrypt (key
--dry-run-remote-key, identity --dry-run-remote-identity) and livekitdecrypt
(the bin's keyring) and comes back as a src pad, with the same bus messages.
No network. It tests this script and the crypto elements, not the room bin.

Environment: GST_PLUGIN_PATH=build/plugins/livekit,
GI_TYPELIB_PATH=build/gst/livekit, LD_LIBRARY_PATH=build/gst/livekit; when
unset they are derived from --build (default: <repo>/build) and the script
re-executes itself once.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import signal
import sys
import threading
import time
from array import array

import phases
from peer_common import kv, state_errors
from tone import audio_metrics, has_tone, rms

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def _ensure_env(argv: list[str]) -> None:
    """Point GStreamer/GI at the build tree and re-exec once if needed."""
    build = os.path.join(TOP, "build")
    for i, a in enumerate(argv):
        if a == "--build" and i + 1 < len(argv):
            build = os.path.abspath(argv[i + 1])
        elif a.startswith("--build="):
            build = os.path.abspath(a.split("=", 1)[1])
    want = {
        "GST_PLUGIN_PATH": os.path.join(build, "plugins", "livekit"),
        "GI_TYPELIB_PATH": os.path.join(build, "gst", "livekit"),
        "LD_LIBRARY_PATH": os.path.join(build, "gst", "livekit"),
    }
    changed = False
    for k, v in want.items():
        cur = os.environ.get(k, "")
        if v not in cur.split(":"):
            os.environ[k] = v + (":" + cur if cur else "")
            changed = True
    if changed and not os.environ.get("ROOMBIN_PEER_REEXEC"):
        os.environ["ROOMBIN_PEER_REEXEC"] = "1"
        os.execv(sys.executable, [sys.executable, os.path.abspath(__file__), *argv])


if __name__ == "__main__":
    _ensure_env(sys.argv[1:])

import gi  # noqa: E402

gi.require_version("Gst", "1.0")
gi.require_version("GstVideo", "1.0")
gi.require_version("GstApp", "1.0")
from gi.repository import GLib, GObject, Gst, GstApp, GstVideo  # noqa: E402,F401

Gst.init(None)

try:
    gi.require_version("GstLiveKit", "1.0")
    from gi.repository import GstLiveKit  # noqa: E402
except (ValueError, ImportError):
    GstLiveKit = None

ANALYSIS_RATE = 8000          # audio is resampled to this for the pure-Python analysis
# GstLiveKitEncryptionState values (same order as LiveKit's EncryptionState)
STATE_NICKS = ["new", "ok", "encryption-failed", "decryption-failed", "missing-key",
               "key-ratcheted", "internal-error"]
FAIL_STATES = {"decryption-failed", "missing-key", "internal-error", "encryption-failed"}
ROOM_PROPS = [  # CLI dest, bin property
    ("url", "url"), ("api_key", "api-key"), ("api_secret", "api-secret"), ("room", "room"),
    ("identity", "identity"), ("token", "token"), ("key", "shared-key"),
    ("key_file", "shared-key-file"), ("key_derivation", "key-derivation"),
    ("ratchet_window_size", "ratchet-window-size"), ("failure_tolerance", "failure-tolerance"),
    ("encryption", "encryption"), ("auto_subscribe", "auto-subscribe"),
]
# GstObject already has "name" (the element's name). The participant's display
# name: the bin's own "name" property if it overrides GstObject's, else the
# first of these it has.
DISPLAY_NAME_PROPS = ["participant-name", "display-name"]


def now_s(t0: float) -> float:
    return round(time.monotonic() - t0, 3)


# ---------------------------------------------------------------- per-track state

class AudioStats:
    def __init__(self, keep_s: float):
        self.keep = int(keep_s * ANALYSIS_RATE)
        self.buf = array("h")
        self.total = 0
        self.buffers = 0
        self.loud = 0
        self.loud_before_key = 0
        self.first_at = None
        self.first_loud_at = None
        self.first_tone_at = None
        self.since_check = 0
        self.last_at = None
        self.max_gap = 0.0          # longest wall-clock gap between buffers


class VideoStats:
    def __init__(self):
        self.frames = 0
        self.content = 0
        self.changing = 0
        self.frames_before_key = 0
        self.content_before_key = 0
        self.first_at = None
        self.first_content_at = None
        self.last_at = None
        self.max_gap = 0.0          # longest wall-clock gap between frames
        self.size = None
        self.prev = None


class Track:
    def __init__(self, pad_name: str, kind: str, identity: str, sid: str, at: float):
        self.pad = pad_name
        self.kind = kind
        self.identity = identity
        self.sid = sid
        self.added_at = at
        self.caps = None
        self.decoder = None
        self.encryption = None      # from livekit-track-subscribed
        self.audio = AudioStats(6.0) if kind == "audio" else None
        self.video = VideoStats() if kind == "video" else None
        # counts when the bin rejoined (its pads carry on across it)
        self.at_rejoin = None
        self.media_after_rejoin = None  # first loud audio / frame with content
        # (time, audio buffers, video content frames) when another track took
        # this pad over (livekit-track-subscribed with new-pad false)
        self.resubscribed = []


def describe_pad(pad) -> tuple[str, str, str]:
    """(kind, identity, track sid) of a src pad of the bin: from the pad's
    own properties (livekitroombin's pads are named <identity>_<source>),
    else from a name audio_<identity>_<tracksid> (the dry-run stand-in, and
    the bin's pad-naming=track-sid)."""
    if pad.find_property("identity") is not None:
        return (pad.get_property("kind"), pad.get_property("identity") or "unknown",
                pad.get_property("track-sid") or "")
    return parse_pad_name(pad.get_name())


def parse_pad_name(name: str) -> tuple[str, str, str]:
    """audio_<identity>_<tracksid> -> (kind, identity, sid); sids start with TR_."""
    kind, _, rest = name.partition("_")
    i = rest.rfind("_TR_")
    if i >= 0:
        return kind, rest[:i], rest[i + 1:]
    ident, _, sid = rest.rpartition("_")
    return kind, ident or rest, sid


def value_to_json(v):
    if v is None or isinstance(v, (bool, int, float, str)):
        return v
    nick = getattr(v, "value_nick", None)
    if nick is not None:
        return nick
    if isinstance(v, (bytes, bytearray)):
        return v.hex()
    return str(v)


def state_nick(v) -> str:
    nick = getattr(v, "value_nick", None)
    if nick:
        return nick
    if isinstance(v, int) and 0 <= int(v) < len(STATE_NICKS):
        return STATE_NICKS[int(v)]
    return str(v).replace("_", "-").lower()


def structure_fields(s: Gst.Structure) -> dict:
    out = {}
    for i in range(s.n_fields()):
        k = s.nth_field_name(i)
        try:
            v = s.get_value(k)
            out[k] = state_nick(v) if k == "state" else value_to_json(v)
        except TypeError:   # a type PyGObject cannot convert: keep the serialisation
            out[k] = None
    if any(v is None for v in out.values()):
        out["_serialized"] = s.to_string()
    return out


# ---------------------------------------------------------------- the dry-run stand-in

class FakeRoomBin(Gst.Bin):
    """Loopback stand-in for livekitroombin (--dry-run): request pads
    audio_%u/video_%u -> livekitencrypt (remote key) -> livekitdecrypt (the
    bin's keyring) -> sometimes pad audio_<remote>_TR_fakeN."""

    __gstmetadata__ = ("Fake LiveKit room bin", "Generic/Bin",
                       "Loopback stand-in for livekitroombin (tests only)", "tests")
    _enc_caps = Gst.Caps.from_string(
        "video/x-vp8; video/x-vp9; video/x-h264, stream-format=byte-stream, alignment=au; "
        "video/x-h265, stream-format=byte-stream, alignment=au")
    __gsttemplates__ = (
        Gst.PadTemplate.new("audio_%u", Gst.PadDirection.SINK, Gst.PadPresence.REQUEST,
                            Gst.Caps.from_string("audio/x-opus")),
        Gst.PadTemplate.new("video_%u", Gst.PadDirection.SINK, Gst.PadPresence.REQUEST,
                            _enc_caps),
        Gst.PadTemplate.new("audio_%s", Gst.PadDirection.SRC, Gst.PadPresence.SOMETIMES,
                            Gst.Caps.from_string("audio/x-opus")),
        Gst.PadTemplate.new("video_%s", Gst.PadDirection.SRC, Gst.PadPresence.SOMETIMES,
                            _enc_caps),
    )
    __gproperties__ = {
        **{p: (str, p, p, None, GObject.ParamFlags.READWRITE)
           for p in ("url", "api-key", "api-secret", "room", "identity", "participant-name",
                     "token", "shared-key", "shared-key-file", "key-derivation",
                     "remote-key", "remote-identity")},
        "encryption": (str, "encryption", "none|gcm", "gcm", GObject.ParamFlags.READWRITE),
        "ratchet-window-size": (int, "rws", "rws", 0, 256, 16, GObject.ParamFlags.READWRITE),
        "failure-tolerance": (int, "ft", "ft", -1, 1 << 30, -1, GObject.ParamFlags.READWRITE),
        "auto-subscribe": (bool, "auto-subscribe", "auto-subscribe", True,
                           GObject.ParamFlags.READWRITE),
        "keyring": (GObject.Object, "keyring", "GstLiveKitKeyring", GObject.ParamFlags.READWRITE),
    }

    def __init__(self):
        super().__init__()
        self._props = {"encryption": "gcm", "ratchet-window-size": 16, "failure-tolerance": -1,
                       "auto-subscribe": True, "remote-identity": "fake-remote"}
        self._props["keyring"] = GstLiveKit.Keyring.new()
        self._remote_keyring = GstLiveKit.Keyring.new()
        self._n = {"audio": 0, "video": 0}
        self._joined = False
        self._lock = threading.Lock()

    def do_get_property(self, prop):
        return self._props.get(prop.name)

    def do_set_property(self, prop, value):
        self._props[prop.name] = value

    def _msg(self, name: str, **fields) -> None:
        s = Gst.Structure.new_empty(name)
        for k, v in fields.items():
            s.set_value(k, v)
        self.post_message(Gst.Message.new_element(self, s))

    def do_change_state(self, transition):
        if transition == Gst.StateChange.NULL_TO_READY:
            kr = self._props["keyring"]
            if self._props.get("shared-key"):
                kr.set_shared_key(self._props["shared-key"].encode(), 0)
            if self._props.get("shared-key-file"):
                with open(self._props["shared-key-file"], "rb") as f:
                    kr.set_shared_key(f.read().rstrip(b"\n"), 0)
        ret = Gst.Bin.do_change_state(self, transition)
        if transition == Gst.StateChange.READY_TO_PAUSED:
            self._msg("livekit-connected", room=self._props.get("room") or "",
                      identity=self._props.get("identity") or "")
        return ret

    def do_request_new_pad(self, templ, name, caps):
        kind = templ.name_template.split("_")[0]
        with self._lock:
            idx = self._n[kind]
            self._n[kind] += 1
        gcm = self._props["encryption"] != "none"
        rid = self._props["remote-identity"]
        rkey = self._props.get("remote-key") or self._props.get("shared-key") or ""
        if gcm:
            self._remote_keyring.set_key(rid, rkey.encode(), 0)
        q = Gst.ElementFactory.make("queue")
        enc = Gst.ElementFactory.make("livekitencrypt")
        dec = Gst.ElementFactory.make("livekitdecrypt")
        enc.set_property("keyring", self._remote_keyring)
        enc.set_property("participant-identity", rid)
        enc.set_property("enabled", gcm)
        dec.set_property("keyring", self._props["keyring"])
        dec.set_property("participant-identity", rid)
        dec.set_property("enabled", gcm)
        dec.set_property("failure-tolerance", self._props["failure-tolerance"])
        dec.set_property("ratchet-window-size", self._props["ratchet-window-size"])
        if self._props.get("key-derivation"):
            Gst.util_set_object_arg(dec, "key-derivation", self._props["key-derivation"])
        # livekitencrypt/livekitdecrypt post livekit-e2ee-state element
        # messages themselves (direction=encrypt|decrypt); they reach the bus.
        for e in (q, enc, dec):
            self.add(e)
        q.link(enc)
        enc.link(dec)
        for e in (q, enc, dec):
            e.sync_state_with_parent()
        pad_name = name or f"{kind}_{idx}"
        gp = Gst.GhostPad.new_from_template(pad_name, q.get_static_pad("sink"), templ)
        gp.set_active(True)
        self.add_pad(gp)
        src_name = f"{kind}_{rid}_TR_fake{kind[0].upper()}{idx}"
        dec.get_static_pad("sink").add_probe(
            Gst.PadProbeType.BUFFER, self._expose, (dec, src_name, kind, rid, gcm))
        return gp

    def _expose(self, pad, info, data):
        dec, src_name, kind, rid, gcm = data
        if not self._joined:
            self._joined = True
            self._msg("livekit-participant-joined", identity=rid)
        gp = Gst.GhostPad.new_from_template(src_name, dec.get_static_pad("src"),
                                            self.get_pad_template(f"{kind}_%s"))
        gp.set_active(True)
        self._msg("livekit-track-subscribed", identity=rid, **{
            "track-sid": src_name.split("_", 2)[2], "kind": kind,
            "encryption": "gcm" if gcm else "none"})
        self.add_pad(gp)
        return Gst.PadProbeReturn.REMOVE


def make_fake() -> Gst.Element:
    if GstLiveKit is None:
        raise RuntimeError("--dry-run needs the GstLiveKit typelib (GI_TYPELIB_PATH)")
    if Gst.ElementFactory.find("livekitencrypt") is None:
        raise RuntimeError("--dry-run needs livekitencrypt/livekitdecrypt (GST_PLUGIN_PATH)")
    # Instantiated directly (not through a registered factory: PyGObject would
    # warn that the element is not floating).
    return FakeRoomBin()


# ---------------------------------------------------------------- the peer

class RoomBinPeer:
    def __init__(self, args: argparse.Namespace):
        self.a = args
        self.t0 = time.monotonic()
        self.wall0 = time.time()     # the same instant on the wall clock
        self.disconnects = []        # livekit-disconnected times
        self.reconnect_attempts = []  # livekit-reconnecting times
        self.lock = threading.RLock()
        self.loop = GLib.MainLoop()
        self.tracks: dict[str, Track] = {}
        self.states: dict[str, list[tuple[float, str]]] = {}
        self.local_states: dict[str, list[tuple[float, str]]] = {}
        self.messages: list[dict] = []
        self.joined: dict[str, float] = {}
        self.left: dict[str, float] = {}
        self.subscribed_info: dict[str, dict] = {}    # track sid -> message fields
        self.errors: list[str] = []
        self.warnings: list[str] = []
        self.timings: dict[str, float] = {}
        self.stop_reason = ""
        self.key_changed_at = None
        self.not_playing: list = []   # [from, to, state] spans out of PLAYING
        self.not_playing_since = None
        self.not_playing_what = None
        self.published: list[dict] = []
        self.teardown = "pending"
        self.pipeline = None
        self.room = None
        self.phases = phases.Phases(args)
        self.cryptors: dict[int, list[dict]] = {}   # phase -> last frame-cryptors
        self.cryptors_at = 0.0

    def now(self) -> float:
        return now_s(self.t0)

    # -- build
    def make(self, factory: str, **props) -> Gst.Element:
        e = Gst.ElementFactory.make(factory)
        if e is None:
            raise RuntimeError(f"GStreamer element {factory} not found")
        for k, v in props.items():
            if isinstance(v, str):
                Gst.util_set_object_arg(e, k.replace("_", "-"), v)
            else:
                e.set_property(k.replace("_", "-"), v)
        return e

    def chain(self, *elems: Gst.Element) -> None:
        for e in elems:
            self.pipeline.add(e)
        for x, y in zip(elems, elems[1:]):
            if not x.link(y):
                raise RuntimeError(f"cannot link {x.get_name()} -> {y.get_name()}")

    def set_room_prop(self, prop: str, value, required: bool = True) -> None:
        if self.room.find_property(prop) is None:
            fac = self.room.get_factory()
            msg = f"{fac.get_name() if fac else 'the room bin'} has no property {prop!r}"
            if required:
                raise RuntimeError(msg)
            self.warnings.append(msg)
            return
        if isinstance(value, bool):
            self.room.set_property(prop, value)
        else:
            Gst.util_set_object_arg(self.room, prop, str(value))

    def build(self) -> None:
        a = self.a
        self.pipeline = Gst.Pipeline.new("roombin-peer")
        if a.dry_run:
            self.room = make_fake()
            self.room.set_name("room")
        else:
            # No name through the factory: an element that overrides GstObject's
            # "name" property would take it as something else and stay nameless.
            self.room = Gst.ElementFactory.make(a.element, None)
            if self.room is not None:
                npspec = self.room.find_property("name")
                if npspec is not None and npspec.owner_type != Gst.Object.__gtype__:
                    self.warnings.append(
                        f"{a.element} overrides GstObject's 'name' property (owner "
                        f"{GObject.type_name(npspec.owner_type)}): 'name=' in gst-launch "
                        "does not name the element; set_name() used")
                self.room.set_name("room")
        if self.room is None:
            raise RuntimeError(f"element {a.element} not found (GST_PLUGIN_PATH="
                               f"{os.environ.get('GST_PLUGIN_PATH')})")
        self.pipeline.add(self.room)
        for dest, prop in ROOM_PROPS:
            v = getattr(a, dest)
            if v is not None:
                self.set_room_prop(prop, v)
        npspec = self.room.find_property("name")
        if a.name and npspec is not None and npspec.owner_type != Gst.Object.__gtype__:
            self.room.set_property("name", a.name)      # the bin's own display-name property
        elif a.name:
            for p in DISPLAY_NAME_PROPS:
                if self.room.find_property(p) is not None:
                    self.set_room_prop(p, a.name)
                    break
            else:
                self.warnings.append(f"no display-name property ({DISPLAY_NAME_PROPS}); "
                                     "--name ignored")
        for kv in a.prop:
            k, _, v = kv.partition("=")
            self.set_room_prop(k, v)
        if a.dry_run:
            self.room.set_property("remote-identity", a.dry_run_remote_identity)
            if a.dry_run_remote_key is not None:
                self.room.set_property("remote-key", a.dry_run_remote_key)
        if a.key_for:
            kr = self.keyring(create=True)
            for ident, text in a.key_for:
                kr.set_key(ident, text.encode(), 0)
        self.room.connect("pad-added", self.on_pad_added)
        if a.publish_audio is not None:
            self.add_audio_publisher(a.publish_audio)
        for codec in a.publish_video:
            self.add_video_publisher(codec)
        bus = self.pipeline.get_bus()
        bus.add_signal_watch()
        bus.connect("message", self.on_message)

    def keyring(self, create: bool = False):
        kr = self.room.get_property("keyring") if self.room.find_property("keyring") else None
        if kr is None and create:
            if GstLiveKit is None:
                raise RuntimeError("GstLiveKit typelib not found (GI_TYPELIB_PATH)")
            if self.room.find_property("keyring") is None:
                raise RuntimeError("the room bin has no keyring property")
            kr = GstLiveKit.Keyring.new()
            self.room.set_property("keyring", kr)
        return kr

    def request(self, template: str) -> Gst.Pad:
        pad = self.room.request_pad_simple(template)
        if pad is None and self.room.get_state(0)[1] == Gst.State.NULL:
            # gst-launch ("... ! room.audio_0") requests pads in NULL: flag a bin
            # that refuses them there, then retry the way such a bin wants.
            self.warnings.append(f"room bin refused request pad {template} in NULL; "
                                 "retried in READY (gst-launch '! room.audio_0' would fail)")
            if self.room.set_state(Gst.State.READY) == Gst.StateChangeReturn.FAILURE:
                raise RuntimeError("room bin failed to go to READY")
            pad = self.room.request_pad_simple(template)
        if pad is None:
            raise RuntimeError(f"room bin refused request pad {template}")
        return pad

    def add_audio_publisher(self, hz: float) -> None:
        src = self.make("audiotestsrc", is_live=True, freq=float(hz), wave="sine", volume=0.5)
        caps = self.make("capsfilter",
                         caps=Gst.Caps.from_string("audio/x-raw,rate=48000,channels=1"))
        enc = self.make("opusenc", bitrate=64000, frame_size="20")
        elems = [src, self.make("audioconvert"), self.make("audioresample"), caps, enc]
        self.chain(*elems)
        pad = self.request("audio_%u")
        if enc.get_static_pad("src").link(pad) != Gst.PadLinkReturn.OK:
            raise RuntimeError(f"cannot link opusenc to {pad.get_name()}")
        self.published.append({"kind": "audio", "pad": pad.get_name(), "hz": hz})

    def add_video_publisher(self, codec: str) -> None:
        src = self.make("videotestsrc", is_live=True, pattern="ball")
        # I420: without it vp9enc takes Y444_12LE and sends profile 3, which
        # browsers do not decode (VP9 senders send profile 0)
        raw = self.make("capsfilter", caps=Gst.Caps.from_string(
            "video/x-raw,format=I420,width=320,height=240,framerate=15/1"))
        elems = [src, raw, self.make("videoconvert")]
        if codec == "vp8":
            elems += [self.make("vp8enc", deadline=1, cpu_used=8, keyframe_max_dist=30,
                                lag_in_frames=0, target_bitrate=400000)]
        elif codec == "vp9":
            elems += [self.make("vp9enc", deadline=1, cpu_used=8, keyframe_max_dist=30,
                                lag_in_frames=0, target_bitrate=400000, row_mt=True)]
        elif codec == "h264":
            elems += [self.make("x264enc", tune="zerolatency", speed_preset="ultrafast",
                                key_int_max=30, bitrate=500),
                      self.make("capsfilter", caps=Gst.Caps.from_string(
                          "video/x-h264,profile=constrained-baseline")),
                      self.make("h264parse", config_interval=-1),
                      self.make("capsfilter", caps=Gst.Caps.from_string(
                          "video/x-h264,stream-format=byte-stream,alignment=au"))]
        elif codec == "h265":
            elems += [self.make("x265enc", tune="zerolatency", speed_preset="ultrafast",
                                key_int_max=30, bitrate=500),
                      self.make("h265parse", config_interval=-1),
                      self.make("capsfilter", caps=Gst.Caps.from_string(
                          "video/x-h265,stream-format=byte-stream,alignment=au"))]
        self.chain(*elems)
        pad = self.request("video_%u")
        if elems[-1].get_static_pad("src").link(pad) != Gst.PadLinkReturn.OK:
            raise RuntimeError(f"cannot link {codec} encoder to {pad.get_name()}")
        self.published.append({"kind": "video", "pad": pad.get_name(), "codec": codec})

    # -- incoming pads
    def on_pad_added(self, element, pad) -> None:
        if pad.get_direction() != Gst.PadDirection.SRC:
            return
        name = pad.get_name()
        kind, ident, sid = describe_pad(pad)
        tr = Track(name, kind, ident, sid, self.now())
        caps = pad.get_current_caps()
        if caps is None:
            c = pad.query_caps(None)
            caps = c if c is not None and c.is_fixed() else None
        tr.caps = caps.to_string() if caps is not None else None
        with self.lock:
            self.tracks[name] = tr
            self.joined.setdefault(ident, tr.added_at)
            info = self.subscribed_info.get(sid)
            if info:
                tr.encryption = info.get("encryption")
        try:
            self.link_track(pad, tr, caps)
        except Exception as e:  # report, do not crash the streaming thread
            self.errors.append(f"pad {name}: {e}")
            print(f"roombin_peer: pad {name}: {e}", file=sys.stderr)
            return
        print(f"roombin_peer: pad-added {name} caps={tr.caps} decoder={tr.decoder}",
              file=sys.stderr)

    def decoders_for(self, caps: Gst.Caps | None) -> list[Gst.Element]:
        n = caps.get_structure(0).get_name() if caps is not None else None
        if n == "audio/x-opus":
            return [self.make("opusdec")]
        if n == "video/x-vp8":
            return [self.make("vp8dec")]
        if n == "video/x-vp9":
            return [self.make("vp9dec")]
        if n == "video/x-h264":
            return [self.make("h264parse"), self.make("avdec_h264")]
        if n == "video/x-h265":
            return [self.make("h265parse"), self.make("avdec_h265")]
        return []

    def link_track(self, pad: Gst.Pad, tr: Track, caps: Gst.Caps | None) -> None:
        """pad ! queue ! <decoder by caps> ! convert ! appsink. When the caps
        are not fixed at pad-added, the decoder is chosen on the CAPS event
        (in a probe on the queue's src pad, before the event goes on)."""
        q = self.make("queue", max_size_time=2 * Gst.SECOND, max_size_buffers=0,
                      max_size_bytes=0)
        self.pipeline.add(q)
        q.sync_state_with_parent()
        if caps is not None:
            self.link_decoder(q, tr, caps)
        else:
            def on_caps(qpad, info):
                ev = info.get_event()
                if ev.type != Gst.EventType.CAPS:
                    return Gst.PadProbeReturn.OK
                try:
                    c = ev.parse_caps()
                    tr.caps = c.to_string()
                    self.link_decoder(q, tr, c)
                    print(f"roombin_peer: {tr.pad}: caps {tr.caps} -> {tr.decoder}",
                          file=sys.stderr)
                except Exception as e:
                    self.errors.append(f"pad {tr.pad}: {e}")
                return Gst.PadProbeReturn.REMOVE
            q.get_static_pad("src").add_probe(Gst.PadProbeType.EVENT_DOWNSTREAM, on_caps)
            tr.decoder = "(waiting for caps)"
        if GstLiveKit is not None:
            pad.add_probe(Gst.PadProbeType.BUFFER, self.on_frame, tr)
        r = pad.link(q.get_static_pad("sink"))
        if r != Gst.PadLinkReturn.OK:
            raise RuntimeError(f"link failed: {r.value_nick}")

    def on_frame(self, pad, info, tr: Track):
        """The key index each frame was decrypted with (-1: not decrypted)."""
        meta = GstLiveKit.frame_meta_get(info.get_buffer())
        with self.lock:
            self.phases.key_index(tr.identity, meta.key_index if meta else None)
        return Gst.PadProbeReturn.OK

    def link_decoder(self, q: Gst.Element, tr: Track, caps: Gst.Caps) -> None:
        decs = self.decoders_for(caps)
        # --default-sinks: appsink's own defaults (sync, async): a branch that
        # never prerolls stalls the whole pipeline unless the bin prevents it
        sink = (self.make("appsink", emit_signals=True, max_buffers=0, drop=False)
                if self.a.default_sinks else
                self.make("appsink", emit_signals=True, sync=False, max_buffers=0, drop=False))
        if tr.kind == "audio":
            tail = [self.make("audioconvert"), self.make("audioresample"),
                    self.make("capsfilter", caps=Gst.Caps.from_string(
                        f"audio/x-raw,format=S16LE,channels=1,rate={ANALYSIS_RATE}"))]
            sink.connect("new-sample", self.on_audio, tr)
        else:
            tail = [self.make("videoconvert"), self.make("capsfilter",
                    caps=Gst.Caps.from_string("video/x-raw,format=I420"))]
            sink.connect("new-sample", self.on_video, tr)
        if decs:
            tr.decoder = "!".join(d.get_factory().get_name() for d in decs)
            elems = [*decs, *tail, sink]
            self.chain(*elems)
        else:
            # a codec this script has no explicit decoder for: decodebin
            tr.decoder = "decodebin"
            db = self.make("decodebin")
            elems = [db, *tail, sink]
            self.chain(*tail, sink)
            self.pipeline.add(db)
            first = tail[0]
            db.connect("pad-added", lambda _db, p: p.link(first.get_static_pad("sink")))
        for e in reversed(elems):
            e.sync_state_with_parent()
        if not q.link(elems[0]):
            raise RuntimeError(f"cannot link queue -> {elems[0].get_name()}")

    # -- appsink callbacks (streaming threads)
    def on_audio(self, sink, tr: Track):
        sample = sink.emit("pull-sample")
        if sample is None:
            return Gst.FlowReturn.EOS
        buf = sample.get_buffer()
        data = buf.extract_dup(0, buf.get_size())
        x = array("h")
        x.frombytes(data[: len(data) // 2 * 2])
        if sys.byteorder != "little":
            x.byteswap()
        t = self.now()
        st = tr.audio
        loud = rms(x) >= self.a.min_rms
        with self.lock:
            st.buffers += 1
            st.total += len(x)
            st.since_check += len(x)
            if st.last_at is not None:
                st.max_gap = max(st.max_gap, t - st.last_at)
            st.last_at = t
            if st.first_at is None:
                st.first_at = t
            if loud:
                if tr.at_rejoin is not None and tr.media_after_rejoin is None:
                    tr.media_after_rejoin = t
                st.loud += 1
                if st.first_loud_at is None:
                    st.first_loud_at = t
                if self.key_changed_at is None:
                    st.loud_before_key += 1
            st.buf.extend(x)
            self.phases.audio(tr.identity, x, ANALYSIS_RATE, loud)
            if len(st.buf) > st.keep + ANALYSIS_RATE:
                del st.buf[: len(st.buf) - st.keep]
        return Gst.FlowReturn.OK

    def on_video(self, sink, tr: Track):
        sample = sink.emit("pull-sample")
        if sample is None:
            return Gst.FlowReturn.EOS
        t = self.now()
        info = GstVideo.VideoInfo.new_from_caps(sample.get_caps())
        w, h, stride = info.width, info.height, info.stride[0]
        buf = sample.get_buffer()
        data = buf.extract_dup(0, min(buf.get_size(), stride * h))
        sy, sx = max(1, h // 30), max(1, w // 40)
        px = []
        for r in range(0, h, sy):
            px.extend(data[r * stride: r * stride + w: sx])
        mean = sum(px) / len(px) if px else 0
        std = math.sqrt(sum((p - mean) ** 2 for p in px) / len(px)) if px else 0
        st = tr.video
        with self.lock:
            st.frames += 1
            st.size = [w, h]
            if st.last_at is not None:
                st.max_gap = max(st.max_gap, t - st.last_at)
            st.last_at = t
            if st.first_at is None:
                st.first_at = t
            if self.key_changed_at is None:
                st.frames_before_key += 1
            self.phases.video(tr.identity, std > 3.0)
            if std > 3.0:
                if tr.at_rejoin is not None and tr.media_after_rejoin is None:
                    tr.media_after_rejoin = t
                st.content += 1
                if st.first_content_at is None:
                    st.first_content_at = t
                if self.key_changed_at is None:
                    st.content_before_key += 1
            if st.prev is not None and len(st.prev) == len(px) and \
                    sum(abs(p - q) for p, q in zip(px, st.prev)) / len(px) > 0.5:
                st.changing += 1
            st.prev = px
        return Gst.FlowReturn.OK

    # -- bus
    def on_message(self, bus, msg) -> None:
        t = msg.type
        if t == Gst.MessageType.ELEMENT:
            s = msg.get_structure()
            if s is None or not s.get_name().startswith("livekit"):
                return
            name = s.get_name()
            fields = structure_fields(s)
            now = self.now()
            with self.lock:
                if len(self.messages) < 500:
                    self.messages.append({"t": now, "name": name, "fields": fields})
                if name == "livekit-e2ee-state":
                    ident = fields.get("participant-identity") or "?"
                    nick = str(fields.get("state"))
                    # our own encryptor's states (direction=encrypt) are kept apart
                    if fields.get("direction") == "encrypt":
                        self.local_states.setdefault(ident, []).append((now, nick))
                    else:
                        self.states.setdefault(ident, []).append((now, nick))
                    print(f"roombin_peer: e2ee state {ident} -> {nick}"
                          + (" (encrypt)" if fields.get("direction") == "encrypt" else ""),
                          file=sys.stderr)
                elif name == "livekit-connected":
                    self.timings.setdefault("connected", now)
                    if "reconnecting" in self.timings:
                        self.timings["rejoined"] = now
                        for tr in self.tracks.values():
                            tr.at_rejoin = (tr.audio.buffers if tr.audio else 0,
                                            tr.video.content if tr.video else 0)
                            tr.media_after_rejoin = None
                elif name == "livekit-reconnecting":
                    self.timings.setdefault("reconnecting", now)
                    self.reconnect_attempts.append(now)
                elif name == "livekit-disconnected":
                    self.disconnects.append(now)
                elif name == "livekit-participant-joined":
                    self.joined.setdefault(fields.get("identity") or "?", now)
                elif name in ("livekit-participant-left", "livekit-participant-disconnected"):
                    self.left[fields.get("identity") or "?"] = now
                elif name == "livekit-track-subscribed":
                    sid = fields.get("track-sid")
                    self.subscribed_info[sid] = fields
                    for tr in self.tracks.values():
                        if tr.sid == sid or tr.pad == fields.get("pad"):
                            tr.encryption = fields.get("encryption")
                        # a new track continues on a pad that exists already
                        if tr.pad == fields.get("pad") and fields.get("new-pad") is False:
                            tr.resubscribed.append((now, tr.audio.buffers if tr.audio else 0,
                                                    tr.video.content if tr.video else 0))
        elif t == Gst.MessageType.ERROR:
            err, dbg = msg.parse_error()
            src = msg.src.get_path_string() if msg.src else "?"
            self.errors.append(f"ERROR from {src}: {err.message} ({dbg})")
            print(f"roombin_peer: ERROR from {src}: {err.message}\n  {dbg}", file=sys.stderr)
            self.stop("pipeline error")
        elif t == Gst.MessageType.WARNING:
            w, dbg = msg.parse_warning()
            src = msg.src.get_path_string() if msg.src else "?"
            if len(self.warnings) < 50:
                self.warnings.append(f"WARNING from {src}: {w.message}"
                                     + (f" ({dbg})" if dbg else ""))
        elif t == Gst.MessageType.EOS:
            self.stop("EOS")

    # -- run control
    def stop(self, reason: str) -> None:
        if not self.stop_reason:
            self.stop_reason = reason
        self.loop.quit()

    def watch_state(self) -> None:
        """--expect-playing: once PLAYING, the pipeline must stay there. A
        sink added for a new pad makes a running pipeline lose its state
        until that sink prerolls (GStreamer's async state changes): a short
        span is that; one branch that never prerolls keeps it for good."""
        _, cur, pending = self.pipeline.get_state(0)
        playing = cur == Gst.State.PLAYING and pending == Gst.State.VOID_PENDING
        now = self.now()
        if playing:
            self.timings.setdefault("playing", now)
            if self.not_playing_since is not None:
                self.not_playing.append([self.not_playing_since, now, self.not_playing_what])
                self.not_playing_since = None
        elif "playing" in self.timings and self.not_playing_since is None:
            self.not_playing_since = now
            self.not_playing_what = f"{cur.value_nick} (pending {pending.value_nick})"

    def frame_cryptors(self) -> list[dict]:
        if self.room.find_property("frame-cryptors") is None:
            return []
        return [structure_fields(c) for c in self.room.get_property("frame-cryptors")]

    def do_action(self, action: str):
        verb, _, arg = action.partition(":")
        if verb == "prop":
            k, _, v = arg.partition("=")
            self.set_room_prop(k, v)
            return str(self.room.get_property(k))
        if verb == "cryptor-enabled":
            ident, _, v = arg.rpartition("=")
            return self.room.emit("set-cryptor-enabled", ident, v.lower() == "true")
        if verb == "cryptor-key-index":
            ident, _, v = arg.rpartition("=")
            return self.room.emit("set-cryptor-key-index", ident, int(v))
        if verb == "shared-key":
            n, _, text = arg.partition("=")
            self.keyring(create=False).set_shared_key(text.encode(), int(n))
            return True
        if verb == "snapshot":
            return True
        raise RuntimeError(f"unknown action {action!r}")

    def run_actions(self) -> None:
        ph = self.phases
        n, settled = ph.phase()
        if settled and time.monotonic() - self.cryptors_at >= 1.0:
            self.cryptors_at = time.monotonic()
            try:
                self.cryptors[n] = self.frame_cryptors()
            except Exception as e:
                self.errors.append(f"frame-cryptors: {e}")
        for _, act in ph.due():
            try:
                result = self.do_action(act)
            except Exception as e:
                result = f"failed: {e}"
                self.errors.append(f"--at {act}: {e}")
            ph.ran(act, result)
            print(f"roombin_peer: {ph.now():.2f} s: {act} -> {result}", file=sys.stderr)

    def cryptor_errors(self) -> list[str]:
        errs = []
        for n, spec in self.a.expect_cryptor:
            want = dict(item.split("=", 1) for item in spec.split(","))
            got = self.cryptors.get(n)
            if got is None:
                errs.append(f"phase {n}: no frame-cryptors snapshot")
                continue

            def match(c: dict) -> bool:
                for k, v in want.items():
                    have = c.get(k)
                    if v == "*":
                        if have in (None, ""):
                            return False
                    elif v.startswith(">"):
                        if not isinstance(have, (int, float)) or have <= float(v[1:]):
                            return False
                    elif str(have).lower() != v.lower():
                        return False
                return True
            if not any(match(c) for c in got):
                errs.append(f"phase {n}: no frame cryptor with {spec} in "
                            f"{[{k: c.get(k) for k in want} for c in got]}")
        with self.lock:
            msgs = list(self.messages)
        for spec in self.a.expect_message:
            name, _, fields = spec.partition(":")
            want = dict(item.split("=", 1) for item in fields.split(",") if item)
            if not any(m["name"] == name and all(str(m["fields"].get(k)).lower() == v.lower()
                                                 for k, v in want.items()) for m in msgs):
                errs.append(f"no {name} message with {fields}")
        for text in self.a.expect_warning:
            if not any(text in w for w in self.warnings):
                errs.append(f"no warning containing {text!r}")
        return errs

    def tick(self) -> bool:
        a = self.a
        self.watch_state()
        with self.lock:
            if "connected" in self.timings:
                self.phases.connected()
            self.phases.poll()
        self.run_actions()
        if time.monotonic() - self.t0 >= a.duration:
            self.stop("duration")
            return False
        self.update_first_tone()
        if a.stop_when_gone and a.stop_when_gone in self.left:
            self.stop(f"{a.stop_when_gone} left")
            return False
        if a.stop_when_done and self.has_expectations():
            errs, settled = self.evaluate()
            if not errs and settled:
                self.timings["done"] = self.now()
                self.stop("expectations met")
                return False
        return True

    def update_first_tone(self) -> None:
        with self.lock:
            todo = [(tr, array("h", tr.audio.buf[-ANALYSIS_RATE:])) for tr in self.tracks.values()
                    if tr.audio is not None and tr.audio.first_tone_at is None
                    and tr.audio.since_check >= ANALYSIS_RATE // 4]
            for tr, _ in todo:
                tr.audio.since_check = 0
        for tr, x in todo:
            hz = self.hz_for(tr.identity)
            if hz is None or len(x) < ANALYSIS_RATE * 0.9:
                continue
            if has_tone(audio_metrics(x, ANALYSIS_RATE, hz), hz, self.a.hz_tolerance,
                        self.a.min_rms):
                tr.audio.first_tone_at = self.now()

    def set_key_later(self) -> bool:
        _, ident, text = self.a.set_key_after
        try:
            kr = self.keyring(create=False)
            if kr is None:
                raise RuntimeError("the room bin's keyring property is NULL")
            # flag first: media decoded from here on counts as "after the key change"
            with self.lock:
                self.key_changed_at = self.now()
            if ident in ("", "*"):
                kr.set_shared_key(text.encode(), self.a.set_key_index)
            else:
                kr.set_key(ident, text.encode(), self.a.set_key_index)
            print(f"roombin_peer: key for {ident or '*'} changed at {self.key_changed_at} s",
                  file=sys.stderr)
        except Exception as e:
            self.errors.append(f"--set-key-after: {e}")
        return False

    def run(self) -> None:
        a = self.a
        try:
            self.build()
        except Exception as e:
            self.errors.append(f"build: {e}")
            return
        self.timings["built"] = self.now()
        for sig in (signal.SIGTERM, signal.SIGINT):
            GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, sig,
                                 lambda s=sig: (self.stop(f"signal {signal.Signals(s).name}"),
                                                False)[1])
        r = self.pipeline.set_state(Gst.State.PLAYING)
        if r == Gst.StateChangeReturn.FAILURE:
            self.errors.append("set_state(PLAYING) failed")
            self.drain_bus()
            return
        self.timings["playing_requested"] = self.now()
        GLib.timeout_add(200, self.tick)
        if a.set_key_after:
            GLib.timeout_add(int(a.set_key_after[0] * 1000), self.set_key_later)
        self.loop.run()
        self.timings["stopped"] = self.now()

    def drain_bus(self) -> None:
        bus = self.pipeline.get_bus()
        while True:
            m = bus.pop()
            if m is None:
                break
            self.on_message(bus, m)

    def shutdown(self, timeout: float = 10.0) -> None:
        if self.pipeline is None:
            self.teardown = "not built"
            return
        t = time.monotonic()
        done = threading.Event()

        def _null():
            self.pipeline.set_state(Gst.State.NULL)
            done.set()
        th = threading.Thread(target=_null, daemon=True)
        th.start()
        if done.wait(timeout):
            self.teardown = f"ok in {time.monotonic() - t:.2f} s"
        else:
            self.teardown = f"set_state(NULL) did not return within {timeout:.0f} s"
            self.errors.append(f"teardown: {self.teardown}")

    # -- expectations
    def hz_for(self, ident: str) -> float | None:
        return self.a.expect_audio_hz.get(ident, self.a.expect_audio_hz.get(None))

    def has_expectations(self) -> bool:
        a = self.a
        return bool(a.expect_audio_hz or a.expect_no_audio_hz is not None or a.expect_no_audio
                    or a.expect_phase or a.expect_cryptor or a.expect_warning
                    or a.expect_message
                    or a.expect_rejoin or a.expect_playing or a.expect_nothing_from
                    or a.expect_continuous or a.expect_resubscribed
                    or a.expect_video or a.expect_no_video or a.expect_state
                    or a.expect_encryption or a.expect_from)

    def evaluate(self) -> tuple[list[str], bool]:
        a = self.a
        errs: list[str] = []
        if not self.has_expectations():
            return errs, True
        settled = True
        with self.lock:
            tracks = list(self.tracks.values())
            kc = self.key_changed_at
            states = {k: list(v) for k, v in self.states.items()}
            bufs = {tr.pad: array("h", tr.audio.buf[-int(a.window * ANALYSIS_RATE):])
                    for tr in tracks if tr.audio is not None}
        idents = list(a.expect_from) or sorted({tr.identity for tr in tracks}
                                                | set(i for i in a.expect_audio_hz if i)
                                                - set(a.expect_nothing_from))
        if a.expect_playing:
            if "playing" not in self.timings:
                errs.append("the pipeline never reached PLAYING")
                settled = False
            spans = list(self.not_playing)
            if self.not_playing_since is not None:
                spans.append([self.not_playing_since, self.now(), self.not_playing_what])
            for t0, t1, what in spans:
                if t1 - t0 > a.max_not_playing:
                    errs.append(f"not PLAYING from {t0:.2f} s to {t1:.2f} s: {what} "
                                f"(want <= {a.max_not_playing:g} s at a time)")
        for ident in a.expect_nothing_from:
            for tr in tracks:
                if tr.identity != ident:
                    continue
                if tr.audio is not None and tr.audio.loud:
                    errs.append(f"{ident}: {tr.audio.loud} non-silent audio buffers on {tr.pad}")
                if tr.video is not None and tr.video.content:
                    errs.append(f"{ident}: {tr.video.content} frames with content on {tr.pad}")
        if not idents:
            if not self.has_media_expectations():
                return errs + self.phase_errors(), not self.phases.pending()
            return ["no src pad from the room bin"], False
        now = self.now()
        rejoined = self.timings.get("rejoined")
        if a.expect_rejoin and rejoined is None:
            errs.append("no rejoin (livekit-reconnecting then livekit-connected)")
            return errs, False
        for ident in idents:
            recs = [tr for tr in tracks if tr.identity == ident]
            if not recs:
                errs.append(f"{ident}: no src pad")
                settled = False
                continue
            since = max(tr.added_at for tr in recs)
            if ident in a.expect_continuous:
                # media the whole time: no gap over --max-gap s from the first
                # buffer to now, on every pad of the participant
                for tr in recs:
                    st = tr.audio or tr.video
                    if st.last_at is None:
                        errs.append(f"{ident}: nothing on {tr.pad}")
                        continue
                    gap = max(st.max_gap, now - st.last_at)
                    if gap > a.max_gap:
                        errs.append(f"{ident}: {tr.pad}: {gap:.2f} s without media "
                                    f"(want <= {a.max_gap:g})")
            if ident in a.expect_resubscribed:
                # another track of the same source took the participant's pad
                # over (a republish) and media goes on on it
                done = [tr for tr in recs if tr.resubscribed]
                if not done:
                    errs.append(f"{ident}: no track took over an existing pad")
                    settled = False
                for tr in done:
                    t_re, a0, v0 = tr.resubscribed[-1]
                    since = max(since, t_re)
                    if tr.video is not None and tr.video.content - v0 < a.min_frames:
                        errs.append(f"{ident}: {tr.pad}: {tr.video.content - v0} frames with "
                                    f"content since the new track (want >= {a.min_frames})")
                    if tr.audio is not None and tr.audio.buffers - a0 < 25:
                        errs.append(f"{ident}: {tr.pad}: {tr.audio.buffers - a0} audio "
                                    "buffers since the new track (want >= 25)")
                late = [tr.pad for tr in recs if tr.added_at > min(t.added_at for t in recs) + 3]
                if late:
                    errs.append(f"{ident}: new pad(s) later on: {', '.join(late)}")
            if a.expect_start_after_key is not None and a.set_key_after \
                    and ident == a.set_key_after[1]:
                for tr in recs:
                    st = tr.audio or tr.video
                    # media starts: the first non-silent buffer, the first frame
                    # with content (the tone itself is checked at the end; its
                    # detector needs a whole window of it)
                    first = (tr.audio.first_loud_at if tr.audio else st.first_content_at)
                    if kc is None:
                        settled = False
                    elif first is None or first < kc:
                        errs.append(f"{ident}: {tr.pad}: nothing decoded after the key "
                                    f"came ({first})" if first is None else
                                    f"{ident}: {tr.pad}: media before the key came")
                    elif first - kc > a.expect_start_after_key:
                        errs.append(f"{ident}: {tr.pad}: media {first - kc:.2f} s after the "
                                    f"key came (want <= {a.expect_start_after_key:g})")
            if a.expect_rejoin:
                # The pads survive the rejoin: no new one, and media goes on
                # on the old ones (the tone is checked at the end as usual).
                late = [tr.pad for tr in recs if tr.added_at >= rejoined]
                if late:
                    errs.append(f"{ident}: new pad(s) after the rejoin: {', '.join(late)}")
                since = max(since, rejoined)
                for tr in recs:
                    before = tr.at_rejoin or (0, 0)
                    if tr.audio is not None and tr.audio.buffers - before[0] < 25:
                        errs.append(f"{ident}: {tr.pad}: {tr.audio.buffers - before[0]} "
                                    "audio buffers after the rejoin (want >= 25)")
                    if tr.video is not None and tr.video.content - before[1] < a.min_frames:
                        errs.append(f"{ident}: {tr.pad}: {tr.video.content - before[1]} "
                                    f"frames with content after the rejoin (want >= "
                                    f"{a.min_frames})")
            if a.set_key_after:
                since = max(since, kc) if kc is not None else now
            if now - since < a.observe:
                settled = False
            auds = [tr for tr in recs if tr.kind == "audio"]
            vids = [tr for tr in recs if tr.kind == "video"]
            hz = self.hz_for(ident)
            if hz is not None:
                ok, got = False, []
                for tr in auds:
                    x = bufs[tr.pad]
                    m = audio_metrics(x, ANALYSIS_RATE, hz)
                    got.append(f"{tr.sid}: {len(x)} samples rms={m['rms']} "
                               f"zc={m['zero_cross_hz']} ratio={m['tone_ratio']}")
                    if len(x) >= a.window * ANALYSIS_RATE * 0.9 and \
                            has_tone(m, hz, a.hz_tolerance, a.min_rms):
                        ok = True
                if not ok:
                    errs.append(f"{ident}: no ~{hz:g} Hz tone ({'; '.join(got) or 'no audio pad'})")
            if a.expect_no_audio_hz is not None:
                for tr in auds:
                    m = audio_metrics(bufs[tr.pad], ANALYSIS_RATE, a.expect_no_audio_hz)
                    if has_tone(m, a.expect_no_audio_hz, a.hz_tolerance, a.min_rms):
                        errs.append(f"{ident}: heard {a.expect_no_audio_hz:g} Hz on {tr.sid} "
                                    f"(rms={m['rms']} zc={m['zero_cross_hz']})")
            if a.expect_no_audio:
                n = sum(tr.audio.loud_before_key for tr in auds)
                if n > a.max_loud_chunks:
                    errs.append(f"{ident}: {n} non-silent audio buffers"
                                + (" before the key change" if kc is not None else ""))
            if a.expect_video:
                best = max((tr.video.content for tr in vids), default=0)
                changing = max((tr.video.changing for tr in vids), default=0)
                if best < a.min_frames or changing < 1:
                    errs.append(f"{ident}: {best} decoded frames with content, {changing} "
                                f"changing (want >= {a.min_frames}, >= 1)"
                                + ("" if vids else "; no video pad"))
            if a.expect_no_video:
                n = sum(tr.video.content_before_key for tr in vids)
                if n:
                    errs.append(f"{ident}: {n} decoded frames with content"
                                + (" before the key change" if kc is not None else ""))
            if a.expect_encryption:
                bad = [f"{tr.sid}={tr.encryption}" for tr in recs
                       if str(tr.encryption).lower() != a.expect_encryption]
                if bad:
                    errs.append(f"{ident}: track encryption {', '.join(bad)} "
                                f"(livekit-track-subscribed), want {a.expect_encryption}")
            if a.expect_state:
                sts = [s for _, s in states.get(ident, [])]
                errs += state_errors(ident, sts, a.expect_state, "ok", FAIL_STATES)
        if a.set_key_after and kc is None:
            errs.append("key change not applied yet")
        errs += self.phase_errors()
        if self.phases.pending():
            settled = False
        return errs, settled

    def has_media_expectations(self) -> bool:
        """Expectations on whole-run media (not only phases, cryptors,
        warnings)."""
        a = self.a
        return bool(a.expect_audio_hz or a.expect_no_audio_hz is not None or a.expect_no_audio
                    or a.expect_rejoin or a.expect_nothing_from or a.expect_continuous
                    or a.expect_resubscribed or a.expect_video or a.expect_no_video
                    or a.expect_state or a.expect_encryption or a.expect_from
                    or a.expect_phase)

    def phase_errors(self) -> list[str]:
        a = self.a
        with self.lock:
            errs = self.phases.errors(a.hz_tolerance, a.min_rms, a.max_loud_chunks)
        return errs + self.cryptor_errors()

    def report(self) -> dict:
        a = self.a
        if a.expect_error:
            hits = [e for e in self.errors if e.startswith("ERROR from") and a.expect_error in e]
            errs = [e for e in self.errors if e not in hits]
            if not hits:
                errs.append(f"no element error containing {a.expect_error!r}")
        else:
            errs, settled = self.evaluate()
            if self.has_expectations() and not settled:
                errs.append(f"observed for less than --observe {a.observe:g} s")
            errs = self.errors + errs
        tracks = []
        with self.lock:
            trs = list(self.tracks.values())
        for tr in trs:
            t = {"pad": tr.pad, "participant": tr.identity, "sid": tr.sid, "kind": tr.kind,
                 "caps": tr.caps, "decoder": tr.decoder, "encryption": tr.encryption,
                 "added_at": tr.added_at}
            if tr.audio is not None:
                st = tr.audio
                hz = self.hz_for(tr.identity)
                if hz is None:
                    hz = a.expect_no_audio_hz
                x = array("h", st.buf[-int(a.window * ANALYSIS_RATE):])
                t["audio"] = {"buffers": st.buffers, "samples_total": st.total,
                              "seconds": round(st.total / ANALYSIS_RATE, 2),
                              "first_buffer_at": st.first_at, "first_loud_at": st.first_loud_at,
                              "first_tone_at": st.first_tone_at,
                              "loud_buffers": st.loud,
                              "loud_buffers_before_key_change": st.loud_before_key,
                              "max_gap_s": round(st.max_gap, 3),
                              f"last_{a.window:g}s": audio_metrics(x, ANALYSIS_RATE, hz,
                                                                   final=True)}
            if tr.video is not None:
                v = tr.video
                span = (v.last_at - v.first_at) if v.frames > 1 else 0
                t["video"] = {"frames": v.frames, "content_frames": v.content,
                              "changing_frames": v.changing,
                              "frames_before_key_change": v.frames_before_key,
                              "content_frames_before_key_change": v.content_before_key,
                              "first_frame_at": v.first_at, "first_content_at": v.first_content_at,
                              "fps": round((v.frames - 1) / span, 1) if span > 0 else None,
                              "size": v.size, "max_gap_s": round(v.max_gap, 3)}
            t["resubscribed"] = tr.resubscribed
            t["media_after_rejoin_at"] = tr.media_after_rejoin
            tracks.append(t)
        failover, ferrs = self.failover(tracks)
        errs += ferrs
        cfg = {k: v for k, v in vars(a).items()
               if k not in ("api_secret", "token", "key", "key_for", "set_key_after")}
        cfg["expect_audio_hz"] = {str(k or "*"): v for k, v in a.expect_audio_hz.items()}
        return {
            "tool": "roombin_peer.py", "identity": a.identity, "room": a.room, "url": a.url,
            "element": "lkfakeroombin (dry run)" if a.dry_run else a.element,
            "ok": not errs, "errors": errs, "warnings": self.warnings,
            "e2ee": ("per-participant" if a.key_for else "shared"
                     if (a.key is not None or a.key_file) else "none"),
            "config": cfg, "stop_reason": self.stop_reason, "timings": self.timings,
            "teardown": self.teardown, "key_changed_at": self.key_changed_at,
            "not_playing": self.not_playing,
            "published": self.published,
            "participants": {"joined": self.joined, "left": self.left},
            "e2ee_states": {k: [{"t": t, "state": s} for t, s in v]
                            for k, v in self.states.items()},
            "e2ee_states_encrypt": {k: [{"t": t, "state": s} for t, s in v]
                                    for k, v in self.local_states.items()},
            "tracks": tracks, "messages": self.messages,
            "phases": self.phases.report(), "frame_cryptors": self.cryptors,
            "failover": failover,
        }

    def failover(self, tracks: list) -> tuple[dict | None, list[str]]:
        """Seconds from --event-mark (the runner killed a node) to the bin's
        first disconnect, its rejoin and its first media after it per pad."""
        a = self.a
        if not a.event_mark:
            return None, []
        try:
            mark = float(open(a.event_mark).read().strip()) - self.wall0
        except (OSError, ValueError):
            return None, [f"no event mark in {a.event_mark}"]

        def since(t):
            return None if t is None else round(t - mark, 3)
        rejoined = self.timings.get("rejoined")
        out = {
            "event_at": round(mark, 3),
            "disconnected_s": since(next((t for t in self.disconnects if t >= mark), None)),
            "rejoin_attempts": len([t for t in self.reconnect_attempts if t >= mark]),
            "rejoined_s": since(rejoined),
            "media_s": {t["pad"]: since(t["media_after_rejoin_at"]) for t in tracks},
        }
        errs = []
        if a.expect_rejoin and (rejoined is None or rejoined < mark):
            errs.append("no rejoin after the event mark")
        return out, errs


# ---------------------------------------------------------------- CLI

def parse_args(argv: list[str]) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog=__doc__.split("\n", 2)[2])
    env = os.environ.get
    ap.add_argument("--build", help="build dir (default <repo>/build), for the env defaults")
    ap.add_argument("--element", default="livekitroombin")
    ap.add_argument("--url", default=env("LIVEKIT_URL"))
    ap.add_argument("--api-key", default=env("LIVEKIT_API_KEY"))
    ap.add_argument("--api-secret", default=env("LIVEKIT_API_SECRET"))
    ap.add_argument("--token")
    ap.add_argument("--room", default="roombin-test")
    ap.add_argument("--identity", default="gst")
    ap.add_argument("--name", help="display name (participant-name property, if any)")
    ap.add_argument("--key", help="shared-key property (text)")
    ap.add_argument("--key-file", help="shared-key-file property")
    ap.add_argument("--key-for", type=kv, action="append", default=[], metavar="ID=TEXT",
                    help="keyring.set_key(ID, TEXT, 0) before PLAYING (repeatable)")
    ap.add_argument("--key-derivation", choices=["pbkdf2", "hkdf"])
    ap.add_argument("--ratchet-window-size", type=int)
    ap.add_argument("--failure-tolerance", type=int)
    ap.add_argument("--encryption", choices=["none", "gcm"])
    ap.add_argument("--no-auto-subscribe", dest="auto_subscribe", action="store_const",
                    const=False, default=None)
    ap.add_argument("--prop", action="append", default=[], metavar="NAME=VALUE",
                    help="any other room bin property")
    ap.add_argument("--set-key-after", nargs=2, metavar=("S", "ID=TEXT"),
                    help="after S s install TEXT for ID via the keyring ('*' or empty ID: shared)")
    ap.add_argument("--set-key-index", type=int, default=0)
    ap.add_argument("--publish-audio", type=float, metavar="HZ")
    ap.add_argument("--publish-video", action="append", default=[],
                    choices=["vp8", "vp9", "h264", "h265"])
    ap.add_argument("--expect-from", action="append", default=[], metavar="ID")
    ap.add_argument("--expect-audio-hz", action="append", default=[], metavar="[ID=]HZ")
    ap.add_argument("--expect-no-audio-hz", type=float, metavar="HZ")
    ap.add_argument("--expect-no-audio", action="store_true")
    ap.add_argument("--max-loud-chunks", type=int, default=0,
                    help="--expect-no-audio tolerates this many non-silent %s" % "buffers")
    ap.add_argument("--expect-video", action="store_true")
    ap.add_argument("--expect-no-video", action="store_true")
    ap.add_argument("--expect-state", choices=["ok", "failed", "failed-then-ok"])
    ap.add_argument("--expect-encryption", choices=["gcm", "none"])
    ap.add_argument("--expect-error", metavar="TEXT",
                    help="the bin must post an element error whose message contains "
                    "TEXT (the run stops at the first error)")
    ap.add_argument("--default-sinks", action="store_true",
                    help="appsinks with GStreamer's defaults (sync=true, async=true)")
    ap.add_argument("--expect-playing", action="store_true",
                    help="the pipeline reaches PLAYING and stays there: out of it for "
                    "at most --max-not-playing s at a time (a new sink prerolling)")
    ap.add_argument("--max-not-playing", type=float, default=2.0)
    ap.add_argument("--expect-nothing-from", action="append", default=[], metavar="ID",
                    help="no non-silent audio and no video frame with content from ID")
    ap.add_argument("--expect-continuous", action="append", default=[], metavar="ID",
                    help="ID's media never stops for more than --max-gap s")
    ap.add_argument("--max-gap", type=float, default=1.0)
    ap.add_argument("--expect-start-after-key", type=float, metavar="S",
                    help="the --set-key-after participant's first non-silent audio and "
                    "first frame with content within S s of its key")
    ap.add_argument("--expect-resubscribed", action="append", default=[], metavar="ID",
                    help="a new track of ID (a republish) continues on its existing pad")
    ap.add_argument("--expect-rejoin", action="store_true",
                    help="the bin must report a lost connection and rejoin, keeping "
                    "its pads (no new pad after the rejoin, media on the old ones); "
                    "--observe then counts from the rejoin")
    ap.add_argument("--event-mark", metavar="FILE",
                    help="a file the runner writes with the wall-clock time of an outside "
                    "event (a cluster node killed): the report's failover block counts "
                    "the disconnect, the rejoin and the first media after it from there")
    ap.add_argument("--hz-tolerance", type=float, default=10.0)
    ap.add_argument("--min-rms", type=float, default=1000.0)
    ap.add_argument("--min-frames", type=int, default=15)
    ap.add_argument("--window", type=float, default=2.0)
    ap.add_argument("--observe", type=float, default=4.0)
    ap.add_argument("--duration", type=float, default=30.0)
    ap.add_argument("--stop-when-done", action="store_true")
    ap.add_argument("--stop-when-gone", metavar="ID")
    ap.add_argument("--report")
    phases.add_arguments(ap)
    ap.add_argument("--expect-cryptor", action="append", default=[], metavar="N:K=V,...")
    ap.add_argument("--expect-warning", action="append", default=[], metavar="TEXT")
    ap.add_argument("--expect-message", action="append", default=[], metavar="NAME:K=V,...")
    ap.add_argument("--dry-run", action="store_true",
                    help="use the loopback stand-in lkfakeroombin instead of livekitroombin")
    ap.add_argument("--dry-run-remote-key", metavar="TEXT",
                    help="key the stand-in's simulated remote publisher encrypts with "
                         "(default: --key)")
    ap.add_argument("--dry-run-remote-identity", default="fake-remote")
    a = ap.parse_args(argv)
    hz = {}
    for v in a.expect_audio_hz:
        ident, sep, f = v.rpartition("=")
        try:
            hz[ident if sep else None] = float(f)
        except ValueError:
            ap.error(f"--expect-audio-hz: bad value {v!r}")
    a.expect_audio_hz = hz
    if a.set_key_after:
        s, idkey = a.set_key_after
        ident, text = kv(idkey)
        a.set_key_after = (float(s), ident, text)
    if not a.dry_run and not a.url and not a.token:
        ap.error("--url (or LIVEKIT_URL) is required")
    phases.parse(a, ap.error)
    cry = []
    for e in a.expect_cryptor:
        n, sep, spec = e.partition(":")
        if not sep or not n.isdigit() or "=" not in spec:
            ap.error(f"--expect-cryptor: want N:K=V,..., got {e!r}")
        cry.append((int(n), spec))
    a.expect_cryptor = cry
    return a


def main(argv: list[str]) -> int:
    a = parse_args(argv)
    peer = RoomBinPeer(a)
    peer.run()

    def write() -> dict:
        rep = peer.report()
        if a.report == "-":
            print(json.dumps(rep, indent=2))
        elif a.report:
            with open(a.report + ".tmp", "w") as f:
                json.dump(rep, f, indent=2)
                f.write("\n")
            os.replace(a.report + ".tmp", a.report)
        return rep

    write()                       # before teardown: a hanging teardown still leaves a report
    peer.shutdown()
    rep = write() if a.report != "-" else peer.report()
    print(f"roombin_peer.py[{a.identity}]: {'PASS' if rep['ok'] else 'FAIL'} after "
          f"{rep['timings'].get('stopped')} s ({rep['stop_reason']}); teardown {peer.teardown}"
          + "".join(f"\n  - {e}" for e in rep["errors"]), file=sys.stderr)
    sys.stderr.flush()
    sys.stdout.flush()
    if not peer.teardown.startswith("ok") and peer.teardown != "not built":
        os._exit(0 if rep["ok"] else 1)
    return 0 if rep["ok"] else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
