// The GStreamer elements against LiveKit's own e2ee worker (livekit-client):
//   LiveKit encrypts real encoder output -> files -> gst-launch ... livekitdecrypt -> plaintext
//   gst-launch ... livekitencrypt -> files -> LiveKit decrypts -> plaintext
// Frames come from gen-fixtures.mjs (GStreamer's encoders). The key is a passphrase given to
// livekit-client as a string (PBKDF2) and to the elements through shared-key-file.
//
// Env: LK_PLUGIN_PATH  build dir of the plugin (default ../../build/plugins/livekit)
import { describe, test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtemp, rm, writeFile, readFile, readdir, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LiveKitWorker } from './lkworker.mjs';
import { generateFixtures, loadFixtures, nalStarts } from './gen-fixtures.mjs';

const run = promisify(execFile);
const PLUGIN = process.env.LK_PLUGIN_PATH
  ?? fileURLToPath(new URL('../../build/plugins/livekit', import.meta.url));
const KEY = 'element interop pass phrase';

const CAPS = {
  opus: 'audio/x-opus,channel-mapping-family=0',
  vp8: 'video/x-vp8',
  vp9: 'video/x-vp9',
  h264: 'video/x-h264,stream-format=byte-stream,alignment=au',
  h265: 'video/x-h265,stream-format=byte-stream,alignment=au',
};

let dir;
let FIX;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lk-element-interop-'));
  await generateFixtures(join(dir, 'fixtures'));
  FIX = await loadFixtures(join(dir, 'fixtures'));
  await writeFile(join(dir, 'key'), KEY + '\n', { mode: 0o600 });
});
after(() => rm(dir, { recursive: true, force: true }));

async function writeFrames(sub, frames) {
  const d = join(dir, sub);
  await mkdir(d, { recursive: true });
  await Promise.all(frames.map((f, i) => writeFile(join(d, `f-${String(i).padStart(5, '0')}.bin`), f)));
  return d;
}

async function readFrames(d) {
  const names = (await readdir(d)).filter((n) => n.startsWith('o-')).sort();
  return Promise.all(names.map(async (n) => new Uint8Array(await readFile(join(d, n)))));
}

/** Runs frames through one element (one buffer per file, as multifilesrc reads them). */
async function throughElement(sub, codec, element, frames, keyFile = join(dir, 'key')) {
  const d = await writeFrames(sub, frames);
  await run('gst-launch-1.0', ['-q',
    'multifilesrc', `location=${join(d, 'f-%05d.bin')}`, `caps=${CAPS[codec]}`, '!',
    ...element.split(' '), `shared-key-file=${keyFile}`, '!',
    'multifilesink', `location=${join(d, 'o-%05d.bin')}`], {
    env: { ...process.env, GST_PLUGIN_PATH: PLUGIN },
  });
  return readFrames(d);
}

// LiveKit sends the H.26x clear prefix with 4-byte start codes (spec 14.7), so the plaintext
// that comes back has them too.
function normalizedPrefix(codec, d) {
  if (codec !== 'h264' && codec !== 'h265') return d;
  const starts = nalStarts(d);
  const slice = starts.find((s) => (codec === 'h264' ? [1, 5].includes(d[s] & 0x1f)
    : (((d[s] >> 1) & 0x3f) <= 9 || [16, 17, 18, 19, 20, 21].includes((d[s] >> 1) & 0x3f))));
  if (slice === undefined) return d;
  const o = [];
  for (let i = 0; i < d.length; i++) {
    if (i < slice + 2 && i + 2 < d.length && d[i] === 0 && d[i + 1] === 0 && d[i + 2] === 1
      && (i === 0 || d[i - 1] !== 0)) o.push(0);
    o.push(d[i]);
  }
  return Uint8Array.from(o);
}

const jsFrames = (s) => s.frames.filter((f) => f.data.length > 0).map((f) => ({
  data: f.data, kind: s.codec === 'opus' ? 'audio' : 'video', type: f.key ? 'key' : 'delta',
  ssrc: 0x1234, timestamp: 90000,
}));

