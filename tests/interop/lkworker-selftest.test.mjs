// Self-test of lkworker.mjs: proves the harness really drives LiveKit's e2ee worker and pins down
// what that worker produces, against spec sections 2, 6-8 and 15 (shared/spec/livekit-e2ee.md).
// Run: node --test tests/interop/
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LiveKitWorker, hex, unhex } from './lkworker.mjs';

const EXTERNAL = { external: true }; // ExternalE2EEKeyProvider: shared, window 0, tolerance -1

async function withWorker(opts, fn) {
  const w = await LiveKitWorker.create(opts);
  try { return await fn(w); } finally { await w.close(); }
}

// Inverse of writeRbsp (spec 6.2), only used to inspect H.26x outputs.
function unescape(b) {
  const o = [];
  for (let i = 0; i < b.length; i++) {
    if (i + 2 < b.length && b[i] === 0 && b[i + 1] === 0 && b[i + 2] === 3) { o.push(0, 0); i += 2; } else o.push(b[i]);
  }
  return Uint8Array.from(o);
}

// Split an encrypted frame per spec 6.1/6.3 (N = clear header length).
function parse(frame, n, nal = false) {
  const body = nal ? unescape(frame.subarray(n)) : frame.subarray(n);
  const kid = body.at(-1), ivLen = body.at(-2);
  const iv = body.subarray(body.length - 2 - ivLen, body.length - 2);
  const dv = new DataView(iv.buffer, iv.byteOffset, 12);
  return { header: frame.subarray(0, n), ctLen: body.length - 2 - ivLen, ivLen, kid,
    ivSsrc: dv.getUint32(0), ivTs: dv.getUint32(4), ivCnt: dv.getUint32(8) };
}

const seq = (a, b) => Uint8Array.from({ length: b - a + 1 }, (_, i) => a + i);

test('1. decrypts the JS-generated frames of spec 15.1 (PBKDF2 "key1", KID 1, codec unknown)', async () => {
  await withWorker(EXTERNAL, async (w) => {
    await w.setKey({ material: 'key1', keyIndex: 1 });
    const A = unhex('0102030405060708090a fe605b6fbb841f0ccf8811dde974ae063225d64777c4 ffffffff00000000ffffc733 0c 01');
    const B = unhex('6302030405060708090a 9a6cd1effd21486f0d7d0a651cd18da200eebdfe429c ffffffff00000000ffff60f7 0c 01');
    const [a, b] = await w.decrypt([{ data: A, kind: 'video', type: 'key' }, { data: B, kind: 'video', type: 'key' }]);
    assert.equal(hex(a), hex(seq(1, 16)));
    assert.equal(hex(b), '63' + hex(seq(2, 16)));
    assert.deepEqual(w.events, []);
    // Codec unknown: the worker tried NAL parsing, failed and fell back to the VP8 rule (spec 8.7).
    assert.ok(w.logs.some((l) => /NALU processing failed/.test(l.msg)));
  });
});

// Spec 15.3 vectors were made by an independent model; with the IV counter start pinned, the real
// worker must reproduce them byte for byte.
const V153 = [
  { name: 'opus', codec: 'opus', kid: 0, cnt: 5, n: 1,
    f: { kind: 'audio', ssrc: 0x11223344, timestamp: 0x1000 },
    in: 'f80102030405060708090a0b0c0d0e0f10111213',
    out: 'f827688f66bf8236e92d0c2f77be4b86bb9b644b1fd429f1d15285487af423863b671f7f112233440000100000000ffb0c00' },
  { name: 'vp8 delta', codec: 'vp8', kid: 2, cnt: 1000, n: 3,
    f: { kind: 'video', type: 'delta', ssrc: 0xdeadbeef, timestamp: 90000 },
    in: '310200404142434445464748494a4b4c4d4e4f',
    out: '310200c5313e6127e4b0200c7a1f08f3634b50cf35fed68ad3123951508b9b065d1a49deadbeef00015f9000015ba80c02' },
  { name: 'h264 AU (IV escaping)', codec: 'h264', kid: 0, cnt: 0, n: 44, nal: true,
    f: { kind: 'video', type: 'key', ssrc: 1, timestamp: 2 },
    in: '000000016742c01f0fd91f888884000003000400000300c83c60c920000000016887cb83cb2000000001658884000000010203000000ff',
    out: '000000016742c01f0fd91f888884000003000400000300c83c60c920000000016887cb83cb200000000165886486e622fbee64191dca818808dca11800f2a2816230e8574692090000030001000003000200000300020c00' },
];

