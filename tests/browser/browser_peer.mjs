#!/usr/bin/env node
// Browser peer for the livekitroombin integration tests: headless Chromium
// (Debian's `chromium`, driven by the pinned npm `playwright-core`) running
// LiveKit's own browser SDK (the pinned npm `livekit-client`, its ESM build and
// its E2EE worker) with end-to-end encryption and a string key.
//
//   node tests/browser/browser_peer.mjs --url ws://198.18.0.1:7880 --api-key K --api-secret S \
//       --room R --identity browser --key TEXT [--publish] [--expect-from ID --expect-video
//       --expect-audio-hz HZ --expect-state ok --expect-encryption gcm --stop-when-done]
//       --duration 40 --report out.json
//
// Serves tests/browser/page.html + page.js and livekit-client's dist/ on
// http://127.0.0.1:<ephemeral> (a secure context: getUserMedia and Workers
// work), opens the page, mints an HS256 access token from --api-key/--api-secret
// (or takes --token), and calls the page's lkPeer.start(): ExternalE2EEKeyProvider
// .setKey(TEXT) (PBKDF2, LiveKit's default salt, like the bin's shared-key), a
// Room with {e2ee: {keyProvider, worker}}, setE2EEEnabled(true), connect.
//
// --publish: enableCameraAndMicrophone() with Chromium's fake devices: the fake
// camera (its animated test pattern, --width x --height, VP8, simulcast unless
// --no-simulcast) and the fake microphone fed from a WAV file with a
// --fake-audio-hz sine (default 880 Hz; audio processing off), so the receiver
// can check the tone. Checked: both tracks published and encrypted, frames
// encoded, packets sent.
// --no-subscribe: subscribe to nobody (a publisher that need not decode the room).
// --toggle-camera-after S: S s after publishing, unpublish the camera track and
// publish a new one 2 s later (a camera off/on with a new track sid); the sids
// are in the report's "camera_toggle".
// --toggle-camera-when FILE: the same, once FILE exists (another process's
// timeline, e.g. run-record.sh's).
//
// Expectations (per --expect-from ID, default: every remote participant with a
// subscribed track, at least one), polled every --poll s:
//   --expect-video          inbound-rtp framesDecoded >= --min-frames and still
//                           rising over the last --window s; the <video>
//                           drawn to a canvas is not blank (luma std > 8) in
//                           >= 3 polls and changes between polls (>= 1)
//   --expect-no-video       framesDecoded == 0 and no non-blank canvas
//   --expect-audio-hz HZ    totalSamplesReceived and totalAudioEnergy > 0, and the
//                           median Web Audio analyser peak of the last 5 loud
//                           polls within --hz-tolerance of HZ
//   --expect-no-audio-hz HZ no such tone
//   --expect-state ok       livekit-client reported ParticipantEncryptionStatusChanged
//                           (true) for ID and no EncryptionError for ID
//   --expect-state failed   at least one EncryptionError for ID (decryption failed)
//   --expect-encryption gcm|none  the publications' isEncrypted
//   --observe S             ID's tracks observed for >= S s before a verdict
// Writes a JSON report ("ok", "errors", like peer.py / roombin_peer.py) and
// exits 0 when everything holds, 1 otherwise, 2 on usage errors. SIGTERM/SIGINT:
// report, close the browser, exit. A --snapshot PNG of the received video(s) is
// written next to the report.
//
// Module resolution: playwright-core comes from tests/interop/node_modules
// (tests/interop/package.json pins it with livekit-client; `npm ci` there, done by
// scripts/bootstrap.sh); this script finds it with createRequire, so it runs
// from any cwd without NODE_PATH. Chromium: --chromium PATH, else $CHROMIUM,
// else /usr/lib/chromium/chromium (the binary behind Debian's /usr/bin/chromium
// wrapper), else /usr/bin/chromium. Run as root (the integration tests' network
// namespace) it needs --no-sandbox, which playwright passes by default.
import { createRequire } from 'node:module';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const top = path.resolve(here, '..', '..');
const interop = path.join(top, 'tests', 'interop');
const lkDist = path.join(interop, 'node_modules', 'livekit-client', 'dist');
const require = createRequire(path.join(interop, 'package.json'));

