/* Per-buffer cost of one element: identity, livekitencrypt, livekitdecrypt,
 * and GStreamer's srtpenc / srtpdec with AES-128-GCM, at 100 B (Opus), 1 KB
 * and 64 KB (VP8 delta frames; RTP payloads of that size for SRTP), next to
 * raw OpenSSL AES-128-GCM on the same sizes.
 *
 * The element runs alone, between two pads of ours, so a buffer's cost is
 * its chain call: what the element does, the buffer it allocates, the input
 * it frees. Inputs (plaintext, LiveKit frames, RTP, SRTP) are made outside
 * the measured part, one fresh writable buffer per push, as a depayloader
 * would hand them over.
 *
 *   element-bench [--callgrind] [--iters N] [--only NAME] [--size BYTES]
 *
 * --size runs that size alone (any size; up to 100 B is Opus, above VP8).
 *
 * Default: thread CPU time per buffer (best of 5 rounds of --iters), one
 * JSON line per case. --callgrind: run under
 *   valgrind --tool=callgrind --collect-atstart=no element-bench --callgrind
 * each case is collected alone and dumped as "case:NAME:SIZE"
 * (bench/callgrind.sh does this and divides by the iterations).
 * GST_PLUGIN_PATH must find the livekit plugin.
 */
/* RUSAGE_THREAD */
#define _GNU_SOURCE
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <gst/gst.h>
#include <openssl/evp.h>
#include <string.h>
#include <time.h>
#include <sys/resource.h>

#ifdef HAVE_CALLGRIND_H
#include <valgrind/callgrind.h>
#else
#define CALLGRIND_TOGGLE_COLLECT
#define CALLGRIND_DUMP_STATS_AT(s) (void) (s)
#define CALLGRIND_ZERO_STATS
#endif

/* Inputs are made a batch at a time; a batch stays within L2 (1 MB here),
 * as a frame just depayloaded would be. */
#define BATCH_MAX 64
#define BATCH_BYTES (256 * 1024)
#define LK_KEY "element-bench shared key"
#define SSRC 0x1234abcdu

static const guint sizes[] = { 100, 1024, 65536 };

static const gchar *names[] = {
  "identity", "livekitencrypt", "livekitdecrypt", "srtpenc", "srtpdec",
  "openssl-encrypt", "openssl-decrypt",
};

/* An element between two pads of ours. */
typedef struct
{
  GstElement *element;
  GstPad *src, *sink;           /* ours */
  GstPad *esink, *esrc;         /* the element's */
  GPtrArray *collected;         /* what came out, when collecting */
  guint64 out;
} Chain;

static GstFlowReturn
sink_chain (GstPad * pad, GstObject * parent, GstBuffer * buf)
{
  Chain *c = g_object_get_data (G_OBJECT (pad), "chain");

  c->out++;
  if (c->collected)
    g_ptr_array_add (c->collected, buf);
  else
    gst_buffer_unref (buf);
  return GST_FLOW_OK;
}

static GstBuffer *
srtp_key (void)
{
  /* AES-128-GCM: a 16-byte key and a 12-byte salt. */
  guint8 key[28];
  for (guint i = 0; i < sizeof key; i++)
    key[i] = (guint8) (i * 37 + 11);
  return gst_buffer_new_memdup (key, sizeof key);
}

static GstCaps *
caps_for (const gchar * name, guint size)
{
  if (g_str_equal (name, "srtpenc"))
    return gst_caps_from_string ("application/x-rtp, media=video, "
        "clock-rate=90000, encoding-name=VP8, payload=96");
  if (g_str_equal (name, "srtpdec")) {
    GstBuffer *key = srtp_key ();
    GstCaps *caps = gst_caps_new_simple ("application/x-srtp",
        "media", G_TYPE_STRING, "video", "clock-rate", G_TYPE_INT, 90000,
        "encoding-name", G_TYPE_STRING, "VP8", "payload", G_TYPE_INT, 96,
        "ssrc", G_TYPE_UINT, SSRC, "srtp-key", GST_TYPE_BUFFER, key,
        "srtp-cipher", G_TYPE_STRING, "aes-128-gcm",
        "srtp-auth", G_TYPE_STRING, "null",
        "srtcp-cipher", G_TYPE_STRING, "aes-128-gcm",
        "srtcp-auth", G_TYPE_STRING, "null", NULL);
    gst_buffer_unref (key);
    return caps;
  }
  return gst_caps_from_string (size <= 100 ? "audio/x-opus" : "video/x-vp8");
}