for (const v of V153) {
  test(`2a. reproduces spec 15.3 ${v.name} vector exactly and decrypts it back`, async (t) => {
    await withWorker({ ...EXTERNAL, initialSendCount: v.cnt }, async (w) => {
      await w.setKey({ material: 'key1', keyIndex: v.kid || undefined }); // undefined => slot 0, like External
      const [ct] = await w.encrypt([{ ...v.f, data: unhex(v.in) }], { codec: v.codec });
      t.diagnostic(`${v.name}: ${hex(ct)}`);
      assert.equal(hex(ct), v.out);
      const [pt] = await w.decrypt([{ ...v.f, data: ct }], { codec: v.codec });
      assert.equal(hex(pt), v.in);
    });
  });
}

const H265_AU = '0000000140010c01ffff016000000300b0000003000003005dac09' +
  '00000001420101016000000300b0000003000003005da00280802d165bab' +
  '000000014401c172b46240' +
  '000000012601af0612c0ffee00000001020300';
const ROUND_TRIPS = [
  { name: 'opus', codec: 'opus', n: 1, f: { kind: 'audio' }, data: unhex('fc' + '55'.repeat(159)) },
  { name: 'opus 1-byte', codec: 'opus', n: 1, f: { kind: 'audio' }, data: unhex('f8') },
  { name: 'vp8 key', codec: 'vp8', n: 10, f: { kind: 'video', type: 'key' }, data: unhex('b00b009d012a8000800000' + 'aa'.repeat(500)) },
  { name: 'vp8 delta', codec: 'vp8', n: 3, f: { kind: 'video', type: 'delta' }, data: unhex('3103009e' + '11'.repeat(300)) },
  { name: 'vp9', codec: 'vp9', n: 0, f: { kind: 'video', type: 'key' }, data: unhex('8249834200' + '22'.repeat(200)) },
  { name: 'h264', codec: 'h264', n: 44, nal: true, f: { kind: 'video', type: 'key' }, data: unhex(V153[2].in) },
  { name: 'h265', codec: 'h265', n: 74, nal: true, f: { kind: 'video', type: 'key' }, data: unhex(H265_AU) },
];

test('2b. encrypt -> decrypt round trips (structure per spec 6-8)', async (t) => {
  await withWorker(EXTERNAL, async (w) => {
    await w.setKey({ material: 'key1', keyIndex: 3 });
    for (const [i, r] of ROUND_TRIPS.entries()) {
      const f = { ...r.f, ssrc: 1000 + i, timestamp: 90000 * i };
      const [ct] = await w.encrypt([{ ...f, data: r.data }], { codec: r.codec });
      const p = parse(ct, r.n, r.nal);
      t.diagnostic(`${r.name}: ${r.data.length} -> ${ct.length} bytes, N=${r.n}, KID=${p.kid}`);
      assert.equal(hex(p.header), hex(r.data.subarray(0, r.n)), `${r.name}: clear header`);
      assert.equal(p.ctLen, r.data.length - r.n + 16, `${r.name}: ciphertext+tag length`);
      assert.equal(p.ivLen, 12); assert.equal(p.kid, 3);
      assert.equal(p.ivSsrc, f.ssrc); assert.equal(p.ivTs, f.timestamp);
      assert.ok(((f.timestamp - p.ivCnt) >>> 0) < 0xffff, `${r.name}: IV word 3 = ts - sendCount`);
      if (!r.nal) assert.equal(ct.length, r.data.length + 30);
      const [pt] = await w.decrypt([{ ...f, data: ct }], { codec: r.codec });
      assert.equal(hex(pt), hex(r.data), `${r.name}: round trip`);
    }
    // Empty (DTX) frames pass through untouched both ways (spec 8).
    const [e] = await w.encrypt([{ kind: 'audio', data: new Uint8Array(0) }], { codec: 'opus' });
    assert.equal(e.length, 0);
    assert.deepEqual(w.events, []);
  });
});

