/* Real pipelines over UDP loopback, one per codec:
 *
 *   source ! encoder ! livekitencrypt ! payloader ! udpsink
 *   udpsrc ! rtpjitterbuffer ! depayloader ! livekitdecrypt ! decoder ! appsink
 *
 * The decoded frames must be identical to the same pipeline without
 * livekitencrypt/livekitdecrypt, and what reaches the decoder must be
 * byte-identical to what the encoder produced. A lossy run drops, reorders
 * and damages packets (seeded, so it is repeatable): every frame that
 * arrives whole must decrypt, only the others may be dropped, and nothing
 * that did not decrypt may reach the decoder.
 *
 * EOS does not cross UDP: the receiver is stopped with an EOS event on
 * udpsrc once every packet the sender sent has been read (bounded wait). */
#include <gst/check/gstcheck.h>
#include <gst/rtp/rtp.h>
#include <gst/video/video.h>
#include <gst/livekit/livekit.h>

#include <string.h>

#define KEY "pipeline-test-key"
#define N_VIDEO_FRAMES 45
#define N_AUDIO_FRAMES 50
#define RUN_TIMEOUT (15 * G_TIME_SPAN_SECOND)
#define DELIVERY_TIMEOUT (3 * G_TIME_SPAN_SECOND)
#define DROP_PROBABILITY 0.05
#define REORDER_PROBABILITY 0.05
/* Loss alone never hands VP8/VP9 decryption a damaged frame (their
 * depayloaders flush incomplete frames): flip a byte now and then too. */
#define CORRUPT_PROBABILITY 0.02

/* Video payloaders use a small MTU, so that frames span several packets
 * and a lost packet leaves a partial frame behind. */
#define VIDEO_SOURCE(n) "videotestsrc num-buffers=" G_STRINGIFY (n) \
  " pattern=ball is-live=false ! video/x-raw,format=I420,width=320," \
  "height=240,framerate=30/1"

typedef struct
{
  const gchar *name;
  GstLiveKitCodec codec;
  const gchar *source;
  const gchar *encoder;
  const gchar *payloader;
  const gchar *rtp_caps;
  const gchar *depayloader;     /* with a capsfilter where needed */
  const gchar *decoder;
  const gchar *required;        /* elements, space-separated */
  guint frames;                 /* decoded frames expected; 0: any */
} Case;

static const Case case_opus = {
  "opus", GST_LIVEKIT_CODEC_AUDIO,
  "audiotestsrc num-buffers=" G_STRINGIFY (N_AUDIO_FRAMES)
      " samplesperbuffer=960 is-live=false ! audio/x-raw,rate=48000,channels=2",
  "opusenc bitrate=64000",
  "rtpopuspay",
  "application/x-rtp,media=audio,encoding-name=OPUS,clock-rate=48000,"
      "payload=96",
  "rtpopusdepay",
  "opusdec",
  "audiotestsrc opusenc opusdec rtpopuspay rtpopusdepay",
  0,
};

static const Case case_vp8 = {
  "vp8", GST_LIVEKIT_CODEC_VP8,
  VIDEO_SOURCE (N_VIDEO_FRAMES),
  /* Realtime VP8 picks its speed from measured encode times unless
   * cpu-used is negative (a fixed speed): the output must not depend on
   * how busy the machine is. */
  "vp8enc deadline=1 threads=1 cpu-used=-4 keyframe-max-dist=15 "
      "target-bitrate=400000",
  "livekitrtpvp8pay mtu=400",
  "application/x-rtp,media=video,encoding-name=VP8,clock-rate=90000,"
      "payload=96",
  "rtpvp8depay",
  "vp8dec threads=1",
  "vp8enc vp8dec rtpvp8depay",
  N_VIDEO_FRAMES,
};

static const Case case_vp9 = {
  "vp9", GST_LIVEKIT_CODEC_VP9,
  VIDEO_SOURCE (N_VIDEO_FRAMES),
  "vp9enc deadline=1 threads=1 cpu-used=8 keyframe-max-dist=15 "
      "target-bitrate=400000",
  "livekitrtpvp9pay mtu=400",
  "application/x-rtp,media=video,encoding-name=VP9,clock-rate=90000,"
      "payload=96",
  "rtpvp9depay",
  "vp9dec threads=1",
  "vp9enc vp9dec rtpvp9depay",
  N_VIDEO_FRAMES,
};

#define H264_AU "video/x-h264,stream-format=byte-stream,alignment=au"
#define H265_AU "video/x-h265,stream-format=byte-stream,alignment=au"

static const Case case_x264 = {
  "h264-x264", GST_LIVEKIT_CODEC_H264,
  VIDEO_SOURCE (N_VIDEO_FRAMES),
  "x264enc threads=1 tune=zerolatency speed-preset=ultrafast aud=false "
      "key-int-max=15 bitrate=400 ! capsfilter caps=" H264_AU,
  "livekitrtph264pay mtu=400",
  "application/x-rtp,media=video,encoding-name=H264,clock-rate=90000,"
      "payload=96",
  "rtph264depay ! " H264_AU,
  "avdec_h264 max-threads=1",
  "x264enc rtph264depay avdec_h264",
  N_VIDEO_FRAMES,
};

