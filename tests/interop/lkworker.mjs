// Drive LiveKit's real e2ee worker (livekit-client/e2ee-worker, the bundle a browser loads as its
// E2EE Worker) from Node, to produce and check frames for interop with the C plugin.
// All encryption, decryption, key derivation and ratcheting happen inside that bundle; keys are
// imported on this side with livekit-client's own exported helpers, exactly as
// ExternalE2EEKeyProvider.setKey does (string -> PBKDF2 material, buffer -> HKDF material).
//
//   const w = await LiveKitWorker.create({ sharedKey: true, ratchetWindowSize: 0, failureTolerance: -1 });
//   await w.setKey({ material: 'key1', keyIndex: 1 });
//   const [ct] = await w.encrypt([{ data, kind: 'video', type: 'key', ssrc: 1, timestamp: 0 }], { codec: 'vp8' });
//   const [pt] = await w.decrypt([{ data: ct, kind: 'video', type: 'key' }], { codec: 'vp8' });
//   await w.close();
//
// See lkworker-host.mjs for the thread side (shims, drop detection, barriers).
import { Worker } from 'node:worker_threads';
import {
  BaseKeyProvider, ExternalE2EEKeyProvider,
  createKeyMaterialFromBuffer, createKeyMaterialFromString,
} from 'livekit-client';

export class LiveKitWorker {
  #thread; #seq = 1; #pending = new Map(); #chain = Promise.resolve();
  /** Error ('error': reason InvalidKey|MissingKey|InternalError, throttled by the bundle) and
   *  'keyRatcheted' events, in the order the bundle posted them. `frame` = index within the
   *  encrypt/decrypt call that caused it (-1 outside frame processing), `call` = call id. */
  events = [];
  /** The bundle's own log lines at or above `loglevel` (default 'warn'). */
  logs = [];
  /** The KeyProviderOptions actually sent in 'init'. */
  options;

