#!/usr/bin/python3
"""Checks what gst-livekit-record wrote (tests/integration/run-record.sh).

  record_check.py OUT --file IDENTITY=CODEC:HZ ... --no-file IDENTITY=REASON ...
                  [--min-rejoins N] [--event-mark FILE]
                  [--composite FILE.webm --composite-tiles N --absent-hz HZ]

Each --file: OUT/IDENTITY.mkv exists and is the participant's only file; the
discoverer finds Opus and that video codec and calls it seekable; it decodes
start to end with the decoder chosen by codec (never decodebin, which picks
vp9alphadecodebin for VP9), has frames with content, its audio's dominant
tone is HZ in the middle and in the second before the last, its duration
matches the manifest (end - start) within 0.5 s, and a seek into its last
quarter lands within 0.1 s. --event-mark: a file with the wall-clock time of
an event (the server's restart): each file has audio before it, and after
the gap it left, >= 3 s of audio with the tone and >= 15 video frames with
content. Each --no-file: no OUT/IDENTITY*.mkv, and the manifest says REASON.
--composite: decodes start to end; over its last seconds (less the final
one) the grid of --composite-tiles tiles has content in every tile, every
tile moves, every --file's tone is in the mix (over 1/1000 of the strongest
tone's power) and no --absent-hz is (under 1/2000). --late IDENTITY=FILE: FILE holds
the wall-clock time the recorder was given IDENTITY's key: its file starts
after that (within 3 s) and the manifest counts frames dropped before it.
--camera-off IDENTITY=MARK:REPORT: MARK holds the wall-clock time the
participant was told to turn its camera off and on (browser_peer.mjs
--toggle-camera-when; REPORT, its JSON report, has the old and the new
track sid): the manifest's video track was fed by both sids, the file's video
stops within 3 s of MARK for >= 1 s, then >= 15 frames with content come
before --event-mark, and the audio has no gap over 0.5 s meanwhile.
Prints one line per check; exits 1 if any failed.
"""
import argparse, array, json, math, os, sys
import gi
gi.require_version("Gst", "1.0")
gi.require_version("GstPbutils", "1.0")
from gi.repository import Gst, GstPbutils
sys.path.insert(0, os.path.dirname(__file__))
from tone import block_power, goertzel_power  # noqa: E402

DECODER = {"video/x-vp8": "vp8dec", "video/x-vp9": "vp9dec",
           "video/x-h264": "avdec_h264", "video/x-h265": "avdec_h265",
           "audio/x-opus": "opusdec", "audio/x-vorbis": "vorbisdec"}
CODEC = {"vp8": "video/x-vp8", "vp9": "video/x-vp9", "h264": "video/x-h264",
         "h265": "video/x-h265"}
RATE = 48000
TONES = [440.0, 550.0, 660.0, 770.0, 880.0, 1000.0]
errors = []


def check(ok, what):
    print(("ok   " if ok else "FAIL ") + what)
    if not ok:
        errors.append(what)


def avoid_vp9_alpha_bin():
    """GStreamer 1.22's decodebin (so the discoverer and playbin) plugs
    vp9alphadecodebin after vp9parse when the parser has no caps yet, which
    is the case when its multiqueue fills with audio first: in the
    recorder's files whose VP9 starts >= 1.7 s after their Opus (a key
    frame's wait) it then fails, not-negotiated (codec-alpha=false), where
    decodebin3 and vp9dec play the same file. The check is of the file,
    not of that choice: no stream here has alpha."""
    f = Gst.Registry.get().lookup_feature("vp9alphadecodebin")
    if f:
        f.set_rank(Gst.Rank.NONE)


def discover(path):
    d = GstPbutils.Discoverer.new(20 * Gst.SECOND)
    try:
        info = d.discover_uri(Gst.filename_to_uri(os.path.abspath(path)))
    except gi.repository.GLib.Error as e:
        return {"result": -1, "duration": 0.0, "seekable": False,
                "streams": [f"error: {e.message}"]}
    return {"result": int(info.get_result()), "duration": info.get_duration() / Gst.SECOND,
            "seekable": bool(info.get_seekable()),
            "streams": sorted(s.get_caps().get_structure(0).get_name()
                              for s in info.get_stream_list()
                              if isinstance(s, (GstPbutils.DiscovererAudioInfo,
                                                GstPbutils.DiscovererVideoInfo)))}


def decode(path, demux):
    """Every stream of the file decoded: audio as [(pts s, bytes)], video as
    [(pts s, width, height, GRAY8 bytes)]."""
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
            f"audio/x-raw,format=S16LE,rate={RATE},channels=1" if audio else
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
            t = b.pts / Gst.SECOND if b.pts != Gst.CLOCK_TIME_NONE else None
            if audio:
                out["audio"].append((t, data))
            else:
                st = s.get_caps().get_structure(0)
                out["video"].append((t, st.get_value("width"), st.get_value("height"), data))
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


