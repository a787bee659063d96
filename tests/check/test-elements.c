/* livekitencrypt / livekitdecrypt through GstHarness: properties, signals,
 * messages, meta, context sharing, key changes while playing, fail-closed. */
#include "check-harness.h"

#include <gst/video/video.h>

#include <string.h>
#include <glib/gstdio.h>
#include <sys/stat.h>
#include <unistd.h>

/* A 64-byte VP8 key frame or delta frame. */
static GstBuffer *
vp8_frame (gboolean key, guint8 fill)
{
  return lk_test_vp8_frame (key, fill, 64);
}

/* @props in gst-launch syntax; no keyring. */
static GstHarness *
harness_for (const gchar * factory, const gchar * props)
{
  return lk_test_harness_new (factory, props, NULL);
}

GST_START_TEST (test_key_properties_write_only)
{
  GstElement *e = gst_element_factory_make ("livekitencrypt", NULL);
  GParamSpec *ps;
  const gchar *secret[] = { "shared-key", "shared-key-hex" };

  for (guint i = 0; i < G_N_ELEMENTS (secret); i++) {
    ps = g_object_class_find_property (G_OBJECT_GET_CLASS (e), secret[i]);
    fail_unless (ps != NULL);
    fail_unless (ps->flags & G_PARAM_WRITABLE);
    fail_if (ps->flags & G_PARAM_READABLE);
  }
  gst_object_unref (e);
}

GST_END_TEST;

/* Any property order on a gst-launch line gives the same keys. */
GST_START_TEST (test_round_trip_property_order)
{
  GstHarness *enc = harness_for ("livekitencrypt",
      "shared-key=s3cret key-index=3 key-derivation=hkdf");
  GstHarness *dec = harness_for ("livekitdecrypt",
      "key-derivation=hkdf key-index=3 shared-key=s3cret");
  GstBuffer *in = vp8_frame (TRUE, 0x55), *ct, *pt;
  GstLiveKitFrameMeta *meta;
  GstMapInfo map;

  ct = gst_harness_push_and_pull (enc, gst_buffer_ref (in));
  fail_unless_equals_int (gst_buffer_get_size (ct), 64 + 30);
  gst_buffer_map (ct, &map, GST_MAP_READ);
  fail_unless_equals_int (map.data[map.size - 1], 3);
  fail_unless_equals_int (map.data[map.size - 2], 12);
  fail_unless (memcmp (map.data, "\x10\x55\x55", 3) == 0);
  gst_buffer_unmap (ct, &map);
  meta = gst_buffer_get_livekit_frame_meta (ct);
  fail_unless (meta && meta->outcome == GST_LIVEKIT_FRAME_OUTCOME_ENCRYPTED);
  fail_unless_equals_int (meta->key_index, 3);

  pt = gst_harness_push_and_pull (dec, ct);
  fail_unless (lk_test_same_bytes (pt, in));
  fail_if (GST_BUFFER_FLAG_IS_SET (pt, GST_BUFFER_FLAG_DELTA_UNIT));
  meta = gst_buffer_get_livekit_frame_meta (pt);
  fail_unless (meta && meta->outcome == GST_LIVEKIT_FRAME_OUTCOME_DECRYPTED);
  gst_buffer_unref (pt);
  gst_buffer_unref (in);
  gst_harness_teardown (enc);
  gst_harness_teardown (dec);
}

GST_END_TEST;

static void
on_state (GstElement * e, const gchar * identity, GstLiveKitEncryptionState s,
    GArray * states)
{
  g_array_append_val (states, s);
}

static guint
count_state_messages (GstBus * bus, GstLiveKitEncryptionState want)
{
  GstMessage *msg;
  guint n = 0;

  while ((msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ELEMENT))) {
    const GstStructure *s = gst_message_get_structure (msg);
    GstLiveKitEncryptionState state;
    if (gst_structure_has_name (s, "livekit-e2ee-state")
        && gst_structure_get_enum (s, "state",
            GST_TYPE_LIVEKIT_ENCRYPTION_STATE, (gint *) & state)
        && state == want)
      n++;
    gst_message_unref (msg);
  }
  return n;
}

