#!/usr/bin/env python3
"""Configurable LiveKit Python SDK peer for the livekitroombin integration tests.

Runs in the SDK venv (scripts/python-env.sh). Joins a room, optionally
publishes a sine (rtc.AudioSource) and synthetic moving bars (rtc.VideoSource,
I420 320x240 at 15 fps), optionally subscribes and measures every remote
track: e2ee states, audio dominant frequency / RMS, video frames with
non-constant content, the track's encryption type. Writes a JSON report and
exits 0 when every --expect-* holds, 1 otherwise (2: usage error).

Keys:
  --key TEXT               shared key (KeyProviderOptions.shared_key, PBKDF2)
  --key-for ID=TEXT        per-participant mode (repeatable): no shared key,
                           key_provider.set_key(ID, TEXT, 0) after connecting.
                           In this mode --key TEXT, if given, is this peer's
                           own key (same as --key-for SELF=TEXT).
  neither                  no E2EE at all (room joined without encryption)

Expectations are checked per expected remote publisher (--expect-from, default:
every remote participant that has a subscribed track, at least one):
  --expect-audio-hz [ID=]HZ  an audio track whose last --window s have dominant
                           frequency HZ +- --hz-tolerance and RMS >= --min-rms
                           (repeatable; ID= restricts it to one publisher)
  --expect-no-audio-hz HZ  no audio track carries that tone (reported)
  --expect-no-audio        no non-silent 10 ms chunk (before --set-key-after applied;
                           --max-loud-chunks N tolerates N: libwebrtc decodes a few
                           frames of ciphertext into noise before it drops them)
  --expect-video           a video track with >= --min-frames frames of
                           non-constant content, some changing
  --expect-no-video        no video frame with non-constant content (before
                           --set-key-after applied)
  --expect-state ok        e2ee state OK seen and the last state is OK
  --expect-state failed    a failure state (DECRYPTION_FAILED, MISSING_KEY,
                           INTERNAL_ERROR) seen and the last state is not OK
  --expect-state failed-then-ok   a failure, later OK (with --set-key-after)
  --expect-encryption gcm|none    publication encryption type of their tracks

Timed actions and per-phase expectations (phases.py: --at S ACTION,
--expect-phase N:ID:WHAT, --epoch, --settle). ACTION here:
  set-enabled:BOOL          E2EEManager.set_enabled(BOOL)
  set-key-index:N           set_key_index(N) on the local participant's
                            frame cryptors (what its tracks are sent with)
  cryptor-enabled:ID=BOOL   set_enabled(BOOL) on ID's frame cryptors
  shared-key:N=TEXT         KeyProvider.set_shared_key(TEXT, N)
  snapshot                  nothing (a phase boundary)
E2EEManager.frame_cryptors() is recorded when each action runs and at the end.
  --also-key N=TEXT         after connecting, set_shared_key(TEXT, N) too

Stopping (the run always ends after --duration s):
  --stop-when-done         as soon as every expectation holds and each expected
                           publisher's tracks were observed >= --observe s
  --stop-when-gone ID      when participant ID, seen before, has left
  SIGTERM / SIGINT         stop now, evaluate, write the report
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import signal
import sys
import time

import numpy as np
from livekit import api, rtc

import phases
from peer_common import kv, state_errors

SAMPLE_RATE = 48000
FRAME_MS = 10
VIDEO_W, VIDEO_H, VIDEO_FPS = 320, 240, 15
FAIL_STATES = {"DECRYPTION_FAILED", "MISSING_KEY", "INTERNAL_ERROR", "ENCRYPTION_FAILED"}
VIDEO_CODECS = {"vp8": rtc.VideoCodec.VP8, "vp9": rtc.VideoCodec.VP9,
                "h264": rtc.VideoCodec.H264, "h265": rtc.VideoCodec.H265,
                "av1": rtc.VideoCodec.AV1}

log = logging.getLogger("peer")


def state_name(s: int) -> str:
    try:
        return rtc.EncryptionState.Name(s)
    except ValueError:
        return str(s)


def enc_name(e: int) -> str:
    try:
        return rtc.EncryptionType.Name(e)
    except ValueError:
        return str(e)


# ---------------------------------------------------------------- analysis

def spectrum(x: np.ndarray, rate: int) -> tuple[np.ndarray, np.ndarray]:
    x = x.astype(np.float64)
    x = x - x.mean()
    spec = np.abs(np.fft.rfft(x * np.hanning(len(x)))) ** 2
    freqs = np.fft.rfftfreq(len(x), 1.0 / rate)
    spec[freqs < 50] = 0.0  # DC / rumble
    return freqs, spec


def audio_metrics(x: np.ndarray, rate: int, tone_hz: float | None, tol: float) -> dict:
    """RMS, dominant frequency and (when tone_hz) the tone's share of the power."""
    if len(x) < 1024:
        return {"samples": int(len(x)), "rms": 0.0, "dominant_hz": None, "tone_ratio": None}
    rms = float(np.sqrt(np.mean(x.astype(np.float64) ** 2)))
    freqs, spec = spectrum(x, rate)
    total = float(spec.sum())
    out = {"samples": int(len(x)), "rms": round(rms, 1),
           "dominant_hz": round(float(freqs[int(np.argmax(spec))]), 1) if total > 0 else None,
           "tone_ratio": None}
    if tone_hz is not None:
        band = (freqs >= tone_hz - tol) & (freqs <= tone_hz + tol)
        out["tone_ratio"] = round(float(spec[band].sum()) / total, 3) if total > 0 else 0.0
    return out


