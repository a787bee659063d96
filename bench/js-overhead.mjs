// What the livekit-client numbers of tests/interop/bench-js.mjs are made of.
//
// 1. impl "lkworker-harness": 0-byte frames through the same LiveKitWorker harness and bundle.
//    The bundle passes empty frames straight through (its DTX path, before any key or crypto
//    work), so this is the per-frame cost of the harness (copy + transfer to the worker thread,
//    one frame at a time through the bundle's streams, a 0-byte sentinel per frame, a promise
//    round trip per frame) plus the bundle's minimal stream pass-through. It is an upper bound of
//    what the harness adds to each real frame.
// 2. impl "node-webcrypto": bare AES-128-GCM through Node's WebCrypto (crypto.subtle), one awaited
//    call per frame with the same clear prefix as AAD, as the bundle's encryptFrame/decryptFrame
//    do, without any stream, frame object or harness. A ceiling for any JS frame cryptor here.
//
// One JSON line per measurement on stdout, same shape as bench-js.mjs.
// Usage: node bench/js-overhead.mjs [seconds-per-case, default 1.0]
import { webcrypto } from 'node:crypto';
import { LiveKitWorker } from '../tests/interop/lkworker.mjs';

const SECONDS = Number(process.argv[2] ?? 1.0);
const subtle = webcrypto.subtle;

async function measure(fn, batch) {
  await fn(); // warm-up
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

function emit(impl, op, size, codec, r, extra = {}) {
  const fps = r.frames / r.seconds;
  console.log(JSON.stringify({ impl, op, size, codec, frames_per_s: Math.round(fps),
    us_per_frame: +(1e6 / fps).toFixed(2), frames: r.frames, seconds: +r.seconds.toFixed(3), ...extra }));
}

// ---- 1. harness floor -----------------------------------------------------------------------
{
  const w = await LiveKitWorker.create({ external: true });
  await w.setKey({ material: 'key1' });
  const batch = 500;
  for (const [codec, kind, type] of [['opus', 'audio', undefined], ['vp8', 'video', 'delta']]) {
    const frames = Array.from({ length: batch }, (_, i) =>
      ({ data: new Uint8Array(0), kind, type, ssrc: 1234, timestamp: 3000 * i }));
    const opts = { codec, trackId: `overhead-${codec}` };
    const enc = await measure(() => w.encrypt(frames, opts), batch);
    const dec = await measure(() => w.decrypt(frames, opts), batch);
    emit('lkworker-harness', 'encrypt', 0, codec, enc);
    emit('lkworker-harness', 'decrypt', 0, codec, dec);
  }
  await w.close();
}

// ---- 2. bare WebCrypto AES-128-GCM --------------------------------------------------------------
{
  const key = await subtle.importKey('raw', new Uint8Array(16).fill(7), { name: 'AES-GCM' }, false,
    ['encrypt', 'decrypt']);
  const CASES = [
    { size: 100, codec: 'opus', clear: 1, batch: 1000 },
    { size: 1024, codec: 'vp8', clear: 3, batch: 1000 },
    { size: 64 * 1024, codec: 'vp8', clear: 3, batch: 100 },
    { size: 1024 * 1024, codec: 'vp8', clear: 3, batch: 8 },
  ];
  for (const c of CASES) {
    const data = new Uint8Array(c.size).fill(0x5a);
    const iv = new Uint8Array(12);
    const aad = data.subarray(0, c.clear);
    const body = data.subarray(c.clear);
    const alg = () => ({ name: 'AES-GCM', iv, additionalData: aad, tagLength: 128 });
    const ct = await subtle.encrypt(alg(), key, body);
    const enc = await measure(async () => {
      for (let i = 0; i < c.batch; i++) {
        iv[11] = i; // fresh IV per frame, as the bundle does
        await subtle.encrypt(alg(), key, body);
      }
    }, c.batch);
    iv[11] = 0;
    const ct0 = await subtle.encrypt(alg(), key, body);
    const dec = await measure(async () => {
      for (let i = 0; i < c.batch; i++) await subtle.decrypt(alg(), key, ct0);
    }, c.batch);
    void ct;
    emit('node-webcrypto', 'encrypt', c.size, c.codec, enc);
    emit('node-webcrypto', 'decrypt', c.size, c.codec, dec);
  }
}