def seek_lands(path, pos):
    """PAUSED, accurate flush-seek to pos (stream time, s): the pts (s) of
    the first audio buffer after it (the index works)."""
    p = Gst.parse_launch(f"filesrc location={path} ! matroskademux name=d "
                         "d.audio_0 ! fakesink name=s sync=false")
    p.set_state(Gst.State.PAUSED)
    p.get_state(10 * Gst.SECOND)
    ok = p.seek_simple(Gst.Format.TIME, Gst.SeekFlags.FLUSH | Gst.SeekFlags.ACCURATE,
                       int(pos * Gst.SECOND))
    p.get_state(10 * Gst.SECOND)
    smp = p.get_by_name("s").get_property("last-sample")
    p.set_state(Gst.State.NULL)
    return ok, (smp.get_buffer().pts / Gst.SECOND if smp is not None else None)


def samples(chunks, t0=-1.0, t1=1e9):
    """Mono S16 samples of the chunks whose pts is in [t0, t1)."""
    x = array.array("h")
    for t, data in chunks:
        if t is not None and t0 <= t < t1:
            x.frombytes(data)
    return x


def power(x, hz):
    return goertzel_power(x, RATE, hz)


def dominant(x):
    return max(TONES, key=lambda f: power(x, f))


def has_content(gray, step=7):
    """Not a flat picture (black, grey): bright and dark parts."""
    px = gray[::step]
    return max(px) - min(px) > 64


def cell(frame, col, row, cols, rows):
    """One grid tile of a GRAY8 frame, less a 4-pixel margin, every 2nd pixel."""
    _, w, h, data = frame
    stride = (w + 3) // 4 * 4
    x0, x1 = col * w // cols + 4, (col + 1) * w // cols - 4
    y0, y1 = row * h // rows + 4, (row + 1) * h // rows - 4
    return bytes(b for y in range(y0, y1, 2) for b in data[y * stride + x0:y * stride + x1:2])


def mean_abs_diff(a, b):
    return sum(abs(p - q) for p, q in zip(a, b)) / max(1, len(a))


def audio_gaps(chunks):
    """(gap s, pts after it) between consecutive audio buffers, largest first."""
    ts = sorted(t for t, _ in chunks if t is not None)
    return sorted(((ts[i + 1] - ts[i], ts[i + 1]) for i in range(len(ts) - 1)), reverse=True)


