"""Tone analysis in pure Python (no numpy): the GStreamer-side peers run
under Debian's python3. Used by roombin_peer.py and gst_launch_peer.py."""
import math


def rms(x) -> float:
    if not len(x):
        return 0.0
    return math.sqrt(sum(v * v for v in x) / len(x))


def zero_cross_hz(x, rate: int) -> float | None:
    """Frequency from sign changes (exact for a clean sine)."""
    if len(x) < rate // 10:
        return None
    mean = sum(x) / len(x)
    n = 0
    prev = None
    for v in x:
        s = v - mean >= 0
        if prev is not None and s != prev:
            n += 1
        prev = s
    return round(n / 2 / (len(x) / rate), 1)


def goertzel_power(x, rate: int, f: float) -> float:
    w = 2 * math.pi * f / rate
    c = 2 * math.cos(w)
    s1 = s2 = 0.0
    for v in x:
        s0 = v + c * s1 - s2
        s2 = s1
        s1 = s0
    return s1 * s1 + s2 * s2 - c * s1 * s2


def block_power(x, rate: int, f: float, block_s: float = 0.2) -> float:
    """Mean Goertzel power over blocks of block_s (main lobe ~ +-5 Hz at
    0.2 s): a phase jump (a lost packet's concealment) costs one block,
    where over one long window the parts before and after it cancel."""
    n = int(rate * block_s)
    powers = [goertzel_power(x[i:i + n], rate, f) for i in range(0, len(x) - n + 1, n)]
    return sum(powers) / len(powers) if powers else 0.0


def tone_ratio(x, rate: int, f: float, block_s: float = 0.1) -> float | None:
    """Share of the signal energy at f (1.0 = pure sine), over 0.1 s blocks
    (main lobe ~ +-10 Hz)."""
    n = int(rate * block_s)
    if len(x) < n:
        return None
    ratios = []
    for i in range(0, len(x) - n + 1, n):
        blk = x[i:i + n]
        mean = sum(blk) / n
        blk = [v - mean for v in blk]
        e = sum(v * v for v in blk)
        if e <= 0:
            ratios.append(0.0)
            continue
        ratios.append(min(1.0, 2 * goertzel_power(blk, rate, f) / (n * e)))
    return round(sum(ratios) / len(ratios), 3)


def dominant_hz(x, rate: int) -> float | None:
    """Coarse Goertzel scan 60..3000 Hz on 0.25 s, refined to 1 Hz on 1 s."""
    if len(x) < rate // 4:
        return None
    seg = x[-rate // 4:]
    mean = sum(seg) / len(seg)
    seg = [v - mean for v in seg]
    best = max(range(60, 3001, 10), key=lambda f: goertzel_power(seg, rate, f))
    seg = x[-rate:]
    mean = sum(seg) / len(seg)
    seg = [v - mean for v in seg]
    return float(max(range(best - 10, best + 11), key=lambda f: goertzel_power(seg, rate, f)))


def audio_metrics(x, rate: int, tone_hz: float | None, final: bool = False) -> dict:
    m = {"samples": len(x), "rms": round(rms(x), 1), "zero_cross_hz": zero_cross_hz(x, rate),
         "tone_ratio": None}
    if tone_hz is not None:
        m["tone_ratio"] = tone_ratio(x, rate, tone_hz)
    if final:
        m["dominant_hz"] = dominant_hz(x, rate)
    return m


def has_tone(m: dict, hz: float, tol: float, min_rms: float) -> bool:
    return (m["rms"] >= min_rms and m["zero_cross_hz"] is not None
            and abs(m["zero_cross_hz"] - hz) <= tol
            and (m["tone_ratio"] is None or m["tone_ratio"] >= 0.5))
