// The browser side of tests/browser/browser_peer.mjs: livekit-client (the pinned
// npm build, served from tests/interop/node_modules) joins a room with E2EE and a
// string key (ExternalE2EEKeyProvider -> PBKDF2, default ratchet salt), publishes
// the fake camera and microphone, and measures what it receives:
//   * per remote track, RTCRtpReceiver.getStats() inbound-rtp (framesDecoded,
//     totalSamplesReceived, totalAudioEnergy, ...);
//   * video: the <video> element drawn to a canvas at every poll (luma standard
//     deviation = "not blank", mean difference to the previous poll = "moving"),
//     requestVideoFrameCallback's presentedFrames (rendered frames);
//   * audio: a Web Audio AnalyserNode on the track (peak frequency, RMS);
//   * livekit-client's E2EE events: ParticipantEncryptionStatusChanged,
//     EncryptionError (with the CryptorError reason), per participant.
// The driver calls window.lkPeer.start(cfg), then window.lkPeer.poll() until
// it is done, then window.lkPeer.stop().
import * as LK from '/lk/livekit-client.esm.mjs';

const t0 = performance.now();
const now = () => Math.round(performance.now() - t0) / 1000;
const events = [];
const MAX_EVENTS = 400;
function ev(name, fields = {}) {
  if (events.length < MAX_EVENTS) events.push({ t: now(), name, ...fields });
}
const status = (s) => { document.getElementById('status').textContent = s; };

let room = null;
let audioCtx = null;
const remote = new Map(); // track sid -> per-track state
const encryption = {}; // identity -> [{t, enabled}]
const errors = {}; // identity ('' = unknown) -> {count, reasons: {reason: n}, first_t, last}
const CANVAS_W = 160;
const CANVAS_H = 120;

function errorReasonName(e) {
  const r = e && e.reason;
  if (typeof r === 'number' && LK.CryptorErrorReason && LK.CryptorErrorReason[r] !== undefined) {
    return String(LK.CryptorErrorReason[r]);
  }
  // errors from the worker arrive structured-cloned: name and message only
  // ("InvalidKey: Decryption failed: OperationError")
  const m = /^(\w+):/.exec(String(e && e.message));
  if (r === undefined && m) return m[1];
  return r === undefined ? (e && e.name) || 'error' : String(r);
}

function attachVideo(st, track) {
  const v = track.attach();
  v.muted = true;
  v.autoplay = true;
  v.playsInline = true;
  const c = document.createElement('canvas');
  c.width = CANVAS_W;
  c.height = CANVAS_H;
  document.getElementById('media').append(v, c);
  st.el = v;
  st.canvas = c;
  st.ctx2d = c.getContext('2d', { willReadFrequently: true });
  st.view = { polls: 0, drawn: 0, content: 0, changing: 0, last_std: null, max_std: 0,
    last_diff: null, presented_frames: 0, rvfc_frames: 0, width: 0, height: 0 };
  const onFrame = (_now, meta) => {
    st.view.rvfc_frames += 1;
    st.view.presented_frames = meta.presentedFrames;
    v.requestVideoFrameCallback(onFrame);
  };
  if (v.requestVideoFrameCallback) v.requestVideoFrameCallback(onFrame);
  v.play().catch((e) => ev('video-play-failed', { sid: st.sid, error: String(e) }));
}

function attachAudio(st, track) {
  // An <audio> element as an application would (and Chromium only feeds remote
  // WebRTC audio into Web Audio when the track is also played by an element).
  const a = track.attach();
  a.autoplay = true;
  document.getElementById('media').append(a);
  a.play().catch((e) => ev('audio-play-failed', { sid: st.sid, error: String(e) }));
  st.el = a;
  try {
    if (!audioCtx) audioCtx = new AudioContext();
    audioCtx.resume().catch(() => {});
    const src = audioCtx.createMediaStreamSource(new MediaStream([track.mediaStreamTrack]));
    const an = audioCtx.createAnalyser();
    an.fftSize = 8192;
    an.smoothingTimeConstant = 0;
    src.connect(an);
    st.analyser = an;
    st.hear = { polls: 0, loud: 0, last_rms_dbfs: null, max_rms_dbfs: -200, peaks: [] };
  } catch (e) {
    ev('webaudio-failed', { sid: st.sid, error: String(e) });
  }
}