static void
chain_setup (Chain * c, const gchar * name, guint size, gboolean collect)
{
  GstCaps *caps;
  GstSegment segment;

  memset (c, 0, sizeof *c);
  c->element = gst_element_factory_make (name, NULL);
  if (!c->element)
    g_error ("no element %s (GST_PLUGIN_PATH?)", name);
  gst_object_ref_sink (c->element);
  if (g_str_has_prefix (name, "livekit")) {
    /* HKDF and no ratchet window: key setup must not dominate a run under
     * valgrind; the per-frame path is the same. */
    gst_util_set_object_arg (G_OBJECT (c->element), "key-derivation", "hkdf");
    g_object_set (c->element, "ratchet-window-size", 0, "shared-key", LK_KEY,
        NULL);
  }
  if (g_str_equal (name, "srtpenc")) {
    GstBuffer *key = srtp_key ();
    g_object_set (c->element, "key", key, NULL);
    gst_util_set_object_arg (G_OBJECT (c->element), "rtp-cipher",
        "aes-128-gcm");
    gst_util_set_object_arg (G_OBJECT (c->element), "rtcp-cipher",
        "aes-128-gcm");
    gst_util_set_object_arg (G_OBJECT (c->element), "rtp-auth", "null");
    gst_util_set_object_arg (G_OBJECT (c->element), "rtcp-auth", "null");
    gst_buffer_unref (key);
    c->esink = gst_element_request_pad_simple (c->element, "rtp_sink_0");
    c->esrc = gst_element_get_static_pad (c->element, "rtp_src_0");
  } else if (g_str_equal (name, "srtpdec")) {
    c->esink = gst_element_get_static_pad (c->element, "rtp_sink");
    c->esrc = gst_element_get_static_pad (c->element, "rtp_src");
  } else {
    c->esink = gst_element_get_static_pad (c->element, "sink");
    c->esrc = gst_element_get_static_pad (c->element, "src");
  }
  g_assert (c->esink && c->esrc);

  c->src = gst_pad_new ("src", GST_PAD_SRC);
  c->sink = gst_pad_new ("sink", GST_PAD_SINK);
  g_object_set_data (G_OBJECT (c->sink), "chain", c);
  gst_pad_set_chain_function (c->sink, sink_chain);
  if (collect)
    c->collected = g_ptr_array_new ();
  gst_pad_link (c->src, c->esink);
  gst_pad_link (c->esrc, c->sink);
  gst_pad_set_active (c->src, TRUE);
  gst_pad_set_active (c->sink, TRUE);
  if (gst_element_set_state (c->element, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE)
    g_error ("%s does not start", name);

  gst_pad_push_event (c->src, gst_event_new_stream_start ("bench"));
  caps = caps_for (name, size);
  gst_pad_push_event (c->src, gst_event_new_caps (caps));
  gst_caps_unref (caps);
  gst_segment_init (&segment, GST_FORMAT_TIME);
  gst_pad_push_event (c->src, gst_event_new_segment (&segment));
}

static void
chain_clear (Chain * c)
{
  gst_element_set_state (c->element, GST_STATE_NULL);
  if (c->collected) {
    g_ptr_array_set_free_func (c->collected,
        (GDestroyNotify) gst_buffer_unref);
    g_ptr_array_unref (c->collected);
  }
  gst_object_unref (c->esink);
  gst_object_unref (c->esrc);
  gst_object_unref (c->src);
  gst_object_unref (c->sink);
  gst_object_unref (c->element);
}

/* Plaintext of frame @i: a VP8 delta frame (3 clear bytes) or Opus. */
static GstBuffer *
plain_frame (guint size, guint64 i)
{
  GstBuffer *buf = gst_buffer_new_allocate (NULL, size, NULL);
  GstMapInfo map;

  gst_buffer_map (buf, &map, GST_MAP_WRITE);
  for (guint j = 0; j < size; j++)
    map.data[j] = (guint8) (j * 131 + i);
  if (size > 100)
    map.data[0] = 0x31;
  gst_buffer_unmap (buf, &map);
  if (size > 100)
    GST_BUFFER_FLAG_SET (buf, GST_BUFFER_FLAG_DELTA_UNIT);
  GST_BUFFER_PTS (buf) = i * 20 * GST_MSECOND;
  GST_BUFFER_DURATION (buf) = 20 * GST_MSECOND;
  return buf;
}

/* An RTP packet: a 12-byte header (version 2, PT 96) and @payload bytes. */
static GstBuffer *
rtp_packet (guint payload, guint64 i)
{
  GstBuffer *buf = gst_buffer_new_allocate (NULL, 12 + payload, NULL);
  guint16 seq = (guint16) (1000 + i);
  guint32 ts = (guint32) (i * 3000);
  GstMapInfo map;

  gst_buffer_map (buf, &map, GST_MAP_WRITE);
  memset (map.data + 12, (int) i, payload);
  map.data[0] = 0x80;
  map.data[1] = 96;
  GST_WRITE_UINT16_BE (map.data + 2, seq);
  GST_WRITE_UINT32_BE (map.data + 4, ts);
  GST_WRITE_UINT32_BE (map.data + 8, SSRC);
  gst_buffer_unmap (buf, &map);
  GST_BUFFER_PTS (buf) = i * 33 * GST_MSECOND;
  return buf;
}

/* A case: the element measured and, for decryptors, its encryptor, which
 * makes the inputs. */
typedef struct
{
  const gchar *name;
  guint size;
  Chain measured, maker;
  gboolean has_maker;
  guint batch;                  /* buffers per batch */
  guint64 next;                 /* frame number */
  /* OpenSSL reference */
  EVP_CIPHER_CTX *ctx;
  guint8 *in, *out, tag[16];
} Case;

/* Fresh inputs for the next batch of pushes. */
static void
make_batch (Case * k, GstBuffer ** batch)
{
  gboolean srtp = g_str_has_prefix (k->name, "srtp");

  if (k->has_maker) {
    while (k->maker.collected->len < k->batch) {
      GstBuffer *b = srtp ? rtp_packet (k->size, k->next) :
          plain_frame (k->size, k->next);
      k->next++;
      if (gst_pad_push (k->maker.src, b) != GST_FLOW_OK)
        g_error ("making inputs for %s failed", k->name);
    }
    for (guint i = 0; i < k->batch; i++)
      batch[i] = g_ptr_array_index (k->maker.collected, i);
    g_ptr_array_remove_range (k->maker.collected, 0, k->batch);
    return;
  }
  for (guint i = 0; i < k->batch; i++, k->next++)
    batch[i] = srtp ? rtp_packet (k->size, k->next) :
        plain_frame (k->size, k->next);
}

static void
case_setup (Case * k, const gchar * name, guint size)
{
  static const guint8 key[16] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 };

  memset (k, 0, sizeof *k);
  k->name = name;
  k->size = size;
  k->batch = CLAMP (BATCH_BYTES / size, 1, BATCH_MAX);
  if (g_str_has_prefix (name, "openssl")) {
    k->ctx = EVP_CIPHER_CTX_new ();
    EVP_CipherInit_ex (k->ctx, EVP_aes_128_gcm (), NULL, key, NULL,
        g_str_equal (name, "openssl-encrypt"));
    k->in = g_malloc0 (size);
    k->out = g_malloc0 (size);
    return;
  }
  chain_setup (&k->measured, name, size, FALSE);
  if (g_str_equal (name, "livekitdecrypt")) {
    chain_setup (&k->maker, "livekitencrypt", size, TRUE);
    k->has_maker = TRUE;
  } else if (g_str_equal (name, "srtpdec")) {
    chain_setup (&k->maker, "srtpenc", size, TRUE);
    k->has_maker = TRUE;
  }
}