static const Case case_openh264 = {
  "h264-openh264", GST_LIVEKIT_CODEC_H264,
  VIDEO_SOURCE (N_VIDEO_FRAMES),
  "openh264enc multi-thread=1 gop-size=15 bitrate=400000 ! capsfilter "
      "caps=" H264_AU,
  "livekitrtph264pay mtu=400",
  "application/x-rtp,media=video,encoding-name=H264,clock-rate=90000,"
      "payload=96",
  "rtph264depay ! " H264_AU,
  "avdec_h264 max-threads=1",
  "openh264enc rtph264depay avdec_h264",
  N_VIDEO_FRAMES,
};

static const Case case_x265 = {
  "h265-x265", GST_LIVEKIT_CODEC_H265,
  VIDEO_SOURCE (N_VIDEO_FRAMES),
  /* x265 writes VPS/SPS/PPS only into the first AU unless told to repeat
   * them: a receiver that misses it could never decode. */
  "x265enc tune=zerolatency speed-preset=ultrafast key-int-max=15 "
      "bitrate=400 option-string=\"repeat-headers=1:pools=none:"
      "frame-threads=1\" ! capsfilter caps=" H265_AU,
  "livekitrtph265pay mtu=400",
  "application/x-rtp,media=video,encoding-name=H265,clock-rate=90000,"
      "payload=96",
  "rtph265depay ! " H265_AU,
  "avdec_h265 max-threads=1",
  "x265enc rtph265depay avdec_h265",
  N_VIDEO_FRAMES,
};

typedef struct
{
  const Case *c;
  gboolean encrypted;
  gboolean lossy;

  GMutex lock;
  GCond cond;

  /* Sender side. */
  GPtrArray *encoded;           /* encoder output hashes, in order */
  GPtrArray *encoded_bufs;      /* and the frames themselves */
  GHashTable *encoded_set;      /* the same as the decoder should see it */
  GHashTable *encrypted_set;    /* livekitencrypt output hashes */
  GHashTable *sent_per_ts;      /* RTP timestamp -> packets sent */
  guint sent_packets;

  /* Receiver side. */
  guint seen_packets;           /* read from the socket */
  GHashTable *got_per_ts;       /* RTP timestamp -> packets passed on */
  GRand *rand;
  GstBuffer *held;              /* a packet being reordered */
  gboolean reinjecting;
  guint dropped, reordered, corrupted;
  guint at_decrypt, whole_at_decrypt;
  guint unexplained;            /* damaged frames with no packet lost */
  guint collateral;             /* damaged frames that had all packets */
  guint at_decoder, not_decrypted, unknown_at_decoder;
  GstCaps *decoder_caps;        /* caps the decoder got */
  GPtrArray *decoded;           /* decoded frame hashes, in order */
  GstStructure *decrypt_stats;
} Run;

/* A case whose elements are missing is skipped, unless
 * LIVEKIT_TEST_REQUIRE_ELEMENTS is set (scripts/test-arm64.sh): a suite that
 * installed them must not pass without them. */
/* @t stretched by CK_TIMEOUT_MULTIPLIER, as check's own timeouts are (the
 * arm64 suite sets it: encoders run ~10x slower under qemu). */
static gint64
scaled (gint64 t)
{
  const gchar *m = g_getenv ("CK_TIMEOUT_MULTIPLIER");
  gint64 k = m ? g_ascii_strtoll (m, NULL, 10) : 1;

  return k > 1 ? t * k : t;
}

static gboolean
have_elements (const gchar * names)
{
  gchar **list = g_strsplit (names, " ", -1);
  gboolean ok = TRUE;

  for (guint i = 0; list[i]; i++) {
    GstElementFactory *f = gst_element_factory_find (list[i]);
    if (f) {
      gst_object_unref (f);
    } else {
      fail_if (g_getenv ("LIVEKIT_TEST_REQUIRE_ELEMENTS") != NULL,
          "%s is not available", list[i]);
      GST_WARNING ("skipping: %s is not available", list[i]);
      ok = FALSE;
    }
  }
  g_strfreev (list);
  return ok;
}

static gchar *
hash_bytes (const guint8 * data, gsize len)
{
  return g_compute_checksum_for_data (G_CHECKSUM_SHA256, data, len);
}

static gchar *
hash_buffer (GstBuffer * buf)
{
  GstMapInfo map;
  gchar *h;

  gst_buffer_map (buf, &map, GST_MAP_READ);
  h = hash_bytes (map.data, map.size);
  gst_buffer_unmap (buf, &map);
  return h;
}

/* What a depayloader gives back for a frame: for H.264/H.265, 4-byte start
 * codes. livekitencrypt normalises its clear prefix only (the rest is
 * ciphertext); without encryption every NAL unit is sent on its own, so
 * all start codes come back long. */
static gchar *
hash_as_received (Run * run, GstBuffer * buf)
{
  GstLiveKitCodec codec = run->c->codec;
  GstLiveKitFrameLayout layout;
  GstMapInfo map;
  guint8 *norm;
  gsize prefix, n;
  gchar *h;

  if (codec != GST_LIVEKIT_CODEC_H264 && codec != GST_LIVEKIT_CODEC_H265)
    return hash_buffer (buf);
  gst_buffer_map (buf, &map, GST_MAP_READ);
  gst_livekit_frame_layout (codec, map.data, map.size,
      !GST_BUFFER_FLAG_IS_SET (buf, GST_BUFFER_FLAG_DELTA_UNIT), &layout);
  prefix = run->encrypted ? MIN (layout.clear_len, map.size) : map.size;
  norm = g_malloc (gst_livekit_annexb_normalized_size (map.data, prefix) +
      map.size - prefix);
  n = gst_livekit_annexb_normalize (map.data, prefix, norm);
  memcpy (norm + n, map.data + prefix, map.size - prefix);
  h = hash_bytes (norm, n + map.size - prefix);
  g_free (norm);
  gst_buffer_unmap (buf, &map);
  return h;
}

