#!/usr/bin/python3
"""Checks what gst-livekit-record wrote (tests/integration/run-record.sh).

  record_check.py OUT --file IDENTITY=CODEC:HZ ... --no-file IDENTITY=REASON ...
                  [--composite FILE.webm --composite-hz HZ]

Each --file: OUT/IDENTITY.mkv exists, holds Opus and that video codec,
decodes start to end with the decoder chosen by codec (never decodebin,
which picks vp9alphadecodebin for VP9), has frames with content, its audio's
dominant tone is HZ, and its duration matches the manifest (end - start)
within 0.5 s. Each --no-file: no OUT/IDENTITY*.mkv, and the manifest says
REASON. Prints one line per check; exits 1 if any failed.
"""
import argparse, json, os, sys
import gi
gi.require_version("Gst", "1.0")
from gi.repository import Gst
sys.path.insert(0, os.path.dirname(__file__))
from tone import goertzel_power  # noqa: E402

DECODER = {"video/x-vp8": "vp8dec", "video/x-vp9": "vp9dec",
           "video/x-h264": "avdec_h264", "video/x-h265": "avdec_h265",
           "audio/x-opus": "opusdec", "audio/x-vorbis": "vorbisdec"}
CODEC = {"vp8": "video/x-vp8", "vp9": "video/x-vp9", "h264": "video/x-h264",
         "h265": "video/x-h265"}
errors = []


def check(ok, what):
    print(("ok   " if ok else "FAIL ") + what)
    if not ok:
        errors.append(what)


def decode(path, demux):
    """Every stream of the file decoded: {caps name: (samples or frames)}."""
    pipe = Gst.Pipeline()
    src = Gst.ElementFactory.make("filesrc")
    src.set_property("location", path)
    dmx = Gst.ElementFactory.make(demux)
    pipe.add(src)
    pipe.add(dmx)
    src.link(dmx)
    out = {"audio": [], "video": [], "codecs": [], "errors": []}

    def on_pad(_, pad):
        name = pad.get_current_caps().get_structure(0).get_name()
        out["codecs"].append(name)
        dec = Gst.ElementFactory.make(DECODER[name])
        audio = name.startswith("audio/")
        chain = [dec, Gst.ElementFactory.make("audioconvert" if audio else "videoconvert"),
                 Gst.ElementFactory.make("audioresample" if audio else "identity")]
        caps = Gst.ElementFactory.make("capsfilter")
        caps.set_property("caps", Gst.Caps.from_string(
            "audio/x-raw,format=S16LE,rate=48000,channels=1" if audio else
            "video/x-raw,format=GRAY8"))
        sink = Gst.ElementFactory.make("appsink")
        sink.set_property("sync", False)
        sink.set_property("emit-signals", True)
        chain += [caps, sink]

        def on_sample(appsink):
            s = appsink.emit("pull-sample")
            b = s.get_buffer()
            ok, m = b.map(Gst.MapFlags.READ)
            data = bytes(m.data)
            b.unmap(m)
            if audio:
                out["audio"].append(data)
            else:
                st = s.get_caps().get_structure(0)
                out["video"].append((st.get_value("width"), st.get_value("height"), data))
            return Gst.FlowReturn.OK
        sink.connect("new-sample", on_sample)
        q = Gst.ElementFactory.make("queue")
        for e in [q] + chain:
            pipe.add(e)
            e.sync_state_with_parent()
        q.link(chain[0])
        for a, b in zip(chain, chain[1:]):
            a.link(b)
        pad.link(q.get_static_pad("sink"))
    dmx.connect("pad-added", on_pad)
    pipe.set_state(Gst.State.PLAYING)
    bus = pipe.get_bus()
    msg = bus.timed_pop_filtered(60 * Gst.SECOND, Gst.MessageType.EOS | Gst.MessageType.ERROR)
    if msg is None or msg.type == Gst.MessageType.ERROR:
        out["errors"].append(msg.parse_error()[0].message if msg else "no EOS in 60 s")
    ok, dur = pipe.query_duration(Gst.Format.TIME)
    out["duration"] = dur / Gst.SECOND if ok else None
    pipe.set_state(Gst.State.NULL)
    return out


