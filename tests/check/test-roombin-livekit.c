/* livekitroombin against a real livekit-server on loopback (started by
 * tests/signalling/run-livekit-test.sh: LIVEKIT_URL, LIVEKIT_API_KEY,
 * LIVEKIT_API_SECRET; without them: SKIP, exit 77). */
#include <gst/check/gstcheck.h>

#include <string.h>

static const gchar *url, *api_key, *api_secret;

typedef struct
{
  guint connected, reconnecting, disconnected;
  gboolean rejoin_warning;
  gchar *error;
} Seen;

/* Pops bus messages until @done says so or @ms pass. */
static void
pump (GstBus * bus, Seen * seen, gboolean (*done) (const Seen *), guint ms)
{
  gint64 deadline = g_get_monotonic_time () + ms * 1000;

  while (!done (seen) && g_get_monotonic_time () < deadline) {
    GstMessage *msg = gst_bus_timed_pop (bus, 50 * GST_MSECOND);
    const GstStructure *s;

    if (!msg)
      continue;
    s = gst_message_get_structure (msg);
    if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ELEMENT && s) {
      if (gst_structure_has_name (s, "livekit-connected"))
        seen->connected++;
      else if (gst_structure_has_name (s, "livekit-reconnecting"))
        seen->reconnecting++;
      else if (gst_structure_has_name (s, "livekit-disconnected"))
        seen->disconnected++;
    } else if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_WARNING) {
      GError *err;
      gst_message_parse_warning (msg, &err, NULL);
      seen->rejoin_warning |= strstr (err->message,
          "peer connection failed") != NULL;
      g_error_free (err);
    } else if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR && !seen->error) {
      GError *err;
      gst_message_parse_error (msg, &err, NULL);
      seen->error = g_strdup (err->message);
      g_error_free (err);
    }
    gst_message_unref (msg);
  }
}

static gboolean
joined (const Seen * s)
{
  return s->connected >= 1 || s->error;
}

static gboolean
rejoined (const Seen * s)
{
  return s->connected >= 2 || s->error;
}

/* A failure inside a peer connection (webrtcbin 1.22 can stop its receive
 * transport on a renegotiation race) is no error for the application: the
 * bin warns, rejoins with new peer connections, and is connected again. */
GST_START_TEST (test_peer_connection_failure_rejoins)
{
  GstElement *pipe = gst_pipeline_new (NULL);
  GstElement *bin = gst_element_factory_make ("livekitroombin", NULL);
  GstBus *bus = gst_element_get_bus (pipe);
  GstElement *subscriber;
  Seen seen = { 0 };

  g_object_set (bin, "url", url, "api-key", api_key, "api-secret",
      api_secret, "room", "roombin-recover", "identity", "recover",
      "shared-key", "a key", NULL);
  gst_bin_add (GST_BIN (pipe), bin);
  gst_element_set_state (pipe, GST_STATE_PLAYING);
  pump (bus, &seen, joined, 10000);
  fail_unless (seen.error == NULL, "%s", seen.error);
  fail_unless_equals_int (seen.connected, 1);

  subscriber = gst_bin_get_by_name (GST_BIN (bin), "subscriber");
  fail_unless (subscriber != NULL);
  GST_ELEMENT_ERROR (subscriber, STREAM, FAILED, ("injected failure"),
      ("test"));
  gst_object_unref (subscriber);

  pump (bus, &seen, rejoined, 15000);
  fail_unless (seen.error == NULL, "error reached the application: %s",
      seen.error);
  fail_unless (seen.rejoin_warning);
  fail_unless (seen.disconnected >= 1);
  fail_unless (seen.reconnecting >= 1);
  fail_unless_equals_int (seen.connected, 2);
  /* The new peer connections are new webrtcbins under the same names. */
  subscriber = gst_bin_get_by_name (GST_BIN (bin), "subscriber");
  fail_unless (subscriber != NULL);
  gst_object_unref (subscriber);

  gst_element_set_state (pipe, GST_STATE_NULL);
  gst_object_unref (bus);
  gst_object_unref (pipe);
  g_free (seen.error);
}

GST_END_TEST;

static Suite *
roombin_livekit_suite (void)
{
  Suite *s = suite_create ("livekit-roombin-server");
  TCase *tc = tcase_create ("server");

  suite_add_tcase (s, tc);
  tcase_set_timeout (tc, 60);
  tcase_add_test (tc, test_peer_connection_failure_rejoins);
  return s;
}

int
main (int argc, char **argv)
{
  url = g_getenv ("LIVEKIT_URL");
  api_key = g_getenv ("LIVEKIT_API_KEY");
  api_secret = g_getenv ("LIVEKIT_API_SECRET");
  if (!url || !api_key || !api_secret) {
    g_print ("SKIP: no LIVEKIT_URL/LIVEKIT_API_KEY/LIVEKIT_API_SECRET\n");
    return 77;
  }
  gst_check_init (&argc, &argv);
  return gst_check_run_suite (roombin_livekit_suite (), "roombin-livekit",
      __FILE__);
}
