#!/usr/bin/env python3
"""E2EE smoke test against a local livekit-server with LiveKit's Python SDK.

Three participants join one room:
  * "pub"     E2EE with the shared key, publishes a 440 Hz sine (rtc.AudioSource)
  * "sub-ok"  E2EE with the same key: must see e2ee state OK for "pub" and
              receive non-silent audio whose dominant frequency is ~440 Hz
  * "sub-bad" E2EE with a wrong key: must see a failure state
              (DECRYPTION_FAILED / MISSING_KEY) and no 440 Hz tone

Server: uses LIVEKIT_URL / LIVEKIT_API_KEY / LIVEKIT_API_SECRET when set;
otherwise starts one with scripts/livekit-server.sh (and stops it at the end).
libwebrtc gathers no loopback candidates, so run it inside the test network
namespace (scripts/livekit-netns.sh run ...); when started as root outside one
and without LIVEKIT_URL, it re-executes itself that way.

Exit status 0 on success, 1 on failure. Everything is bounded by --timeout.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import subprocess
import sys
import time

import numpy as np
from livekit import api, rtc

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SERVER_SH = os.path.join(TOP, "scripts", "livekit-server.sh")
NETNS_SH = os.path.join(TOP, "scripts", "livekit-netns.sh")

SAMPLE_RATE = 48000
TONE_HZ = 440.0
FRAME_MS = 10
SHARED_KEY = b"gst-livekit-e2ee smoke shared key"
WRONG_KEY = b"definitely not the right key!!!!"
ROOM = "py-e2ee-smoke"

FAIL_STATES = {
    rtc.EncryptionState.DECRYPTION_FAILED,
    rtc.EncryptionState.MISSING_KEY,
    rtc.EncryptionState.INTERNAL_ERROR,
}

log = logging.getLogger("smoke")


def state_name(s: int) -> str:
    return rtc.EncryptionState.Name(s)


def token(env: dict, identity: str) -> str:
    return (
        api.AccessToken(env["LIVEKIT_API_KEY"], env["LIVEKIT_API_SECRET"])
        .with_identity(identity)
        .with_name(identity)
        .with_grants(
            api.VideoGrants(room_join=True, room=ROOM, can_publish=True, can_subscribe=True)
        )
        .to_jwt()
    )


def e2ee(key: bytes, failure_tolerance: int | None = None) -> rtc.E2EEOptions:
    opts = rtc.E2EEOptions()
    opts.key_provider_options.shared_key = key
    if failure_tolerance is not None:
        opts.key_provider_options.failure_tolerance = failure_tolerance
    return opts


def dominant_hz(samples: np.ndarray, rate: int) -> float:
    x = samples.astype(np.float64)
    x -= x.mean()
    spec = np.abs(np.fft.rfft(x * np.hanning(len(x))))
    freqs = np.fft.rfftfreq(len(x), 1.0 / rate)
    spec[freqs < 50] = 0  # ignore DC / rumble
    return float(freqs[int(np.argmax(spec))])


class Subscriber:
    """Collects e2ee states and decoded audio from the publisher's track."""

    def __init__(self, name: str, key: bytes, pub_identity: str,
                 failure_tolerance: int | None = None):
        self.name = name
        self.key = key
        self.failure_tolerance = failure_tolerance
        self.pub_identity = pub_identity
        self.room = rtc.Room()
        self.states: list[int] = []
        self.state_event = asyncio.Event()
        self.samples: list[np.ndarray] = []
        self.nsamples = 0
        self.subscribed = asyncio.Event()
        self.tasks: list[asyncio.Task] = []
        self.stream: rtc.AudioStream | None = None

        @self.room.on("e2ee_state_changed")
        def _on_state(participant: rtc.Participant, state: int) -> None:
            ident = getattr(participant, "identity", "?")
            log.info("[%s] e2ee_state_changed %s -> %s", name, ident, state_name(state))
            if ident == pub_identity:
                self.states.append(state)
                self.state_event.set()

        @self.room.on("track_subscribed")
        def _on_track(track: rtc.Track, pub: rtc.RemoteTrackPublication,
                      participant: rtc.RemoteParticipant) -> None:
            log.info("[%s] track_subscribed %s kind=%s encryption=%s from %s",
                     name, track.sid, track.kind, pub.encryption_type, participant.identity)
            if track.kind == rtc.TrackKind.KIND_AUDIO and participant.identity == pub_identity:
                self.stream = rtc.AudioStream(track, sample_rate=SAMPLE_RATE, num_channels=1)
                self.tasks.append(asyncio.ensure_future(self._read(self.stream)))
                self.subscribed.set()

    async def _read(self, stream: rtc.AudioStream) -> None:
        async for ev in stream:
            f = ev.frame
            a = np.frombuffer(bytes(f.data), dtype=np.int16)
            if f.num_channels > 1:
                a = a[:: f.num_channels]
            self.samples.append(a)
            self.nsamples += len(a)

    def has_state(self, wanted: set[int]) -> bool:
        return any(s in wanted for s in self.states)

    def audio(self, last_seconds: float) -> np.ndarray:
        if not self.samples:
            return np.zeros(0, dtype=np.int16)
        a = np.concatenate(self.samples)
        return a[-int(last_seconds * SAMPLE_RATE):]