// ------------------------------------------------------------------ CLI
function usage(msg) {
  if (msg) process.stderr.write(`browser_peer.mjs: ${msg}\n`);
  const lines = fs.readFileSync(fileURLToPath(import.meta.url), 'utf8').split('\n');
  const end = lines.findIndex((l, i) => i > 1 && !l.startsWith('//'));
  process.stderr.write(lines.slice(1, end).map((l) => l.replace(/^\/\/ ?/, '')).join('\n') + '\n');
  process.exit(2);
}

function parseArgs(argv) {
  const env = process.env;
  const a = {
    url: env.LIVEKIT_URL, api_key: env.LIVEKIT_API_KEY, api_secret: env.LIVEKIT_API_SECRET,
    token: null, room: 'roombin-test', identity: 'browser', key: null, e2ee_option: 'e2ee',
    publish: false, toggle_camera_after: null, toggle_camera_when: null, fake_audio_hz: 880, width: 640, height: 360, simulcast: true, subscribe: true,
    expect_from: [], expect_video: false, expect_no_video: false, expect_audio_hz: null,
    expect_no_audio_hz: null, expect_state: null, expect_encryption: null, min_frames: 15,
    window: 2, observe: 4, hz_tolerance: 10, duration: 30, poll: 0.5, stop_when_done: false,
    report: null, snapshot: null, chromium: env.CHROMIUM || null, chromium_arg: [],
  };
  const num = (v, k) => {
    const x = Number(v);
    if (!Number.isFinite(x)) usage(`--${k}: not a number: ${v}`);
    return x;
  };
  for (let i = 0; i < argv.length; i++) {
    let k = argv[i];
    let v;
    if (k.startsWith('--') && k.includes('=')) [k, v] = [k.slice(0, k.indexOf('=')), k.slice(k.indexOf('=') + 1)];
    const val = () => {
      if (v !== undefined) return v;
      if (i + 1 >= argv.length) usage(`${k} needs a value`);
      return argv[++i];
    };
    switch (k) {
      case '--url': a.url = val(); break;
      case '--api-key': a.api_key = val(); break;
      case '--api-secret': a.api_secret = val(); break;
      case '--token': a.token = val(); break;
      case '--room': a.room = val(); break;
      case '--identity': a.identity = val(); break;
      case '--key': a.key = val(); break;
      case '--e2ee-option': a.e2ee_option = val(); break;
      case '--publish': a.publish = true; break;
      case '--toggle-camera-after': a.toggle_camera_after = num(val(), 'toggle-camera-after'); break;
      case '--toggle-camera-when': a.toggle_camera_when = val(); break;
      case '--fake-audio-hz': a.fake_audio_hz = num(val(), 'fake-audio-hz'); break;
      case '--width': a.width = num(val(), 'width'); break;
      case '--height': a.height = num(val(), 'height'); break;
      case '--no-simulcast': a.simulcast = false; break;
      case '--no-subscribe': a.subscribe = false; break;
      case '--expect-from': a.expect_from.push(val()); break;
      case '--expect-video': a.expect_video = true; break;
      case '--expect-no-video': a.expect_no_video = true; break;
      case '--expect-audio-hz': a.expect_audio_hz = num(val(), 'expect-audio-hz'); break;
      case '--expect-no-audio-hz': a.expect_no_audio_hz = num(val(), 'expect-no-audio-hz'); break;
      case '--expect-state': a.expect_state = val(); break;
      case '--expect-encryption': a.expect_encryption = val(); break;
      case '--min-frames': a.min_frames = num(val(), 'min-frames'); break;
      case '--window': a.window = num(val(), 'window'); break;
      case '--observe': a.observe = num(val(), 'observe'); break;
      case '--hz-tolerance': a.hz_tolerance = num(val(), 'hz-tolerance'); break;
      case '--duration': a.duration = num(val(), 'duration'); break;
      case '--poll': a.poll = num(val(), 'poll'); break;
      case '--stop-when-done': a.stop_when_done = true; break;
      case '--report': a.report = val(); break;
      case '--snapshot': a.snapshot = val(); break;
      case '--chromium': a.chromium = val(); break;
      case '--chromium-arg': a.chromium_arg.push(val()); break;
      case '-h': case '--help': usage(); break;
      default: usage(`unknown argument ${k}`);
    }
  }
  if (!a.url) usage('--url (or LIVEKIT_URL) is required');
  if (!a.token && !(a.api_key && a.api_secret)) usage('--token or --api-key + --api-secret');
  if (a.expect_state && !['ok', 'failed'].includes(a.expect_state)) usage('--expect-state ok|failed');
  if (a.expect_encryption && !['gcm', 'none'].includes(a.expect_encryption)) {
    usage('--expect-encryption gcm|none');
  }
  if (!['e2ee', 'encryption'].includes(a.e2ee_option)) usage('--e2ee-option e2ee|encryption');
  return a;
}