/* Visible pixels only: padding between rows is not the decoder's output. */
static gchar *
hash_video_frame (GstCaps * caps, GstBuffer * buf)
{
  GChecksum *sum = g_checksum_new (G_CHECKSUM_SHA256);
  GstVideoInfo info;
  GstVideoFrame frame;
  gchar *h;

  fail_unless (gst_video_info_from_caps (&info, caps));
  fail_unless (gst_video_frame_map (&frame, &info, buf, GST_MAP_READ));
  for (guint p = 0; p < GST_VIDEO_FRAME_N_PLANES (&frame); p++) {
    const guint8 *row = GST_VIDEO_FRAME_PLANE_DATA (&frame, p);
    guint width = GST_VIDEO_FRAME_COMP_WIDTH (&frame, p) *
        GST_VIDEO_FRAME_COMP_PSTRIDE (&frame, p);
    for (gint y = 0; y < GST_VIDEO_FRAME_COMP_HEIGHT (&frame, p); y++) {
      g_checksum_update (sum, row, width);
      row += GST_VIDEO_FRAME_PLANE_STRIDE (&frame, p);
    }
  }
  gst_video_frame_unmap (&frame);
  h = g_strdup (g_checksum_get_string (sum));
  g_checksum_free (sum);
  return h;
}

static void
count_ts (GHashTable * table, guint32 ts)
{
  gpointer key = GUINT_TO_POINTER (ts);
  g_hash_table_insert (table, key,
      GUINT_TO_POINTER (GPOINTER_TO_UINT (g_hash_table_lookup (table,
                  key)) + 1));
}

/* Test-only meta: the RTP timestamp of the packet a buffer came from.
 * Tagless with the default copy, so depayloaders carry it to the frame,
 * one per packet they took data from. */
#define TS_META "LiveKitTestRtpTimestamp"

static void
register_ts_meta (void)
{
  static const gchar *tags[] = { NULL };

  if (!gst_meta_get_info (TS_META))
    gst_meta_register_custom (TS_META, tags, NULL, NULL, NULL);
}

static guint32
rtp_ts (GstBuffer * buf)
{
  GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
  guint32 ts;

  fail_unless (gst_rtp_buffer_map (buf, GST_MAP_READ, &rtp));
  ts = gst_rtp_buffer_get_timestamp (&rtp);
  gst_rtp_buffer_unmap (&rtp);
  return ts;
}

/* --- sender probes --- */

static GstPadProbeReturn
encoded_probe (GstPad * pad, GstPadProbeInfo * info, Run * run)
{
  GstBuffer *buf = GST_PAD_PROBE_INFO_BUFFER (info);
  gchar *h = hash_buffer (buf), *r = hash_as_received (run, buf);

  g_mutex_lock (&run->lock);
  g_ptr_array_add (run->encoded, h);
  g_ptr_array_add (run->encoded_bufs, gst_buffer_ref (buf));
  g_hash_table_add (run->encoded_set, r);
  g_mutex_unlock (&run->lock);
  return GST_PAD_PROBE_OK;
}

static GstPadProbeReturn
encrypted_probe (GstPad * pad, GstPadProbeInfo * info, Run * run)
{
  gchar *h = hash_buffer (GST_PAD_PROBE_INFO_BUFFER (info));

  g_mutex_lock (&run->lock);
  g_hash_table_add (run->encrypted_set, h);
  g_mutex_unlock (&run->lock);
  return GST_PAD_PROBE_OK;
}

static gboolean
count_sent (GstBuffer ** buf, guint idx, gpointer user_data)
{
  Run *run = user_data;
  count_ts (run->sent_per_ts, rtp_ts (*buf));
  run->sent_packets++;
  return TRUE;
}

static GstPadProbeReturn
sent_probe (GstPad * pad, GstPadProbeInfo * info, Run * run)
{
  g_mutex_lock (&run->lock);
  if (info->type & GST_PAD_PROBE_TYPE_BUFFER_LIST) {
    gst_buffer_list_foreach (GST_PAD_PROBE_INFO_BUFFER_LIST (info), count_sent,
        run);
  } else {
    GstBuffer *buf = GST_PAD_PROBE_INFO_BUFFER (info);
    count_sent (&buf, 0, run);
  }
  g_mutex_unlock (&run->lock);
  return GST_PAD_PROBE_OK;
}

/* --- receiver probes --- */

/* On udpsrc's src pad: counts packets and, in lossy runs, drops some,
 * damages some and swaps others with the packet after them. */