static gboolean
saw_force_key_unit (GstHarness * h)
{
  GstEvent *ev;
  gboolean seen = FALSE;
  while ((ev = gst_harness_try_pull_upstream_event (h))) {
    if (gst_video_event_is_force_key_unit (ev))
      seen = TRUE;
    gst_event_unref (ev);
  }
  return seen;
}

/* Wrong key: nothing reaches downstream, DECRYPTION_FAILED is posted once;
 * the right key set while playing: frames flow, a key frame is requested. */
GST_START_TEST (test_wrong_key_then_right_key)
{
  GstHarness *enc = harness_for ("livekitencrypt", "shared-key=right");
  GstHarness *dec = harness_for ("livekitdecrypt", "shared-key=wrong "
      "ratchet-window-size=0");
  GstElement *decrypt = gst_object_ref (dec->element);
  GArray *states = g_array_new (FALSE, FALSE, sizeof (gint));
  GstBus *bus = gst_bus_new ();
  GstStructure *stats;
  GstBuffer *ct;

  gst_element_set_bus (decrypt, bus);
  g_signal_connect (decrypt, "state-changed", G_CALLBACK (on_state), states);

  for (guint i = 0; i < 5; i++) {
    ct = gst_harness_push_and_pull (enc, vp8_frame (i == 0, i));
    fail_unless_equals_int (gst_harness_push (dec, ct), GST_FLOW_OK);
  }
  fail_unless_equals_int (gst_harness_buffers_received (dec), 0);
  fail_unless_equals_int (count_state_messages (bus,
          GST_LIVEKIT_ENCRYPTION_STATE_DECRYPTION_FAILED), 1);
  fail_unless_equals_int (states->len, 1);

  g_object_set (decrypt, "shared-key", "right", NULL);
  ct = gst_harness_push_and_pull (enc, vp8_frame (FALSE, 9));
  fail_unless_equals_int (gst_harness_push (dec, ct), GST_FLOW_OK);
  fail_unless_equals_int (gst_harness_buffers_received (dec), 1);
  fail_unless_equals_int (count_state_messages (bus,
          GST_LIVEKIT_ENCRYPTION_STATE_OK), 1);
  fail_unless (saw_force_key_unit (dec));

  g_object_get (decrypt, "stats", &stats, NULL);
  {
    const GValue *parts = gst_structure_get_value (stats, "participants");
    const GstStructure *p =
        gst_value_get_structure (gst_value_array_get_value (parts, 0));
    const GstStructure *drops;
    guint64 failed, frames_in;
    gst_structure_get (p, "frames-in", G_TYPE_UINT64, &frames_in, "drops",
        GST_TYPE_STRUCTURE, &drops, NULL);
    fail_unless_equals_int (frames_in, 6);
    gst_structure_get_uint64 (drops, "decrypt-failed", &failed);
    fail_unless_equals_int (failed, 5);
    gst_structure_free ((GstStructure *) drops);
  }
  gst_structure_free (stats);
  gst_element_set_bus (decrypt, NULL);
  gst_object_unref (bus);
  gst_object_unref (decrypt);
  g_array_unref (states);
  gst_harness_teardown (enc);
  gst_harness_teardown (dec);
}

GST_END_TEST;

GST_START_TEST (test_enabled_toggle)
{
  GstHarness *enc = harness_for ("livekitencrypt", "shared-key=k");
  GstBuffer *in = vp8_frame (TRUE, 1), *out;

  out = gst_harness_push_and_pull (enc, gst_buffer_ref (in));
  fail_unless_equals_int (gst_buffer_get_size (out), 94);
  gst_buffer_unref (out);
  g_object_set (enc->element, "enabled", FALSE, NULL);
  out = gst_harness_push_and_pull (enc, gst_buffer_ref (in));
  fail_unless (lk_test_same_bytes (out, in));
  gst_buffer_unref (out);
  g_object_set (enc->element, "enabled", TRUE, NULL);
  out = gst_harness_push_and_pull (enc, gst_buffer_ref (in));
  fail_unless_equals_int (gst_buffer_get_size (out), 94);
  gst_buffer_unref (out);
  gst_buffer_unref (in);
  gst_harness_teardown (enc);
}

