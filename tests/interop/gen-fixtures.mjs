// Generates interop fixtures: REAL encoder output, one encoded frame (access unit / Opus packet)
// per file, made by GStreamer encoders at test time (nothing is committed).
//
//   node gen-fixtures.mjs DIR      writes DIR/<stream>-NNNNN.bin and DIR/manifest.json
//   import { generateFixtures } from './gen-fixtures.mjs'; const m = await generateFixtures(dir);
//
// manifest: { streams: { name: { codec, encoder, frames: [{ file, key, size }] } },
//             skipped: { name: reason } }   (an encoder that is not installed is skipped)
// Key frames are derived from the bitstream: VP8 frame tag bit 0, VP9 frame_type, H.264 IDR
// slice (NAL 5), H.265 IRAP slice (NAL 16-23).
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const run = promisify(execFile);

const VIDEO = (n) => `videotestsrc num-buffers=${n} pattern=ball ! ` +
  'video/x-raw,width=160,height=120,framerate=30/1,format=I420';
const H264_AU = 'video/x-h264,stream-format=byte-stream,alignment=au';

export const STREAMS = {
  // Opus packets (20 ms), and Opus with DTX on silence: 3-byte comfort-noise frames and a
  // 1-byte TOC-only frame at the end.
  opus: { codec: 'opus', encoder: 'opusenc',
    pipeline: 'audiotestsrc num-buffers=8 wave=sine ! opusenc' },
  'opus-dtx': { codec: 'opus', encoder: 'opusenc',
    pipeline: 'audiotestsrc num-buffers=10 wave=silence ! opusenc dtx=true' },
  vp8: { codec: 'vp8', encoder: 'vp8enc',
    pipeline: `${VIDEO(8)} ! vp8enc keyframe-max-dist=4 deadline=1` },
  vp9: { codec: 'vp9', encoder: 'vp9enc',
    pipeline: `${VIDEO(8)} ! vp9enc keyframe-max-dist=4 deadline=1 cpu-used=8` },
  // x264 (High): AUD, SPS, PPS, SEI (first frame), IDR and non-IDR slices; x264 writes 3-byte
  // start codes before the SEI and slices, i.e. inside the clear prefix.
  'h264-x264': { codec: 'h264', encoder: 'x264enc',
    pipeline: `${VIDEO(8)} ! x264enc key-int-max=4 speed-preset=ultrafast ! ${H264_AU}` },
  // x264 constrained baseline with several slices per picture (at 160x120: 2); later slices are
  // inside the encrypted region, again with 3-byte start codes.
  'h264-x264-slices': { codec: 'h264', encoder: 'x264enc',
    pipeline: `${VIDEO(8)} ! x264enc key-int-max=4 speed-preset=ultrafast tune=zerolatency ` +
      `option-string=slices=3 ! ${H264_AU},profile=constrained-baseline` },
  'h264-openh264': { codec: 'h264', encoder: 'openh264enc',
    pipeline: `${VIDEO(8)} ! openh264enc gop-size=4 ! ${H264_AU}` },
  // x265: VPS, SPS, PPS, a ~2.3 kB prefix SEI (clear prefix > 256 bytes), IDR, TRAIL, CRA.
  'h265-x265': { codec: 'h265', encoder: 'x265enc',
    pipeline: `${VIDEO(8)} ! x265enc key-int-max=4 speed-preset=ultrafast tune=zerolatency ! ` +
      'video/x-h265,stream-format=byte-stream,alignment=au' },
};

// Offsets of NAL unit payloads (after 3- or 4-byte start codes).
export function nalStarts(d) {
  const out = [];
  for (let i = 0; i + 2 < d.length; i++) {
    if (d[i] === 0 && d[i + 1] === 0 && d[i + 2] === 1) { out.push(i + 3); i += 2; }
  }
  return out;
}

export function isKeyFrame(codec, d) {
  switch (codec) {
    case 'vp8': return (d[0] & 1) === 0;
    case 'vp9': { // uncompressed header: marker(2) profile(2) [reserved(1)] show_existing(1) type(1)
      let bit = 2;
      const get = () => (d[bit >> 3] >> (7 - (bit++ & 7))) & 1;
      const profile = get() | (get() << 1);
      if (profile === 3) get();
      if (get()) return false; // show_existing_frame
      return get() === 0;
    }
    case 'h264': return nalStarts(d).some((s) => (d[s] & 0x1f) === 5);
    case 'h265': return nalStarts(d).some((s) => { const t = (d[s] >> 1) & 0x3f; return t >= 16 && t <= 23; });
    default: return false;
  }
}

async function hasElement(name) {
  try { await run('gst-inspect-1.0', ['--exists', name]); return true; } catch { return false; }
}

async function generateStream(dir, name, s) {
  if (!(await hasElement(s.encoder))) return { skipped: `${s.encoder} not installed` };
  const pipeline = `${s.pipeline} ! multifilesink location=${join(dir, `${name}-%05d.bin`)}`;
  try {
    await run('gst-launch-1.0', ['-q', ...pipeline.split(/\s+/)], { timeout: 30000 });
  } catch (e) {
    return { skipped: `pipeline failed: ${e.stderr || e.message}`.trim() };
  }
  const files = (await readdir(dir)).filter((f) => /^\d{5}\.bin$/.test(f.slice(name.length + 1))
    && f.startsWith(`${name}-`)).sort();
  const frames = [];
  for (const file of files) {
    const d = await readFile(join(dir, file));
    // Ogg/Opus headers are caps, not buffers, in GStreamer; keep the guard anyway.
    if (d.length === 0 || /^Opus(Head|Tags)/.test(d.subarray(0, 8).toString('latin1'))) continue;
    frames.push({ file, key: isKeyFrame(s.codec, d), size: d.length });
  }
  if (frames.length === 0) return { skipped: 'no frames produced' };
  return { stream: { codec: s.codec, encoder: s.encoder, frames } };
}

export async function generateFixtures(dir) {
  await mkdir(dir, { recursive: true });
  const manifest = { streams: {}, skipped: {} };
  const names = Object.keys(STREAMS);
  const results = await Promise.all(names.map((n) => generateStream(dir, n, STREAMS[n])));
  names.forEach((n, i) => {
    if (results[i].stream) manifest.streams[n] = results[i].stream;
    else manifest.skipped[n] = results[i].skipped;
  });
  await writeFile(join(dir, 'manifest.json'), JSON.stringify(manifest, null, 2));
  return manifest;
}

/** The fixture frames of a manifest as { data, key } objects, per stream. */
export async function loadFixtures(dir) {
  const manifest = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8'));
  for (const s of Object.values(manifest.streams)) {
    for (const f of s.frames) f.data = new Uint8Array(await readFile(join(dir, f.file)));
  }
  return manifest;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const dir = process.argv[2];
  if (!dir) { console.error('usage: node gen-fixtures.mjs DIR'); process.exit(2); }
  const m = await generateFixtures(dir);
  for (const [n, s] of Object.entries(m.streams)) {
    console.log(`${n}: ${s.frames.length} frames (${s.frames.filter((f) => f.key).length} key)`);
  }
  for (const [n, why] of Object.entries(m.skipped)) console.log(`${n}: skipped (${why})`);
}