static GstPadProbeReturn
network_probe (GstPad * pad, GstPadProbeInfo * info, Run * run)
{
  GstBuffer *buf, *held;

  if (info->type & GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM) {
    /* A packet still held back goes out before EOS. */
    if (GST_EVENT_TYPE (GST_PAD_PROBE_INFO_EVENT (info)) == GST_EVENT_EOS
        && run->held) {
      held = run->held;
      run->held = NULL;
      g_mutex_lock (&run->lock);
      count_ts (run->got_per_ts, rtp_ts (held));
      g_mutex_unlock (&run->lock);
      run->reinjecting = TRUE;
      gst_pad_push (pad, held);
      run->reinjecting = FALSE;
    }
    return GST_PAD_PROBE_OK;
  }
  if (run->reinjecting)
    return GST_PAD_PROBE_OK;

  buf = gst_buffer_make_writable (GST_PAD_PROBE_INFO_BUFFER (info));
  GST_PAD_PROBE_INFO_DATA (info) = buf;
  gst_structure_set (gst_custom_meta_get_structure (gst_buffer_add_custom_meta
          (buf, TS_META)), "ts", G_TYPE_UINT, rtp_ts (buf), NULL);
  g_mutex_lock (&run->lock);
  run->seen_packets++;
  g_cond_broadcast (&run->cond);
  /* A few dozen packets may draw no loss at 5 %: make sure of one of
   * each (late, not to always hit the first key frame). */
  if (run->lossy && (g_rand_double (run->rand) < DROP_PROBABILITY
          || (run->seen_packets == 40 && run->dropped == 0))) {
    run->dropped++;
    g_mutex_unlock (&run->lock);
    return GST_PAD_PROBE_DROP;
  }
  if (run->lossy && (g_rand_double (run->rand) < CORRUPT_PROBABILITY
          || (run->seen_packets == 50 && run->corrupted == 0))) {
    GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
    guint8 *payload;

    /* Past any payload header; not counted as delivered intact. */
    fail_unless (gst_rtp_buffer_map (buf, GST_MAP_READWRITE, &rtp));
    payload = gst_rtp_buffer_get_payload (&rtp);
    payload[gst_rtp_buffer_get_payload_len (&rtp) * 3 / 4] ^= 0x5a;
    gst_rtp_buffer_unmap (&rtp);
    run->corrupted++;
  } else {
    count_ts (run->got_per_ts, rtp_ts (buf));
  }
  if (run->lossy && !run->held
      && (g_rand_double (run->rand) < REORDER_PROBABILITY
          || (run->seen_packets == 45 && run->reordered == 0))) {
    run->reordered++;
    run->held = gst_buffer_ref (buf);
    g_mutex_unlock (&run->lock);
    return GST_PAD_PROBE_DROP;
  }
  g_mutex_unlock (&run->lock);
  if (run->held) {
    /* This packet first, then the one held back. */
    held = run->held;
    run->held = NULL;
    run->reinjecting = TRUE;
    gst_pad_push (pad, gst_buffer_ref (buf));
    gst_pad_push (pad, held);
    run->reinjecting = FALSE;
    return GST_PAD_PROBE_DROP;
  }
  return GST_PAD_PROBE_OK;
}

static gboolean
frame_complete (Run * run, guint32 ts)
{
  gpointer key = GUINT_TO_POINTER (ts);
  return g_hash_table_lookup (run->got_per_ts, key) ==
      g_hash_table_lookup (run->sent_per_ts, key);
}

/* Before livekitdecrypt: is this frame exactly one that was sent? If not,
 * which frames' packets is it made of? */
static GstPadProbeReturn
decrypt_in_probe (GstPad * pad, GstPadProbeInfo * info, Run * run)
{
  GstBuffer *buf = GST_PAD_PROBE_INFO_BUFFER (info);
  gchar *h = hash_buffer (buf);
  GType api = gst_meta_get_info (TS_META)->api;
  gpointer state = NULL;
  GstMeta *meta;
  gboolean lost = FALSE, complete = FALSE;

  g_mutex_lock (&run->lock);
  run->at_decrypt++;
  if (g_hash_table_contains (run->encrypted_set, h)) {
    run->whole_at_decrypt++;
  } else {
    while ((meta = gst_buffer_iterate_meta_filtered (buf, &state, api))) {
      guint ts = 0;
      gst_structure_get_uint (gst_custom_meta_get_structure ((GstCustomMeta *)
              meta), "ts", &ts);
      if (frame_complete (run, ts))
        complete = TRUE;
      else
        lost = TRUE;
    }
    if (!lost)
      run->unexplained++;
    else if (complete)
      run->collateral++;
  }
  g_mutex_unlock (&run->lock);
  g_free (h);
  return GST_PAD_PROBE_OK;
}

/* Before the decoder: only decrypted frames, each one an encoder output. */
static GstPadProbeReturn
decoder_in_probe (GstPad * pad, GstPadProbeInfo * info, Run * run)
{
  GstBuffer *buf = GST_PAD_PROBE_INFO_BUFFER (info);
  GstLiveKitFrameMeta *meta = gst_buffer_get_livekit_frame_meta (buf);
  gchar *h = hash_buffer (buf);

  g_mutex_lock (&run->lock);
  if (!run->decoder_caps)
    run->decoder_caps = gst_pad_get_current_caps (pad);
  run->at_decoder++;
  if (run->encrypted && (!meta
          || meta->outcome != GST_LIVEKIT_FRAME_OUTCOME_DECRYPTED))
    run->not_decrypted++;
  if (!g_hash_table_contains (run->encoded_set, h)) {
    GST_WARNING ("frame %u at the decoder (%" G_GSIZE_FORMAT " bytes) is no "
        "encoder output", run->at_decoder, gst_buffer_get_size (buf));
    run->unknown_at_decoder++;
  }
  g_mutex_unlock (&run->lock);
  g_free (h);
  return GST_PAD_PROBE_OK;
}