test('2c. H.264 clear prefix: 3-byte start codes are rewritten to 4-byte ones by the sender', async () => {
  // Not in spec 8.5 ("clear prefix unchanged"): encodeFunction runs normalizeAnnexBStartCodes on
  // the header (= AAD), so output and decrypted plaintext differ from the input AU.
  await withWorker(EXTERNAL, async (w) => {
    await w.setKey({ material: 'key1' });
    const au = unhex('0000016742c01f0fd9 0000016887cb 000001658884aabbccdd');
    const f = { kind: 'video', type: 'key', ssrc: 5, timestamp: 0x100000 };
    const [ct] = await w.encrypt([{ ...f, data: au }], { codec: 'h264' });
    assert.equal(hex(ct.subarray(0, 23)), '000000016742c01f0fd9000000016887cb000000016588');
    const [pt] = await w.decrypt([{ ...f, data: ct }], { codec: 'h264' });
    assert.equal(hex(pt), '000000016742c01f0fd9000000016887cb00000001658884aabbccdd');
  });
});

test('3. tampered / unknown-key frames are dropped, events attributed to the frame', async () => {
  await withWorker(EXTERNAL, async (w) => {
    await w.setKey({ material: 'key1' });
    const f = { kind: 'video', type: 'delta', ssrc: 7, timestamp: 3000 };
    const data = unhex('310200' + '44'.repeat(64));
    const [ct] = await w.encrypt([{ ...f, data }], { codec: 'vp8' });
    const bad = (pos) => ct.map((x, i) => (i === pos ? x ^ 0x80 : x));
    const wrongKid = ct.slice(); wrongKid[wrongKid.length - 1] = 5;
    const outs = await w.decrypt([
      { ...f, data: ct }, // ok
      { ...f, data: bad(1) }, // clear header (AAD)
      { ...f, data: bad(10) }, // ciphertext
      { ...f, data: bad(ct.length - 5) }, // IV
      { ...f, data: wrongKid }, // empty slot
      { ...f, data: ct }, // still ok afterwards (tolerance -1)
    ], { codec: 'vp8' });
    assert.deepEqual(outs.map((o) => o && hex(o)), [hex(data), null, null, null, null, hex(data)]);
    // Throttled (spec 4.2.8): only the first error per reason in the window is reported.
    assert.deepEqual(w.events.map((e) => [e.type, e.reason, e.frame]),
      [['error', 'InvalidKey', 1], ['error', 'MissingKey', 4]]);
  });
});

test('4a. ratchet chain keys equal spec 2.3 values (PBKDF2 and HKDF)', async () => {
  await withWorker({ sharedKey: false }, async (w) => {
    await w.setKey({ material: 'password', keyIndex: 0, participantIdentity: 'p' });
    const [r1] = await w.ratchetKey({ participantIdentity: 'p' });
    assert.equal(hex(r1.chainKey), '421890b1557504a8ea1a90c253b419e4e1a3a43283f7115909d6fce6926e5e5f');
    await w.setKey({ material: seq(0, 31), keyIndex: 4, participantIdentity: 'h' });
    const [r2] = await w.ratchetKey({ participantIdentity: 'h' });
    assert.equal(hex(r2.chainKey), '6d0dd7b3d6f4efde47ab9a9e15abde7635c45a13bddf5da15eed01f40178d328');
    assert.equal(r2.keyIndex, 4);
  });
});

const frame = (i) => ({ kind: 'video', type: 'delta', ssrc: 9, timestamp: 1000 * i, data: unhex('310200' + '5a'.repeat(40)) });

