#!/usr/bin/python3
"""Runs gst-livekit-record for --duration seconds, then checks what it wrote
for one participant: the manifest (tracks, codecs, rejoins), the file
(GstPbutils discoverer: Opus + video codec, duration within 0.5 s of the
manifest, seekable; a real seek lands), the tone of the decoded audio, decoded
video frames with content, and with --event-mark the audio and video after
that wall-clock moment (the largest gap in the audio's timestamps is reported
as the recording gap). Writes a JSON report {ok, errors, ...} like the other
peers. Debian's python3 (gi).

  recorder_peer.py --recorder BIN --url U --api-key K --api-secret S --room R
      --key TEXT --out DIR --duration S --expect-from ID --expect-audio-hz HZ
      [--video-codec vp8] [--min-rejoins N] [--event-mark FILE] --report F
"""
import argparse
import json
import os
import subprocess
import sys
import time

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstPbutils", "1.0")
from gi.repository import Gst, GstPbutils  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tone  # noqa: E402

RATE = 16000
DECODERS = {"vp8": "vp8dec", "vp9": "vp9dec", "h264": "avdec_h264"}


def discover(path):
    d = GstPbutils.Discoverer.new(20 * Gst.SECOND)
    info = d.discover_uri(Gst.filename_to_uri(path))
    caps = [s.get_caps().to_string().split(",")[0] for s in info.get_stream_list()]
    return {"result": int(info.get_result()), "duration_s": round(info.get_duration() / 1e9, 3),
            "seekable": bool(info.get_seekable()), "streams": caps}


def decode(path, vcodec):
    """Decoded mono S16 audio with the pts of each buffer, encoded audio pts,
    and (pts, stddev) of each decoded grey frame."""
    desc = (f"filesrc location={path} ! matroskademux name=d "
            "d.audio_0 ! queue ! opusparse name=ap ! opusdec ! audioconvert ! audioresample ! "
            f"audio/x-raw,format=S16LE,channels=1,rate={RATE} ! appsink name=a sync=false "
            f"d.video_0 ! queue ! {DECODERS[vcodec]} ! videoconvert ! videoscale ! "
            "video/x-raw,format=GRAY8,width=64,height=48 ! appsink name=v sync=false")
    p = Gst.parse_launch(desc)
    enc_pts, audio, frames = [], [], []

    def on_enc(pad, info):
        b = info.get_buffer()
        if b.pts != Gst.CLOCK_TIME_NONE:
            enc_pts.append(b.pts / 1e9)
        return Gst.PadProbeReturn.OK

    p.get_by_name("ap").get_static_pad("sink").add_probe(Gst.PadProbeType.BUFFER, on_enc)

    def pull(sink, fn):
        def cb(s):
            smp = s.emit("pull-sample")
            b = smp.get_buffer()
            ok, m = b.map(Gst.MapFlags.READ)
            if ok:
                fn(b.pts / 1e9, bytes(m.data))
                b.unmap(m)
            return Gst.FlowReturn.OK
        sink.set_property("emit-signals", True)
        sink.connect("new-sample", cb)

    def on_audio(t, data):
        import array
        a = array.array("h")
        a.frombytes(data)
        audio.append((t, a))

    def on_video(t, data):
        n = len(data)
        mean = sum(data) / n
        std = (sum((v - mean) ** 2 for v in data) / n) ** 0.5
        frames.append((t, std))

    pull(p.get_by_name("a"), on_audio)
    pull(p.get_by_name("v"), on_video)
    p.set_state(Gst.State.PLAYING)
    msg = p.get_bus().timed_pop_filtered(120 * Gst.SECOND,
                                         Gst.MessageType.EOS | Gst.MessageType.ERROR)
    err = None
    if msg is None:
        err = "decode: no EOS after 120 s"
    elif msg.type == Gst.MessageType.ERROR:
        err = f"decode: {msg.parse_error()[0].message}"
    p.set_state(Gst.State.NULL)
    return enc_pts, audio, frames, err


def seek_lands(path, pos_s):
    """PAUSED, accurate flush-seek to pos_s (stream time); the pts of the
    first buffer after it (the index works)."""
    p = Gst.parse_launch(f"filesrc location={path} ! matroskademux name=d "
                         "d.audio_0 ! fakesink name=s sync=false")
    first = []
    s = p.get_by_name("s")
    p.set_state(Gst.State.PAUSED)
    p.get_state(10 * Gst.SECOND)
    ok = p.seek_simple(Gst.Format.TIME, Gst.SeekFlags.FLUSH | Gst.SeekFlags.ACCURATE,
                       int(pos_s * Gst.SECOND))
    p.get_state(10 * Gst.SECOND)
    smp = s.get_property("last-sample")
    if smp is not None:
        first.append(smp.get_buffer().pts / 1e9)
    p.set_state(Gst.State.NULL)
    return ok, (first[0] if first else None)