const args = parseArgs(process.argv.slice(2));
const t0 = performance.now();
const now = () => Math.round(performance.now() - t0) / 1000;
const log = (...m) => process.stderr.write(`browser_peer[${args.identity}] ${now()}s: ${m.join(' ')}\n`);

// ------------------------------------------------------------------ helpers
function b64url(buf) {
  return Buffer.from(buf).toString('base64').replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');
}

// LiveKit access token: HS256 JWT, iss = API key, sub = identity, video grant.
function mintToken() {
  const t = Math.floor(Date.now() / 1000);
  const claims = {
    iss: args.api_key, sub: args.identity, name: args.identity, nbf: t - 10, exp: t + 3600,
    jti: `${args.identity}-${t}`,
    video: { room: args.room, roomJoin: true, canPublish: true, canSubscribe: true, canPublishData: true },
  };
  const h = b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
  const p = b64url(JSON.stringify(claims));
  const sig = crypto.createHmac('sha256', args.api_secret).update(`${h}.${p}`).digest();
  return `${h}.${p}.${b64url(sig)}`;
}

// 1 s of 16-bit mono 48 kHz sine (whole cycles for an integer HZ: loops cleanly).
function writeToneWav(file, hz) {
  const rate = 48000;
  const n = rate;
  const buf = Buffer.alloc(44 + 2 * n);
  buf.write('RIFF', 0);
  buf.writeUInt32LE(36 + 2 * n, 4);
  buf.write('WAVEfmt ', 8);
  buf.writeUInt32LE(16, 16);
  buf.writeUInt16LE(1, 20);
  buf.writeUInt16LE(1, 22);
  buf.writeUInt32LE(rate, 24);
  buf.writeUInt32LE(rate * 2, 28);
  buf.writeUInt16LE(2, 32);
  buf.writeUInt16LE(16, 34);
  buf.write('data', 36);
  buf.writeUInt32LE(2 * n, 40);
  for (let i = 0; i < n; i++) {
    buf.writeInt16LE(Math.round(0.5 * 32767 * Math.sin((2 * Math.PI * hz * i) / rate)), 44 + 2 * i);
  }
  fs.writeFileSync(file, buf);
}

const MIME = { '.html': 'text/html', '.js': 'text/javascript', '.mjs': 'text/javascript',
  '.map': 'application/json' };

// Static files: / -> tests/browser, /lk/ -> livekit-client's dist. 127.0.0.1 only.
function serve() {
  const srv = http.createServer((req, res) => {
    const u = new URL(req.url, 'http://127.0.0.1');
    let file = null;
    if (u.pathname === '/page.html' || u.pathname === '/page.js') file = path.join(here, u.pathname);
    else if (u.pathname.startsWith('/lk/')) {
      const f = path.normalize(path.join(lkDist, u.pathname.slice(4)));
      if (f.startsWith(lkDist + path.sep)) file = f;
    }
    if (u.pathname === '/favicon.ico') {
      res.writeHead(204).end();
      return;
    }
    if (!file || !fs.existsSync(file)) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': MIME[path.extname(file)] || 'application/octet-stream',
      'cache-control': 'no-store' });
    fs.createReadStream(file).pipe(res);
  });
  return new Promise((resolve, reject) => {
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => resolve(srv));
  });
}

function chromiumPath() {
  for (const p of [args.chromium, '/usr/lib/chromium/chromium', '/usr/bin/chromium']) {
    if (p && fs.existsSync(p)) return p;
  }
  throw new Error('no Chromium found (apt-get install chromium, or --chromium PATH)');
}

