"""Timed actions and what each remote participant's media did between them,
for the E2EE-at-runtime scenarios (e2ee-toggle, e2ee-key-index, ...). Pure
Python: peer.py (the Python SDK) and roombin_peer.py (the room bin) share it.

  --at S ACTION           run ACTION S seconds after --epoch (repeatable);
                          each action starts a new phase (phase 0: the start)
  --epoch-file F          the wall-clock origin (time.time()) shared by the
                          peers of a scenario, so their phases line up: read
                          from F once it exists (the runner writes it when
                          every peer is ready); nothing is judged or done
                          before. Without it: the peer's own start
  --ready-file F          written once this peer is connected and has media
                          from every --ready-when participant
  --ready-when ID         (repeatable) see --ready-file
  --settle S              media in the first S s of a phase is not judged
                          (frames in flight, jitter buffers; default 2)
  --expect-phase N:ID:WHAT   in phase N, participant ID's media:
        tone=HZ           the tone, in the audio of the phase
        no-tone=HZ        never the tone (any 1 s of it)
        silent            no audio chunk louder than --min-rms (at most
                          --max-loud-chunks)
        no-audio          no decoded audio at all
        video             >= 10 decoded frames with content
        no-video          no decoded frame with content
        key-index=K       frames came decrypted, every one with key index K
        nothing           no media at all (no audio, no video frame)
"""
from __future__ import annotations

import argparse
import os
import time
from collections import Counter

from tone import audio_metrics, has_tone

KEEP_S = 4.0     # audio kept per phase for the tone check


def add_arguments(ap: argparse.ArgumentParser) -> None:
    ap.add_argument("--at", nargs=2, action="append", default=[], metavar=("S", "ACTION"),
                    help="timed action (see phases.py)")
    ap.add_argument("--epoch-file", help="file with the wall-clock origin of --at times")
    ap.add_argument("--ready-file", help="written when this peer is ready")
    ap.add_argument("--ready-when", action="append", default=[], metavar="ID")
    ap.add_argument("--settle", type=float, default=2.0)
    ap.add_argument("--expect-phase", action="append", default=[], metavar="N:ID:WHAT")


def parse(a: argparse.Namespace, error) -> None:
    try:
        a.at = sorted((float(s), act) for s, act in a.at)
    except ValueError:
        error("--at: S must be a number")
    exp = []
    for e in a.expect_phase:
        n, ident, what = (e.split(":", 2) + ["", ""])[:3]
        if not n.isdigit() or not ident or not what:
            error(f"--expect-phase: want N:ID:WHAT, got {e!r}")
        exp.append((int(n), ident, what))
    a.expect_phase = exp


class _Media:
    def __init__(self):
        self.audio = []          # (rate, samples) after settle, last KEEP_S
        self.audio_samples = 0
        self.audio_buffers = 0
        self.loud = 0
        self.frames = 0
        self.content = 0
        self.key_indexes = Counter()
        self.undecrypted = 0     # frames without a decrypted key index