GST_END_TEST;

/* One keyring set once on the pipeline; two branches use it. */
GST_START_TEST (test_context_sharing)
{
  GstLiveKitKeyring *kr =
      lk_test_keyring_new (GST_LIVEKIT_KEY_DERIVATION_HKDF,
      GST_LIVEKIT_DEFAULT_RATCHET_WINDOW_SIZE, "k");
  GstElement *pipe = gst_parse_launch ("appsrc name=a1 caps=\""
      LK_TEST_VP8_CAPS "\" ! livekitencrypt ! livekitdecrypt ! "
      "appsink name=k1 sync=false appsrc name=a2 caps=\"" LK_TEST_VP8_CAPS
      "\" ! livekitencrypt ! livekitdecrypt ! appsink name=k2 sync=false",
      NULL);
  GstContext *ctx;
  const gchar *branches[][2] = { {"a1", "k1"}, {"a2", "k2"} };

  ctx = gst_livekit_context_new_keyring (kr);
  gst_element_set_context (pipe, ctx);
  gst_context_unref (ctx);
  fail_unless (gst_element_set_state (pipe, GST_STATE_PLAYING) !=
      GST_STATE_CHANGE_FAILURE);
  /* Both branches must preroll before either sink hands out samples. */
  for (guint b = 0; b < 2; b++) {
    GstElement *src = gst_bin_get_by_name (GST_BIN (pipe), branches[b][0]);
    GstBuffer *buf = vp8_frame (TRUE, 7);
    GstFlowReturn ret;
    /* push-buffer takes its own reference. */
    g_signal_emit_by_name (src, "push-buffer", buf, &ret);
    gst_buffer_unref (buf);
    gst_object_unref (src);
  }
  for (guint b = 0; b < 2; b++) {
    GstElement *sink = gst_bin_get_by_name (GST_BIN (pipe), branches[b][1]);
    GstSample *sample = NULL;
    g_signal_emit_by_name (sink, "try-pull-sample", 5 * GST_SECOND, &sample);
    fail_unless (sample != NULL, "branch %u got no frame", b);
    fail_unless_equals_int (gst_buffer_get_size (gst_sample_get_buffer
            (sample)), 64);
    gst_sample_unref (sample);
    gst_object_unref (sink);
  }
  /* Every element holds the pipeline's keyring. */
  {
    GstIterator *it = gst_bin_iterate_elements (GST_BIN (pipe));
    GValue v = G_VALUE_INIT;
    guint users = 0;
    while (gst_iterator_next (it, &v) == GST_ITERATOR_OK) {
      GstElement *e = g_value_get_object (&v);
      if (g_object_class_find_property (G_OBJECT_GET_CLASS (e), "keyring")) {
        GstLiveKitKeyring *used;
        g_object_get (e, "keyring", &used, NULL);
        fail_unless (used == kr);
        gst_object_unref (used);
        users++;
      }
      g_value_reset (&v);
    }
    gst_iterator_free (it);
    fail_unless_equals_int (users, 4);
  }
  gst_element_set_state (pipe, GST_STATE_NULL);
  gst_object_unref (pipe);
  gst_object_unref (kr);
}

GST_END_TEST;