const pkgVersion = (name) => JSON.parse(fs.readFileSync(
  path.join(interop, 'node_modules', name, 'package.json'), 'utf8')).version;

const median = (xs) => {
  const s = [...xs].sort((x, y) => x - y);
  return s.length ? s[Math.floor(s.length / 2)] : null;
};

// ------------------------------------------------------------------ state
const errors = [];
const warnings = [];
const timings = {};
let stopReason = '';
let last = null; // last poll snapshot
const decodedSeries = {}; // sid -> [[t, framesDecoded]]
const firstDecodedAt = {}; // sid -> t (page clock, like subscribed_at)
let browserInfo = {};
let teardown = 'pending';
let snapshotFile = null;
let cameraToggle = null; // --toggle-camera-after: when, old and new sid
let stopRequested = null;
let wake = null;

function requestStop(reason) {
  if (!stopReason) stopReason = reason;
  stopRequested = reason;
  if (wake) wake();
}
process.on('SIGTERM', () => requestStop('signal SIGTERM'));
process.on('SIGINT', () => requestStop('signal SIGINT'));
const sleep = (s) => new Promise((r) => {
  const h = setTimeout(r, s * 1000);
  wake = () => { clearTimeout(h); r(); };
});

function hasExpectations() {
  return args.expect_from.length > 0 || args.expect_video || args.expect_no_video ||
    args.expect_audio_hz !== null || args.expect_no_audio_hz !== null || args.expect_state ||
    args.expect_encryption;
}

function record(snap) {
  for (const tr of snap.tracks) {
    if (tr.kind !== 'video') continue;
    const fd = (tr.inbound && tr.inbound.framesDecoded) || 0;
    (decodedSeries[tr.sid] ||= []).push([snap.t, fd]);
    if (decodedSeries[tr.sid].length > 400) decodedSeries[tr.sid].shift();
    if (fd > 0 && firstDecodedAt[tr.sid] === undefined) firstDecodedAt[tr.sid] = snap.t;
  }
}

// framesDecoded now minus framesDecoded ~window s ago (page clock)
function risingBy(sid) {
  const s = decodedSeries[sid] || [];
  if (s.length < 2) return 0;
  const [tl, fl] = s[s.length - 1];
  let ref = s[0];
  for (const p of s) if (p[0] <= tl - args.window) ref = p;
  return fl - ref[1];
}

