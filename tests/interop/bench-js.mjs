// Throughput of LiveKit's own e2ee worker (via lkworker.mjs), as a baseline for the C plugin.
// One JSON line per (op, size) on stdout. Numbers are end to end through the harness (copy +
// transfer to the worker thread, one frame at a time through the worker's streams, sentinel per
// frame), i.e. an underestimate of the bare worker. Below ~1 KB that fixed cost (~0.1 ms/frame in
// Node 20) dominates, so compare small-frame numbers with care.
// Usage: node tests/interop/bench-js.mjs [seconds-per-case, default 1.5]
import { LiveKitWorker } from './lkworker.mjs';

const SECONDS = Number(process.argv[2] ?? 1.5);
const CASES = [ // 100 B as Opus (N = 1), larger sizes as VP8 delta frames (N = 3)
  { size: 100, codec: 'opus', kind: 'audio', batch: 500 },
  { size: 1024, codec: 'vp8', kind: 'video', type: 'delta', batch: 500 },
  { size: 64 * 1024, codec: 'vp8', kind: 'video', type: 'delta', batch: 50 },
  { size: 1024 * 1024, codec: 'vp8', kind: 'video', type: 'delta', batch: 4 },
];

async function measure(fn, batch) {
  await fn(); // warm-up (pipeline setup, JIT)
  let frames = 0;
  const t0 = process.hrtime.bigint();
  let dt = 0;
  while (dt < SECONDS) {
    await fn();
    frames += batch;
    dt = Number(process.hrtime.bigint() - t0) / 1e9;
  }
  return { frames, seconds: dt };
}

const w = await LiveKitWorker.create({ external: true });
await w.setKey({ material: 'key1' });
for (const c of CASES) {
  const frames = Array.from({ length: c.batch }, (_, i) => {
    const data = new Uint8Array(c.size).fill(0x5a);
    data[0] = c.kind === 'audio' ? 0xfc : 0x31; // Opus TOC / VP8 delta frame tag
    return { data, kind: c.kind, type: c.type, ssrc: 1234, timestamp: 3000 * i };
  });
  const opts = { codec: c.codec, trackId: `bench-${c.size}` };
  const enc = await measure(() => w.encrypt(frames, opts), c.batch);
  const cts = await w.encrypt(frames, opts);
  if (cts.some((x) => !x)) throw new Error('worker dropped a frame while encrypting');
  const ctFrames = frames.map((f, i) => ({ ...f, data: cts[i] }));
  const dec = await measure(async () => {
    const pts = await w.decrypt(ctFrames, opts);
    if (pts.some((x) => !x)) throw new Error('worker dropped a frame while decrypting');
  }, c.batch);
  for (const [op, r] of [['encrypt', enc], ['decrypt', dec]]) {
    console.log(JSON.stringify({ impl: 'livekit-client', op, size: c.size, codec: c.codec,
      frames_per_s: Math.round(r.frames / r.seconds), frames: r.frames, seconds: +r.seconds.toFixed(3) }));
  }
}
await w.close();