static gchar *
hash_sample (GstSample * sample)
{
  GstCaps *caps = gst_sample_get_caps (sample);

  if (g_str_has_prefix (gst_structure_get_name (gst_caps_get_structure (caps,
                  0)), "video/"))
    return hash_video_frame (caps, gst_sample_get_buffer (sample));
  return hash_buffer (gst_sample_get_buffer (sample));
}

static GstFlowReturn
on_new_sample (GstElement * sink, Run * run)
{
  GstSample *sample = NULL;
  gchar *h;

  g_signal_emit_by_name (sink, "pull-sample", &sample);
  if (!sample)
    return GST_FLOW_EOS;
  h = hash_sample (sample);
  g_mutex_lock (&run->lock);
  g_ptr_array_add (run->decoded, h);
  g_mutex_unlock (&run->lock);
  gst_sample_unref (sample);
  return GST_FLOW_OK;
}

/* --- running --- */

static void
add_probe (GstElement * pipe, const gchar * element, const gchar * pad_name,
    GstPadProbeType type, GstPadProbeCallback cb, Run * run)
{
  GstElement *e = gst_bin_get_by_name (GST_BIN (pipe), element);
  GstPad *pad;

  fail_unless (e != NULL, "no element %s", element);
  pad = gst_element_get_static_pad (e, pad_name);
  fail_unless (pad != NULL);
  gst_pad_add_probe (pad, type, cb, run, NULL);
  gst_object_unref (pad);
  gst_object_unref (e);
}

static GstElement *
parse (const gchar * desc)
{
  GError *err = NULL;
  GstElement *pipe = gst_parse_launch_full (desc, NULL,
      GST_PARSE_FLAG_FATAL_ERRORS, &err);

  fail_unless (pipe != NULL, "cannot parse \"%s\": %s", desc,
      err ? err->message : "?");
  return pipe;
}

/* Fails on an error message, except one from the decoder when @lenient:
 * with packets lost, the decoder may see nothing decodable and post "No
 * valid frames decoded before end of stream" instead of passing EOS on.
 * That is not what is tested; TRUE means it was such an error. */
static gboolean
check_error (GstMessage * msg, gboolean lenient)
{
  GError *err = NULL;
  gchar *dbg = NULL;
  gboolean tolerated = lenient
      && g_str_equal (GST_MESSAGE_SRC_NAME (msg), "dec");

  gst_message_parse_error (msg, &err, &dbg);
  if (tolerated)
    GST_INFO ("decoder error ignored: %s", err->message);
  else
    fail ("error from %s: %s (%s)", GST_MESSAGE_SRC_NAME (msg), err->message,
        dbg ? dbg : "");
  g_clear_error (&err);
  g_free (dbg);
  gst_message_unref (msg);
  return tolerated;
}

/* Waits for EOS on @bus (or, when @lenient, a decoder error at the end),
 * checking both buses for errors. */
static gboolean
wait_eos (GstBus * bus, GstBus * other, gint64 timeout, gboolean lenient)
{
  gint64 end = g_get_monotonic_time () + timeout;
  GstMessage *msg;

  while (g_get_monotonic_time () < end) {
    msg = gst_bus_timed_pop_filtered (bus, 50 * GST_MSECOND,
        GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
    if (msg && GST_MESSAGE_TYPE (msg) == GST_MESSAGE_EOS) {
      gst_message_unref (msg);
      return TRUE;
    }
    if (msg && check_error (msg, lenient))
      return TRUE;
    while ((msg = gst_bus_pop_filtered (other, GST_MESSAGE_ERROR)))
      check_error (msg, lenient);
  }
  return FALSE;
}

static void
run_init (Run * run, const Case * c, gboolean encrypted, gboolean lossy)
{
  memset (run, 0, sizeof *run);
  run->c = c;
  run->encrypted = encrypted;
  run->lossy = lossy;
  g_mutex_init (&run->lock);
  g_cond_init (&run->cond);
  run->encoded = g_ptr_array_new_with_free_func (g_free);
  run->encoded_bufs = g_ptr_array_new_with_free_func ((GDestroyNotify)
      gst_buffer_unref);
  run->encoded_set = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
      NULL);
  run->encrypted_set = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
      NULL);
  run->sent_per_ts = g_hash_table_new (NULL, NULL);
  run->got_per_ts = g_hash_table_new (NULL, NULL);
  run->decoded = g_ptr_array_new_with_free_func (g_free);
  /* Fixed, so a failure can be replayed; LIVEKIT_TEST_SEED tries others. */
  run->rand = g_rand_new_with_seed (g_getenv ("LIVEKIT_TEST_SEED") ?
      (guint32) g_ascii_strtoull (g_getenv ("LIVEKIT_TEST_SEED"), NULL, 0) :
      0x1eaf5eed);
}

static void
run_clear (Run * run)
{
  g_ptr_array_unref (run->encoded);
  g_ptr_array_unref (run->encoded_bufs);
  gst_clear_caps (&run->decoder_caps);
  g_hash_table_unref (run->encoded_set);
  g_hash_table_unref (run->encrypted_set);
  g_hash_table_unref (run->sent_per_ts);
  g_hash_table_unref (run->got_per_ts);
  g_ptr_array_unref (run->decoded);
  g_rand_free (run->rand);
  gst_clear_buffer (&run->held);
  if (run->decrypt_stats)
    gst_structure_free (run->decrypt_stats);
  g_mutex_clear (&run->lock);
  g_cond_clear (&run->cond);
}