def samples(chunks):
    raw = b"".join(chunks)
    return [int.from_bytes(raw[i:i + 2], "little", signed=True) for i in range(0, len(raw) - 1, 2)]


def dominant(x, candidates):
    x = x[len(x) // 4: len(x) // 4 + 48000]  # one second from the middle
    return max(candidates, key=lambda f: goertzel_power(x, 48000, f))


def has_content(gray):
    """Not a flat picture (black, grey): bright and dark parts."""
    px = gray[::7]
    return max(px) - min(px) > 64


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--file", action="append", default=[])
    ap.add_argument("--no-file", action="append", default=[])
    ap.add_argument("--composite")
    ap.add_argument("--composite-hz", type=float, action="append", default=[])
    a = ap.parse_args()
    Gst.init(None)
    man = json.load(open(os.path.join(a.out, "manifest.json")))
    people = {p["identity"]: p for p in man["participants"]}
    tones = [440.0, 550.0, 660.0, 770.0, 880.0]
    for spec in a.file:
        ident, rest = spec.split("=")
        codec, hz = rest.split(":")
        p = people.get(ident)
        check(p is not None and p["files"] == [ident + ".mkv"],
              f"{ident}: manifest lists {ident}.mkv ({p and p['files']})")
        path = os.path.join(a.out, ident + ".mkv")
        if not os.path.exists(path):
            check(False, f"{path} exists")
            continue
        d = decode(path, "matroskademux")
        check(not d["errors"], f"{ident}.mkv decodes start to end {d['errors']}")
        check(sorted(d["codecs"]) == sorted(["audio/x-opus", CODEC[codec]]),
              f"{ident}.mkv holds Opus and {codec}: {d['codecs']}")
        frames = [f for f in d["video"] if has_content(f[2])]
        check(len(frames) >= 10, f"{ident}.mkv: {len(frames)} of {len(d['video'])} "
              "decoded frames have content")
        x = samples(d["audio"])
        f = dominant(x, tones) if len(x) > 48000 * 2 else None
        check(f == float(hz), f"{ident}.mkv: dominant tone {f} Hz, want {hz}")
        # the end too: a key change or ratchet mid-recording must not silence the rest
        t = x[-48000 * 2:-48000] if len(x) > 48000 * 3 else []
        check(t and goertzel_power(t, 48000, float(hz)) > 20 * goertzel_power(t, 48000, 1000.0),
              f"{ident}.mkv: {hz} Hz tone in the second before the last")
        want = p["end"] - p["start"] if p and p["start"] is not None else None
        check(want is not None and d["duration"] is not None and abs(d["duration"] - want) < 0.5,
              f"{ident}.mkv: duration {d['duration']} s, manifest {want} s")
        check(all(t["frames_decrypted"] > 0 and t["e2ee_state"] == "ok" for t in p["tracks"]),
              f"{ident}: every track decrypted, state ok")
    for spec in a.no_file:
        ident, reason = spec.split("=")
        p = people.get(ident)
        files = [n for n in os.listdir(a.out) if n.startswith(ident + ".") and n.endswith(".mkv")]
        check(not files, f"{ident}: no media file ({files})")
        check(p is not None and p["files"] == [] and p["no_file_reason"] == reason,
              f"{ident}: manifest says {reason} ({p and p['no_file_reason']})")
    if a.composite:
        d = decode(a.composite, "matroskademux")
        check(not d["errors"], f"composite decodes {d['errors']}")
        lit = [f for f in d["video"] if has_content(f[2])]
        check(len(lit) >= 10, f"composite: {len(lit)} frames with content")
        x = samples(d["audio"])
        for hz in a.composite_hz:
            p_hz = goertzel_power(x[len(x) // 2: len(x) // 2 + 48000], 48000, hz)
            p_off = goertzel_power(x[len(x) // 2: len(x) // 2 + 48000], 48000, 1000.0)
            check(p_hz > 20 * p_off, f"composite audio has {hz} Hz")
    print(f"{len(errors)} failed")
    sys.exit(1 if errors else 0)


main()