static void
case_clear (Case * k)
{
  if (k->ctx) {
    EVP_CIPHER_CTX_free (k->ctx);
    g_free (k->in);
    g_free (k->out);
    return;
  }
  chain_clear (&k->measured);
  if (k->has_maker)
    chain_clear (&k->maker);
}

/* What OpenSSL does for one LiveKit frame: IV, one byte of AAD (the clear
 * prefix), the body, the tag. Decrypting garbage fails at the tag, after
 * the same work. */
static void
openssl_one (Case * k, guint64 i)
{
  guint8 iv[12] = { 0 };
  int len;

  memcpy (iv, &i, sizeof i);
  EVP_CipherInit_ex (k->ctx, NULL, NULL, NULL, iv, -1);
  EVP_CipherUpdate (k->ctx, NULL, &len, k->in, 1);
  EVP_CipherUpdate (k->ctx, k->out, &len, k->in + 1, (int) k->size - 1);
  if (!EVP_CIPHER_CTX_is_encrypting (k->ctx))
    EVP_CIPHER_CTX_ctrl (k->ctx, EVP_CTRL_GCM_SET_TAG, 16, k->tag);
  EVP_CipherFinal_ex (k->ctx, k->out, &len);
  if (EVP_CIPHER_CTX_is_encrypting (k->ctx))
    EVP_CIPHER_CTX_ctrl (k->ctx, EVP_CTRL_GCM_GET_TAG, 16, k->tag);
}