static void
run_pipelines (Run * run)
{
  const Case *c = run->c;
  GstElement *rx, *tx, *udpsrc, *sink;
  GstBus *rx_bus, *tx_bus;
  gchar *desc;
  gint port = 0;
  gint64 end;

  desc = g_strdup_printf ("udpsrc name=usrc address=127.0.0.1 port=0 "
      "caps=\"%s\" ! rtpjitterbuffer latency=300 ! %s ! %s%s name=dec%s ! "
      "appsink name=sink sync=false emit-signals=true", c->rtp_caps,
      c->depayloader, run->encrypted ? "livekitdecrypt name=crypt "
      "shared-key=" KEY " ! " : "", c->decoder,
      run->lossy ? " max-errors=-1" : "");
  rx = parse (desc);
  g_free (desc);
  rx_bus = gst_element_get_bus (rx);
  sink = gst_bin_get_by_name (GST_BIN (rx), "sink");
  g_signal_connect (sink, "new-sample", G_CALLBACK (on_new_sample), run);
  add_probe (rx, "usrc", "src", GST_PAD_PROBE_TYPE_BUFFER |
      GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM,
      (GstPadProbeCallback) network_probe, run);
  if (run->encrypted)
    add_probe (rx, "crypt", "sink", GST_PAD_PROBE_TYPE_BUFFER,
        (GstPadProbeCallback) decrypt_in_probe, run);
  add_probe (rx, "dec", "sink", GST_PAD_PROBE_TYPE_BUFFER,
      (GstPadProbeCallback) decoder_in_probe, run);

  /* The socket is bound on NULL→READY; port 0 lets the OS pick. */
  fail_unless (gst_element_set_state (rx, GST_STATE_PLAYING) !=
      GST_STATE_CHANGE_FAILURE);
  udpsrc = gst_bin_get_by_name (GST_BIN (rx), "usrc");
  g_object_get (udpsrc, "port", &port, NULL);
  fail_unless (port > 0, "udpsrc did not report its port");

  desc = g_strdup_printf ("%s ! %s name=enc ! %s%s name=pay ! udpsink "
      "name=usink host=127.0.0.1 port=%d sync=true", c->source, c->encoder,
      run->encrypted ? "livekitencrypt shared-key=" KEY " ! " : "",
      c->payloader, port);
  tx = parse (desc);
  g_free (desc);
  tx_bus = gst_element_get_bus (tx);
  add_probe (tx, "enc", "src", GST_PAD_PROBE_TYPE_BUFFER,
      (GstPadProbeCallback) encoded_probe, run);
  if (run->encrypted)
    add_probe (tx, "pay", "sink", GST_PAD_PROBE_TYPE_BUFFER,
        (GstPadProbeCallback) encrypted_probe, run);
  add_probe (tx, "usink", "sink", GST_PAD_PROBE_TYPE_BUFFER |
      GST_PAD_PROBE_TYPE_BUFFER_LIST, (GstPadProbeCallback) sent_probe, run);
  fail_unless (gst_element_set_state (tx, GST_STATE_PLAYING) !=
      GST_STATE_CHANGE_FAILURE);

  fail_unless (wait_eos (tx_bus, rx_bus, scaled (RUN_TIMEOUT), run->lossy),
      "%s: the sender did not finish", c->name);

  /* Everything sent has been read (loopback does not lose packets). */
  end = g_get_monotonic_time () + scaled (DELIVERY_TIMEOUT);
  g_mutex_lock (&run->lock);
  while (run->seen_packets < run->sent_packets)
    if (!g_cond_wait_until (&run->cond, &run->lock, end))
      break;
  fail_unless_equals_int (run->seen_packets, run->sent_packets);
  g_mutex_unlock (&run->lock);

  /* rtpjitterbuffer pushes out what it holds, decoders drain. */
  fail_unless (gst_element_send_event (udpsrc, gst_event_new_eos ()));
  fail_unless (wait_eos (rx_bus, tx_bus, scaled (RUN_TIMEOUT), run->lossy),
      "%s: the receiver did not finish", c->name);

  if (run->encrypted) {
    GstElement *crypt = gst_bin_get_by_name (GST_BIN (rx), "crypt");
    g_object_get (crypt, "stats", &run->decrypt_stats, NULL);
    gst_object_unref (crypt);
  }
  gst_element_set_state (tx, GST_STATE_NULL);
  gst_element_set_state (rx, GST_STATE_NULL);
  gst_object_unref (udpsrc);
  gst_object_unref (sink);
  gst_object_unref (tx_bus);
  gst_object_unref (rx_bus);
  gst_object_unref (tx);
  gst_object_unref (rx);

  GST_INFO ("%s%s%s: %u encoded, %u packets sent, %u dropped, %u reordered, "
      "%u corrupted, %u at decrypt (%u whole), %u at decoder, %u decoded",
      c->name, run->encrypted ? " encrypted" : "", run->lossy ? " lossy" : "",
      run->encoded->len, run->sent_packets, run->dropped, run->reordered,
      run->corrupted,
      run->at_decrypt, run->whole_at_decrypt, run->at_decoder,
      run->decoded->len);
}