function analyseVideo(st) {
  const v = st.el;
  const w = st.view;
  w.polls += 1;
  w.width = v.videoWidth;
  w.height = v.videoHeight;
  if (!v.videoWidth || v.readyState < 2) return;
  st.ctx2d.drawImage(v, 0, 0, CANVAS_W, CANVAS_H);
  const d = st.ctx2d.getImageData(0, 0, CANVAS_W, CANVAS_H).data;
  const n = CANVAS_W * CANVAS_H;
  const y = new Float32Array(n);
  let sum = 0;
  for (let i = 0; i < n; i++) {
    y[i] = 0.299 * d[4 * i] + 0.587 * d[4 * i + 1] + 0.114 * d[4 * i + 2];
    sum += y[i];
  }
  const mean = sum / n;
  let var_ = 0;
  for (let i = 0; i < n; i++) var_ += (y[i] - mean) ** 2;
  const std = Math.sqrt(var_ / n);
  w.drawn += 1;
  w.last_std = Math.round(std * 10) / 10;
  w.max_std = Math.max(w.max_std, w.last_std);
  if (std > 8) w.content += 1;
  if (st.prevLuma) {
    let diff = 0;
    for (let i = 0; i < n; i++) diff += Math.abs(y[i] - st.prevLuma[i]);
    diff /= n;
    w.last_diff = Math.round(diff * 100) / 100;
    if (diff > 0.5) w.changing += 1;
  }
  st.prevLuma = y;
}

function analyseAudio(st) {
  const an = st.analyser;
  if (!an) return;
  const h = st.hear;
  h.polls += 1;
  const td = new Float32Array(an.fftSize);
  an.getFloatTimeDomainData(td);
  let s = 0;
  for (const x of td) s += x * x;
  const rms = Math.sqrt(s / td.length);
  const db = rms > 0 ? 20 * Math.log10(rms) : -200;
  h.last_rms_dbfs = Math.round(db * 10) / 10;
  h.max_rms_dbfs = Math.max(h.max_rms_dbfs, h.last_rms_dbfs);
  if (db < -50) return;
  h.loud += 1;
  const fd = new Float32Array(an.frequencyBinCount);
  an.getFloatFrequencyData(fd);
  const hzPerBin = audioCtx.sampleRate / an.fftSize;
  let best = -1;
  for (let i = Math.floor(60 / hzPerBin); i < Math.min(fd.length - 1, 4000 / hzPerBin); i++) {
    if (best < 0 || fd[i] > fd[best]) best = i;
  }
  if (best <= 0) return;
  // parabolic interpolation on the dB values
  const a = fd[best - 1], b = fd[best], c = fd[best + 1];
  const den = a - 2 * b + c;
  const off = den !== 0 ? 0.5 * (a - c) / den : 0;
  h.peaks.push(Math.round((best + off) * hzPerBin * 10) / 10);
  if (h.peaks.length > 20) h.peaks.shift();
}

async function receiverStats(track) {
  const out = {};
  const rcv = track.receiver;
  if (!rcv) return out;
  const rep = await rcv.getStats();
  const codecs = {};
  rep.forEach((s) => { if (s.type === 'codec') codecs[s.id] = s.mimeType; });
  rep.forEach((s) => {
    if (s.type !== 'inbound-rtp') return;
    for (const k of ['packetsReceived', 'packetsLost', 'bytesReceived', 'framesReceived',
      'framesDecoded', 'keyFramesDecoded', 'framesDropped', 'frameWidth', 'frameHeight',
      'framesPerSecond', 'decoderImplementation', 'totalSamplesReceived', 'concealedSamples',
      'totalAudioEnergy', 'audioLevel', 'totalSamplesDuration', 'jitterBufferEmittedCount',
      'nackCount', 'pliCount', 'firCount']) {
      if (s[k] !== undefined) out[k] = s[k];
    }
    out.codec = codecs[s.codecId];
  });
  return out;
}