async function worker() {
  const w = await LiveKitWorker.create({ external: true });
  await w.setKey({ material: KEY });
  return w;
}

describe('livekitdecrypt decrypts what LiveKit encrypts', async () => {
  for (const name of ['opus', 'vp8', 'vp9', 'h264-x264', 'h264-x264-slices', 'h265-x265']) {
    test(name, async (t) => {
      const s = FIX.streams[name];
      if (!s) return t.skip(`no ${name} encoder on this machine`);
      const frames = jsFrames(s);
      const w = await worker();
      const encrypted = await w.encrypt(frames, { codec: s.codec });
      await w.close();
      assert.ok(encrypted.every((e) => e), 'LiveKit encrypted every frame');
      const out = await throughElement(`dec-${name}`, s.codec, 'livekitdecrypt', encrypted);
      assert.equal(out.length, frames.length, 'every frame came out of livekitdecrypt');
      out.forEach((o, i) => assert.deepEqual(o, normalizedPrefix(s.codec, frames[i].data),
        `frame ${i}`));
    });
  }
});

describe('LiveKit decrypts what livekitencrypt encrypts', async () => {
  for (const name of ['opus', 'vp8', 'vp9', 'h264-x264', 'h264-x264-slices', 'h265-x265']) {
    test(name, async (t) => {
      const s = FIX.streams[name];
      if (!s) return t.skip(`no ${name} encoder on this machine`);
      const frames = jsFrames(s);
      const encrypted = await throughElement(`enc-${name}`, s.codec, 'livekitencrypt',
        frames.map((f) => f.data));
      assert.equal(encrypted.length, frames.length);
      encrypted.forEach((e, i) => {
        assert.equal(e[e.length - 2], 12, `frame ${i}: trailer`);
        assert.notDeepEqual(e.slice(-30, -14), frames[i].data.slice(-16), `frame ${i}: changed`);
      });
      const w = await worker();
      const plain = await w.decrypt(encrypted.map((data, i) => ({ ...frames[i], data })),
        { codec: s.codec });
      await w.close();
      plain.forEach((p, i) => {
        assert.ok(p, `LiveKit dropped frame ${i}`);
        assert.deepEqual(p, normalizedPrefix(s.codec, frames[i].data), `frame ${i}`);
      });
    });
  }
});

// The sender ratcheted its key 3 times right after sharing it; our receiver has only the shared
// key, set as the element starts, and the very first buffer needs those 3 steps. The keyring
// derives them on demand (one at a time, on its worker) while livekitdecrypt holds the frame:
// nothing is lost. max-hold-time is raised so a loaded machine cannot make the test flaky.
describe('livekitdecrypt: the first frame comes 3 ratchet steps ahead', async () => {
  const HKDF_KEY = Uint8Array.from({ length: 32 }, (_, i) => (i * 7 + 3) & 0xff);
  for (const [kdf, material] of [['pbkdf2', KEY], ['hkdf', HKDF_KEY]]) {
    test(kdf, async (t) => {
      const s = FIX.streams.vp8;
      if (!s) return t.skip('no vp8 encoder on this machine');
      const frames = jsFrames(s).slice(0, 8);
      const w = await LiveKitWorker.create({ sharedKey: true, ratchetWindowSize: 16 });
      await w.setKey({ material });
      for (let i = 0; i < 3; i++) await w.ratchetKey();
      const encrypted = await w.encrypt(frames, { codec: 'vp8' });
      await w.close();
      assert.ok(encrypted.every((e) => e), 'LiveKit encrypted every frame');
      let keyFile = join(dir, 'key');
      if (kdf === 'hkdf') {
        keyFile = join(dir, 'key-hkdf');
        await writeFile(keyFile, material, { mode: 0o600 });
      }
      const out = await throughElement(`ahead-${kdf}`, 'vp8',
        `livekitdecrypt key-derivation=${kdf} max-hold-time=30000000000`, encrypted, keyFile);
      assert.equal(out.length, frames.length, 'every frame came out, the first one too');
      out.forEach((o, i) => assert.deepEqual(o, frames[i].data, `frame ${i}`));
    });
  }
});