static void
stats_counts (const GstStructure * stats, guint64 * in, guint64 * out,
    guint64 * drops)
{
  const GValue *parts = gst_structure_get_value (stats, "participants");
  const GstStructure *p, *d;

  fail_unless_equals_int (gst_value_array_get_size (parts), 1);
  p = gst_value_get_structure (gst_value_array_get_value (parts, 0));
  fail_unless (gst_structure_get_uint64 (p, "frames-in", in));
  fail_unless (gst_structure_get_uint64 (p, "frames-out", out));
  d = gst_value_get_structure (gst_structure_get_value (p, "drops"));
  *drops = 0;
  for (gint i = 0; i < gst_structure_n_fields (d); i++) {
    guint64 n = 0;
    gst_structure_get_uint64 (d, gst_structure_nth_field_name (d, i), &n);
    *drops += n;
  }
}

static void
check_clean_run (Run * run)
{
  const Case *c = run->c;

  fail_unless (run->encoded->len > 0);
  /* Every frame arrived, decrypted, and is exactly what was encoded. */
  fail_unless_equals_int (run->at_decoder, run->encoded->len);
  fail_unless_equals_int (run->unknown_at_decoder, 0);
  fail_unless_equals_int (run->not_decrypted, 0);
  if (c->frames) {
    fail_unless_equals_int (run->decoded->len, c->frames);
  } else {
    fail_unless (run->decoded->len >= run->encoded->len);
  }
  if (run->encrypted) {
    guint64 in, out, drops;
    stats_counts (run->decrypt_stats, &in, &out, &drops);
    fail_unless_equals_int (in, run->encoded->len);
    fail_unless_equals_int (out, run->encoded->len);
    fail_unless_equals_int (drops, 0);
    fail_unless_equals_int (run->whole_at_decrypt, run->encoded->len);
  }
}

static void
assert_same_hashes (GPtrArray * a, GPtrArray * b, const gchar * what)
{
  fail_unless_equals_int (a->len, b->len);
  for (guint i = 0; i < a->len; i++)
    fail_unless (g_str_equal (g_ptr_array_index (a, i), g_ptr_array_index (b,
                i)), "%s: frame %u differs", what, i);
}

/* Decodes the encoder's own output with the same decoder, no network and
 * no encryption: what the receiver has to reproduce. */
static GPtrArray *
decode_locally (Run * run)
{
  gchar *desc = g_strdup_printf ("appsrc name=src format=time ! %s name=dec "
      "! appsink name=sink sync=false emit-signals=true", run->c->decoder);
  GstElement *pipe = parse (desc);
  GstElement *src = gst_bin_get_by_name (GST_BIN (pipe), "src");
  GstElement *sink = gst_bin_get_by_name (GST_BIN (pipe), "sink");
  GstBus *bus = gst_element_get_bus (pipe);
  Run local;
  GPtrArray *decoded;
  GstFlowReturn ret;

  run_init (&local, run->c, FALSE, FALSE);
  /* The receiver's caps, not the encoder's: for Opus those carry the
   * OpusHead pre-skip, which RTP does not. */
  g_object_set (src, "caps", run->decoder_caps, NULL);
  g_signal_connect (sink, "new-sample", G_CALLBACK (on_new_sample), &local);
  fail_unless (gst_element_set_state (pipe, GST_STATE_PLAYING) !=
      GST_STATE_CHANGE_FAILURE);
  for (guint i = 0; i < run->encoded_bufs->len; i++) {
    /* Only bytes, flags and timestamps cross the network; opusenc's
     * clipping meta (its pre-skip) does not. */
    GstBuffer *buf = gst_buffer_copy_region (g_ptr_array_index
        (run->encoded_bufs, i), GST_BUFFER_COPY_FLAGS |
        GST_BUFFER_COPY_TIMESTAMPS | GST_BUFFER_COPY_MEMORY, 0, -1);
    g_signal_emit_by_name (src, "push-buffer", buf, &ret);
    gst_buffer_unref (buf);
    fail_unless_equals_int (ret, GST_FLOW_OK);
  }
  g_signal_emit_by_name (src, "end-of-stream", &ret);
  fail_unless (wait_eos (bus, bus, scaled (RUN_TIMEOUT), FALSE));
  gst_element_set_state (pipe, GST_STATE_NULL);
  decoded = g_ptr_array_ref (local.decoded);
  run_clear (&local);
  gst_object_unref (bus);
  gst_object_unref (sink);
  gst_object_unref (src);
  gst_object_unref (pipe);
  g_free (desc);
  return decoded;
}

static void
compare_runs (Run * plain, Run * enc)
{
  const gchar *name = plain->c->name;
  gboolean same_encoding = plain->encoded->len == enc->encoded->len;
  GPtrArray *reference;
  gchar *what;

  /* Each run decodes exactly what its encoder produced... */
  reference = decode_locally (plain);
  what = g_strdup_printf ("%s without encryption", name);
  assert_same_hashes (reference, plain->decoded, what);
  g_free (what);
  g_ptr_array_unref (reference);
  reference = decode_locally (enc);
  what = g_strdup_printf ("%s with encryption", name);
  assert_same_hashes (reference, enc->decoded, what);
  g_free (what);
  g_ptr_array_unref (reference);

  /* ...and with a deterministic encoder, the two runs match frame for
   * frame. x265 is not one: it reads uninitialised memory (valgrind, in
   * x265::Predict::initIntraNeighbors and the entropy coder), so its
   * output can change from run to run on a busy machine. */
  for (guint i = 0; same_encoding && i < plain->encoded->len; i++)
    same_encoding = g_str_equal (g_ptr_array_index (plain->encoded, i),
        g_ptr_array_index (enc->encoded, i));
  if (same_encoding) {
    what = g_strdup_printf ("%s with and without encryption", name);
    assert_same_hashes (plain->decoded, enc->decoded, what);
    g_free (what);
  } else {
    GST_WARNING ("%s: the encoder was not deterministic; each run was "
        "checked against a local decode of its own encoder output", name);
    fail_unless (plain->c->codec == GST_LIVEKIT_CODEC_H265,
        "%s: the encoder gave different output the second time", name);
  }
}