async function senderStats(track) {
  const out = { outbound: [] };
  const snd = track.sender;
  if (!snd) return out;
  const rep = await snd.getStats();
  const codecs = {};
  rep.forEach((s) => { if (s.type === 'codec') codecs[s.id] = s.mimeType; });
  rep.forEach((s) => {
    if (s.type === 'outbound-rtp') {
      const o = { codec: codecs[s.codecId] };
      for (const k of ['rid', 'packetsSent', 'bytesSent', 'framesEncoded', 'keyFramesEncoded',
        'frameWidth', 'frameHeight', 'framesPerSecond', 'encoderImplementation', 'active',
        'qualityLimitationReason']) {
        if (s[k] !== undefined) o[k] = s[k];
      }
      out.outbound.push(o);
    } else if (s.type === 'media-source') {
      for (const k of ['audioLevel', 'totalAudioEnergy', 'frames', 'width', 'height']) {
        if (s[k] !== undefined) out['source_' + k] = s[k];
      }
    }
  });
  return out;
}

async function start(cfg) {
  status('starting');
  const supported = LK.isE2EESupported();
  ev('start', { e2ee_supported: supported, script_transform: LK.isScriptTransformSupported(),
    insertable_streams: LK.isInsertableStreamSupported(), livekit_client: LK.version });
  const opts = {
    adaptiveStream: false,
    dynacast: false,
    audioCaptureDefaults: {
      // the fake microphone plays a tone file: no processing that would treat a
      // steady tone as noise
      echoCancellation: false, noiseSuppression: false, autoGainControl: false,
      voiceIsolation: false,
    },
    videoCaptureDefaults: { resolution: { width: cfg.width, height: cfg.height, frameRate: 15 } },
    publishDefaults: { videoCodec: 'vp8', simulcast: cfg.simulcast },
  };
  let keyProvider = null;
  if (cfg.key !== null) {
    keyProvider = new LK.ExternalE2EEKeyProvider();
    await keyProvider.setKey(cfg.key);
    const worker = new Worker('/lk/livekit-client.e2ee.worker.mjs', { type: 'module' });
    opts[cfg.e2eeOption] = { keyProvider, worker };
  }
  room = new LK.Room(opts);
  const R = LK.RoomEvent;
  room
    .on(R.Connected, () => ev('connected'))
    .on(R.Disconnected, (reason) => ev('disconnected', { reason }))
    .on(R.Reconnecting, () => ev('reconnecting'))
    .on(R.ParticipantConnected, (p) => ev('participant-connected', { identity: p.identity }))
    .on(R.ParticipantDisconnected, (p) => ev('participant-disconnected', { identity: p.identity }))
    .on(R.TrackPublished, (pub, p) => ev('track-published', {
      identity: p.identity, sid: pub.trackSid, kind: pub.kind, encrypted: pub.isEncrypted,
      mime: pub.mimeType }))
    .on(R.TrackSubscriptionFailed, (sid, p, err) => ev('track-subscription-failed', {
      identity: p && p.identity, sid, error: String(err) }))
    .on(R.LocalTrackPublished, (pub) => ev('local-track-published', {
      sid: pub.trackSid, kind: pub.kind, encrypted: pub.isEncrypted }))
    .on(R.ParticipantEncryptionStatusChanged, (enabled, p) => {
      const id = p ? p.identity : '';
      (encryption[id] ||= []).push({ t: now(), enabled });
      ev('encryption-status', { identity: id, enabled });
    })
    .on(R.EncryptionError, (e, p) => {
      const id = p ? p.identity : (e && e.participantIdentity) || '';
      const r = errorReasonName(e);
      const x = (errors[id] ||= { count: 0, reasons: {}, first_t: now(), last: '' });
      x.count += 1;
      x.reasons[r] = (x.reasons[r] || 0) + 1;
      x.last = String(e && e.message);
      if (x.count <= 5) ev('encryption-error', { identity: id, reason: r, message: x.last });
    })
    .on(R.TrackSubscribed, (track, pub, p) => {
      const st = { sid: pub.trackSid, kind: track.kind, identity: p.identity, t: now(),
        encrypted: pub.isEncrypted, mime: pub.mimeType, track };
      remote.set(pub.trackSid, st);
      ev('track-subscribed', { identity: p.identity, sid: pub.trackSid, kind: track.kind,
        encrypted: pub.isEncrypted, mime: pub.mimeType });
      if (track.kind === 'video') attachVideo(st, track);
      else if (track.kind === 'audio') attachAudio(st, track);
    })
    .on(R.TrackUnsubscribed, (track, pub, p) => ev('track-unsubscribed', {
      identity: p.identity, sid: pub.trackSid }));
  if (keyProvider) await room.setE2EEEnabled(true);
  status('connecting');
  await room.connect(cfg.url, cfg.token, { autoSubscribe: cfg.subscribe !== false });
  ev('connect-returned', { identity: room.localParticipant.identity });
  if (cfg.publish) {
    status('publishing');
    await room.localParticipant.enableCameraAndMicrophone();
    ev('published');
  }
  status('running');
  return { e2ee_supported: supported };
}