  /**
   * @param {object} o  KeyProviderOptions fields (sharedKey, ratchetSalt, ratchetWindowSize,
   *   failureTolerance, keyringSize, keySize) completed with livekit-client's own defaults via
   *   `new BaseKeyProvider(o).getOptions()`; with `external: true` they go through
   *   ExternalE2EEKeyProvider instead (which forces sharedKey/window 0/tolerance -1).
   *   `loglevel`: the bundle's log level. `initialSendCount`: pin the IV counter start (0..0xfffe)
   *   for reproducible frames; omitted = random, as in a browser.
   */
  static async create(o = {}) {
    const { external, loglevel = 'warn', initialSendCount, ...kp } = o;
    const w = new LiveKitWorker();
    w.options = external ? new ExternalE2EEKeyProvider(kp).getOptions() : new BaseKeyProvider(kp).getOptions();
    w.#thread = new Worker(new URL('./lkworker-host.mjs', import.meta.url), { workerData: { initialSendCount } });
    await new Promise((resolve, reject) => {
      // A dead thread must fail every outstanding call instead of hanging the test run.
      const die = (e) => {
        reject(e);
        for (const p of w.#pending.values()) p.reject(e instanceof Error ? e : new Error(`worker thread exited (${e})`));
        w.#pending.clear();
      };
      w.#thread.on('error', die).on('exit', die);
      w.#thread.on('message', (m) => {
        if (m.ready) return resolve();
        if (m.event) return w.events.push(m.event);
        if (m.log) return w.logs.push(m.log);
        const p = w.#pending.get(m.id);
        w.#pending.delete(m.id);
        if (m.error) p.reject(new Error(m.error)); else p.resolve(m.result);
      });
    });
    await w.post('init', { keyProviderOptions: w.options, loglevel });
    return w;
  }

  // Calls are serialized: the thread tags events with the call in progress, and frame order
  // across calls must match the order the caller issued them.
  #rpc(op, args, transfer = []) {
    const run = () => new Promise((resolve, reject) => {
      const id = this.#seq++;
      this.#pending.set(id, { resolve, reject });
      this.#thread.postMessage({ id, op, args }, transfer);
    });
    const p = this.#chain.then(run, run);
    this.#chain = p.catch(() => {});
    return p;
  }

  /** Post any raw worker-protocol message ({kind, data}); resolves once the worker has handled it. */
  post(kind, data) { return this.#rpc('post', { kind, data }); }

  /** Like BaseKeyProvider.onSetEncryptionKey -> E2EEManager.postKey: a given keyIndex also becomes
   *  the current (sending) index; without one the key goes to slot 0 and the index is unchanged
   *  (ExternalE2EEKeyProvider behaviour). material: string (PBKDF2) or Uint8Array/ArrayBuffer (HKDF). */
  async setKey({ material, keyIndex, participantIdentity }) {
    const key = typeof material === 'string'
      ? await createKeyMaterialFromString(material)
      : await createKeyMaterialFromBuffer(toArrayBuffer(material));
    return this.post('setKey', { participantIdentity, isPublisher: false, key, keyIndex,
      updateCurrentKeyIndex: keyIndex !== undefined });
  }

  /** Like keyProvider.ratchetKey(identity, index): 'ratchetRequest'. Returns the keyRatcheted
   *  events it produced (none in sharedKey mode: the shared handler has no listener). */
  async ratchetKey({ participantIdentity, keyIndex } = {}) {
    const n = this.events.length;
    await this.post('ratchetRequest', { participantIdentity, keyIndex });
    return this.events.slice(n).filter((e) => e.type === 'keyRatcheted');
  }

  /** Set the room's SIF trailer (JoinResponse.sif_trailer) as the E2EEManager does. */
  setSifTrailer(trailer) { return this.post('setSifTrailer', { trailer: new Uint8Array(trailer) }); }

  /**
   * frames: [{ data: Uint8Array, kind: 'audio'|'video', type: 'key'|'delta' (video), ssrc,
   *   timestamp, payloadType?, mimeType? }]. opts: { participantIdentity = 'lk-interop',
   *   codec: 'vp8'|'vp9'|'h264'|'h265'|'av1'|'opus'|undefined (undefined = unknown, the bundle
   *   auto-detects NALs and falls back to the VP8 rule), trackId }.
   * Resolves to one entry per frame: Uint8Array, or null when the worker dropped the frame.
   */
  encrypt(frames, opts) { return this.#frames('encode', frames, opts); }
  decrypt(frames, opts) { return this.#frames('decode', frames, opts); }

  async #frames(op, frames, opts = {}) {
    const { participantIdentity = 'lk-interop', codec } = opts;
    const o = { participantIdentity, codec: codec === 'opus' ? undefined : codec, // audio ignores codec
      trackId: opts.trackId ?? `${codec ?? 'unknown'}` };
    const fs = frames.map((f) => ({ ...f, data: toArrayBuffer(f.data) }));
    const outs = await this.#rpc(op, { opts: o, frames: fs }, fs.map((f) => f.data));
    return outs.map((b) => (b ? new Uint8Array(b) : null));
  }

  /** Data-packet encryption (EncryptedPacket): { payload, iv, keyIndex }. */
  async encryptData(payload, { participantIdentity = 'lk-interop' } = {}) {
    const m = await this.#rpc('data', { kind: 'encryptDataRequest', data: { payload: new Uint8Array(payload), participantIdentity } });
    const { payload: p, iv, keyIndex } = m.data;
    return { payload: p, iv, keyIndex };
  }

  /** Returns the plaintext, or null if the worker reported an error. */
  async decryptData(payload, iv, keyIndex, { participantIdentity = 'lk-interop' } = {}) {
    const m = await this.#rpc('data', { kind: 'decryptDataRequest',
      data: { payload: new Uint8Array(payload), iv: new Uint8Array(iv), keyIndex, participantIdentity } });
    return m.kind === 'decryptDataResponse' ? m.data.payload : null;
  }

  async close() { await this.#chain; await this.#thread.terminate(); }
}

// Always copy: the copy is transferred to the thread, and callers keep their buffers intact.
function toArrayBuffer(d) {
  if (d instanceof ArrayBuffer) return d.slice(0);
  const u = d instanceof Uint8Array ? d : Uint8Array.from(d);
  return u.buffer.slice(u.byteOffset, u.byteOffset + u.byteLength);
}

export const hex = (u) => Buffer.from(u).toString('hex');
export const unhex = (s) => new Uint8Array(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