// -> [errors, settled]
function evaluate(snap) {
  const errs = [];
  let settled = true;
  if (!snap) return [['no state from the page'], false];
  if (args.publish) {
    const kinds = {};
    for (const l of snap.local) kinds[l.kind] = l;
    for (const k of ['audio', 'video']) {
      const l = kinds[k];
      if (!l) {
        errs.push(`publish: no local ${k} track`);
        continue;
      }
      if (args.key !== null && !l.encrypted) errs.push(`publish: local ${k} track ${l.sid} not encrypted`);
      const out = l.outbound || [];
      const sent = out.reduce((x, o) => x + (o.packetsSent || 0), 0);
      if (!sent) errs.push(`publish: local ${k} track ${l.sid}: no RTP packets sent`);
      if (k === 'video' && !out.some((o) => (o.framesEncoded || 0) > 0)) {
        errs.push(`publish: local video track ${l.sid}: no frames encoded`);
      }
    }
    if (args.key !== null && !snap.e2ee_enabled) errs.push('publish: room.isE2EEEnabled is false');
  }
  if (!hasExpectations()) return [errs, settled];
  const byId = {};
  for (const tr of snap.tracks) (byId[tr.participant] ||= []).push(tr);
  const ids = args.expect_from.length ? args.expect_from : Object.keys(byId).sort();
  if (!ids.length) return [[...errs, 'no subscribed track from any participant'], false];
  for (const id of ids) {
    const trs = byId[id] || [];
    if (!trs.length) {
      errs.push(`${id}: no subscribed track`);
      settled = false;
      continue;
    }
    const since = Math.max(...trs.map((t) => t.subscribed_at));
    if (snap.t - since < args.observe) settled = false;
    const vids = trs.filter((t) => t.kind === 'video');
    const auds = trs.filter((t) => t.kind === 'audio');
    if (args.expect_video) {
      const ok = vids.some((v) => (v.inbound.framesDecoded || 0) >= args.min_frames &&
        risingBy(v.sid) > 0 && v.rendered && v.rendered.content >= 3 && v.rendered.changing >= 1);
      if (!ok) {
        errs.push(`${id}: video not decoded/rendered (${vids.map((v) => `${v.sid}: framesDecoded=${
          v.inbound.framesDecoded} (+${risingBy(v.sid)} in ${args.window} s), non-blank polls=${
          v.rendered && v.rendered.content}, changing=${v.rendered && v.rendered.changing}, std=${
          v.rendered && v.rendered.last_std}`).join('; ') || 'no video track'}; want framesDecoded >= ${
          args.min_frames} and rising, >= 3 non-blank, >= 1 changing)`);
      }
    }
    if (args.expect_no_video) {
      for (const v of vids) {
        const fd = v.inbound.framesDecoded || 0;
        const c = (v.rendered && v.rendered.content) || 0;
        if (fd > 0 || c > 0) errs.push(`${id}: video ${v.sid} decoded: framesDecoded=${fd}, non-blank polls=${c}`);
      }
    }
    const toneOf = (a) => {
      const p = a.heard ? a.heard.peaks.slice(-5) : [];
      return p.length >= 5 ? median(p) : null;
    };
    if (args.expect_audio_hz !== null) {
      const ok = auds.some((a) => (a.inbound.totalSamplesReceived || 0) > 0 &&
        (a.inbound.totalAudioEnergy || 0) > 0 && toneOf(a) !== null &&
        Math.abs(toneOf(a) - args.expect_audio_hz) <= args.hz_tolerance);
      if (!ok) {
        errs.push(`${id}: no ~${args.expect_audio_hz} Hz tone (${auds.map((a) => `${a.sid}: samples=${
          a.inbound.totalSamplesReceived} energy=${a.inbound.totalAudioEnergy} peaks=${
          a.heard ? JSON.stringify(a.heard.peaks.slice(-5)) : 'n/a'} rms=${a.heard && a.heard.last_rms_dbfs
        } dBFS`).join('; ') || 'no audio track'})`);
      }
    }
    if (args.expect_no_audio_hz !== null) {
      for (const a of auds) {
        const f = toneOf(a);
        if (f !== null && Math.abs(f - args.expect_no_audio_hz) <= args.hz_tolerance) {
          errs.push(`${id}: heard ${args.expect_no_audio_hz} Hz on ${a.sid} (peaks ${JSON.stringify(a.heard.peaks.slice(-5))})`);
        }
      }
    }
    if (args.expect_encryption) {
      const want = args.expect_encryption === 'gcm';
      const bad = trs.filter((t) => !!t.encrypted !== want).map((t) => `${t.sid}=${t.encrypted}`);
      if (bad.length) errs.push(`${id}: publication isEncrypted ${bad.join(', ')}, want ${want}`);
    }
    if (args.expect_state) {
      const st = (snap.encryption[id] || []).map((x) => x.enabled);
      const ee = snap.encryption_errors[id];
      if (args.expect_state === 'ok' && (st[st.length - 1] !== true || ee)) {
        errs.push(`${id}: encryption status ${JSON.stringify(st)}, errors ${JSON.stringify(ee || null)
        }; want enabled and no EncryptionError`);
      } else if (args.expect_state === 'failed' && !(ee && ee.count > 0)) {
        errs.push(`${id}: no EncryptionError (encryption status ${JSON.stringify(st)})`);
      }
    }
  }
  return [errs, settled];
}