/* Key rotation and ratchet while playing, through the keyring API. */
GST_START_TEST (test_rotation_while_playing)
{
  GstLiveKitKeyring *tx =
      lk_test_keyring_new (GST_LIVEKIT_KEY_DERIVATION_HKDF, 0, NULL);
  GstLiveKitKeyring *rx =
      lk_test_keyring_new (GST_LIVEKIT_KEY_DERIVATION_HKDF, 4, NULL);
  GstHarness *enc, *dec;
  GstBuffer *ct, *pt;
  GstMapInfo map;

  enc = lk_test_harness_new ("livekitencrypt", "key-index=-1", tx);
  dec = lk_test_harness_new ("livekitdecrypt", "", rx);
  gst_livekit_keyring_set_shared_key (tx, (const guint8 *) "k0", 2, 0, NULL);
  gst_livekit_keyring_set_shared_key (rx, (const guint8 *) "k0", 2, 0, NULL);
  gst_livekit_keyring_set_shared_key (rx, (const guint8 *) "k1", 2, 1, NULL);
  gst_livekit_keyring_wait_precomputed (rx);

  pt = gst_harness_push_and_pull (dec, gst_harness_push_and_pull (enc,
          vp8_frame (TRUE, 1)));
  gst_buffer_unref (pt);

  /* Rotate: the sender follows its ring's current index (-1). */
  gst_livekit_keyring_set_shared_key (tx, (const guint8 *) "k1", 2, 1, NULL);
  ct = gst_harness_push_and_pull (enc, vp8_frame (FALSE, 2));
  gst_buffer_map (ct, &map, GST_MAP_READ);
  fail_unless_equals_int (map.data[map.size - 1], 1);
  gst_buffer_unmap (ct, &map);
  pt = gst_harness_push_and_pull (dec, ct);
  gst_buffer_unref (pt);

  /* Ratchet the sender; the receiver follows by auto-ratchet. */
  g_bytes_unref (gst_livekit_keyring_ratchet_shared_key (tx, 1, NULL));
  pt = gst_harness_push_and_pull (dec, gst_harness_push_and_pull (enc,
          vp8_frame (FALSE, 3)));
  gst_buffer_unref (pt);
  fail_unless_equals_int (gst_harness_buffers_received (dec), 3);

  gst_harness_teardown (enc);
  gst_harness_teardown (dec);
  gst_object_unref (tx);
  gst_object_unref (rx);
}

GST_END_TEST;

/* The sender identity on the meta picks the participant's key ring. */
GST_START_TEST (test_meta_selects_participant)
{
  GstLiveKitKeyring *kr =
      lk_test_keyring_new (GST_LIVEKIT_KEY_DERIVATION_HKDF, 0, NULL);
  GstHarness *enc_a, *enc_b, *dec;
  GstBuffer *ct, *pt;
  GstStructure *stats;
  const GValue *parts;

  gst_livekit_keyring_set_key (kr, "a", (const guint8 *) "ka", 2, 0, NULL);
  gst_livekit_keyring_set_key (kr, "b", (const guint8 *) "kb", 2, 0, NULL);
  enc_a = lk_test_harness_new ("livekitencrypt", "participant-identity=a", kr);
  enc_b = lk_test_harness_new ("livekitencrypt", "participant-identity=b", kr);
  dec = lk_test_harness_new ("livekitdecrypt", "", kr);

  ct = gst_harness_push_and_pull (enc_a, vp8_frame (TRUE, 1));
  fail_unless_equals_string (gst_buffer_get_livekit_frame_meta
      (ct)->participant_identity, "a");
  pt = gst_harness_push_and_pull (dec, ct);
  gst_buffer_unref (pt);
  ct = gst_harness_push_and_pull (enc_b, vp8_frame (TRUE, 2));
  pt = gst_harness_push_and_pull (dec, ct);
  gst_buffer_unref (pt);

  /* b's frame claiming to be a's: a's key does not open it. */
  ct = gst_harness_push_and_pull (enc_b, vp8_frame (TRUE, 3));
  gst_livekit_frame_meta_set_identity (gst_buffer_get_livekit_frame_meta (ct),
      "a", NULL);
  gst_harness_push (dec, ct);
  fail_unless_equals_int (gst_harness_buffers_received (dec), 2);

  g_object_get (dec->element, "stats", &stats, NULL);
  parts = gst_structure_get_value (stats, "participants");
  fail_unless_equals_int (gst_value_array_get_size (parts), 2);
  gst_structure_free (stats);
  gst_harness_teardown (enc_a);
  gst_harness_teardown (enc_b);
  gst_harness_teardown (dec);
  gst_object_unref (kr);
}

GST_END_TEST;