def check_file(a, man, people, spec, event_at):
    ident, rest = spec.split("=")
    codec, hz = rest.split(":")
    hz = float(hz)
    p = people.get(ident)
    check(p is not None and p["files"] == [ident + ".mkv"],
          f"{ident}: the manifest lists {ident}.mkv only ({p and p['files']})")
    path = os.path.join(a.out, ident + ".mkv")
    if not os.path.exists(path):
        check(False, f"{path} exists")
        return
    info = discover(path)
    check(info["result"] == 0 and info["streams"] == sorted(["audio/x-opus", CODEC[codec]]),
          f"{ident}.mkv: the discoverer finds Opus and {codec} ({info})")
    check(info["seekable"], f"{ident}.mkv: the discoverer calls it seekable")
    d = decode(path, "matroskademux")
    check(not d["errors"], f"{ident}.mkv decodes start to end {d['errors']}")
    check(sorted(d["codecs"]) == sorted(["audio/x-opus", CODEC[codec]]),
          f"{ident}.mkv holds Opus and {codec}: {d['codecs']}")
    frames = [f for f in d["video"] if has_content(f[3])]
    check(len(frames) >= 10, f"{ident}.mkv: {len(frames)} of {len(d['video'])} "
          "decoded frames have content")
    x = samples(d["audio"])
    mid = x[len(x) // 4: len(x) // 4 + RATE]
    f = dominant(mid) if len(x) > RATE * 2 else None
    check(f == hz, f"{ident}.mkv: dominant tone {f} Hz, want {hz}")
    # the end too: a key change, ratchet or rejoin must not silence the rest
    t = x[-RATE * 2:-RATE] if len(x) > RATE * 3 else []
    check(len(t) > 0 and power(t, hz) > 20 * power(t, 1000.0),
          f"{ident}.mkv: {hz} Hz tone in the second before the last")
    # room time: matroskamux keeps the first timestamp (offset-to-zero off),
    # so the file starts where the manifest says, on the shared timeline
    firsts = [s[0] for s in d["audio"][:1] + d["video"][:1] if s[0] is not None]
    check(p is not None and p["start"] is not None and firsts and
          abs(min(firsts) - p["start"]) < 0.1,
          f"{ident}.mkv: first timestamp {firsts and min(firsts)} s, manifest start "
          f"{p and p['start']} s (room timeline)")
    want = p["end"] - p["start"] if p and p["start"] is not None else None
    check(want is not None and d["duration"] is not None and abs(d["duration"] - want) < 0.5,
          f"{ident}.mkv: duration {d['duration']} s, manifest {want} s")
    check(p is not None and all(t["frames_decrypted"] > 0 and t["e2ee_state"] == "ok"
                                for t in p["tracks"]),
          f"{ident}: every track decrypted, state ok")
    # a seek into the last quarter (onto an audio buffer: a gap has nothing to
    # land on). Buffers carry the room timeline; matroskademux seeks in stream
    # time, from the file's first frame.
    ats = sorted(t for t, _ in d["audio"] if t is not None)
    if ats:
        first = min([ats[0]] + [v[0] for v in d["video"][:1] if v[0] is not None])
        target = ats[len(ats) * 3 // 4]
        ok, landed = seek_lands(path, target - first)
        check(ok and landed is not None and abs(landed - target) < 0.1,
              f"{ident}.mkv: a seek to {target:.3f} s lands at {landed}")
    if event_at is not None:
        before = [t for t in ats if t < event_at]
        gaps = [g for g in audio_gaps(d["audio"]) if g[1] > event_at - 1]
        gap, back = gaps[0] if gaps else (0.0, None)
        after = [t for t in ats if back is not None and t >= back]
        span = after[-1] - back if after else 0.0
        # One second, as elsewhere: a Goertzel over all the rest (11 s, with
        # gaps) is so narrow that the phase jumps at the gaps moved the tone
        # off its bin (880 Hz led 1000 Hz by 3.3x over 11 s, by 14000-400000x
        # in each second).
        y = samples(d["audio"], back + 0.2, back + 1.2) if back is not None else []
        vids = [v for v in frames if back is not None and v[0] is not None and v[0] >= back]
        check(before and back is not None and span >= 3 and power(y, hz) > 20 * power(y, 1000.0)
              and len(vids) >= 15,
              f"{ident}.mkv: audio before the restart at {event_at:.2f} s "
              f"({len(before)} buffers), a {gap:.2f} s gap, then {span:.1f} s of {hz} Hz "
              f"from {back} s and {len(vids)} video frames with content")


def check_camera_off(a, man, people, spec, event_at):
    ident, rest = spec.split("=", 1)
    mark, report = rest.split(":", 1)
    off_at = float(open(mark).read()) - man["start_time_unix_ms"] / 1000
    toggle = json.load(open(report)).get("camera_toggle") or {}
    p = people.get(ident) or {}
    sids = [s for t in p.get("tracks", []) if t["kind"] == "video"
            for s in t.get("track_sids", [])]
    check(toggle.get("old") in sids and toggle.get("new") in sids,
          f"{ident}: the video track was fed by the camera's old and new track "
          f"({toggle.get('old')} -> {toggle.get('new')}; manifest {sids})")
    path = os.path.join(a.out, ident + ".mkv")
    if not os.path.exists(path):
        check(False, f"{path} exists")
        return
    d = decode(path, "matroskademux")
    end = event_at if event_at is not None else 1e9
    vts = sorted(v[0] for v in d["video"] if v[0] is not None and has_content(v[3]))
    gaps = [(vts[i + 1] - vts[i], vts[i], vts[i + 1]) for i in range(len(vts) - 1)
            if off_at - 1 <= vts[i] <= off_at + 3]
    gap, stopped, back = max(gaps) if gaps else (0.0, None, None)
    after = [t for t in vts if back is not None and back <= t < end]
    check(gap >= 1.0 and len(after) >= 15,
          f"{ident}.mkv: the camera went off at {stopped} s (told at {off_at:.2f} s), "
          f"{gap:.2f} s without video, then {len(after)} frames with content before "
          f"{end:.2f} s")
    ats = sorted(t for t, _ in d["audio"] if t is not None and off_at <= t < off_at + 4)
    worst = max([b - a_ for a_, b in zip(ats, ats[1:])] + [0.0])
    check(len(ats) > 100 and worst <= 0.5,
          f"{ident}.mkv: audio goes on meanwhile ({len(ats)} buffers in the 4 s from the "
          f"camera off, largest gap {worst:.2f} s)")


def check_composite(a, hzs):
    d = decode(a.composite, "matroskademux")
    check(not d["errors"], f"composite decodes {d['errors']}")
    info = discover(a.composite)
    check(info["result"] == 0 and info["seekable"],
          f"composite: the discoverer finds {info['streams']}, seekable {info['seekable']}")
    v = [f for f in d["video"] if f[0] is not None]
    if not v:
        check(False, "composite: video frames")
        return
    end = max(f[0] for f in v)
    win = [f for f in v if end - 5 <= f[0] < end - 1]
    n = a.composite_tiles
    cols = math.ceil(math.sqrt(n))
    rows = (n + cols - 1) // cols
    for i in range(n):
        cells = [cell(f, i % cols, i // cols, cols, rows) for f in win]
        lit = sum(1 for c in cells if has_content(c, 1))
        check(cells and lit >= 0.8 * len(cells),
              f"composite: tile {i} of {n} has content in {lit} of the last {len(cells)} frames")
        step = max(1, len(cells) // 4)
        moves = [mean_abs_diff(cells[j], cells[j + step]) for j in range(0, len(cells) - step, step)]
        check(moves and min(moves) > 1.0,
              f"composite: tile {i} moves (mean |difference| {[round(m, 1) for m in moves]})")
    # The mix is several senders' audio: one sender's lost packet shifts
    # its tone's phase (seen: the browser's 880 Hz at 0.0012 of the
    # strongest tone over the coherent 3 s, 0.47 in the 1 s blocks), so
    # the tones are measured block by block.
    x = samples(d["audio"], end - 4, end - 1)
    floor = block_power(x, RATE, 1000.0)
    got = {hz: block_power(x, RATE, hz) for hz in hzs + a.absent_hz}
    top = max([got[h] for h in hzs] + [1.0])
    # relative to the strongest tone: the mix must not clip (harmonics and
    # intermodulation of the others would land on some tones)
    for hz in hzs:
        check(len(x) >= RATE and got[hz] > 20 * floor and got[hz] > top / 500,
              f"composite audio has {hz} Hz in its last seconds ({got[hz] / top:.2g} of the "
              f"strongest tone, {got[hz] / max(floor, 1):.0f}x the 1000 Hz floor)")
    for hz in a.absent_hz:
        check(len(x) >= RATE and got[hz] < top / 2000,
              f"composite audio has no {hz} Hz ({got[hz] / top:.2g} of the strongest tone)")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--file", action="append", default=[])
    ap.add_argument("--no-file", action="append", default=[])
    ap.add_argument("--min-rejoins", type=int, default=0)
    ap.add_argument("--event-mark")
    ap.add_argument("--late", action="append", default=[])
    ap.add_argument("--camera-off", action="append", default=[])
    ap.add_argument("--composite")
    ap.add_argument("--composite-tiles", type=int, default=1)
    ap.add_argument("--absent-hz", type=float, action="append", default=[])
    a = ap.parse_args()
    Gst.init(None)
    avoid_vp9_alpha_bin()
    man = json.load(open(os.path.join(a.out, "manifest.json")))
    people = {p["identity"]: p for p in man["participants"]}
    check(man.get("rejoins", 0) >= a.min_rejoins,
          f"manifest: rejoins {man.get('rejoins')} (want >= {a.min_rejoins})")
    event_at = None
    if a.event_mark:
        # the timeline's origin is the recorder's start (start_time)
        event_at = float(open(a.event_mark).read()) - man["start_time_unix_ms"] / 1000
    for spec in a.file:
        check_file(a, man, people, spec, event_at)
    for spec in a.late:
        ident, mark = spec.split("=")
        key_at = float(open(mark).read()) - man["start_time_unix_ms"] / 1000
        p = people.get(ident) or {}
        start = p.get("start")
        dropped = sum(t["frames_dropped"] for t in p.get("tracks", []))
        check(start is not None and key_at < start < key_at + 3 and dropped > 0,
              f"{ident}: the file starts at {start} s, after its key came at {key_at:.2f} s; "
              f"{dropped} frames dropped before")
    for spec in a.camera_off:
        check_camera_off(a, man, people, spec, event_at)
    for spec in a.no_file:
        ident, reason = spec.split("=")
        p = people.get(ident)
        files = [n for n in os.listdir(a.out) if n.startswith(ident + ".") and n.endswith(".mkv")]
        check(not files, f"{ident}: no media file ({files})")
        check(p is not None and p["files"] == [] and p["no_file_reason"] == reason,
              f"{ident}: manifest says {reason} ({p and p['no_file_reason']})")
    if a.composite:
        check_composite(a, [float(s.split(":")[1]) for s in a.file])
    print(f"{len(errors)} failed")
    sys.exit(1 if errors else 0)


main()