function buildReport(final) {
  let errs = [...errors];
  if (last) {
    const [e, settled] = evaluate(last);
    errs = errs.concat(e);
    if (hasExpectations() && !settled) errs.push(`observed for less than --observe ${args.observe} s`);
  } else if (!errs.length) {
    errs.push('no state from the page');
  }
  const cfg = { ...args };
  delete cfg.api_secret;
  delete cfg.token;
  delete cfg.key;
  const tracks = last ? last.tracks.map((t) => {
    const o = { ...t };
    if (t.kind === 'video') {
      o.frames_decoded_first_at = firstDecodedAt[t.sid] ?? null;
      o.frames_decoded_last_window = risingBy(t.sid);
      const s = decodedSeries[t.sid] || [];
      const nz = s.filter((p) => p[1] > 0);
      if (nz.length >= 2) {
        const [ta, fa] = nz[0];
        const [tb, fb] = nz[nz.length - 1];
        o.decode_fps = tb > ta ? Math.round(((fb - fa) / (tb - ta)) * 10) / 10 : null;
      }
    }
    return o;
  }) : [];
  return {
    tool: 'browser_peer.mjs', identity: args.identity, room: args.room, url: args.url,
    ok: !errs.length, errors: errs, warnings, final,
    e2ee: args.key === null ? 'none' : 'shared', config: cfg, stop_reason: stopReason,
    timings, teardown, browser: browserInfo, snapshot: snapshotFile, camera_toggle: cameraToggle,
    state: last && last.state, e2ee_enabled: last && last.e2ee_enabled,
    audio_context: last && last.audio_context,
    participants: last && last.participants, encryption_status: last && last.encryption,
    encryption_errors: last && last.encryption_errors, tracks, local: last ? last.local : [],
    messages: last ? last.events : [],
  };
}

function writeReport(final) {
  const rep = buildReport(final);
  if (args.report) {
    fs.writeFileSync(args.report + '.tmp', JSON.stringify(rep, null, 2) + '\n');
    fs.renameSync(args.report + '.tmp', args.report);
  }
  return rep;
}

// ------------------------------------------------------------------ main
async function withTimeout(p, s, what) {
  let h;
  const t = new Promise((_, rej) => { h = setTimeout(() => rej(new Error(`${what}: no answer in ${s} s`)), s * 1000); });
  try {
    return await Promise.race([p, t]);
  } finally {
    clearTimeout(h);
  }
}

let browser = null;
let page = null;
let server = null;
let tmp = null;
const consoleLines = { n: 0 };