GST_START_TEST (test_key_file)
{
  gchar *path = NULL;
  gint fd = g_file_open_tmp ("lk-key-XXXXXX", &path, NULL);
  gchar *props;
  GstHarness *enc, *dec;
  GstBuffer *in = vp8_frame (TRUE, 4), *pt;

  fail_unless (fd >= 0);
  fail_unless (write (fd, "filekey\n", 8) == 8);
  close (fd);
  props = g_strdup_printf ("shared-key-file=%s", path);
  enc = harness_for ("livekitencrypt", props);
  /* The trailing newline is not part of the key. */
  dec = harness_for ("livekitdecrypt", "shared-key=filekey");
  pt = gst_harness_push_and_pull (dec, gst_harness_push_and_pull (enc,
          gst_buffer_ref (in)));
  fail_unless (lk_test_same_bytes (pt, in));
  gst_buffer_unref (pt);
  gst_buffer_unref (in);
  gst_harness_teardown (enc);
  gst_harness_teardown (dec);
  g_unlink (path);
  g_free (path);
  g_free (props);
}

GST_END_TEST;

static GstStateChangeReturn
start_alone (const gchar * desc, gchar ** error_text)
{
  GstElement *pipe = gst_parse_launch (desc, NULL);
  GstBus *bus = gst_element_get_bus (pipe);
  GstStateChangeReturn ret = gst_element_set_state (pipe, GST_STATE_PAUSED);
  GstMessage *msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);

  *error_text = NULL;
  if (msg) {
    GError *err;
    gst_message_parse_error (msg, &err, NULL);
    *error_text = g_strdup (err->message);
    g_error_free (err);
    gst_message_unref (msg);
  }
  gst_element_set_state (pipe, GST_STATE_NULL);
  gst_object_unref (bus);
  gst_object_unref (pipe);
  return ret;
}

GST_START_TEST (test_misconfiguration_errors)
{
  gchar *text;

  fail_unless_equals_int (start_alone ("fakesrc ! livekitencrypt "
          "key-ring-size=4 key-index=4 ! fakesink", &text),
      GST_STATE_CHANGE_FAILURE);
  fail_unless (text && strstr (text, "key-index"));
  g_free (text);
  fail_unless_equals_int (start_alone ("fakesrc ! livekitdecrypt "
          "shared-key-file=/nonexistent/key ! fakesink", &text),
      GST_STATE_CHANGE_FAILURE);
  fail_unless (text && strstr (text, "shared-key-file"));
  g_free (text);
}

GST_END_TEST;

static void
expect_key_file_refused (const gchar * path, const gchar * why)
{
  gchar *desc = g_strdup_printf ("fakesrc ! livekitencrypt "
      "shared-key-file=%s ! fakesink", path);
  gint64 t0 = g_get_monotonic_time ();
  gchar *text;

  fail_unless_equals_int (start_alone (desc, &text), GST_STATE_CHANGE_FAILURE);
  fail_unless (text && strstr (text, "shared-key-file") && strstr (text, why),
      "%s: %s", path, text);
  /* At once: nothing is read before the file is checked. */
  fail_unless (g_get_monotonic_time () - t0 < 5 * G_USEC_PER_SEC);
  g_free (text);
  g_free (desc);
}

/* shared-key-file is checked before it is read (issue 9 item 7): /dev/zero
 * used to allocate until the 4 GiB limit, a FIFO blocked the start. */
GST_START_TEST (test_key_file_checked_before_read)
{
  gchar *dir = g_dir_make_tmp ("lk-keyfile-XXXXXX", NULL);
  gchar *fifo = g_build_filename (dir, "fifo", NULL);
  gchar *big = g_build_filename (dir, "big", NULL);
  gchar *content = g_strnfill (4097, 'k');

  fail_unless (dir != NULL);
  expect_key_file_refused ("/dev/zero", "is not a regular file");
  fail_unless (mkfifo (fifo, 0600) == 0);
  expect_key_file_refused (fifo, "is not a regular file");
  expect_key_file_refused (dir, "is not a regular file");
  fail_unless (g_file_set_contents (big, content, -1, NULL));
  expect_key_file_refused (big, "is larger than 4096 bytes");
  /* 4096 bytes and a newline are a key of the maximum size. */
  content[4096] = '\n';
  fail_unless (g_file_set_contents (big, content, -1, NULL));
  {
    gchar *props = g_strdup_printf ("shared-key-file=%s", big);
    GstHarness *enc = harness_for ("livekitencrypt", props);
    gst_harness_teardown (enc);
    g_free (props);
  }
  g_unlink (fifo);
  g_unlink (big);
  g_rmdir (dir);
  g_free (content);
  g_free (big);
  g_free (fifo);
  g_free (dir);
}

