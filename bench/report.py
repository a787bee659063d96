#!/usr/bin/env python3
"""Merge the JSON lines of livekit-bench, bench-js.mjs and js-overhead.mjs into
one Markdown report (stdout). Usage: report.py C.jsonl [JS.jsonl [OVERHEAD.jsonl]]
"""
import json
import sys


def load(path):
    rows = []
    if not path:
        return rows
    try:
        with open(path) as f:
            for line in f:
                line = line.strip()
                if line.startswith('{'):
                    rows.append(json.loads(line))
    except FileNotFoundError:
        pass
    return rows


def si(v):
    if v is None:
        return 'n/a'
    if v >= 1e6:
        return f'{v / 1e6:.2f} M'
    if v >= 1e4:
        return f'{v / 1e3:.1f} k'
    return f'{v:,.0f}'


def size_name(n):
    if n >= 1 << 20 and n % (1 << 20) == 0:
        return f'{n >> 20} MB'
    if n >= 1024 and n % 1024 == 0:
        return f'{n >> 10} KB'
    return f'{n} B'


def ratio(a, b):
    return f'{a / b:.2f}' if a and b else 'n/a'


def times(a, b):
    return f'{a / b:.0f}x' if a and b else 'n/a'


def main():
    c_rows = load(sys.argv[1] if len(sys.argv) > 1 else None)
    js_rows = load(sys.argv[2] if len(sys.argv) > 2 else None)
    oh_rows = load(sys.argv[3] if len(sys.argv) > 3 else None)
    if not c_rows:
        sys.exit('report.py: no livekit-bench results')

    by = {(r['impl'], r['op'], r['codec'], r['size']): r for r in c_rows}
    js = {(r['op'], r['size']): r for r in js_rows if r.get('impl') == 'livekit-client'}
    cases = []
    for r in c_rows:
        k = (r['codec'], r['size'])
        if k not in cases:
            cases.append(k)

    def fps(impl, op, codec, size):
        r = by.get((impl, op, codec, size))
        return r['frames_per_s'] if r else None

    print('| frame | op | ours: frame fn f/s | ours: cryptor f/s | OpenSSL f/s '
          '| frame / OpenSSL | cryptor / OpenSSL | JS worker f/s | frame / JS | cryptor / JS |')
    print('|---|---|--:|--:|--:|--:|--:|--:|--:|--:|')
    for codec, size in cases:
        for op in ('encrypt', 'decrypt'):
            fr = fps('gst-livekit-frame', op, codec, size)
            cr = fps('gst-livekit-cryptor', op, codec, size)
            ref = fps('openssl-evp', op, codec, size)
            j = js.get((op, size)) if codec in ('opus', 'vp8') else None
            jf = j['frames_per_s'] if j else None
            print(f'| {codec} {size_name(size)} | {op} | {si(fr)} | {si(cr)} | {si(ref)} '
                  f'| {ratio(fr, ref)} | {ratio(cr, ref)} | {si(jf)} '
                  f'| {times(fr, jf)} | {times(cr, jf)} |')
    print()
    print('f/s = frames per second, best of the interleaved samples (the C program\'s JSON has the '
          'median too). "frame fn" = gst_livekit_frame_encrypt / gst_livekit_frame_parse + '
          'gst_livekit_frame_decrypt with a GstLiveKitAead; "cryptor" = gst_livekit_cryptor_* with a '
          'GstLiveKitKeyring; OpenSSL = raw EVP AES-128-GCM, key schedule set once, per frame IV init '
          '+ AAD + update + final + tag, same sizes and AAD, same process.')
    print()

    # Opus-sized frames: ns per frame.
    small = [k for k in cases if k[1] <= 128]
    if small:
        print('| 100 B (Opus) | frame fn ns/frame | cryptor ns/frame | OpenSSL ns/frame | JS worker ns/frame |')
        print('|---|--:|--:|--:|--:|')
        for codec, size in small:
            for op in ('encrypt', 'decrypt'):
                vals = [by.get((i, op, codec, size)) for i in
                        ('gst-livekit-frame', 'gst-livekit-cryptor', 'openssl-evp')]
                j = js.get((op, size))
                cells = [f'{v["ns_per_frame"]:.0f}' if v else 'n/a' for v in vals]
                jcell = f'{1e9 / j["frames_per_s"]:,.0f}' if j else 'n/a'
                print(f'| {op} | {" | ".join(cells)} | {jcell} |')
        print()

    # Targets.
    rounds = min(r.get('rounds', 0) for r in c_rows)
    print('Targets:' + (f' (only {rounds} samples per case, e.g. --quick: indicative only)'
                        if rounds < 5 else ''))

    def check(label, ok, detail):
        print(f'- {"PASS" if ok else "MISS"}: {label} ({detail})')

    worst = None
    for codec, size in cases:
        if codec == 'h264' or size < 64 * 1024:
            continue
        for op in ('encrypt', 'decrypt'):
            for impl in ('gst-livekit-frame', 'gst-livekit-cryptor'):
                r = by.get((impl, op, codec, size))
                if r and (worst is None or r['ratio_vs_openssl'] < worst[0]):
                    worst = (r['ratio_vs_openssl'], f'{impl} {op} {codec} {size_name(size)}')
    if worst:
        check('>= 0.85 of raw OpenSSL at 64 KB and above (VP8)', worst[0] >= 0.85,
              f'worst {worst[0]:.2f}: {worst[1]}')
    for codec, size in cases:
        if codec != 'h264':
            continue
        rs = [by.get((i, op, codec, size)) for i in ('gst-livekit-frame', 'gst-livekit-cryptor')
              for op in ('encrypt', 'decrypt')]
        rs = [r for r in rs if r]
        if rs:
            w = min(rs, key=lambda r: r['ratio_vs_openssl'])
            check(f'same bar for the extra H.264 {size_name(size)} row', w['ratio_vs_openssl'] >= 0.85,
                  f'worst {w["ratio_vs_openssl"]:.2f}: {w["impl"]} {w["op"]}')
    ns = [by.get((i, op, c, s)) for (c, s) in small for op in ('encrypt', 'decrypt')
          for i in ('gst-livekit-frame', 'gst-livekit-cryptor')]
    ns = [r for r in ns if r]
    if ns:
        w = max(ns, key=lambda r: r['ns_per_frame'])
        check('<= 2.5 us per 100 B frame', w['ns_per_frame'] <= 2500,
              f'worst {w["ns_per_frame"]:.0f} ns: {w["impl"]} {w["op"]}')
    if js:
        rs = []
        for (c, s) in small:
            for op in ('encrypt', 'decrypt'):
                j = js.get((op, s))
                r = by.get(('gst-livekit-cryptor', op, c, s))
                if j and r:
                    rs.append((r['frames_per_s'] / j['frames_per_s'], op))
        if rs:
            w = min(rs)
            check('>= 20x the JS worker at 100 B (cryptor path)', w[0] >= 20,
                  f'worst {w[0]:.0f}x: {w[1]}')
    else:
        print('- n/a: >= 20x the JS worker at 100 B (JS benchmark not run)')
    print()

    if oh_rows:
        print('What the JS numbers contain (bench/js-overhead.mjs):')
        print()
        print('| measurement | op | size | f/s | us/frame |')
        print('|---|---|--:|--:|--:|')
        for r in oh_rows:
            print(f'| {r["impl"]} ({r["codec"]}) | {r["op"]} | {size_name(r["size"])} '
                  f'| {si(r["frames_per_s"])} | {r["us_per_frame"]:.1f} |')
        print()
        h = [r['us_per_frame'] for r in oh_rows if r['impl'] == 'lkworker-harness']
        if h:
            print('How the JS harness feeds frames (tests/interop/bench-js.mjs, lkworker.mjs, '
                  'lkworker-host.mjs): each call copies every frame (ArrayBuffer.slice) and transfers '
                  'a batch (500 frames at 100 B and 1 KB, 50 at 64 KB, 4 at 1 MB) to a worker thread in '
                  'one postMessage; there each frame is wrapped in an RTCEncoded*Frame, enqueued into '
                  'the bundle\'s ReadableStream followed by a 0-byte sentinel frame, and awaited until '
                  'the sentinel leaves the WritableStream (one frame in flight, one promise round trip '
                  'per frame); results are transferred back per batch.')
            print()
            print(f'lkworker-harness = 0-byte frames, which the bundle passes straight through: '
                  f'{min(h):.0f}-{max(h):.0f} us/frame of harness and stream plumbing that every JS '
                  f'number above includes (an upper bound of the harness share: it also contains the '
                  f'bundle\'s own minimal per-frame stream cost). node-webcrypto = bare crypto.subtle '
                  f'AES-GCM, one awaited call per frame, no harness (Node runs each call on its thread '
                  f'pool, hence tens of us even for 100 B).')
            j100 = [js.get((op, 100)) for op in ('encrypt', 'decrypt')]
            j100 = [j for j in j100 if j]
            if j100:
                worst_js = max(j100, key=lambda j: j['frames_per_s'])
                net_us = 1e6 / worst_js['frames_per_s'] - max(h)
                r = by.get(('gst-livekit-cryptor', worst_js['op'], 'opus', 100))
                if r and net_us > 0:
                    print(f'Even with the whole harness floor subtracted from the faster JS 100 B '
                          f'op ({worst_js["op"]}: {1e6 / worst_js["frames_per_s"]:.0f} us -> '
                          f'{net_us:.0f} us), the cryptor is '
                          f'{net_us * 1e3 / r["ns_per_frame"]:.0f}x faster.')
            print()


if __name__ == '__main__':
    main()