class Phases:
    def __init__(self, a: argparse.Namespace):
        self.a = a
        self.epoch = None if a.epoch_file else time.time()
        self.is_connected = False
        self.seen: set[str] = set()         # participants whose media came
        self.ready_written = False
        self.done: list[dict] = []          # actions carried out
        self.stats: dict[tuple[int, str], _Media] = {}
        self.snapshots: list[dict] = []     # what the peer recorded at phase ends

    def poll(self) -> None:
        """Call regularly: reads the shared origin, writes the ready file."""
        a = self.a
        if self.epoch is None:
            try:
                with open(a.epoch_file) as f:
                    self.epoch = float(f.read().strip())
            except (OSError, ValueError):
                pass
        if a.ready_file and not self.ready_written and self.is_connected and \
                set(a.ready_when) <= self.seen:
            with open(a.ready_file + ".tmp", "w") as f:
                f.write(f"{time.time()}\n")
            os.replace(a.ready_file + ".tmp", a.ready_file)
            self.ready_written = True

    def connected(self) -> None:
        self.is_connected = True

    def now(self) -> float:
        if self.epoch is None:
            return -1.0
        return round(time.time() - self.epoch, 3)

    def phase(self, t: float | None = None) -> tuple[int, bool]:
        """(phase number, settled) at epoch time t (now); nothing is settled
        before the origin is known."""
        if self.epoch is None:
            return 0, False
        t = self.now() if t is None else t
        n = sum(1 for s, _ in self.a.at if s <= t)
        start = self.a.at[n - 1][0] if n else 0.0
        return n, (t - start >= self.a.settle)

    def due(self) -> list[tuple[int, str]]:
        """Actions whose time has come and that have not run: (index, action)."""
        if self.epoch is None:
            return []
        t = self.now()
        return [(i, act) for i, (s, act) in enumerate(self.a.at)
                if s <= t and i >= len(self.done)]

    def ran(self, action: str, result) -> None:
        self.done.append({"t": self.now(), "action": action, "result": result})

    def _m(self, ident: str) -> _Media | None:
        self.seen.add(ident)
        n, settled = self.phase()
        if not settled:
            return None
        return self.stats.setdefault((n, ident), _Media())

    def audio(self, ident: str, samples, rate: int, loud: bool) -> None:
        m = self._m(ident)
        if m is None:
            return
        m.audio_buffers += 1
        m.audio_samples += len(samples)
        m.loud += bool(loud)
        m.audio.append((rate, samples))
        kept = sum(len(x) / r for r, x in m.audio)
        while m.audio and kept - len(m.audio[0][1]) / m.audio[0][0] >= KEEP_S:
            r, x = m.audio.pop(0)
            kept -= len(x) / r

    def video(self, ident: str, content: bool) -> None:
        m = self._m(ident)
        if m is not None:
            m.frames += 1
            m.content += bool(content)

    def key_index(self, ident: str, index: int) -> None:
        m = self._m(ident)
        if m is None:
            return
        if index is None or index < 0:
            m.undecrypted += 1
        else:
            m.key_indexes[index] += 1

    def snapshot(self, what: dict) -> None:
        n, _ = self.phase()
        self.snapshots.append({"t": self.now(), "phase": n, **what})

    # -- judging
    def _samples(self, m: _Media) -> tuple[list, int]:
        if not m.audio:
            return [], 8000
        rate = m.audio[0][0]
        x = []
        for r, s in m.audio:
            step = max(1, r // 8000)          # analyse at ~8 kHz
            x.extend(s[::step])
        return x, rate // max(1, rate // 8000)

    def errors(self, tol: float, min_rms: float, max_loud: int) -> list[str]:
        errs = []
        finished = len(self.done)
        for n, ident, what in self.a.expect_phase:
            where = f"phase {n} ({ident}, {what})"
            if n > finished:
                errs.append(f"{where}: phase not reached")
                continue
            m = self.stats.get((n, ident), _Media())
            kind, _, arg = what.partition("=")
            if kind in ("tone", "no-tone"):
                x, rate = self._samples(m)
                hz = float(arg)
                if kind == "tone":
                    met = audio_metrics(x[-rate * 2:], rate, hz)
                    if len(x) < rate * 1.5 or not has_tone(met, hz, tol, min_rms):
                        errs.append(f"{where}: no tone ({len(x) / rate:.1f} s of audio, "
                                    f"rms={met['rms']} zero-cross={met['zero_cross_hz']})")
                else:
                    for i in range(0, max(0, len(x) - rate + 1), rate // 2):
                        met = audio_metrics(x[i:i + rate], rate, hz)
                        if has_tone(met, hz, tol, min_rms):
                            errs.append(f"{where}: heard the tone (at {i / rate:.1f} s of "
                                        f"the kept audio)")
                            break
            elif kind == "silent":
                if m.loud > max_loud:
                    errs.append(f"{where}: {m.loud} loud audio chunks")
            elif kind == "no-audio":
                if m.audio_buffers:
                    errs.append(f"{where}: {m.audio_buffers} audio buffers decoded")
            elif kind == "video":
                if m.content < 10:
                    errs.append(f"{where}: {m.content} video frames with content")
            elif kind == "no-video":
                if m.content:
                    errs.append(f"{where}: {m.content} video frames with content")
            elif kind == "key-index":
                k = int(arg)
                if m.key_indexes[k] < 5 or set(m.key_indexes) != {k} or m.undecrypted:
                    errs.append(f"{where}: key indexes {dict(m.key_indexes)}, "
                                f"{m.undecrypted} not decrypted")
            elif kind == "nothing":
                if m.audio_buffers or m.frames:
                    errs.append(f"{where}: {m.audio_buffers} audio buffers, {m.frames} "
                                "video frames")
            else:
                errs.append(f"{where}: unknown expectation")
        return errs

    def pending(self) -> bool:
        """Actions still to come, or the last phase is not judged yet (it
        needs --settle plus 3 s of media)."""
        if self.epoch is None or len(self.done) < len(self.a.at):
            return True
        if not self.a.expect_phase:
            return False
        last = self.a.at[-1][0] if self.a.at else 0.0
        return self.now() < last + self.a.settle + 3.0

    def report(self) -> dict:
        return {
            "epoch": self.epoch, "settle": self.a.settle, "actions": self.done,
            "media": [{"phase": n, "participant": ident, "audio_buffers": m.audio_buffers,
                       "audio_seconds_kept": round(sum(len(x) / r for r, x in m.audio), 2),
                       "loud_chunks": m.loud, "video_frames": m.frames,
                       "video_content_frames": m.content,
                       "key_indexes": {str(k): v for k, v in sorted(m.key_indexes.items())},
                       "undecrypted_frames": m.undecrypted}
                      for (n, ident), m in sorted(self.stats.items())],
            "snapshots": self.snapshots,
        }