async function poll() {
  const tracks = [];
  for (const st of remote.values()) {
    const t = { sid: st.sid, kind: st.kind, participant: st.identity, subscribed_at: st.t,
      encrypted: st.encrypted, mime: st.mime };
    try {
      t.inbound = await receiverStats(st.track);
    } catch (e) {
      t.inbound = { error: String(e) };
    }
    if (st.kind === 'video' && st.view) {
      analyseVideo(st);
      t.rendered = { ...st.view };
    } else if (st.kind === 'audio' && st.hear) {
      analyseAudio(st);
      t.heard = { ...st.hear, peaks: [...st.hear.peaks] };
    }
    tracks.push(t);
  }
  const local = [];
  const lp = room && room.localParticipant;
  if (lp) {
    for (const pub of lp.trackPublications.values()) {
      const t = { sid: pub.trackSid, kind: pub.kind, source: pub.source, encrypted: pub.isEncrypted,
        mime: pub.mimeType };
      try {
        if (pub.track) Object.assign(t, await senderStats(pub.track));
      } catch (e) {
        t.error = String(e);
      }
      local.push(t);
    }
  }
  const participants = {};
  if (room) {
    for (const p of room.remoteParticipants.values()) {
      participants[p.identity] = { encrypted: p.isEncrypted,
        tracks: [...p.trackPublications.values()].map((pub) => ({ sid: pub.trackSid,
          kind: pub.kind, encrypted: pub.isEncrypted, subscribed: pub.isSubscribed,
          mime: pub.mimeType })) };
    }
  }
  return {
    t: now(), state: room ? room.state : 'none', identity: lp ? lp.identity : null,
    e2ee_enabled: room ? room.isE2EEEnabled : false,
    audio_context: audioCtx ? { state: audioCtx.state, rate: audioCtx.sampleRate } : null,
    tracks, local, participants, encryption, encryption_errors: errors, events,
  };
}

// Draw every subscribed video into one PNG (data URL) for the report directory.
function snapshot() {
  const cs = [...remote.values()].filter((s) => s.canvas && s.view && s.view.drawn);
  if (!cs.length) return null;
  const out = document.createElement('canvas');
  out.width = CANVAS_W * cs.length;
  out.height = CANVAS_H;
  const g = out.getContext('2d');
  cs.forEach((s, i) => g.drawImage(s.canvas, i * CANVAS_W, 0));
  return out.toDataURL('image/png');
}

// Camera off and on the hard way: unpublish the camera track (a browser
// whose user stops the camera), then publish a new one (a new track sid).
async function toggleCamera(offMs) {
  const lp = room.localParticipant;
  const pub = [...lp.trackPublications.values()].find((p) => p.source === 'camera');
  if (!pub || !pub.track) throw new Error('no camera track to toggle');
  const oldSid = pub.trackSid;
  await lp.unpublishTrack(pub.track, true);
  ev('camera-unpublished', { sid: oldSid });
  await new Promise((r) => setTimeout(r, offMs));
  await lp.setCameraEnabled(true);
  const now = [...lp.trackPublications.values()].find((p) => p.source === 'camera');
  ev('camera-republished', { sid: now ? now.trackSid : null });
  return { old: oldSid, new: now ? now.trackSid : null };
}

async function stop() {
  if (room) await room.disconnect(true);
  ev('stopped');
}

window.lkPeer = { start, poll, stop, snapshot, toggleCamera, ready: true };
status('ready');