static void
run_case (const Case * c)
{
  Run plain, enc;

  if (!have_elements (c->required))
    return;
  register_ts_meta ();
  run_init (&plain, c, FALSE, FALSE);
  run_init (&enc, c, TRUE, FALSE);
  run_pipelines (&plain);
  run_pipelines (&enc);
  check_clean_run (&plain);
  check_clean_run (&enc);
  compare_runs (&plain, &enc);
  run_clear (&plain);
  run_clear (&enc);
}

/* Frames whose packets all got past the network probe intact. */
static guint
complete_frames (Run * run)
{
  GHashTableIter iter;
  gpointer ts;
  guint n = 0;

  g_hash_table_iter_init (&iter, run->sent_per_ts);
  while (g_hash_table_iter_next (&iter, &ts, NULL))
    if (frame_complete (run, GPOINTER_TO_UINT (ts)))
      n++;
  return n;
}

static void
run_lossy_case (const Case * c)
{
  Run run;
  guint64 in, out, drops;
  guint complete;

  if (!have_elements (c->required))
    return;
  register_ts_meta ();
  run_init (&run, c, TRUE, TRUE);
  run_pipelines (&run);
  complete = complete_frames (&run);
  stats_counts (run.decrypt_stats, &in, &out, &drops);
  GST_INFO ("%s lossy: %u of %u frames complete; decrypt in %" G_GUINT64_FORMAT
      " out %" G_GUINT64_FORMAT " dropped %" G_GUINT64_FORMAT " (%u complete "
      "frames damaged by the depayloader)", c->name, complete,
      run.encoded->len, in, out, drops, run.collateral);

  fail_unless (run.dropped > 0 && run.reordered > 0 && run.corrupted > 0);
  fail_unless (complete < run.encoded->len);
  /* Nothing but decrypted encoder output reaches the decoder. */
  fail_unless_equals_int (run.not_decrypted, 0);
  fail_unless_equals_int (run.unknown_at_decoder, 0);
  /* Every frame that arrived as sent decrypts; only the others drop. */
  fail_unless_equals_int (in, run.at_decrypt);
  fail_unless_equals_int (out, run.whole_at_decrypt);
  fail_unless_equals_int (drops, run.at_decrypt - run.whole_at_decrypt);
  fail_unless_equals_int (run.at_decoder, out);
  /* A frame that reaches livekitdecrypt damaged holds data of a frame
   * that lost packets. */
  fail_unless_equals_int (run.unexplained, 0);
  /* VP8/VP9/Opus depayloaders flush on loss; rtph264depay/rtph265depay
   * keep the NAL units of a broken AU that came before the lost packet
   * and put them in front of the next AU, whose decryption then fails
   * although all its packets arrived (see test-payloaders.c). */
  if (c->codec != GST_LIVEKIT_CODEC_H264 && c->codec != GST_LIVEKIT_CODEC_H265)
    fail_unless_equals_int (run.collateral, 0);
  run_clear (&run);
}

GST_START_TEST (test_opus)
{
  run_case (&case_opus);
}

GST_END_TEST;

GST_START_TEST (test_vp8)
{
  run_case (&case_vp8);
}

GST_END_TEST;

GST_START_TEST (test_vp9)
{
  run_case (&case_vp9);
}

GST_END_TEST;

GST_START_TEST (test_h264_x264)
{
  run_case (&case_x264);
}

GST_END_TEST;

GST_START_TEST (test_h264_openh264)
{
  run_case (&case_openh264);
}

GST_END_TEST;

GST_START_TEST (test_h265_x265)
{
  run_case (&case_x265);
}

GST_END_TEST;

GST_START_TEST (test_lossy_opus)
{
  run_lossy_case (&case_opus);
}

GST_END_TEST;

GST_START_TEST (test_lossy_vp8)
{
  run_lossy_case (&case_vp8);
}

GST_END_TEST;

GST_START_TEST (test_lossy_vp9)
{
  run_lossy_case (&case_vp9);
}

GST_END_TEST;

GST_START_TEST (test_lossy_h264)
{
  run_lossy_case (&case_x264);
}

GST_END_TEST;

GST_START_TEST (test_lossy_h265)
{
  run_lossy_case (&case_x265);
}

GST_END_TEST;

static Suite *
pipelines_suite (void)
{
  Suite *s = suite_create ("livekit-pipelines");
  TCase *tc = tcase_create ("pipelines");

  suite_add_tcase (s, tc);
  tcase_set_timeout (tc, 60);
  tcase_add_test (tc, test_opus);
  tcase_add_test (tc, test_vp8);
  tcase_add_test (tc, test_vp9);
  tcase_add_test (tc, test_h264_x264);
  tcase_add_test (tc, test_h264_openh264);
  tcase_add_test (tc, test_h265_x265);
  tcase_add_test (tc, test_lossy_opus);
  tcase_add_test (tc, test_lossy_vp8);
  tcase_add_test (tc, test_lossy_vp9);
  tcase_add_test (tc, test_lossy_h264);
  tcase_add_test (tc, test_lossy_h265);
  return s;
}

GST_CHECK_MAIN (pipelines);