async def sine_feeder(source: rtc.AudioSource, stop: asyncio.Event) -> None:
    n = SAMPLE_RATE * FRAME_MS // 1000
    t0 = 0
    amp = 0.5 * 32767
    while not stop.is_set():
        t = (np.arange(n) + t0) / SAMPLE_RATE
        data = (amp * np.sin(2 * np.pi * TONE_HZ * t)).astype(np.int16)
        t0 += n
        # capture_frame blocks while the source's queue is full: real-time pacing.
        await source.capture_frame(rtc.AudioFrame(data.tobytes(), SAMPLE_RATE, 1, n))


async def dump_ice(name: str, room: rtc.Room) -> None:
    """Log the ICE candidates a participant gathered and the nominated pair."""
    try:
        stats = await asyncio.wait_for(room.get_rtc_stats(), 5)
    except Exception as e:  # stats are informative only
        log.info("[%s] get_rtc_stats failed: %r", name, e)
        return

    def enum_name(msg, field: str) -> str:
        f = msg.DESCRIPTOR.fields_by_name[field]
        v = f.enum_type.values_by_number.get(getattr(msg, field))
        return v.name if v else str(getattr(msg, field))

    for pc, lst in (("publisher-pc", stats.publisher_stats),
                    ("subscriber-pc", stats.subscriber_stats)):
        cands: dict[str, str] = {}
        local: dict[str, int] = {}
        pairs = []
        for s in lst:
            which = s.WhichOneof("stats")
            if which in ("local_candidate", "remote_candidate"):
                c = getattr(s, which).candidate
                desc = f"{c.protocol} {c.address}:{c.port} {enum_name(c, 'candidate_type')}"
                cands[getattr(s, which).rtc.id] = desc
                if which == "local_candidate":
                    key = f"{c.protocol} {c.address} {enum_name(c, 'candidate_type')}"
                    local[key] = local.get(key, 0) + 1
                else:
                    log.info("[%s] %s remote candidate %s", name, pc, desc)
            elif which == "candidate_pair":
                pairs.append(s.candidate_pair.candidate_pair)
        for key, n in sorted(local.items()):
            log.info("[%s] %s local candidates: %d x %s", name, pc, n, key)
        for p in pairs:
            if p.nominated:
                log.info("[%s] %s nominated pair %s -> %s (%s, sent %d B, received %d B)", name, pc,
                         cands.get(p.local_candidate_id, p.local_candidate_id),
                         cands.get(p.remote_candidate_id, p.remote_candidate_id),
                         enum_name(p, "state"), p.bytes_sent, p.bytes_received)


