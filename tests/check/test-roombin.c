/* livekitroombin without a server: configuration errors and an unreachable
 * server give clear element errors; the signals are there. (Against a real
 * server: tests/integration/run-roombin.sh.) */
#include <gst/check/gstcheck.h>

#include <string.h>

static gchar *
error_of (const gchar * desc, GstState target, GstStateChangeReturn * ret)
{
  GstElement *pipe = gst_parse_launch (desc, NULL);
  GstBus *bus = gst_element_get_bus (pipe);
  GstMessage *msg;
  gchar *text = NULL;

  *ret = gst_element_set_state (pipe, target);
  msg = gst_bus_timed_pop_filtered (bus, 10 * GST_SECOND, GST_MESSAGE_ERROR);
  if (msg) {
    GError *err;
    gst_message_parse_error (msg, &err, NULL);
    text = g_strdup (err->message);
    g_error_free (err);
    gst_message_unref (msg);
  }
  gst_element_set_state (pipe, GST_STATE_NULL);
  gst_object_unref (bus);
  gst_object_unref (pipe);
  return text;
}

GST_START_TEST (test_missing_settings)
{
  GstStateChangeReturn ret;
  gchar *text = error_of ("livekitroombin room=r identity=i ! fakesink",
      GST_STATE_READY, &ret);

  fail_unless_equals_int (ret, GST_STATE_CHANGE_FAILURE);
  fail_unless (text && strstr (text, "url"), "%s", text);
  g_free (text);
  text = error_of ("livekitroombin url=ws://127.0.0.1:1 ! fakesink",
      GST_STATE_READY, &ret);
  fail_unless_equals_int (ret, GST_STATE_CHANGE_FAILURE);
  fail_unless (text && strstr (text, "token"), "%s", text);
  g_free (text);
}

GST_END_TEST;

/* Nothing listens on port 1 of loopback: an error, not a hang. */
GST_START_TEST (test_unreachable_server)
{
  GstStateChangeReturn ret;
  gchar *text = error_of ("livekitroombin url=ws://127.0.0.1:1 api-key=k "
      "api-secret=s room=r identity=i ! fakesink", GST_STATE_PLAYING, &ret);

  fail_unless (text != NULL);
  fail_unless (strstr (text, "could not join"), "%s", text);
  /* The minted token is never part of the message. */
  fail_if (strstr (text, "eyJ"));
  g_free (text);
}

GST_END_TEST;

GST_START_TEST (test_signals_and_write_only_secrets)
{
  GstElement *bin = gst_element_factory_make ("livekitroombin", NULL);
  const gchar *names[] = { "connected", "disconnected", "participant-joined",
    "participant-left", "track-published", "track-unpublished",
    "track-subscribed", "track-unsubscribed", "e2ee-state-changed",
    "participant-encryption-status-changed"
  };
  const gchar *secrets[] = { "token", "api-secret", "shared-key",
    "shared-key-hex"
  };

  fail_unless (bin != NULL);
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    fail_unless (g_signal_lookup (names[i], G_OBJECT_TYPE (bin)) != 0, "%s",
        names[i]);
  for (guint i = 0; i < G_N_ELEMENTS (secrets); i++) {
    GParamSpec *ps = g_object_class_find_property (G_OBJECT_GET_CLASS (bin),
        secrets[i]);
    fail_unless (ps && !(ps->flags & G_PARAM_READABLE), "%s", secrets[i]);
  }
  /* Request pads before the bin starts, as gst-launch needs. */
  {
    GstPad *pad = gst_element_request_pad_simple (bin, "audio_%u");
    fail_unless (pad != NULL);
    /* The bin keeps the pad; the request's reference is ours. */
    gst_object_unref (pad);
  }
  gst_object_unref (bin);
}

GST_END_TEST;

/* send-data fails closed: without a key nothing is queued, let alone sent
 * in the clear; with one (or with encryption off) the packet waits for the
 * data channel. Keys given as properties exist from READY on. */
