#!/usr/bin/python3
"""A real gst-launch-1.0 line as an integration peer, watched from outside.

  gst_launch_peer.py --report R.json --wav A.wav --frames DIR --hz 440 \
      [--kill-mark F --restart-mark F --after S] [--duration S] -- gst-launch-1.0 -e ...

Runs the gst-launch-1.0 command after `--` (it must write 16 kHz mono S16
audio with wavenc to --wav and JPEG frames with multifilesink into
--frames), watches the files grow, and ends it with SIGINT (`-e` turns that
into EOS, so wavenc finalises the file). With --kill-mark/--restart-mark (files
the test script creates just before it kills the server and after it
started it again) it also proves that the pipeline lived through the
restart on the same pads: the WAV file keeps growing after the restart and
carries the tone there, and new frames with content keep coming.

Checks: before the kill (or at the end without marks) the tone --hz is in
the audio and >= --min-frames frames exist; after the restart >= --min-audio-s
more seconds of audio whose last 2 s carry the tone, and >= --min-frames more
frames, the last with content; gst-launch exits 0 after SIGINT. Writes a JSON
report ({"ok", "errors", ...}) and exits 0 when everything holds.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import signal
import struct
import subprocess
import sys
import time
from array import array

from tone import audio_metrics, has_tone

RATE = 16000


def wav_samples(path: str, start_byte: int = 0) -> array:
    """S16 mono samples of a WAV file from data offset @start_byte on (the
    header is skipped by walking the chunks)."""
    with open(path, "rb") as f:
        data = f.read()
    pos, samples = 12, array("h")
    while pos + 8 <= len(data):
        cid, size = data[pos:pos + 4], struct.unpack("<I", data[pos + 4:pos + 8])[0]
        if cid == b"data":
            body = data[pos + 8:]
            body = body[start_byte - start_byte % 2:len(body) // 2 * 2]
            samples.frombytes(body)
            break
        pos += 8 + size
    if sys.byteorder != "little":
        samples.byteswap()
    return samples


def jpeg_luma_std(path: str) -> float | None:
    """Standard deviation of the luma of one JPEG (decoded with GStreamer)."""
    import gi
    gi.require_version("Gst", "1.0")
    from gi.repository import Gst
    Gst.init(None)
    p = Gst.parse_launch(f'filesrc location="{path}" ! jpegdec ! videoconvert ! '
                         "video/x-raw,format=GRAY8 ! appsink name=s sync=false")
    p.set_state(Gst.State.PLAYING)
    sample = p.get_by_name("s").emit("try-pull-sample", 5 * Gst.SECOND)
    std = None
    if sample is not None:
        buf = sample.get_buffer()
        px = buf.extract_dup(0, buf.get_size())[::7]
        mean = sum(px) / len(px)
        std = math.sqrt(sum((v - mean) ** 2 for v in px) / len(px))
    p.set_state(Gst.State.NULL)
    return std


def frames_in(d: str) -> list[str]:
    try:
        return sorted(os.path.join(d, f) for f in os.listdir(d) if f.endswith(".jpg"))
    except OSError:
        return []


def data_bytes(path: str) -> int:
    try:
        return max(0, os.path.getsize(path) - 44)
    except OSError:
        return 0


def main(argv: list[str]) -> int:
    if "--" not in argv:
        print("gst_launch_peer.py: the gst-launch-1.0 command goes after --", file=sys.stderr)
        return 2
    cmd = argv[argv.index("--") + 1:]
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--report", required=True)
    ap.add_argument("--wav", required=True)
    ap.add_argument("--frames", required=True)
    ap.add_argument("--hz", type=float, required=True)
    ap.add_argument("--kill-mark")
    ap.add_argument("--restart-mark")
    ap.add_argument("--after", type=float, default=12.0,
                    help="seconds to run on after the restart mark")
    ap.add_argument("--duration", type=float, default=60.0)
    ap.add_argument("--min-frames", type=int, default=15)
    ap.add_argument("--min-audio-s", type=float, default=4.0)
    a = ap.parse_args(argv[:argv.index("--")])

    t0 = time.monotonic()
    now = lambda: round(time.monotonic() - t0, 2)  # noqa: E731
    errors: list[str] = []
    timings: dict[str, float] = {}
    before = after = None
    log = open(a.report + ".gst-launch.log", "w")
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)
    timings["started"] = now()
    deadline = a.duration
    while now() < deadline and proc.poll() is None:
        time.sleep(0.2)
        if a.kill_mark and before is None and os.path.exists(a.kill_mark):
            before = {"t": now(), "audio_bytes": data_bytes(a.wav),
                      "frames": len(frames_in(a.frames))}
            timings["server_killed"] = before["t"]
        if a.restart_mark and "server_restarted" not in timings \
                and os.path.exists(a.restart_mark):
            timings["server_restarted"] = now()
            deadline = min(a.duration, now() + a.after)
        if not a.kill_mark and now() >= min(a.duration, 12.0):
            break
    if proc.poll() is not None:
        errors.append(f"gst-launch-1.0 exited by itself with {proc.returncode} at {now()} s")
    else:
        after = {"t": now(), "audio_bytes": data_bytes(a.wav), "frames": len(frames_in(a.frames))}
        proc.send_signal(signal.SIGINT)
        try:
            rc = proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            rc = proc.wait()
            errors.append("gst-launch-1.0 did not finish within 15 s of SIGINT")
        timings["stopped"] = now()
        if rc != 0:
            errors.append(f"gst-launch-1.0 exited with {rc} after SIGINT")
    log.close()

    report: dict = {"tool": "gst_launch_peer.py", "command": " ".join(cmd), "timings": timings,
                    "before_restart": before, "at_stop": after}
    if a.kill_mark and before is None:
        errors.append("the server was never killed (no kill mark)")
    if a.restart_mark and "server_restarted" not in timings:
        errors.append("the server was never restarted (no restart mark)")

    frames = frames_in(a.frames)
    cut = before["audio_bytes"] if before else None
    pre = wav_samples(a.wav)[: (cut // 2) if cut else None]
    m = audio_metrics(pre[-2 * RATE:], RATE, a.hz, final=True)
    report["audio_before"] = {"seconds": round(len(pre) / RATE, 2), **m}
    if len(pre) < 2 * RATE or not has_tone(m, a.hz, 10.0, 1000.0):
        errors.append(f"no ~{a.hz:g} Hz tone before the restart ({m})")
    n_pre = before["frames"] if before else len(frames)
    report["frames_before"] = n_pre
    if n_pre < a.min_frames:
        errors.append(f"{n_pre} frames before the restart (want >= {a.min_frames})")
    if before:
        post = wav_samples(a.wav, cut)
        m = audio_metrics(post[-2 * RATE:], RATE, a.hz, final=True)
        report["audio_after"] = {"seconds": round(len(post) / RATE, 2), **m}
        if len(post) < a.min_audio_s * RATE:
            errors.append(f"the WAV file grew by {len(post) / RATE:.2f} s after the kill "
                          f"(want >= {a.min_audio_s:g} s): the stream stopped")
        elif not has_tone(m, a.hz, 10.0, 1000.0):
            errors.append(f"no ~{a.hz:g} Hz tone at the end, after the restart ({m})")
        n_post = len(frames) - before["frames"]
        report["frames_after"] = n_post
        if n_post < a.min_frames:
            errors.append(f"{n_post} frames after the restart (want >= {a.min_frames})")
    if frames:
        std = jpeg_luma_std(frames[-1])
        report["last_frame_luma_std"] = std
        if std is None or std < 3.0:
            errors.append(f"the last frame has no content (luma std {std})")
    report["ok"] = not errors
    report["errors"] = errors
    with open(a.report, "w") as f:
        json.dump(report, f, indent=1)
    print(f"gst_launch_peer.py: {'PASS' if not errors else 'FAIL'}"
          + "".join(f"\n  - {e}" for e in errors), file=sys.stderr)
    return 0 if not errors else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