def has_tone(m: dict, hz: float, tol: float, min_rms: float) -> bool:
    return (m.get("dominant_hz") is not None and m["rms"] >= min_rms
            and abs(m["dominant_hz"] - hz) <= tol)


class AudioTrackStats:
    def __init__(self, keep_s: float):
        self.keep = int(keep_s * SAMPLE_RATE)
        self.chunks: list[np.ndarray] = []
        self.kept = 0
        self.total = 0
        self.first_at: float | None = None
        self.loud_chunks = 0            # 10 ms chunks with RMS >= min_rms
        self.loud_before_key = 0        # ... before --set-key-after applied
        self.first_loud_at: float | None = None
        self.last_loud_before_key_at: float | None = None
        self.loud_before_key_samples: list[np.ndarray] = []   # first 0.5 s of them
        self.first_tone_at: float | None = None
        self._since_check = 0

    def add(self, a: np.ndarray, now: float, min_rms: float, key_changed: bool) -> None:
        if self.first_at is None:
            self.first_at = now
        self.chunks.append(a)
        self.kept += len(a)
        self.total += len(a)
        self._since_check += len(a)
        if len(a) and float(np.sqrt(np.mean(a.astype(np.float64) ** 2))) >= min_rms:
            self.loud_chunks += 1
            if self.first_loud_at is None:
                self.first_loud_at = now
            if not key_changed:
                self.loud_before_key += 1
                self.last_loud_before_key_at = now
                if len(self.loud_before_key_samples) < 50:
                    self.loud_before_key_samples.append(a)
        while self.chunks and self.kept - len(self.chunks[0]) >= self.keep:
            self.kept -= len(self.chunks.pop(0))

    def last(self, seconds: float) -> np.ndarray:
        if not self.chunks:
            return np.zeros(0, dtype=np.int16)
        return np.concatenate(self.chunks)[-int(seconds * SAMPLE_RATE):]