GST_START_TEST (test_send_data_needs_key)
{
  GstElement *bin = gst_element_factory_make ("livekitroombin", NULL);
  GBytes *payload = g_bytes_new_static ("hello", 5);
  gboolean sent = TRUE;

  g_object_set (bin, "url", "ws://127.0.0.1:1", "api-key", "k", "api-secret",
      "s", "room", "r", "identity", "i", NULL);
  fail_unless_equals_int (gst_element_set_state (bin, GST_STATE_READY),
      GST_STATE_CHANGE_SUCCESS);
  g_signal_emit_by_name (bin, "send-data", payload, "chat", TRUE, NULL,
      &sent);
  fail_if (sent);
  g_object_set (bin, "shared-key", "a key", NULL);
  g_signal_emit_by_name (bin, "send-data", payload, "chat", TRUE, NULL,
      &sent);
  fail_unless (sent);
  gst_element_set_state (bin, GST_STATE_NULL);
  g_object_set (bin, "encryption", 0, NULL);
  g_signal_emit_by_name (bin, "send-data", payload, NULL, FALSE, NULL, &sent);
  fail_unless (sent);
  g_bytes_unref (payload);
  gst_object_unref (bin);
}

GST_END_TEST;

/* The bin's frame cryptors: the one structure of @bin's frame-cryptors
 * (there must be exactly one). */
static GstStructure *
only_cryptor (GstElement * bin)
{
  GValue list = G_VALUE_INIT;
  GstStructure *c;

  g_value_init (&list, GST_TYPE_ARRAY);
  g_object_get_property (G_OBJECT (bin), "frame-cryptors", &list);
  fail_unless_equals_int (gst_value_array_get_size (&list), 1);
  c = gst_structure_copy (gst_value_get_structure (gst_value_array_get_value
          (&list, 0)));
  g_value_unset (&list);
  return c;
}

static gboolean
cryptor_enabled (GstElement * bin)
{
  GstStructure *c = only_cryptor (bin);
  gboolean enabled = FALSE;

  fail_unless (gst_structure_get_boolean (c, "enabled", &enabled));
  gst_structure_free (c);
  return enabled;
}

/* E2EEManager and FrameCryptor at runtime, on the local sender: listed,
 * switched off and on by e2ee-enabled and by set-cryptor-enabled for the
 * local identity, its key index set; a remote identity's key index is
 * refused (a receiver uses each frame's). */
static void
count_status (GstElement * bin, const GstStructure * s, gint * encrypted)
{
  gboolean on = FALSE, local = FALSE;

  fail_unless (gst_structure_get_boolean (s, "encrypted", &on));
  fail_unless (gst_structure_get_boolean (s, "local", &local));
  fail_unless (local);
  *encrypted += on ? 1 : -1;
}