GST_END_TEST;

/* A key given up after failure-tolerance is said once, with whose and which
 * index it is, never the key (issue 9 item 8). */
GST_START_TEST (test_key_given_up_warns_once)
{
  GstHarness *enc = harness_for ("livekitencrypt", "shared-key=s3cr3t-right");
  GstHarness *dec = harness_for ("livekitdecrypt", "shared-key=s3cr3t-wrong "
      "ratchet-window-size=0 failure-tolerance=2");
  GstBus *bus = gst_bus_new ();
  GstMessage *msg;
  guint gave_up = 0;

  gst_element_set_bus (dec->element, bus);
  for (guint i = 0; i < 8; i++)
    fail_unless_equals_int (gst_harness_push (dec,
            gst_harness_push_and_pull (enc, vp8_frame (i == 0, i))),
        GST_FLOW_OK);
  fail_unless_equals_int (gst_harness_buffers_received (dec), 0);
  while ((msg = gst_bus_pop_filtered (bus, GST_MESSAGE_WARNING))) {
    GError *err = NULL;
    gchar *debug = NULL;

    gst_message_parse_warning (msg, &err, &debug);
    fail_if (strstr (err->message, "s3cr3t") || (debug && strstr (debug,
                "s3cr3t")));
    if (strstr (err->message, "gave up the key at index 0 of the shared key "
            "ring after 3 failed decryptions in a row (failure-tolerance 2)"))
      gave_up++;
    g_clear_error (&err);
    g_free (debug);
    gst_message_unref (msg);
  }
  fail_unless_equals_int (gave_up, 1);
  gst_element_set_bus (dec->element, NULL);
  gst_object_unref (bus);
  gst_harness_teardown (enc);
  gst_harness_teardown (dec);
}

GST_END_TEST;

/* The encrypt-failed warning says why (issue 9 item 9), once per interval. */
GST_START_TEST (test_encrypt_failed_says_why)
{
  GstHarness *enc = harness_for ("livekitencrypt", "shared-key=k");
  GstBus *bus = gst_bus_new ();
  const guint8 short_key_frame[] = { 0x10, 0x02 };
  GstMessage *msg;
  GError *err = NULL;
  gchar *debug = NULL;

  gst_element_set_bus (enc->element, bus);
  for (guint i = 0; i < 3; i++)
    fail_unless_equals_int (gst_harness_push (enc,
            gst_buffer_new_memdup (short_key_frame, sizeof short_key_frame)),
        GST_FLOW_OK);
  fail_unless_equals_int (gst_harness_buffers_received (enc), 0);
  msg = gst_bus_pop_filtered (bus, GST_MESSAGE_WARNING);
  fail_unless (msg != NULL);
  gst_message_parse_warning (msg, &err, &debug);
  fail_unless (strstr (err->message, "encrypt-failed (too-short)"), "%s",
      err->message);
  fail_unless (debug && strstr (debug, "clear header"), "%s", debug);
  g_clear_error (&err);
  g_free (debug);
  gst_message_unref (msg);
  /* Rate-limited: the next drops are counted into a later warning. */
  msg = gst_bus_pop_filtered (bus, GST_MESSAGE_WARNING);
  fail_unless (msg == NULL);
  gst_element_set_bus (enc->element, NULL);
  gst_object_unref (bus);
  gst_harness_teardown (enc);
}

GST_END_TEST;

/* ssrc is the IV's first word; sif-trailer lets the SFU's blank frames
 * through, undecrypted, and nothing else that carries the trailer. */