async def run(env: dict, timeout: float) -> list[str]:
    errors: list[str] = []
    url = env["LIVEKIT_URL"]
    deadline = time.monotonic() + timeout

    def left() -> float:
        return max(0.1, deadline - time.monotonic())

    pub = rtc.Room()
    ok = Subscriber("sub-ok", SHARED_KEY, "pub")
    # The SDK's default failure_tolerance is -1, and with a negative tolerance
    # libwebrtc's FrameCryptor never reports DECRYPTION_FAILED: a wrong key
    # then only shows as silence (and costs a 16-step key ratchet per frame).
    # With 0 the first failed frame reports it and later frames are dropped.
    bad = Subscriber("sub-bad", WRONG_KEY, "pub", failure_tolerance=0)
    stop = asyncio.Event()
    feeder: asyncio.Task | None = None
    source = rtc.AudioSource(SAMPLE_RATE, 1)
    try:
        log.info("connecting to %s", url)
        t_conn = time.monotonic()
        await asyncio.wait_for(
            pub.connect(url, token(env, "pub"), rtc.RoomOptions(encryption=e2ee(SHARED_KEY))),
            left())
        for s in (ok, bad):
            await asyncio.wait_for(
                s.room.connect(url, token(env, s.name),
                               rtc.RoomOptions(auto_subscribe=True,
                                               encryption=e2ee(s.key, s.failure_tolerance))),
                left())
        log.info("all three connected in %.2f s", time.monotonic() - t_conn)

        track = rtc.LocalAudioTrack.create_audio_track("sine", source)
        feeder = asyncio.ensure_future(sine_feeder(source, stop))
        publication = await asyncio.wait_for(
            pub.local_participant.publish_track(
                track, rtc.TrackPublishOptions(source=rtc.TrackSource.SOURCE_MICROPHONE)),
            left())
        log.info("published %s encryption_type=%s", publication.sid, publication.encryption_type)
        if publication.encryption_type != rtc.EncryptionType.GCM:
            errors.append(f"publication encryption_type={publication.encryption_type}, want GCM")

        # sub-ok: state OK and >= 3 s of audio after subscribing.
        t_sub = time.monotonic()
        await asyncio.wait_for(ok.subscribed.wait(), left())
        log.info("sub-ok subscribed after %.2f s", time.monotonic() - t_sub)
        while time.monotonic() < deadline:
            if ok.has_state({rtc.EncryptionState.OK}) and ok.nsamples >= 3 * SAMPLE_RATE \
                    and bad.has_state(FAIL_STATES) and bad.subscribed.is_set():
                break
            await asyncio.sleep(0.1)
        # A little more audio for sub-bad, then analyse.
        await asyncio.sleep(min(1.0, left()))
        log.info("first audio-to-analysis %.2f s after publish", time.monotonic() - t_sub)

        await dump_ice("pub", pub)
        await dump_ice("sub-ok", ok.room)

        # --- sub-ok checks
        if not ok.has_state({rtc.EncryptionState.OK}):
            errors.append("sub-ok: no e2ee state OK for pub; states: "
                          + ", ".join(state_name(s) for s in ok.states))
        if ok.has_state(FAIL_STATES):
            errors.append("sub-ok: saw failure state: "
                          + ", ".join(state_name(s) for s in ok.states))
        a = ok.audio(2.0)
        if len(a) < SAMPLE_RATE:
            errors.append(f"sub-ok: only {ok.nsamples} samples received")
        else:
            rms = float(np.sqrt(np.mean(a.astype(np.float64) ** 2)))
            hz = dominant_hz(a, SAMPLE_RATE)
            zc = int(np.count_nonzero(np.diff(np.signbit(a[a != 0]).astype(np.int8)) != 0))
            zc_hz = zc / 2 / (len(a) / SAMPLE_RATE)
            log.info("sub-ok: %d samples total, last 2 s: rms=%.0f fft=%.1f Hz zero-cross=%.1f Hz",
                     ok.nsamples, rms, hz, zc_hz)
            if rms < 1000:
                errors.append(f"sub-ok: audio is (near) silent, rms={rms:.0f}")
            if abs(hz - TONE_HZ) > 10:
                errors.append(f"sub-ok: dominant frequency {hz:.1f} Hz, want ~{TONE_HZ} Hz")

        # --- sub-bad checks
        if not bad.has_state(FAIL_STATES):
            errors.append("sub-bad: no failure state for pub; states: "
                          + ", ".join(state_name(s) for s in bad.states))
        if bad.has_state({rtc.EncryptionState.OK}):
            errors.append("sub-bad: e2ee state OK with the wrong key")
        b = bad.audio(2.0)
        brms = float(np.sqrt(np.mean(b.astype(np.float64) ** 2))) if len(b) else 0.0
        bhz = dominant_hz(b, SAMPLE_RATE) if len(b) >= 1024 else 0.0
        log.info("sub-bad: %d samples, last 2 s rms=%.0f dominant=%.1f Hz, states=%s",
                 bad.nsamples, brms, bhz, [state_name(s) for s in bad.states])
        if brms >= 1000 and abs(bhz - TONE_HZ) <= 10:
            errors.append("sub-bad: heard the 440 Hz tone without the key")
    except asyncio.TimeoutError:
        errors.append(f"timed out after {timeout:.0f} s")
    finally:
        stop.set()
        for room, name in ((ok.room, "sub-ok"), (bad.room, "sub-bad"), (pub, "pub")):
            try:
                await asyncio.wait_for(room.disconnect(), 5)
            except Exception as e:
                log.info("[%s] disconnect: %r", name, e)
        for s in (ok, bad):
            if s.stream is not None:
                try:
                    await asyncio.wait_for(s.stream.aclose(), 2)
                except Exception:
                    pass
            for t in s.tasks:
                t.cancel()
        if feeder is not None:
            feeder.cancel()
            try:
                await asyncio.wait_for(feeder, 2)
            except (asyncio.CancelledError, Exception):
                pass
        try:
            await asyncio.wait_for(source.aclose(), 2)
        except Exception:
            pass
    return errors