GST_START_TEST (test_local_cryptor)
{
  gint status = 0;
  GstElement *bin = gst_element_factory_make ("livekitroombin", NULL);
  GstElement *encryptor;
  GstStructure *c;
  gboolean enabled, taken;
  gint index;

  g_object_set (bin, "identity", "me", NULL);
  g_object_get (bin, "e2ee-enabled", &enabled, "key-index", &index, NULL);
  fail_unless (enabled);
  fail_unless_equals_int (index, -1);
  {
    GstPad *pad = gst_element_request_pad_simple (bin, "audio_%u");
    fail_unless (pad != NULL);
    /* The bin keeps the pad; the request's reference is ours. */
    gst_object_unref (pad);
  }

  c = only_cryptor (bin);
  fail_unless_equals_string (gst_structure_get_string (c,
          "participant-identity"), "me");
  fail_unless_equals_string (gst_structure_get_string (c, "direction"),
      "encrypt");
  encryptor = gst_bin_get_by_name (GST_BIN (bin), gst_structure_get_string (c,
          "element"));
  gst_structure_free (c);
  fail_unless (encryptor != NULL);
  fail_unless (cryptor_enabled (bin));
  /* participant-encryption-status-changed for ourselves, on each switch */
  g_signal_connect (bin, "participant-encryption-status-changed",
      G_CALLBACK (count_status), &status);

  g_object_set (bin, "e2ee-enabled", FALSE, NULL);
  fail_unless_equals_int (status, -1);
  g_object_set (bin, "e2ee-enabled", FALSE, NULL);
  fail_unless_equals_int (status, -1);
  fail_if (cryptor_enabled (bin));
  g_object_get (encryptor, "enabled", &enabled, NULL);
  fail_if (enabled);
  g_object_set (bin, "e2ee-enabled", TRUE, NULL);
  fail_unless (cryptor_enabled (bin));
  fail_unless_equals_int (status, 0);

  g_signal_emit_by_name (bin, "set-cryptor-enabled", "me", FALSE, &taken);
  fail_unless (taken);
  fail_if (cryptor_enabled (bin));
  /* e2ee-enabled does not override what was set for the identity. */
  g_object_set (bin, "e2ee-enabled", FALSE, NULL);
  g_object_set (bin, "e2ee-enabled", TRUE, NULL);
  fail_if (cryptor_enabled (bin));
  g_signal_emit_by_name (bin, "set-cryptor-enabled", "me", TRUE, &taken);
  fail_unless (cryptor_enabled (bin));
  g_signal_emit_by_name (bin, "set-cryptor-enabled", NULL, TRUE, &taken);
  fail_if (taken);

  g_signal_emit_by_name (bin, "set-cryptor-key-index", "me", 3, &taken);
  fail_unless (taken);
  g_object_get (bin, "key-index", &index, NULL);
  fail_unless_equals_int (index, 3);
  g_object_get (encryptor, "key-index", &index, NULL);
  fail_unless_equals_int (index, 3);
  c = only_cryptor (bin);
  fail_unless (gst_structure_get_int (c, "key-index", &index));
  fail_unless_equals_int (index, 3);
  gst_structure_free (c);
  g_signal_emit_by_name (bin, "set-cryptor-key-index", "alice", 1, &taken);
  fail_if (taken);
  g_object_get (encryptor, "key-index", &index, NULL);
  fail_unless_equals_int (index, 3);

  /* A track requested later starts as the application last set. */
  g_object_set (bin, "key-index", 2, NULL);
  g_signal_emit_by_name (bin, "set-cryptor-enabled", "me", FALSE, &taken);
  {
    GstPad *pad = gst_element_request_pad_simple (bin, "audio_%u");
    fail_unless (pad != NULL);
    /* The bin keeps the pad; the request's reference is ours. */
    gst_object_unref (pad);
  }
  {
    GValue list = G_VALUE_INIT;
    g_value_init (&list, GST_TYPE_ARRAY);
    g_object_get_property (G_OBJECT (bin), "frame-cryptors", &list);
    fail_unless_equals_int (gst_value_array_get_size (&list), 2);
    for (guint i = 0; i < 2; i++) {
      const GstStructure *s =
          gst_value_get_structure (gst_value_array_get_value (&list, i));
      fail_unless (gst_structure_get_boolean (s, "enabled", &enabled));
      fail_if (enabled);
      fail_unless (gst_structure_get_int (s, "key-index", &index));
      fail_unless_equals_int (index, 2);
    }
    g_value_unset (&list);
  }
  gst_object_unref (encryptor);
  gst_object_unref (bin);
}

GST_END_TEST;

/* encryption=none publishes in the clear: e2ee-enabled cannot turn an
 * encryptor on that the announcement says is not there. */
GST_START_TEST (test_no_encryption_stays_off)
{
  GstElement *bin = gst_element_factory_make ("livekitroombin", NULL);

  g_object_set (bin, "identity", "me", "encryption", 0, NULL);
  {
    GstPad *pad = gst_element_request_pad_simple (bin, "audio_%u");
    fail_unless (pad != NULL);
    /* The bin keeps the pad; the request's reference is ours. */
    gst_object_unref (pad);
  }
  fail_if (cryptor_enabled (bin));
  g_object_set (bin, "e2ee-enabled", FALSE, NULL);
  g_object_set (bin, "e2ee-enabled", TRUE, NULL);
  fail_if (cryptor_enabled (bin));
  gst_object_unref (bin);
}

GST_END_TEST;

/* A key index the key ring cannot hold fails the state change, naming the
 * property; in PLAYING it is refused with a warning. */
GST_START_TEST (test_key_index_out_of_ring)
{
  GstStateChangeReturn ret;
  gchar *text = error_of ("livekitroombin url=ws://127.0.0.1:1 api-key=k "
      "api-secret=s room=r identity=i key-ring-size=4 key-index=4 ! fakesink",
      GST_STATE_READY, &ret);
  GstElement *bin = gst_element_factory_make ("livekitroombin", NULL);
  gboolean taken = TRUE;
  gint index;

  fail_unless_equals_int (ret, GST_STATE_CHANGE_FAILURE);
  fail_unless (text && strstr (text, "key-index"), "%s", text);
  g_free (text);

  g_object_set (bin, "url", "ws://127.0.0.1:1", "api-key", "k", "api-secret",
      "s", "room", "r", "identity", "me", "key-ring-size", 4, NULL);
  fail_unless_equals_int (gst_element_set_state (bin, GST_STATE_READY),
      GST_STATE_CHANGE_SUCCESS);
  g_signal_emit_by_name (bin, "set-cryptor-key-index", "me", 4, &taken);
  fail_if (taken);
  g_object_set (bin, "key-index", 9, NULL);
  g_object_get (bin, "key-index", &index, NULL);
  fail_unless_equals_int (index, -1);
  g_signal_emit_by_name (bin, "set-cryptor-key-index", "me", 3, &taken);
  fail_unless (taken);
  gst_element_set_state (bin, GST_STATE_NULL);
  gst_object_unref (bin);
}