test('4b. auto-ratchet, per-participant keys (window 8): receiver follows one sender ratchet, emits keyRatcheted', async () => {
  const opts = { sharedKey: false, ratchetWindowSize: 8 };
  const id = { participantIdentity: 'alice', codec: 'vp8' };
  const [tx, rx] = await Promise.all([LiveKitWorker.create(opts), LiveKitWorker.create(opts)]);
  try {
    await tx.setKey({ material: 'key1', keyIndex: 2, participantIdentity: 'alice' });
    await rx.setKey({ material: 'key1', keyIndex: 2, participantIdentity: 'alice' });
    const [sent] = await tx.ratchetKey({ participantIdentity: 'alice' });
    assert.equal(sent.keyIndex, 2);
    const cts = await tx.encrypt([frame(1), frame(2)], id);
    const pts = await rx.decrypt(cts.map((data, i) => ({ ...frame(i + 1), data })), id);
    assert.deepEqual(pts.map(hex), [hex(frame(1).data), hex(frame(2).data)]);
    const evs = rx.events.filter((e) => e.type === 'keyRatcheted');
    assert.equal(evs.length, 1); // committed on frame 0, frame 1 used the stored key
    assert.equal(evs[0].frame, 0); assert.equal(evs[0].keyIndex, 2);
    assert.equal(hex(evs[0].chainKey), hex(sent.chainKey));
    assert.deepEqual(rx.events.filter((e) => e.type === 'error'), []);
  } finally { await Promise.all([tx.close(), rx.close()]); }
});

test('4c. auto-ratchet, sharedKey true (window 8): decrypts and commits, but no keyRatcheted event', async () => {
  const opts = { sharedKey: true, ratchetWindowSize: 8 };
  const [tx, rx] = await Promise.all([LiveKitWorker.create(opts), LiveKitWorker.create(opts)]);
  try {
    await tx.setKey({ material: 'key1' });
    await rx.setKey({ material: 'key1' });
    assert.deepEqual(await tx.ratchetKey(), []); // shared handler has no KeyRatcheted listener
    const [ct] = await tx.encrypt([frame(1)], { codec: 'vp8' });
    const [pt] = await rx.decrypt([{ ...frame(1), data: ct }], { codec: 'vp8' });
    assert.equal(hex(pt), hex(frame(1).data));
    assert.deepEqual(rx.events, []);
    // The commit is real: the receiver's own sends now use the ratcheted key (one shared handler,
    // spec 4.2.5), so the sender - which cannot ratchet backwards - decrypts them.
    const [back] = await rx.encrypt([frame(2)], { codec: 'vp8', trackId: 'rx-send' });
    const [ok] = await tx.decrypt([{ ...frame(2), data: back }], { codec: 'vp8' });
    assert.equal(hex(ok), hex(frame(2).data));
  } finally { await Promise.all([tx.close(), rx.close()]); }
});

test('4d. JS follows only one ratchet step per frame (spec 4.2.5): two sender ratchets -> dropped', async () => {
  const opts = { sharedKey: true, ratchetWindowSize: 8 };
  const [tx, rx] = await Promise.all([LiveKitWorker.create(opts), LiveKitWorker.create(opts)]);
  try {
    await tx.setKey({ material: 'key1' });
    await rx.setKey({ material: 'key1' });
    await tx.ratchetKey(); await tx.ratchetKey();
    const [ct] = await tx.encrypt([frame(1)], { codec: 'vp8' });
    const [pt] = await rx.decrypt([{ ...frame(1), data: ct }], { codec: 'vp8' });
    assert.equal(pt, null);
    assert.deepEqual(rx.events.map((e) => [e.type, e.reason]), [['error', 'InvalidKey']]);
    assert.match(rx.events[0].message, /valid key missing/); // "maximum ratchet attempts exceeded" path
  } finally { await Promise.all([tx.close(), rx.close()]); }
});

test('5. data packets (spec 12): encryptData/decryptData round trip, wrong key index rejected', async () => {
  await withWorker(EXTERNAL, async (w) => {
    await w.setKey({ material: 'key1' });
    const msg = new TextEncoder().encode('hello data channel');
    const { payload, iv, keyIndex } = await w.encryptData(msg);
    assert.equal(payload.length, msg.length + 16); assert.equal(iv.length, 12); assert.equal(keyIndex, 0);
    assert.equal(hex(await w.decryptData(payload, iv, keyIndex)), hex(msg));
    assert.equal(await w.decryptData(payload, iv, 1), null);
  });
});
