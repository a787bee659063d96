// Runs inside a node:worker_threads Worker (spawned by lkworker.mjs) and hosts LiveKit's real
// e2ee worker bundle there. One thread per LiveKitWorker, because the bundle keeps all of its state
// (key handlers, cryptors, options) in module globals, exactly like one browser Worker: a sender and
// a receiver must not share it or a ratchet on one side would silently ratchet the other.
//
// Everything below the shims only speaks the bundle's own message protocol (onmessage/postMessage
// with {kind, data}). No crypto happens here: the bundle calls WebCrypto itself.
import { parentPort, workerData } from 'node:worker_threads';

// ---- browser DedicatedWorkerGlobalScope shims -------------------------------------------------
globalThis.self = globalThis; // the bundle probes self.RTCTransformEvent
globalThis.onmessage = null; // ES modules are strict: `onmessage = ...` needs an existing global
globalThis.postMessage = (msg) => fromWorker(msg);

// Shaped like Chrome's encoded frames, because the bundle distinguishes video from audio with
// `'type' in frame` and calls getMetadata().synchronizationSource / payloadType / mimeType.
class RTCEncodedVideoFrame {
  #meta;
  constructor({ data, type, timestamp, meta }) {
    Object.assign(this, { data, type, timestamp });
    this.#meta = meta;
  }
  getMetadata() { return { ...this.#meta }; }
}
class RTCEncodedAudioFrame { // no `type` property on purpose (the bundle's audio test)
  #meta;
  constructor({ data, timestamp, meta }) {
    Object.assign(this, { data, timestamp });
    this.#meta = meta;
  }
  getMetadata() { return { ...this.#meta }; }
}
// decryptFrame() does `frame instanceof RTCEncodedAudioFrame` while auto-ratcheting.
Object.assign(globalThis, { RTCEncodedVideoFrame, RTCEncodedAudioFrame });

// The only Math.random() call in the bundle picks the per-SSRC sendCount start (IV bytes 8-11).
// Pinning it makes the IVs, and so whole encrypted frames, reproducible for test vectors.
if (workerData.initialSendCount !== undefined) {
  const r = (workerData.initialSendCount + 0.5) / 0xffff;
  Math.random = () => r;
}

// Count in-flight WebCrypto calls. 'ratchetRequest' is fire-and-forget inside the bundle (no ack,
// and no event in shared-key mode), so "queue drained and no crypto pending" is the only reliable
// way to know a ratchet has landed before the next frame is fed.
let inflight = 0;
for (const m of ['encrypt', 'decrypt', 'deriveBits', 'deriveKey', 'importKey']) {
  const orig = crypto.subtle[m].bind(crypto.subtle);
  crypto.subtle[m] = (...a) => { inflight++; return orig(...a).finally(() => inflight--); };
}
async function settle() {
  // Continuations of a settled crypto promise run as microtasks before the check phase, so a
  // chained call would already be counted when setImmediate fires.
  do await new Promise((r) => setImmediate(r)); while (inflight > 0);
}

await import('livekit-client/e2ee-worker');
const toWorker = (msg) => globalThis.onmessage({ data: msg });

// ---- messages coming out of the bundle --------------------------------------------------------
let current = { call: 0, frame: -1 }; // which fed frame an event belongs to (frames go one by one)
const echoWaiters = new Map(); // 'enable' message object -> resolve (the bundle echoes it back)
const uuidWaiters = new Map(); // data-packet request uuid -> resolve

function safe(v) {
  try { return JSON.parse(JSON.stringify(v, (k, x) => (x instanceof Error ? x.message : x))); }
  catch { return String(v); }
}

function fromWorker(msg) {
  const { kind, data } = msg;
  if (echoWaiters.has(msg)) { echoWaiters.get(msg)(); echoWaiters.delete(msg); return; }
  if (data?.uuid && uuidWaiters.has(data.uuid)) { uuidWaiters.get(data.uuid)(msg); return; }
  const at = { call: current.call, frame: current.frame };
  if (kind === 'log') {
    if (String(data.msg).includes('\0barrier')) return; // our own markers
    parentPort.postMessage({ log: { level: data.level, msg: data.msg, context: safe(data.context), ...at } });
  } else if (kind === 'error') {
    const m = /^(\w+): ([\s\S]*)$/.exec(data.error.message) ?? [null, undefined, data.error.message];
    parentPort.postMessage({ event: { type: 'error', reason: m[1], message: m[2],
      participantIdentity: data.participantIdentity, ...at } });
  } else if (kind === 'ratchetKey') {
    parentPort.postMessage({ event: { type: 'keyRatcheted', participantIdentity: data.participantIdentity,
      keyIndex: data.keyIndex, chainKey: new Uint8Array(data.ratchetResult.chainKey), ...at } });
  } else if (kind !== 'initAck' && kind !== 'enable') { // (acks)
    parentPort.postMessage({ event: { type: kind, data: safe(data), ...at } });
  }
}

// Post one protocol message, then wait until the bundle's serial queue has reached a marker
// behind it (the 'enable' echo) and no crypto it started is still running.
let barrierSeq = 0;
async function post(msg) {
  toWorker(msg);
  const marker = { kind: 'enable', data: { participantIdentity: `\0barrier${barrierSeq++}`, enabled: false } };
  await new Promise((r) => { echoWaiters.set(marker, r); toWorker(marker); });
  await settle();
}

// ---- encode/decode pipelines: one ReadableStream/WritableStream pair per (op, identity, track) -
// Drop detection: the bundle passes 0-byte frames straight through in both directions (DTX path,
// before any key/state logic), and never reorders. So each frame is followed by a fresh 0-byte
// sentinel; when the sentinel comes out, the frame before it has either come out too (same
// object, mutated in place) or was dropped. Feeding one frame at a time also lets us tag the
// bundle's error/ratchet events with the frame that caused them.
const pipes = new Map();
const enabled = new Set();

async function pipe(op, { participantIdentity, trackId, codec }) {
  const key = JSON.stringify([op, participantIdentity, trackId]);
  let p = pipes.get(key);
  if (p && p.codec !== codec) throw new Error(`track ${trackId} already set up with codec ${p.codec}; use another trackId`);
  if (p) return p;
  p = { codec, waiter: null, dead: null };
  const fail = (why) => { p.dead = why; p.waiter?.reject(new Error(`pipeline died: ${why}`)); };
  const readableStream = new ReadableStream({
    start(c) { p.ctrl = c; },
    cancel(r) { fail(r?.message ?? r); },
  });
  const writableStream = new WritableStream({
    write(f) {
      const w = p.waiter;
      if (!w) throw new Error('output without input');
      if (f === w.sentinel) { p.waiter = null; w.resolve(w.out); }
      else if (f === w.frame) w.out = f;
      else w.reject(new Error('worker produced an unknown frame object'));
    },
    abort(r) { fail(r?.message ?? r); },
  });
  if (!enabled.has(participantIdentity)) {
    await post({ kind: 'enable', data: { participantIdentity, enabled: true } });
    enabled.add(participantIdentity);
  }
  // trackId namespaced by op+identity: the bundle looks cryptors up by trackId alone.
  await post({ kind: op, data: { participantIdentity, trackId: `${op}/${participantIdentity}/${trackId}`,
    codec, readableStream, writableStream, hasPacketTrailer: false } });
  pipes.set(key, p);
  return p;
}

function makeFrame(f) {
  const meta = { synchronizationSource: f.ssrc, payloadType: f.payloadType, rtpTimestamp: f.timestamp };
  if (f.mimeType) meta.mimeType = f.mimeType;
  const init = { data: f.data, type: f.type, timestamp: f.timestamp ?? 0, meta };
  return f.kind === 'audio' ? new RTCEncodedAudioFrame(init) : new RTCEncodedVideoFrame(init);
}

async function run(op, opts, frames) {
  const p = await pipe(op, opts);
  const outs = [];
  for (let i = 0; i < frames.length; i++) {
    if (p.dead) throw new Error(`pipeline died: ${p.dead}`);
    current.frame = i;
    const frame = makeFrame(frames[i]);
    const sentinel = new RTCEncodedAudioFrame({ data: new ArrayBuffer(0), timestamp: 0, meta: {} });
    const out = await new Promise((resolve, reject) => {
      p.waiter = { frame, sentinel, out: null, resolve, reject };
      p.ctrl.enqueue(frame);
      p.ctrl.enqueue(sentinel);
    });
    outs.push(out ? out.data : null);
  }
  current.frame = -1;
  return outs;
}

// Data-packet encryption (section 12 of the spec): the bundle answers these by uuid.
let uuidSeq = 0;
function dataRequest(kind, data) {
  const uuid = `u${uuidSeq++}`;
  return new Promise((r) => { uuidWaiters.set(uuid, (m) => { uuidWaiters.delete(uuid); r(m); }); toWorker({ kind, data: { ...data, uuid } }); });
}

// ---- RPC from lkworker.mjs --------------------------------------------------------------------
parentPort.on('message', async ({ id, op, args }) => {
  current = { call: id, frame: -1 };
  try {
    let result;
    if (op === 'post') result = await post(args);
    else if (op === 'encode' || op === 'decode') result = await run(op, args.opts, args.frames);
    else if (op === 'data') result = await dataRequest(args.kind, args.data);
    else throw new Error(`unknown op ${op}`);
    const transfer = Array.isArray(result) ? result.filter(Boolean) : [];
    parentPort.postMessage({ id, result }, transfer);
  } catch (e) {
    parentPort.postMessage({ id, error: e?.stack ?? String(e) });
  }
});
parentPort.postMessage({ ready: true });