async function run() {
  const { chromium } = require('playwright-core');
  const exe = chromiumPath();
  server = await serve();
  const origin = `http://127.0.0.1:${server.address().port}`;
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'browser-peer-'));
  const chromeArgs = [
    '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--disable-default-apps',
    '--no-first-run', '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream',
    '--autoplay-policy=no-user-gesture-required',
    // host candidates as plain addresses, not mDNS names (nothing resolves .local here)
    '--disable-features=WebRtcHideLocalIpsWithMdns',
  ];
  if (args.publish) {
    const wav = path.join(tmp, `tone-${args.fake_audio_hz}.wav`);
    writeToneWav(wav, args.fake_audio_hz);
    chromeArgs.push(`--use-file-for-fake-audio-capture=${wav}`);
  }
  chromeArgs.push(...args.chromium_arg);
  browser = await withTimeout(chromium.launch({ executablePath: exe, headless: true,
    args: chromeArgs, timeout: 30000,
    // our SIGTERM handler disconnects and closes the browser itself
    handleSIGTERM: false, handleSIGINT: false, handleSIGHUP: false }), 40, 'chromium.launch');
  timings.launched = now();
  browserInfo = { executable: exe, version: browser.version(), args: chromeArgs,
    playwright_core: pkgVersion('playwright-core'), livekit_client: pkgVersion('livekit-client') };
  log(`Chromium ${browserInfo.version} (${exe}), playwright-core ${browserInfo.playwright_core}, livekit-client ${browserInfo.livekit_client}`);
  const ctx = await browser.newContext({ viewport: { width: 800, height: 600 } });
  page = await ctx.newPage();
  page.on('console', (m) => {
    if (consoleLines.n++ < 3000) process.stderr.write(`[console.${m.type()}] ${m.text()}\n`);
  });
  page.on('pageerror', (e) => {
    warnings.push(`page error: ${e.message}`.slice(0, 300));
    log(`page error: ${e.stack || e.message}`);
  });
  page.on('crash', () => { errors.push('page crashed'); requestStop('page crashed'); });
  await page.goto(`${origin}/page.html`, { timeout: 20000 });
  await page.waitForFunction(() => window.lkPeer && window.lkPeer.ready, null, { timeout: 20000 });
  timings.page_ready = now();
  const cfg = { url: args.url, token: args.token || mintToken(), key: args.key,
    e2eeOption: args.e2ee_option, publish: args.publish, width: args.width, height: args.height,
    simulcast: args.simulcast, subscribe: args.subscribe };
  const started = await withTimeout(page.evaluate((c) => window.lkPeer.start(c), cfg), 30, 'lkPeer.start');
  browserInfo.e2ee_supported = started.e2ee_supported;
  timings.started = now();
  log(`connected${args.publish ? ' and published' : ''}; e2ee supported: ${started.e2ee_supported}`);
  if (args.key !== null && !started.e2ee_supported) errors.push('livekit-client: isE2EESupported() is false');
  let lastLog = 0;
  const toggleAt = args.toggle_camera_after !== null ? now() + args.toggle_camera_after : null;
  while (!stopRequested) {
    if (now() >= args.duration) {
      requestStop('duration');
      break;
    }
    const toggleDue = (toggleAt !== null && now() >= toggleAt) ||
      (args.toggle_camera_when !== null && fs.existsSync(args.toggle_camera_when));
    if (toggleDue && !cameraToggle) {
      cameraToggle = { at: now() };
      try {
        Object.assign(cameraToggle, await withTimeout(page.evaluate(() => window.lkPeer.toggleCamera(2000)),
          20, 'lkPeer.toggleCamera'));
        log(`camera toggled: ${cameraToggle.old} -> ${cameraToggle.new}`);
      } catch (e) {
        errors.push(`camera toggle: ${e}`);
      }
    }
    last = await withTimeout(page.evaluate(() => window.lkPeer.poll()), 10, 'lkPeer.poll');
    record(last);
    if (now() - lastLog >= 5) {
      lastLog = now();
      log(last.tracks.map((t) => (t.kind === 'video'
        ? `${t.participant}/${t.sid} video framesDecoded=${t.inbound.framesDecoded} std=${t.rendered && t.rendered.last_std}`
        : `${t.participant}/${t.sid} audio samples=${t.inbound.totalSamplesReceived} peaks=${t.heard && JSON.stringify(t.heard.peaks.slice(-3))}`)).join('; ')
        || `no remote tracks; local: ${last.local.map((l) => `${l.kind} ${l.encrypted ? 'encrypted' : 'clear'} sent=${(l.outbound || []).reduce((x, o) => x + (o.packetsSent || 0), 0)}`).join(', ')}`);
    }
    if (args.stop_when_done && hasExpectations()) {
      const [e, settled] = evaluate(last);
      if (!e.length && settled) {
        timings.done = now();
        requestStop('expectations met');
        break;
      }
    }
    await sleep(args.poll);
  }
}

async function shutdown() {
  const t = performance.now();
  try {
    if (page) {
      try {
        const png = await withTimeout(page.evaluate(() => window.lkPeer && window.lkPeer.snapshot()), 5, 'snapshot');
        const file = args.snapshot || (args.report ? args.report.replace(/\.json$/, '') + '.png' : null);
        if (png && file) {
          fs.writeFileSync(file, Buffer.from(png.split(',')[1], 'base64'));
          snapshotFile = file;
        }
      } catch (e) {
        warnings.push(`snapshot: ${e.message}`);
      }
      await withTimeout(page.evaluate(() => window.lkPeer && window.lkPeer.stop()), 5, 'lkPeer.stop')
        .catch((e) => warnings.push(`disconnect: ${e.message}`));
    }
    if (browser) await withTimeout(browser.close(), 10, 'browser.close');
    teardown = `ok in ${((performance.now() - t) / 1000).toFixed(2)} s`;
  } catch (e) {
    teardown = `failed: ${e.message}`;
    errors.push(`teardown: ${teardown}`);
  }
  if (server) server.close();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
}

try {
  await run();
} catch (e) {
  errors.push(`run: ${e.message}`.slice(0, 500));
  log(`error: ${e.stack || e.message}`);
  if (!stopReason) stopReason = 'error';
}
timings.stopped = now();
writeReport(false); // before teardown: a hanging teardown still leaves a report
await shutdown();
const rep = writeReport(true);
log(`${rep.ok ? 'PASS' : 'FAIL'} after ${timings.stopped} s (${stopReason}); teardown ${teardown}` +
  rep.errors.map((e) => `\n  - ${e}`).join(''));
process.exit(rep.ok ? 0 : 1);