GST_END_TEST;

/* GStreamer makes one DTLS certificate per process, in the first dtlsdec
 * (its "generated cert" agent); webrtcbin would make that dtlsdec only once
 * the server's offer is there. The bin makes it on a thread of its own when
 * it goes to READY, and later dtlsdecs reuse it. Seen through dtlsdec's
 * debug lines (gst-plugins-bad 1.22 gstdtlsdec.c get_agent_by_pem). */
static GMutex dtls_lock;
static GCond dtls_cond;
static guint dtls_generated, dtls_reused;
static GThread *dtls_generator;

static void
dtls_log (GstDebugCategory * category, GstDebugLevel level, const gchar * file,
    const gchar * function, gint line, GObject * object, GstDebugMessage * msg,
    gpointer user_data)
{
  const gchar *text;

  if (g_strcmp0 (gst_debug_category_get_name (category), "dtlsdec"))
    return;
  text = gst_debug_message_get (msg);
  g_mutex_lock (&dtls_lock);
  if (g_strcmp0 (text, "no agent with generated cert found, creating new") == 0) {
    dtls_generated++;
    dtls_generator = g_thread_self ();
  } else if (g_strcmp0 (text, "using agent with generated cert") == 0)
    dtls_reused++;
  g_cond_broadcast (&dtls_cond);
  g_mutex_unlock (&dtls_lock);
}

GST_START_TEST (test_dtls_certificate_made_at_ready)
{
  GstElement *bin = gst_element_factory_make ("livekitroombin", NULL);
  GstElement *dec;
  gint64 deadline;
  guint reused;

  gst_debug_set_threshold_for_name ("dtlsdec", GST_LEVEL_DEBUG);
  gst_debug_add_log_function (dtls_log, NULL, NULL);
  g_object_set (bin, "url", "ws://127.0.0.1:1", "api-key", "k", "api-secret",
      "s", "room", "r", "identity", "i", NULL);
  fail_unless_equals_int (gst_element_set_state (bin, GST_STATE_READY),
      GST_STATE_CHANGE_SUCCESS);

  /* No peer connection exists in READY: only the bin can have made it. */
  deadline = g_get_monotonic_time () + 20 * G_TIME_SPAN_SECOND;
  g_mutex_lock (&dtls_lock);
  while (dtls_generated == 0
      && g_cond_wait_until (&dtls_cond, &dtls_lock, deadline));
  fail_unless_equals_int (dtls_generated, 1);
  fail_if (dtls_generator == g_thread_self (),
      "the certificate was made on the application's thread");
  reused = dtls_reused;
  g_mutex_unlock (&dtls_lock);

  /* The next dtlsdec (webrtcbin's) takes the same certificate. */
  dec = gst_element_factory_make ("dtlsdec", NULL);
  fail_unless (dec != NULL);
  gst_object_unref (gst_object_ref_sink (dec));
  g_mutex_lock (&dtls_lock);
  fail_unless_equals_int (dtls_generated, 1);
  fail_unless (dtls_reused > reused);
  g_mutex_unlock (&dtls_lock);

  gst_debug_remove_log_function (dtls_log);
  gst_element_set_state (bin, GST_STATE_NULL);
  gst_object_unref (bin);
}

GST_END_TEST;

static Suite *
roombin_suite (void)
{
  Suite *s = suite_create ("livekit-roombin");
  TCase *tc = tcase_create ("roombin");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_missing_settings);
  tcase_add_test (tc, test_local_cryptor);
  tcase_add_test (tc, test_no_encryption_stays_off);
  tcase_add_test (tc, test_key_index_out_of_ring);
  tcase_add_test (tc, test_unreachable_server);
  tcase_add_test (tc, test_signals_and_write_only_secrets);
  tcase_add_test (tc, test_send_data_needs_key);
  tcase_add_test (tc, test_dtls_certificate_made_at_ready);
  return s;
}

GST_CHECK_MAIN (roombin);