GST_START_TEST (test_ssrc_and_sif_trailer)
{
  GstHarness *enc = harness_for ("livekitencrypt", "shared-key=k ssrc=0x0a0b0c0d");
  /* "LK" in hex */
  GstHarness *dec = harness_for ("livekitdecrypt", "shared-key=k sif-trailer=4c4b");
  static const guint8 vp8_blank[] = {
    0x10, 0x02, 0x00, 0x9d, 0x01, 0x2a, 0x08, 0x00, 0x08, 0x00, 0x00, 0x47,
    0x08, 0x85, 0x85, 0x88, 0x85, 0x84, 0x88, 0x02, 0x02, 0x00, 0x0c, 0x0d,
    0x60, 0x00, 0xfe, 0xff, 0xab, 0x50, 0x80, 'L', 'K'
  };
  GstBuffer *ct, *out;
  GstMapInfo map;
  gchar *trailer;

  g_object_get (dec->element, "sif-trailer", &trailer, NULL);
  fail_unless_equals_string (trailer, "4c4b");
  g_free (trailer);

  ct = gst_harness_push_and_pull (enc, vp8_frame (TRUE, 1));
  gst_buffer_map (ct, &map, GST_MAP_READ);
  fail_unless (memcmp (map.data + map.size - 14, "\x0a\x0b\x0c\x0d", 4) == 0);
  gst_buffer_unmap (ct, &map);
  gst_buffer_unref (ct);

  out = gst_harness_push_and_pull (dec, gst_buffer_new_memdup (vp8_blank,
          sizeof vp8_blank));
  fail_unless_equals_int (gst_buffer_get_size (out), sizeof vp8_blank - 2);
  fail_unless_equals_int (gst_buffer_get_livekit_frame_meta (out)->outcome,
      GST_LIVEKIT_FRAME_OUTCOME_PASSTHROUGH);
  gst_buffer_unref (out);
  /* Same trailer, unknown payload: dropped. */
  {
    guint8 junk[33];
    memcpy (junk, vp8_blank, sizeof junk);
    junk[5] ^= 0xff;
    gst_harness_push (dec, gst_buffer_new_memdup (junk, sizeof junk));
    fail_unless_equals_int (gst_harness_buffers_received (dec), 1);
  }
  gst_harness_teardown (enc);
  gst_harness_teardown (dec);
}

GST_END_TEST;

/* GAP events the harness has seen downstream so far (pulled). */
static guint
pull_gaps (GstHarness * h, GstClockTime * first_ts, GstClockTime * last_end)
{
  GstEvent *ev;
  guint n = 0;

  while ((ev = gst_harness_try_pull_event (h))) {
    if (GST_EVENT_TYPE (ev) == GST_EVENT_GAP) {
      GstClockTime ts, dur;
      gst_event_parse_gap (ev, &ts, &dur);
      fail_unless (GST_CLOCK_TIME_IS_VALID (ts));
      if (n == 0 && first_ts)
        *first_ts = ts;
      if (last_end)
        *last_end = ts + (GST_CLOCK_TIME_IS_VALID (dur) ? dur : 0);
      n++;
    }
    gst_event_unref (ev);
  }
  return n;
}

/* A dropped frame tells downstream that nothing comes for its time: one GAP
 * at once, then at most one per 100 ms of stream time, covering the whole
 * dropped span; untimed frames announce nothing; a decrypted frame starts
 * over. */