static void
push_batch (Case * k, GstBuffer ** batch)
{
  if (k->ctx) {
    for (guint i = 0; i < k->batch; i++)
      openssl_one (k, k->next++);
    return;
  }
  for (guint i = 0; i < k->batch; i++)
    if (gst_pad_push (k->measured.src, batch[i]) != GST_FLOW_OK)
      g_error ("%s: push failed", k->name);
}

static gint64
thread_ns (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts);
  return (gint64) ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static glong
thread_minflt (void)
{
  struct rusage ru;
  getrusage (RUSAGE_THREAD, &ru);
  return ru.ru_minflt;
}

/* Page faults while pushing, summed by run_batches(). */
static glong faults;

/* Pushes @batches batches; returns the thread CPU time spent pushing. */
static gint64
run_batches (Case * k, guint batches, gboolean collect)
{
  GstBuffer *batch[BATCH_MAX];
  gint64 spent = 0;

  for (guint b = 0; b < batches; b++) {
    gint64 t0;
    guint64 out0 = k->measured.out;

    if (!k->ctx)
      make_batch (k, batch);
    faults -= thread_minflt ();
    t0 = thread_ns ();
    if (collect)
      CALLGRIND_TOGGLE_COLLECT;
    push_batch (k, batch);
    if (collect)
      CALLGRIND_TOGGLE_COLLECT;
    spent += thread_ns () - t0;
    faults += thread_minflt ();
    if (!k->ctx && k->measured.out - out0 != k->batch)
      g_error ("%s dropped %" G_GUINT64_FORMAT " of %u buffers", k->name,
          k->batch - (k->measured.out - out0), k->batch);
  }
  return spent;
}

int
main (int argc, char **argv)
{
  gboolean callgrind = FALSE;
  gint iters = 0, only_size = 0;
  gchar *only = NULL;
  GOptionEntry entries[] = {
    {"callgrind", 0, 0, G_OPTION_ARG_NONE, &callgrind,
        "Collect each case for callgrind (run under valgrind)", NULL},
    {"iters", 0, 0, G_OPTION_ARG_INT, &iters, "Buffers per case", "N"},
    {"only", 0, 0, G_OPTION_ARG_STRING, &only, "Only this element", "NAME"},
    {"size", 0, 0, G_OPTION_ARG_INT, &only_size, "Only this size", "BYTES"},
    {NULL}
  };
  GOptionContext *ctx = g_option_context_new ("- per-buffer element cost");
  GError *err = NULL;

  g_option_context_add_main_entries (ctx, entries, NULL);
  g_option_context_add_group (ctx, gst_init_get_option_group ());
  if (!g_option_context_parse (ctx, &argc, &argv, &err)) {
    g_printerr ("%s\n", err->message);
    return 2;
  }
  g_option_context_free (ctx);
  if (iters <= 0)
    iters = callgrind ? 256 : 4096;

  for (guint n = 0; n < G_N_ELEMENTS (names); n++) {
    if (only && !g_str_equal (only, names[n]))
      continue;
    for (guint s = 0; s < G_N_ELEMENTS (sizes); s++) {
      /* --size: that size alone, even one not in the list. */
      guint size = only_size ? (guint) only_size : sizes[s];
      guint batches;
      Case k;
      gint64 best = G_MAXINT64;

      if (only_size && s > 0)
        break;
      case_setup (&k, names[n], size);
      batches = MAX (1, (guint) iters / k.batch);
      /* Warm-up: caches, pools, first-frame state changes. */
      run_batches (&k, 2, FALSE);
      if (callgrind) {
        gchar *label = g_strdup_printf ("case:%s:%u", names[n], size);
        CALLGRIND_ZERO_STATS;
        run_batches (&k, batches, TRUE);
        CALLGRIND_DUMP_STATS_AT (label);
        g_free (label);
      } else {
        faults = 0;
        for (guint r = 0; r < 5; r++)
          best = MIN (best, run_batches (&k, batches, FALSE));
      }
      g_print ("{\"element\": \"%s\", \"size\": %u, \"buffers\": %u",
          names[n], size, batches * k.batch);
      if (!callgrind)
        g_print (", \"thread_ns_per_buffer\": %.1f, "
            "\"page_faults_per_buffer\": %.2f",
            (gdouble) best / (batches * k.batch),
            (gdouble) faults / (5 * batches * k.batch));
      g_print ("}\n");
      case_clear (&k);
    }
  }
  g_free (only);
  return 0;
}