def samples_between(audio, t0, t1):
    out = []
    for t, a in audio:
        if t0 <= t < t1:
            out.extend(a)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--recorder", required=True)
    ap.add_argument("--url", required=True)
    ap.add_argument("--api-key", required=True)
    ap.add_argument("--api-secret", required=True)
    ap.add_argument("--room", required=True)
    ap.add_argument("--identity", default="recorder")
    ap.add_argument("--key", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--duration", type=float, default=15)
    ap.add_argument("--expect-from", required=True)
    ap.add_argument("--expect-audio-hz", type=float, required=True)
    ap.add_argument("--video-codec", default="vp8", choices=sorted(DECODERS))
    ap.add_argument("--min-rejoins", type=int, default=0)
    ap.add_argument("--max-rejoins", type=int)
    ap.add_argument("--event-mark", help="file with the wall-clock time of the event")
    ap.add_argument("--report", required=True)
    a = ap.parse_args()
    Gst.init(None)
    errs = []
    rep = {"identity": a.identity, "room": a.room}
    os.makedirs(a.out, exist_ok=True)
    keyfile = os.path.join(a.out, "..", "recorder-room.key")
    with open(keyfile, "w") as f:
        f.write(a.key)
    env = dict(os.environ, LIVEKIT_API_SECRET=a.api_secret)
    cmd = [a.recorder, "--url", a.url, "--api-key", a.api_key, "--room", a.room,
           "--identity", a.identity, "--key-file", keyfile, "--out", a.out,
           "--duration", str(a.duration), "-q"]
    print("+", " ".join(cmd), flush=True)
    t0 = time.time()
    rc = subprocess.run(cmd, env=env, timeout=a.duration + 60).returncode
    rep["recorder_exit"] = rc
    rep["recorder_wall_s"] = round(time.time() - t0, 1)
    if rc != 0:
        errs.append(f"gst-livekit-record exited with {rc}")
    try:
        man = json.load(open(os.path.join(a.out, "manifest.json")))
    except (OSError, ValueError) as e:
        errs.append(f"no manifest: {e}")
        man = {}
    rep["manifest"] = {k: man.get(k) for k in ("room", "start_time", "rejoins",
                                                "reconnect_attempts", "stop_reason")}
    rej = man.get("rejoins", 0)
    if man and rej < a.min_rejoins:
        errs.append(f"manifest: rejoins {rej} (want >= {a.min_rejoins})")
    if man and a.max_rejoins is not None and rej > a.max_rejoins:
        errs.append(f"manifest: rejoins {rej} (want <= {a.max_rejoins})")
    if man and man.get("room") != a.room:
        errs.append(f"manifest: room {man.get('room')!r}")
    part = next((p for p in man.get("participants", []) if p.get("identity") == a.expect_from),
                None)
    path = None
    if man and part is None:
        errs.append(f"manifest: no participant {a.expect_from}")
    if part:
        kinds = sorted((t.get("kind"), (t.get("codec") or "").lower()) for t in part["tracks"])
        rep["tracks"] = [{k: t.get(k) for k in ("kind", "codec", "start", "end",
                                                 "frames_decrypted", "frames_dropped",
                                                 "e2ee_state", "file", "track_sids")}
                         for t in part["tracks"]]
        if len(part["files"]) != 1:
            errs.append(f"{a.expect_from}: files {part['files']} (want one)")
        if not any(k == "audio" and "opus" in c for k, c in kinds):
            errs.append(f"{a.expect_from}: no Opus track in the manifest: {kinds}")
        if not any(k == "video" and a.video_codec in c for k, c in kinds):
            errs.append(f"{a.expect_from}: no {a.video_codec} track in the manifest: {kinds}")
        if part.get("e2ee_state") != "ok":
            errs.append(f"{a.expect_from}: e2ee_state {part.get('e2ee_state')}")
        if part["files"]:
            path = os.path.join(a.out, part["files"][0])
    if path:
        info = discover(path)
        rep["discoverer"] = info
        if info["result"] != 0:
            errs.append(f"discoverer: result {info['result']}")
        if "audio/x-opus" not in info["streams"]:
            errs.append(f"discoverer: no Opus stream: {info['streams']}")
        if f"video/x-{a.video_codec}" not in info["streams"] and \
                not (a.video_codec == "h264" and "video/x-h264" in info["streams"]):
            errs.append(f"discoverer: no {a.video_codec} stream: {info['streams']}")
        if not info["seekable"]:
            errs.append("discoverer: not seekable")
        span = (part.get("end") or 0) - (part.get("start") or 0)
        rep["manifest_span_s"] = round(span, 3)
        if abs(info["duration_s"] - span) > 0.5 and abs(info["duration_s"]
                                                        - (part.get("end") or 0)) > 0.5:
            errs.append(f"duration {info['duration_s']} s, manifest {part.get('start')}.."
                        f"{part.get('end')}")
        enc_pts, audio, frames, err = decode(path, a.video_codec)
        if err:
            errs.append(err)
        enc_pts.sort()
        # a seek to the middle of the recorded audio (a gap has nothing to land
        # on). The buffers carry the room timeline, but matroskademux takes a
        # seek position from the file's first frame (stream time).
        if enc_pts:
            target = enc_pts[len(enc_pts) // 2]
            ok, landed = seek_lands(path, target - enc_pts[0])
            rep["seek"] = {"target_s": round(target, 3), "ok": ok, "landed_s": landed}
            if not ok or landed is None or abs(landed - target) > 0.1:
                errs.append(f"seek: {rep['seek']}")
        gaps = [(enc_pts[i + 1] - enc_pts[i], enc_pts[i]) for i in range(len(enc_pts) - 1)]
        g, at = max(gaps) if gaps else (0.0, None)
        rep["audio"] = {"buffers": len(enc_pts),
                        "first_s": enc_pts[0] if enc_pts else None,
                        "last_s": enc_pts[-1] if enc_pts else None,
                        "max_gap_s": round(g, 3), "max_gap_at_s": at}
        content = [t for t, std in frames if std > 3.0]
        rep["video"] = {"frames": len(frames), "with_content": len(content)}
        if len(content) < 15:
            errs.append(f"video: {len(content)} decoded frames with content (want >= 15)")
        x = samples_between(audio, -1, 1e9)
        m = tone.audio_metrics(x, RATE, a.expect_audio_hz, final=True)
        rep["audio"]["all"] = m
        if not tone.has_tone(m, a.expect_audio_hz, 10, 1000):
            errs.append(f"audio: no {a.expect_audio_hz} Hz tone in the file: {m}")
        if a.event_mark:
            try:
                mark = float(open(a.event_mark).read())
            except (OSError, ValueError):
                mark = None
                errs.append(f"no event mark in {a.event_mark}")
            if mark is not None and man.get("start_time_unix_ms"):
                # the timeline's origin is the pipeline's start (start_time)
                kill_at = mark - man["start_time_unix_ms"] / 1000
                after = [t for t in enc_pts if t > kill_at]
                # media again after the kill: past the largest gap after it
                g2 = max(((enc_pts[i + 1] - enc_pts[i], enc_pts[i + 1])
                          for i in range(len(enc_pts) - 1) if enc_pts[i] >= kill_at - 1),
                         default=(0.0, None))
                resumed = g2[1]
                rep["event"] = {"at_s": round(kill_at, 3), "gap_s": round(g2[0], 3),
                                "audio_again_at_s": resumed,
                                "audio_after_s": round(after[-1] - resumed, 3)
                                if after and resumed else 0.0}
                if resumed is None or not after:
                    errs.append("audio: nothing after the event")
                else:
                    y = samples_between(audio, resumed + 0.2, 1e9)
                    m2 = tone.audio_metrics(y, RATE, a.expect_audio_hz)
                    rep["event"]["audio_after"] = m2
                    if after[-1] - resumed < 2.0:
                        errs.append(f"audio: only {after[-1] - resumed:.1f} s after the "
                                    "event's gap (want >= 2)")
                    if not tone.has_tone(m2, a.expect_audio_hz, 10, 1000):
                        errs.append(f"audio: no {a.expect_audio_hz} Hz tone after the "
                                    f"event: {m2}")
                    v2 = [t for t in content if t > resumed]
                    rep["event"]["video_frames_after"] = len(v2)
                    if len(v2) < 15:
                        errs.append(f"video: {len(v2)} frames with content after the event "
                                    "(want >= 15)")
    rep["ok"] = not errs
    rep["errors"] = errs
    with open(a.report, "w") as f:
        json.dump(rep, f, indent=1)
    print(json.dumps(rep, indent=1))
    return 0 if not errs else 1


if __name__ == "__main__":
    sys.exit(main())