GST_START_TEST (test_dropped_frames_announce_gaps)
{
  GstHarness *enc = harness_for ("livekitencrypt", "shared-key=right");
  GstHarness *dec = harness_for ("livekitdecrypt", "shared-key=wrong "
      "ratchet-window-size=0");
  GstClockTime gap_ts = GST_CLOCK_TIME_NONE, end = 0;
  GstBuffer *ct;
  guint gaps;

  /* Drop the harness's own sticky events. */
  pull_gaps (dec, NULL, NULL);
  for (guint i = 0; i < 30; i++) {
    ct = gst_harness_push_and_pull (enc, vp8_frame (i == 0, i));
    ct = gst_buffer_make_writable (ct);
    GST_BUFFER_PTS (ct) = i * 20 * GST_MSECOND;
    GST_BUFFER_DURATION (ct) = 20 * GST_MSECOND;
    fail_unless_equals_int (gst_harness_push (dec, ct), GST_FLOW_OK);
  }
  gaps = pull_gaps (dec, &gap_ts, &end);
  fail_unless_equals_int (gst_harness_buffers_received (dec), 0);
  /* 600 ms dropped: the first frame's GAP, then one per 100 ms. */
  fail_unless (gaps >= 5 && gaps <= 7, "%u gaps", gaps);
  fail_unless_equals_uint64 (gap_ts, 0);
  fail_unless (end >= 500 * GST_MSECOND);

  /* No timestamp: no GAP. */
  ct = gst_harness_push_and_pull (enc, vp8_frame (FALSE, 1));
  ct = gst_buffer_make_writable (ct);
  GST_BUFFER_PTS (ct) = GST_BUFFER_DTS (ct) = GST_CLOCK_TIME_NONE;
  gst_harness_push (dec, ct);
  fail_unless_equals_int (pull_gaps (dec, NULL, NULL), 0);

  /* A frame decrypts; the next drop is announced at once again. */
  g_object_set (dec->element, "shared-key", "right", NULL);
  ct = gst_harness_push_and_pull (enc, vp8_frame (TRUE, 2));
  gst_harness_push (dec, ct);
  fail_unless_equals_int (gst_harness_buffers_received (dec), 1);
  g_object_set (dec->element, "shared-key", "wrong again", NULL);
  ct = gst_harness_push_and_pull (enc, vp8_frame (FALSE, 3));
  ct = gst_buffer_make_writable (ct);
  GST_BUFFER_PTS (ct) = GST_SECOND;
  gst_harness_push (dec, ct);
  fail_unless_equals_int (pull_gaps (dec, &gap_ts, NULL), 1);
  fail_unless_equals_uint64 (gap_ts, GST_SECOND);
  gst_harness_teardown (enc);
  gst_harness_teardown (dec);
}

GST_END_TEST;

/* The standalone element: a wrong-key decryptor before an ordinary
 * (async) sink still lets the pipeline reach PLAYING. */
GST_START_TEST (test_wrong_key_pipeline_prerolls)
{
  GstElement *pipe = gst_parse_launch ("videotestsrc is-live=true ! "
      "video/x-raw,width=64,height=48,framerate=30/1 ! vp8enc deadline=1 ! "
      "livekitencrypt shared-key=right ! livekitdecrypt shared-key=wrong "
      "ratchet-window-size=0 ! fakesink name=sink", NULL);
  GstStateChangeReturn ret;
  GstState state = GST_STATE_NULL;

  fail_unless (pipe != NULL);
  gst_element_set_state (pipe, GST_STATE_PLAYING);
  ret = gst_element_get_state (pipe, &state, NULL, 10 * GST_SECOND);
  fail_unless_equals_int (ret, GST_STATE_CHANGE_SUCCESS);
  fail_unless_equals_int (state, GST_STATE_PLAYING);
  gst_element_set_state (pipe, GST_STATE_NULL);
  gst_object_unref (pipe);
}

GST_END_TEST;

static Suite *
elements_suite (void)
{
  Suite *s = suite_create ("livekit-elements");
  TCase *tc = tcase_create ("elements");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_key_properties_write_only);
  tcase_add_test (tc, test_round_trip_property_order);
  tcase_add_test (tc, test_wrong_key_then_right_key);
  tcase_add_test (tc, test_enabled_toggle);
  tcase_add_test (tc, test_context_sharing);
  tcase_add_test (tc, test_rotation_while_playing);
  tcase_add_test (tc, test_meta_selects_participant);
  tcase_add_test (tc, test_key_file);
  tcase_add_test (tc, test_misconfiguration_errors);
  tcase_add_test (tc, test_key_file_checked_before_read);
  tcase_add_test (tc, test_encrypt_failed_says_why);
  tcase_add_test (tc, test_key_given_up_warns_once);
  tcase_add_test (tc, test_ssrc_and_sif_trailer);
  tcase_add_test (tc, test_dropped_frames_announce_gaps);
  tcase_add_test (tc, test_wrong_key_pipeline_prerolls);
  return s;
}

GST_CHECK_MAIN (elements);