def parse_env_lines(text: str) -> dict:
    out = {}
    for line in text.splitlines():
        k, sep, v = line.partition("=")
        if sep and k.startswith("LIVEKIT_"):
            out[k] = v
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--timeout", type=float, default=60.0, help="overall bound in seconds")
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args()
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO,
                        format="%(asctime)s %(name)s %(levelname)s %(message)s")
    logging.getLogger("livekit").setLevel(logging.INFO if args.verbose else logging.WARNING)

    env = {k: v for k, v in os.environ.items() if k.startswith("LIVEKIT_")}
    server_pid = None
    if "LIVEKIT_URL" not in env:
        if "LIVEKIT_NETNS" not in env and os.geteuid() == 0 and \
                os.environ.get("LIVEKIT_NETWORK", "netns") == "netns":
            # Re-run inside a private namespace (libwebrtc ignores loopback).
            return subprocess.call([NETNS_SH, "run", sys.executable, *sys.argv])
        out = subprocess.run([SERVER_SH, "start"], check=True, capture_output=True, text=True,
                             timeout=120)
        sys.stderr.write(out.stderr)
        env.update(parse_env_lines(out.stdout))
        server_pid = env["LIVEKIT_PID"]
    t0 = time.monotonic()
    try:
        errors = asyncio.run(run(env, args.timeout))
    finally:
        if server_pid:
            subprocess.run([SERVER_SH, "stop", server_pid], timeout=30)
    took = time.monotonic() - t0
    if errors:
        for e in errors:
            print("FAIL:", e, file=sys.stderr)
        print(f"py_e2ee_smoke: FAILED in {took:.1f} s")
        print("0 passed, 1 failed")
        return 1
    print(f"py_e2ee_smoke: OK in {took:.1f} s")
    print("1 passed, 0 failed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