class VideoTrackStats:
    def __init__(self):
        self.frames = 0
        self.content_frames = 0          # non-constant luma
        self.changing_frames = 0         # differs from the previous frame
        self.content_before_key = 0
        self.first_at: float | None = None
        self.first_content_at: float | None = None
        self.last_at: float | None = None
        self.size: tuple[int, int] | None = None
        self._prev: np.ndarray | None = None
        self.types: set[str] = set()

    def add(self, frame: rtc.VideoFrame, now: float, key_changed: bool) -> None:
        self.frames += 1
        self.last_at = now
        if self.first_at is None:
            self.first_at = now
        w, h = frame.width, frame.height
        self.size = (w, h)
        self.types.add(rtc.VideoBufferType.Name(frame.type))
        if frame.type != rtc.VideoBufferType.I420:
            frame = frame.convert(rtc.VideoBufferType.I420)
        y = np.frombuffer(frame.data, dtype=np.uint8, count=w * h).reshape(h, w)
        small = y[:: max(1, h // 30), :: max(1, w // 40)].astype(np.float32)
        if float(small.std()) > 3.0:
            self.content_frames += 1
            if not key_changed:
                self.content_before_key += 1
            if self.first_content_at is None:
                self.first_content_at = now
        if self._prev is not None and self._prev.shape == small.shape and \
                float(np.abs(small - self._prev).mean()) > 0.5:
            self.changing_frames += 1
        self._prev = small


class TrackRec:
    def __init__(self, identity: str, pub: rtc.RemoteTrackPublication, track: rtc.Track,
                 now: float, keep_s: float):
        self.identity = identity
        self.sid = track.sid
        self.kind = "audio" if track.kind == rtc.TrackKind.KIND_AUDIO else "video"
        self.mime = pub.mime_type
        self.encryption = enc_name(pub.encryption_type)
        self.subscribed_at = now
        self.unsubscribed_at: float | None = None
        self.audio = AudioTrackStats(keep_s) if self.kind == "audio" else None
        self.video = VideoTrackStats() if self.kind == "video" else None
        self.stream = None
        self.task: asyncio.Task | None = None


# ---------------------------------------------------------------- the peer

class Peer:
    def __init__(self, args: argparse.Namespace):
        self.a = args
        self.t0 = time.monotonic()
        self.room = rtc.Room()
        self.stop = asyncio.Event()
        self.stop_reason = ""
        self.errors: list[str] = []          # fatal run errors (connect, publish)
        self.tracks: list[TrackRec] = []
        self.states: dict[str, list[tuple[float, str]]] = {}
        self.enc_status: dict[str, list[tuple[float, bool]]] = {}
        self.joined: dict[str, float] = {}
        self.left: dict[str, float] = {}
        self.published: list[dict] = []
        self.key_changed_at: float | None = None
        self.timings: dict[str, float] = {}
        self.tasks: list[asyncio.Task] = []
        self.sources: list = []
        self.phases = phases.Phases(args)
        self.frames_sent = {"audio": 0, "video": 0}

        r = self.room

        @r.on("participant_connected")
        def _joined(p: rtc.RemoteParticipant) -> None:
            self.joined.setdefault(p.identity, self.now())
            log.info("participant joined: %s", p.identity)

        @r.on("participant_disconnected")
        def _left(p: rtc.RemoteParticipant) -> None:
            self.left[p.identity] = self.now()
            log.info("participant left: %s", p.identity)

        @r.on("e2ee_state_changed")
        def _state(p, state: int) -> None:
            ident = getattr(p, "identity", None) or "?"
            self.states.setdefault(ident, []).append((self.now(), state_name(state)))
            log.info("e2ee state %s -> %s", ident, state_name(state))

        @r.on("participant_encryption_status_changed")
        def _enc(p, is_encrypted: bool) -> None:
            ident = getattr(p, "identity", None) or "?"
            self.enc_status.setdefault(ident, []).append((self.now(), bool(is_encrypted)))

        @r.on("track_subscribed")
        def _sub(track: rtc.Track, pub: rtc.RemoteTrackPublication,
                 p: rtc.RemoteParticipant) -> None:
            rec = TrackRec(p.identity, pub, track, self.now(), keep_s=max(4.0, self.a.window + 1))
            self.joined.setdefault(p.identity, rec.subscribed_at)
            self.tracks.append(rec)
            log.info("subscribed %s %s from %s mime=%s encryption=%s", rec.kind, rec.sid,
                     p.identity, rec.mime, rec.encryption)
            if rec.kind == "audio":
                rec.stream = rtc.AudioStream(track, sample_rate=SAMPLE_RATE, num_channels=1)
                rec.task = asyncio.ensure_future(self._read_audio(rec))
            else:
                rec.stream = rtc.VideoStream(track)
                rec.task = asyncio.ensure_future(self._read_video(rec))

        @r.on("track_unsubscribed")
        def _unsub(track: rtc.Track, pub, p) -> None:
            for rec in self.tracks:
                if rec.sid == track.sid and rec.unsubscribed_at is None:
                    rec.unsubscribed_at = self.now()

        # the SDK's own recovery (a resume or a full reconnect), e.g. when
        # a cluster's signalling node goes away
        @r.on("reconnecting")
        def _reconnecting() -> None:
            self.timings.setdefault("reconnecting", self.now())
            log.info("reconnecting")

        @r.on("reconnected")
        def _reconnected() -> None:
            self.timings["reconnected"] = self.now()
            log.info("reconnected")

        @r.on("disconnected")
        def _disc(reason) -> None:
            log.info("room disconnected: %s", reason)
            if not self.stop.is_set():
                self.stop_reason = self.stop_reason or f"disconnected ({reason})"
                self.stop.set()

    def now(self) -> float:
        return round(time.monotonic() - self.t0, 3)

    # -- media readers
    async def _read_audio(self, rec: TrackRec) -> None:
        async for ev in rec.stream:
            f = ev.frame
            a = np.frombuffer(bytes(f.data), dtype=np.int16)
            if f.num_channels > 1:
                a = a[:: f.num_channels]
            rec.audio.add(a, self.now(), self.a.min_rms, self.key_changed_at is not None)
            if len(a):
                loud = float(np.sqrt(np.mean(a.astype(np.float64) ** 2))) >= self.a.min_rms
                self.phases.audio(rec.identity, a[::6].tolist(), SAMPLE_RATE // 6, loud)

    async def _read_video(self, rec: TrackRec) -> None:
        async for ev in rec.stream:
            try:
                before = rec.video.content_frames
                rec.video.add(ev.frame, self.now(), self.key_changed_at is not None)
                self.phases.video(rec.identity, rec.video.content_frames > before)
            except Exception as e:  # analysis must not kill the reader
                log.warning("video frame analysis: %r", e)

    # -- media writers
    async def _sine(self, source: rtc.AudioSource, hz: float) -> None:
        n = SAMPLE_RATE * FRAME_MS // 1000
        t0 = 0
        amp = 0.5 * 32767
        while not self.stop.is_set():
            t = (np.arange(n) + t0) / SAMPLE_RATE
            data = (amp * np.sin(2 * np.pi * hz * t)).astype(np.int16)
            t0 += n
            await source.capture_frame(rtc.AudioFrame(data.tobytes(), SAMPLE_RATE, 1, n))
            self.frames_sent["audio"] += 1

    async def _bars(self, source: rtc.VideoSource) -> None:
        """Moving vertical bars with a horizontal gradient, I420."""
        x = np.arange(VIDEO_W)
        ramp = (np.arange(VIDEO_H) * 60 // VIDEO_H).astype(np.int32)[:, None]
        uv = np.full(VIDEO_W * VIDEO_H // 2, 128, dtype=np.uint8)
        uv[: VIDEO_W * VIDEO_H // 4] = 90     # a bit of colour: U plane
        period = 1.0 / VIDEO_FPS
        start = time.monotonic()
        n = 0
        while not self.stop.is_set():
            row = np.where(((x + 6 * n) // 32) % 2 == 0, 200, 40).astype(np.int32)
            y = np.clip(row[None, :] + ramp, 0, 255).astype(np.uint8)
            data = y.tobytes() + uv.tobytes()
            source.capture_frame(rtc.VideoFrame(VIDEO_W, VIDEO_H, rtc.VideoBufferType.I420, data))
            self.frames_sent["video"] += 1
            n += 1
            delay = start + n * period - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            else:
                await asyncio.sleep(0)

    # -- keys
    def e2ee_options(self) -> rtc.E2EEOptions | None:
        a = self.a
        if a.key is None and not a.key_for:
            return None
        opts = rtc.E2EEOptions()
        kpo = opts.key_provider_options
        if not a.key_for:
            kpo.shared_key = a.key.encode()
        if a.failure_tolerance is not None:
            kpo.failure_tolerance = a.failure_tolerance
        if a.ratchet_window_size is not None:
            kpo.ratchet_window_size = a.ratchet_window_size
        if a.key_derivation == "hkdf":
            kpo.key_derivation_function = rtc.KeyDerivationFunction.HKDF
        return opts

    def per_participant_keys(self) -> dict[str, str]:
        keys = dict(self.a.key_for)
        if self.a.key_for and self.a.key is not None:
            keys.setdefault(self.a.identity, self.a.key)
        return keys

    def apply_key(self, identity: str, text: str, index: int) -> None:
        kp = self.room.e2ee_manager.key_provider
        if kp is None:
            raise RuntimeError("room has no E2EE key provider (no --key/--key-for)")
        if identity in ("", "*"):
            kp.set_shared_key(text.encode(), index)
            log.info("set shared key index %d", index)
        else:
            kp.set_key(identity, text.encode(), index)
            log.info("set key for %s index %d", identity, index)

    async def _set_key_later(self) -> None:
        delay, ident, text = self.a.set_key_after
        try:
            await asyncio.wait_for(self.stop.wait(), delay)
            return
        except asyncio.TimeoutError:
            pass
        # flag first: media decoded from here on counts as "after the key change"
        self.key_changed_at = self.now()
        self.apply_key(ident, text, self.a.set_key_index)

    async def _ratchet_later(self) -> None:
        if self.a.ratchet_when:  # when the test says (the file appears)
            while not os.path.exists(self.a.ratchet_when):
                if self.stop.is_set():
                    return
                await asyncio.sleep(0.1)
        else:
            try:
                await asyncio.wait_for(self.stop.wait(), self.a.ratchet_after)
                return
            except asyncio.TimeoutError:
                pass
        # the own key, index 0: receivers must follow within their ratchet window
        self.room.e2ee_manager.key_provider.ratchet_key(self.a.identity, 0)
        log.info("ratcheted key for %s index 0", self.a.identity)

    # -- timed actions
    def frame_cryptors(self) -> list[dict]:
        return [{"participant_identity": c.participant_identity, "track_sid": c.track_sid,
                 "key_index": c.key_index, "enabled": c.enabled}
                for c in self.room.e2ee_manager.frame_cryptors()]

    def do_action(self, action: str):
        verb, _, arg = action.partition(":")
        mgr = self.room.e2ee_manager
        if verb == "set-enabled":
            mgr.set_enabled(arg.lower() == "true")
            return mgr.enabled
        if verb == "set-key-index":
            mine = [c for c in mgr.frame_cryptors()
                    if c.participant_identity == self.a.identity]
            for c in mine:
                c.set_key_index(int(arg))
            return f"{len(mine)} local cryptors"
        if verb == "cryptor-enabled":
            ident, _, v = arg.rpartition("=")
            theirs = [c for c in mgr.frame_cryptors() if c.participant_identity == ident]
            for c in theirs:
                c.set_enabled(v.lower() == "true")
            return f"{len(theirs)} cryptors of {ident}"
        if verb == "shared-key":
            n, _, text = arg.partition("=")
            mgr.key_provider.set_shared_key(text.encode(), int(n))
            return True
        if verb == "snapshot":
            return True
        raise RuntimeError(f"unknown action {action!r}")

    def run_actions(self) -> None:
        ph = self.phases
        for _, act in ph.due():
            try:
                ph.snapshot({"frame_cryptors": self.frame_cryptors()})
                result = self.do_action(act)
            except Exception as e:
                result = f"failed: {e!r}"
                self.errors.append(f"--at {act}: {e!r}")
            ph.ran(act, result)
            log.info("%.2f s: %s -> %s", ph.now(), act, result)

    # -- run
    def token(self) -> str:
        a = self.a
        if a.token:
            return a.token
        return (api.AccessToken(a.api_key, a.api_secret)
                .with_identity(a.identity).with_name(a.name or a.identity)
                .with_grants(api.VideoGrants(room_join=True, room=a.room, can_publish=True,
                                             can_subscribe=True))
                .to_jwt())

    async def run(self) -> None:
        a = self.a
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, self._on_signal, sig)
        deadline = self.t0 + a.duration
        try:
            opts = rtc.RoomOptions(auto_subscribe=a.subscribe, encryption=self.e2ee_options())
            await asyncio.wait_for(self.room.connect(a.url, self.token(), opts),
                                   max(1.0, deadline - time.monotonic()))
            self.timings["connected"] = self.now()
            log.info("connected to %s as %s", a.url, a.identity)
            for p in self.room.remote_participants.values():
                self.joined.setdefault(p.identity, self.now())
            for ident, text in self.per_participant_keys().items():
                self.apply_key(ident, text, 0)
            for n, text in a.also_key:
                self.apply_key("*", text, int(n))
            if a.set_key_after:
                self.tasks.append(asyncio.ensure_future(self._set_key_later()))
            if a.ratchet_after is not None or a.ratchet_when:
                self.tasks.append(asyncio.ensure_future(self._ratchet_later()))
            await self._publish(deadline)
            self.phases.connected()
            await self._watch(deadline)
        except asyncio.TimeoutError:
            self.errors.append(f"timed out (connect/publish) within --duration {a.duration} s")
        except Exception as e:
            log.exception("run failed")
            self.errors.append(f"run failed: {e!r}")
        finally:
            self.stop.set()
            self.timings["stopped"] = self.now()
            await self._cleanup()

    async def _publish(self, deadline: float) -> None:
        a = self.a
        lp = self.room.local_participant
        if a.publish_audio:
            src = rtc.AudioSource(SAMPLE_RATE, 1)
            self.sources.append(src)
            track = rtc.LocalAudioTrack.create_audio_track("sine", src)
            self.tasks.append(asyncio.ensure_future(self._sine(src, a.publish_audio)))
            pub = await asyncio.wait_for(
                lp.publish_track(track, rtc.TrackPublishOptions(
                    source=rtc.TrackSource.SOURCE_MICROPHONE)),
                max(1.0, deadline - time.monotonic()))
            self.published.append({"kind": "audio", "sid": pub.sid, "hz": a.publish_audio,
                                   "encryption": enc_name(pub.encryption_type),
                                   "at": self.now()})
            log.info("published audio %s (%s Hz) encryption=%s", pub.sid, a.publish_audio,
                     enc_name(pub.encryption_type))
        if a.publish_video:
            src = rtc.VideoSource(VIDEO_W, VIDEO_H)
            self.sources.append(src)
            track = rtc.LocalVideoTrack.create_video_track("bars", src)
            self.tasks.append(asyncio.ensure_future(self._bars(src)))
            opts = rtc.TrackPublishOptions(source=rtc.TrackSource.SOURCE_CAMERA,
                                           video_codec=VIDEO_CODECS[a.video_codec],
                                           simulcast=a.simulcast)
            pub = await asyncio.wait_for(lp.publish_track(track, opts),
                                         max(1.0, deadline - time.monotonic()))
            self.published.append({"kind": "video", "sid": pub.sid, "codec": a.video_codec,
                                   "encryption": enc_name(pub.encryption_type),
                                   "at": self.now()})
            log.info("published video %s (%s) encryption=%s", pub.sid, a.video_codec,
                     enc_name(pub.encryption_type))
        if self.published:
            self.timings["published"] = self.now()

    def _on_signal(self, sig: int) -> None:
        if not self.stop.is_set():
            self.stop_reason = f"signal {signal.Signals(sig).name}"
            log.info("stopping on %s", self.stop_reason)
            self.stop.set()

    async def _watch(self, deadline: float) -> None:
        a = self.a
        while not self.stop.is_set():
            now = time.monotonic()
            if now >= deadline:
                self.stop_reason = "duration"
                break
            self._update_first_tone()
            self.phases.poll()
            self.run_actions()
            if a.stop_when_gone and a.stop_when_gone in self.left:
                self.stop_reason = f"{a.stop_when_gone} left"
                break
            if a.stop_when_done and self.has_expectations():
                errs, settled = self.evaluate()
                if not errs and settled:
                    self.stop_reason = "expectations met"
                    self.timings["done"] = self.now()
                    break
            try:
                await asyncio.wait_for(self.stop.wait(), 0.2)
            except asyncio.TimeoutError:
                pass
        self.stop.set()
        if self.a.key is not None or self.a.key_for:
            try:
                self.phases.snapshot({"frame_cryptors": self.frame_cryptors()})
            except Exception as e:
                log.info("frame_cryptors: %r", e)

    def _update_first_tone(self) -> None:
        for rec in self.tracks:
            st = rec.audio
            hz = self.hz_for(rec.identity)
            if hz is None or st is None or st.first_tone_at is not None or \
                    st._since_check < SAMPLE_RATE // 4:
                continue
            st._since_check = 0
            m = audio_metrics(st.last(1.0), SAMPLE_RATE, hz, self.a.hz_tolerance)
            if m["samples"] >= SAMPLE_RATE * 0.9 and has_tone(m, hz, self.a.hz_tolerance,
                                                               self.a.min_rms):
                st.first_tone_at = self.now()

    async def _cleanup(self) -> None:
        for t in self.tasks:
            t.cancel()
        for t in self.tasks:
            try:
                await asyncio.wait_for(t, 2)
            except (asyncio.CancelledError, Exception):
                pass
        try:
            await asyncio.wait_for(self.room.disconnect(), 5)
        except Exception as e:
            log.info("disconnect: %r", e)
        for rec in self.tracks:
            if rec.stream is not None:
                try:
                    await asyncio.wait_for(rec.stream.aclose(), 2)
                except Exception:
                    pass
            if rec.task is not None:
                rec.task.cancel()
        for s in self.sources:
            try:
                await asyncio.wait_for(s.aclose(), 2)
            except Exception:
                pass

    # -- expectations
    def has_expectations(self) -> bool:
        a = self.a
        return bool(a.expect_audio_hz or a.expect_no_audio_hz is not None or a.expect_no_audio
                    or a.expect_phase or a.expect_video or a.expect_no_video or a.expect_state
                    or a.expect_encryption or a.expect_from)

    def hz_for(self, ident: str) -> float | None:
        return self.a.expect_audio_hz.get(ident, self.a.expect_audio_hz.get(None))

    def expected_identities(self) -> list[str]:
        if self.a.expect_from:
            return list(self.a.expect_from)
        return sorted({r.identity for r in self.tracks}
                      | {i for i in self.a.expect_audio_hz if i})

    def evaluate(self) -> tuple[list[str], bool]:
        """(errors, settled): settled = every expected publisher's tracks have
        been observed for --observe s (enough to judge negative checks)."""
        a = self.a
        errs: list[str] = []
        if not self.has_expectations():
            return errs, True
        idents = self.expected_identities()
        if not idents:
            return ["no remote track subscribed"], False
        now = self.now()
        settled = True
        kc = self.key_changed_at
        for ident in idents:
            recs = [r for r in self.tracks if r.identity == ident]
            if not recs:
                errs.append(f"{ident}: no track subscribed")
                settled = False
                continue
            # observation time counts from the key change when there is one
            since = max(r.subscribed_at for r in recs)
            if a.set_key_after:
                since = max(since, kc) if kc is not None else now
            if now - since < a.observe:
                settled = False
            auds = [r for r in recs if r.kind == "audio"]
            vids = [r for r in recs if r.kind == "video"]
            hz = self.hz_for(ident)
            if hz is not None:
                ok = False
                got = []
                for r in auds:
                    m = audio_metrics(r.audio.last(a.window), SAMPLE_RATE, hz, a.hz_tolerance)
                    got.append(f"{r.sid}: {m['samples']} samples rms={m['rms']} "
                               f"dominant={m['dominant_hz']}")
                    if m["samples"] >= a.window * SAMPLE_RATE * 0.9 and \
                            has_tone(m, hz, a.hz_tolerance, a.min_rms):
                        ok = True
                if not ok:
                    errs.append(f"{ident}: no ~{hz:g} Hz tone "
                                f"({'; '.join(got) or 'no audio track'})")
            if a.expect_no_audio:
                n = sum(r.audio.loud_before_key for r in auds)
                if n > a.max_loud_chunks:
                    errs.append(f"{ident}: {n} non-silent 10 ms chunks"
                                + (" before the key change" if kc is not None else ""))
            if a.expect_no_audio_hz is not None:
                for r in auds:
                    m = audio_metrics(r.audio.last(a.window), SAMPLE_RATE, a.expect_no_audio_hz,
                                      a.hz_tolerance)
                    if has_tone(m, a.expect_no_audio_hz, a.hz_tolerance, a.min_rms):
                        errs.append(f"{ident}: heard the {a.expect_no_audio_hz} Hz tone on "
                                    f"{r.sid} (rms={m['rms']} dominant={m['dominant_hz']})")
            if a.expect_video:
                best = max((r.video.content_frames for r in vids), default=0)
                changing = max((r.video.changing_frames for r in vids), default=0)
                if best < a.min_frames or changing < 1:
                    errs.append(f"{ident}: {best} video frames with content, {changing} "
                                f"changing (want >= {a.min_frames}, >= 1)"
                                + ("" if vids else "; no video track"))
            if a.expect_no_video:
                n = sum((r.video.content_before_key if kc is not None else r.video.content_frames)
                        for r in vids)
                if n:
                    errs.append(f"{ident}: {n} video frames with content decoded"
                                + (" before the key change" if kc is not None else ""))
            if a.expect_encryption:
                want = a.expect_encryption.upper()
                bad = [f"{r.sid}={r.encryption}" for r in recs if r.encryption != want]
                if bad:
                    errs.append(f"{ident}: track encryption {', '.join(bad)}, want {want}")
            if a.expect_state:
                sts = [s for _, s in self.states.get(ident, [])]
                errs += state_errors(ident, sts, a.expect_state, "OK", FAIL_STATES)
        if a.set_key_after and kc is None:
            errs.append("key change not applied yet")
        errs += self.phases.errors(a.hz_tolerance, a.min_rms, a.max_loud_chunks)
        if self.phases.pending():
            settled = False
        return errs, settled

    def report(self) -> dict:
        a = self.a
        errs, settled = self.evaluate()
        if self.has_expectations() and not settled:
            errs.append(f"observed for less than --observe {a.observe} s")
        errs = self.errors + errs
        tracks = []
        for r in self.tracks:
            t = {"participant": r.identity, "sid": r.sid, "kind": r.kind, "mime": r.mime,
                 "encryption": r.encryption, "subscribed_at": r.subscribed_at,
                 "unsubscribed_at": r.unsubscribed_at}
            if r.audio is not None:
                st = r.audio
                hz = self.hz_for(r.identity)
                if hz is None:
                    hz = a.expect_no_audio_hz
                t["audio"] = {
                    "samples_total": st.total, "seconds": round(st.total / SAMPLE_RATE, 2),
                    "first_sample_at": st.first_at,
                    "first_loud_at": st.first_loud_at,
                    "last_loud_before_key_change_at": st.last_loud_before_key_at,
                    "loud_before_key_change": audio_metrics(
                        np.concatenate(st.loud_before_key_samples), SAMPLE_RATE, hz,
                        a.hz_tolerance) if st.loud_before_key_samples else None,
                    "first_tone_at": st.first_tone_at,
                    "loud_chunks_10ms": st.loud_chunks,
                    "loud_chunks_before_key_change": st.loud_before_key,
                    f"last_{a.window:g}s": audio_metrics(st.last(a.window), SAMPLE_RATE, hz,
                                                        a.hz_tolerance),
                }
            if r.video is not None:
                v = r.video
                span = (v.last_at - v.first_at) if v.frames > 1 else 0
                t["video"] = {"frames": v.frames, "content_frames": v.content_frames,
                              "changing_frames": v.changing_frames,
                              "content_frames_before_key_change": v.content_before_key,
                              "first_frame_at": v.first_at, "first_content_at": v.first_content_at,
                              "fps": round((v.frames - 1) / span, 1) if span > 0 else None,
                              "size": list(v.size) if v.size else None,
                              "buffer_types": sorted(v.types)}
            tracks.append(t)
        cfg = {k: v for k, v in vars(a).items()
               if k not in ("api_secret", "token", "key", "key_for", "set_key_after")}
        cfg["expect_audio_hz"] = {str(k or "*"): v for k, v in a.expect_audio_hz.items()}
        return {
            "tool": "peer.py", "identity": a.identity, "room": a.room, "url": a.url,
            "ok": not errs, "errors": errs,
            "e2ee": ("per-participant" if a.key_for else "shared" if a.key is not None
                     else "none"),
            "config": cfg,
            "stop_reason": self.stop_reason, "timings": self.timings,
            "key_changed_at": self.key_changed_at,
            "published": self.published, "frames_sent": self.frames_sent,
            "participants": {"joined": self.joined, "left": self.left},
            "e2ee_states": {k: [{"t": t, "state": s} for t, s in v]
                            for k, v in self.states.items()},
            "encryption_status": {k: [{"t": t, "encrypted": e} for t, e in v]
                                  for k, v in self.enc_status.items()},
            "tracks": tracks, "phases": self.phases.report(),
        }


# ---------------------------------------------------------------- CLI

def parse_args(argv: list[str]) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog=__doc__.split("\n", 2)[2])
    env = os.environ.get
    ap.add_argument("--url", default=env("LIVEKIT_URL"))
    ap.add_argument("--api-key", default=env("LIVEKIT_API_KEY"))
    ap.add_argument("--api-secret", default=env("LIVEKIT_API_SECRET"))
    ap.add_argument("--token", help="join token (instead of --api-key/--api-secret)")
    ap.add_argument("--room", default="roombin-test")
    ap.add_argument("--identity", default="py")
    ap.add_argument("--name")
    ap.add_argument("--key", help="shared key text (own key in per-participant mode)")
    ap.add_argument("--key-for", type=kv, action="append", default=[], metavar="ID=TEXT")
    ap.add_argument("--failure-tolerance", type=int)
    ap.add_argument("--ratchet-window-size", type=int)
    ap.add_argument("--key-derivation", choices=["pbkdf2", "hkdf"], default="pbkdf2")
    ap.add_argument("--set-key-after", nargs=2, metavar=("S", "ID=TEXT"),
                    help="after S s install TEXT for ID ('*' or empty ID: shared key)")
    ap.add_argument("--set-key-index", type=int, default=0)
    ap.add_argument("--ratchet-after", type=float, metavar="S",
                    help="ratchet the own key (index 0) after S seconds")
    ap.add_argument("--ratchet-when", metavar="FILE",
                    help="ratchet the own key (index 0) once FILE exists")
    ap.add_argument("--publish-audio", type=float, metavar="HZ")
    ap.add_argument("--publish-video", action="store_true")
    ap.add_argument("--video-codec", choices=sorted(VIDEO_CODECS), default="vp8")
    ap.add_argument("--simulcast", action="store_true")
    ap.add_argument("--subscribe", action="store_true", help="auto-subscribe and measure")
    ap.add_argument("--expect-from", action="append", default=[], metavar="ID")
    ap.add_argument("--expect-audio-hz", action="append", default=[], metavar="[ID=]HZ")
    ap.add_argument("--expect-no-audio", action="store_true")
    ap.add_argument("--max-loud-chunks", type=int, default=0,
                    help="--expect-no-audio tolerates this many non-silent %s" % "10 ms chunks")
    ap.add_argument("--expect-no-audio-hz", type=float, metavar="HZ")
    ap.add_argument("--expect-video", action="store_true")
    ap.add_argument("--expect-no-video", action="store_true")
    ap.add_argument("--expect-state", choices=["ok", "failed", "failed-then-ok"])
    ap.add_argument("--expect-encryption", choices=["gcm", "none"])
    ap.add_argument("--hz-tolerance", type=float, default=10.0)
    ap.add_argument("--min-rms", type=float, default=1000.0)
    ap.add_argument("--min-frames", type=int, default=15)
    ap.add_argument("--window", type=float, default=2.0, help="audio analysis window (s)")
    ap.add_argument("--observe", type=float, default=4.0,
                    help="min. observation per expected publisher before --stop-when-done")
    ap.add_argument("--duration", type=float, default=30.0, help="upper bound of the run (s)")
    ap.add_argument("--stop-when-done", action="store_true")
    ap.add_argument("--stop-when-gone", metavar="ID")
    ap.add_argument("--report", help="JSON report file ('-': stdout)")
    ap.add_argument("--also-key", type=kv, action="append", default=[], metavar="N=TEXT")
    phases.add_arguments(ap)
    ap.add_argument("-v", "--verbose", action="store_true")
    a = ap.parse_args(argv)
    if not a.url:
        ap.error("--url (or LIVEKIT_URL) is required")
    if not a.token and not (a.api_key and a.api_secret):
        ap.error("--token or --api-key/--api-secret (or LIVEKIT_API_KEY/SECRET) required")
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
    phases.parse(a, ap.error)
    needs_sub = (a.expect_no_audio_hz, a.expect_state, a.expect_encryption)
    if (any(v is not None for v in needs_sub) or a.expect_video or a.expect_no_video
            or a.expect_audio_hz or a.expect_no_audio or a.expect_from) and not a.subscribe:
        ap.error("--expect-* needs --subscribe")
    return a


def main(argv: list[str]) -> int:
    a = parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if a.verbose else logging.INFO,
                        format=f"%(asctime)s peer[{a.identity}] %(levelname)s %(message)s")
    logging.getLogger("livekit").setLevel(logging.INFO if a.verbose else logging.WARNING)
    peer = None

    async def go() -> dict:
        nonlocal peer
        peer = Peer(a)
        await peer.run()
        return peer.report()

    rep = asyncio.run(go())
    text = json.dumps(rep, indent=2, sort_keys=False)
    if a.report == "-":
        print(text)
    elif a.report:
        with open(a.report + ".tmp", "w") as f:
            f.write(text + "\n")
        os.replace(a.report + ".tmp", a.report)
    verdict = "PASS" if rep["ok"] else "FAIL"
    print(f"peer.py[{a.identity}]: {verdict} after {rep['timings'].get('stopped')} s "
          f"({rep['stop_reason']})" + "".join(f"\n  - {e}" for e in rep["errors"]),
          file=sys.stderr)
    return 0 if rep["ok"] else 1


if __name__ == "__main__":
    code = main(sys.argv[1:])
    sys.stdout.flush()
    sys.stderr.flush()
    # The verdict is written: skip interpreter teardown, where the SDK's
    # native threads were seen to panic ("panic in a function that cannot
    # unwind", exit 134) after a run that had passed.
    os._exit(code)
