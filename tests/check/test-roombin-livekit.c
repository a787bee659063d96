/* livekitroombin against a real livekit-server on loopback (started by
 * tests/signalling/run-livekit-test.sh: LIVEKIT_URL, LIVEKIT_API_KEY,
 * LIVEKIT_API_SECRET; without them: SKIP, exit 77). */
#include <gst/check/gstcheck.h>
#include <gst/livekit/signalling/signalling.h>

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

typedef struct
{
  GMutex lock;
  gchar *pad_name;              /* the watcher's pad for the leaver */
  guint buffers;
  gboolean eos, eos_before_removal, removed;
} Watch;

static GstPadProbeReturn
count_at_sink (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  Watch *w = data;

  g_mutex_lock (&w->lock);
  if (info->type & GST_PAD_PROBE_TYPE_BUFFER)
    w->buffers++;
  else if (GST_EVENT_TYPE (GST_PAD_PROBE_INFO_EVENT (info)) == GST_EVENT_EOS)
    w->eos = TRUE;
  g_mutex_unlock (&w->lock);
  return GST_PAD_PROBE_OK;
}

static void
on_watcher_pad (GstElement * bin, GstPad * pad, Watch * w)
{
  GstElement *sink = gst_element_factory_make ("fakesink", NULL);
  GstElement *pipe = GST_ELEMENT (gst_object_get_parent (GST_OBJECT (bin)));
  GstPad *sinkpad = gst_element_get_static_pad (sink, "sink");

  g_object_set (sink, "sync", FALSE, "async", FALSE, NULL);
  gst_pad_add_probe (sinkpad, GST_PAD_PROBE_TYPE_BUFFER |
      GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM, count_at_sink, w, NULL);
  gst_bin_add (GST_BIN (pipe), sink);
  gst_pad_link (pad, sinkpad);
  gst_element_sync_state_with_parent (sink);
  gst_object_unref (sinkpad);
  gst_object_unref (pipe);
  g_mutex_lock (&w->lock);
  g_free (w->pad_name);
  w->pad_name = gst_pad_get_name (pad);
  g_mutex_unlock (&w->lock);
}

static void
on_watcher_pad_removed (GstElement * bin, GstPad * pad, Watch * w)
{
  g_mutex_lock (&w->lock);
  if (g_strcmp0 (GST_PAD_NAME (pad), w->pad_name) == 0) {
    w->eos_before_removal = w->eos;
    w->removed = TRUE;
  }
  g_mutex_unlock (&w->lock);
}

/* Waits (<= @ms) until @what of @w holds. */
static gboolean
wait_for (Watch * w, gboolean (*what) (Watch *), guint ms)
{
  gint64 deadline = g_get_monotonic_time () + ms * 1000;
  gboolean ok = FALSE;

  while (!ok && g_get_monotonic_time () < deadline) {
    g_mutex_lock (&w->lock);
    ok = what (w);
    g_mutex_unlock (&w->lock);
    if (!ok)
      g_usleep (50000);
  }
  return ok;
}

static gboolean
has_media (Watch * w)
{
  return w->buffers >= 10;
}

static gboolean
pad_removed (Watch * w)
{
  return w->removed;
}

static GstElement *
room_pipeline_in (const gchar * room, const gchar * identity,
    const gchar * extra)
{
  gchar *desc = g_strdup_printf ("livekitroombin name=room url=%s api-key=%s "
      "api-secret=%s room=%s identity=%s shared-key=k %s", url,
      api_key, api_secret, room, identity, extra);
  GstElement *pipe = gst_parse_launch (desc, NULL);

  g_free (desc);
  fail_unless (pipe != NULL);
  /* A lone element comes back as itself. */
  if (!GST_IS_PIPELINE (pipe)) {
    GstElement *e = pipe;
    pipe = gst_pipeline_new (NULL);
    gst_bin_add (GST_BIN (pipe), e);
  }
  return pipe;
}

static GstElement *
room_pipeline (const gchar * identity, const gchar * extra)
{
  return room_pipeline_in ("roombin-leave", identity, extra);
}

/* A participant who leaves for good: its pad ends with EOS once the grace
 * period is over, and then goes away. The pad is named for the
 * participant's source. */
GST_START_TEST (test_participant_leave_ends_pad)
{
  GstElement *leaver = room_pipeline ("leaver", "audiotestsrc is-live=true "
      "! opusenc ! room.audio_0");
  GstElement *watcher = room_pipeline ("watcher", "grace-period=1000");
  GstElement *bin = gst_bin_get_by_name (GST_BIN (watcher), "room");
  Watch w = { 0 };

  g_mutex_init (&w.lock);
  g_signal_connect (bin, "pad-added", G_CALLBACK (on_watcher_pad), &w);
  g_signal_connect (bin, "pad-removed", G_CALLBACK (on_watcher_pad_removed),
      &w);
  gst_element_set_state (watcher, GST_STATE_PLAYING);
  gst_element_set_state (leaver, GST_STATE_PLAYING);
  fail_unless (wait_for (&w, has_media, 20000), "no media from the leaver");
  fail_unless_equals_string (w.pad_name, "leaver_microphone");

  gst_element_set_state (leaver, GST_STATE_NULL);
  fail_unless (wait_for (&w, pad_removed, 20000), "the pad stayed");
  fail_unless (w.eos_before_removal, "no EOS before the pad went");

  gst_element_set_state (watcher, GST_STATE_NULL);
  gst_object_unref (bin);
  gst_object_unref (watcher);
  gst_object_unref (leaver);
  g_free (w.pad_name);
  g_mutex_clear (&w.lock);
}

GST_END_TEST;

/* Holds each caps event for a while before the publisher webrtcbin's sink
 * pad takes it: the window in which an offer made on the way would lack
 * the track's a=ssrc lines. */
static GstPadProbeReturn
hold_caps (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  if (GST_EVENT_TYPE (GST_PAD_PROBE_INFO_EVENT (info)) == GST_EVENT_CAPS)
    g_usleep (G_USEC_PER_SEC);
  return GST_PAD_PROBE_OK;
}

static void
on_publisher_pad (GstElement * webrtc, GstPad * pad, gpointer data)
{
  if (GST_PAD_IS_SINK (pad))
    gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM, hold_caps,
        NULL, NULL);
}

/* The publisher's offer waits until webrtcbin has taken the track's caps,
 * not only until they left the bin's own elements: an offer without the
 * track's a=ssrc lines is one livekit-server never matches ("could not get
 * mid for track"), and the track would reach nobody. */
GST_START_TEST (test_offer_waits_for_webrtcbin_caps)
{
  GstElement *pub = room_pipeline_in ("roombin-slow-caps", "slow-caps",
      "audiotestsrc is-live=true ! opusenc ! room.audio_0");
  GstElement *sub = room_pipeline_in ("roombin-slow-caps", "slow-caps-sub",
      "");
  GstElement *pub_bin = gst_bin_get_by_name (GST_BIN (pub), "room");
  GstElement *bin = gst_bin_get_by_name (GST_BIN (sub), "room");
  GstElement *webrtc = gst_bin_get_by_name (GST_BIN (pub_bin), "publisher");
  Watch w = { 0 };

  /* The bin makes its first webrtcbins when it is made. */
  fail_unless (webrtc != NULL);
  g_signal_connect (webrtc, "pad-added", G_CALLBACK (on_publisher_pad), NULL);
  g_mutex_init (&w.lock);
  g_signal_connect (bin, "pad-added", G_CALLBACK (on_watcher_pad), &w);
  gst_element_set_state (sub, GST_STATE_PLAYING);
  gst_element_set_state (pub, GST_STATE_PLAYING);
  fail_unless (wait_for (&w, has_media, 20000), "no media from slow-caps");

  gst_element_set_state (pub, GST_STATE_NULL);
  gst_element_set_state (sub, GST_STATE_NULL);
  gst_object_unref (bin);
  gst_object_unref (webrtc);
  gst_object_unref (pub_bin);
  gst_object_unref (sub);
  gst_object_unref (pub);
  g_free (w.pad_name);
  g_mutex_clear (&w.lock);
}

GST_END_TEST;

/* The decryptor of @identity in @bin's frame-cryptors: its element name,
 * whether it is enabled and how many encrypted frames it dropped. */
static gboolean
decryptor_of (GstElement * bin, const gchar * identity, gchar ** element,
    gboolean * enabled, guint64 * dropped)
{
  GValue list = G_VALUE_INIT;
  gboolean found = FALSE;

  g_value_init (&list, GST_TYPE_ARRAY);
  g_object_get_property (G_OBJECT (bin), "frame-cryptors", &list);
  for (guint i = 0; i < gst_value_array_get_size (&list) && !found; i++) {
    const GstStructure *c =
        gst_value_get_structure (gst_value_array_get_value (&list, i));

    if (g_strcmp0 (gst_structure_get_string (c, "participant-identity"),
            identity) || g_strcmp0 (gst_structure_get_string (c,
                "direction"), "decrypt"))
      continue;
    found = TRUE;
    g_free (*element);
    *element = g_strdup (gst_structure_get_string (c, "element"));
    gst_structure_get_boolean (c, "enabled", enabled);
    gst_structure_get_uint64 (c, "encrypted-frames-dropped", dropped);
  }
  g_value_unset (&list);
  return found;
}

/* Waits (<= @ms) for a disabled decryptor of @identity, other than @not,
 * that dropped more than 20 encrypted frames. */
static gboolean
wait_dropping (GstElement * bin, const gchar * identity, const gchar * not,
    gchar ** element, guint ms)
{
  gint64 deadline = g_get_monotonic_time () + ms * 1000;
  gboolean enabled = TRUE;
  guint64 dropped = 0;

  while (g_get_monotonic_time () < deadline) {
    if (decryptor_of (bin, identity, element, &enabled, &dropped)
        && g_strcmp0 (*element, not) != 0 && !enabled && dropped > 20)
      return TRUE;
    g_usleep (50000);
  }
  return FALSE;
}

static gboolean
wait_for_n (Watch * w, guint n, guint ms)
{
  gint64 deadline = g_get_monotonic_time () + ms * 1000;
  gboolean ok = FALSE;

  while (!ok && g_get_monotonic_time () < deadline) {
    g_mutex_lock (&w->lock);
    ok = w->buffers >= n;
    g_mutex_unlock (&w->lock);
    if (!ok)
      g_usleep (50000);
  }
  return ok;
}

/* set-cryptor-enabled for a participant holds for its tracks to come: the
 * decryptor of a rejoined session (new webrtcbins, new decryptors) starts
 * disabled too. A disabled decryptor hands out nothing of a sender that
 * still encrypts; enabled again, the media flows. */
GST_START_TEST (test_cryptor_policy_survives_rejoin)
{
  GstElement *pub = room_pipeline ("policy-pub", "audiotestsrc is-live=true "
      "! opusenc ! room.audio_0");
  GstElement *sub = room_pipeline ("policy-sub", "");
  GstElement *bin = gst_bin_get_by_name (GST_BIN (sub), "room");
  GstBus *bus = gst_element_get_bus (sub);
  GstElement *webrtc;
  gchar *first = NULL, *second = NULL;
  gboolean taken = FALSE;
  Seen seen = { 0 };
  Watch w = { 0 };

  g_mutex_init (&w.lock);
  g_signal_connect (bin, "pad-added", G_CALLBACK (on_watcher_pad), &w);
  g_signal_emit_by_name (bin, "set-cryptor-enabled", "policy-pub", FALSE,
      &taken);
  fail_unless (taken);
  gst_element_set_state (sub, GST_STATE_PLAYING);
  gst_element_set_state (pub, GST_STATE_PLAYING);
  pump (bus, &seen, joined, 10000);
  fail_unless (seen.error == NULL, "%s", seen.error);

  fail_unless (wait_dropping (bin, "policy-pub", NULL, &first, 20000),
      "no disabled decryptor dropping policy-pub's frames");
  g_mutex_lock (&w.lock);
  fail_unless_equals_int (w.buffers, 0);
  g_mutex_unlock (&w.lock);

  webrtc = gst_bin_get_by_name (GST_BIN (bin), "subscriber");
  GST_ELEMENT_ERROR (webrtc, STREAM, FAILED, ("injected failure"), ("test"));
  gst_object_unref (webrtc);
  pump (bus, &seen, rejoined, 15000);
  fail_unless_equals_int (seen.connected, 2);
  fail_unless (wait_dropping (bin, "policy-pub", first, &second, 20000),
      "the rejoined session's decryptor is not disabled");
  g_mutex_lock (&w.lock);
  fail_unless_equals_int (w.buffers, 0);
  g_mutex_unlock (&w.lock);

  g_signal_emit_by_name (bin, "set-cryptor-enabled", "policy-pub", TRUE,
      &taken);
  fail_unless (wait_for_n (&w, 25, 10000), "no media once enabled again");

  gst_element_set_state (pub, GST_STATE_NULL);
  gst_element_set_state (sub, GST_STATE_NULL);
  gst_object_unref (bus);
  gst_object_unref (bin);
  gst_object_unref (sub);
  gst_object_unref (pub);
  g_free (first);
  g_free (second);
  g_free (seen.error);
  g_free (w.pad_name);
  g_mutex_clear (&w.lock);
}

GST_END_TEST;

typedef struct
{
  gchar *error, *debug;
  gboolean eos;
} Outcome;

/* Pops bus messages (<= @ms) until an error, or EOS when @want_eos. */
static void
wait_outcome (GstBus * bus, Outcome * o, gboolean want_eos, guint ms)
{
  gint64 deadline = g_get_monotonic_time () + ms * 1000;

  while (g_get_monotonic_time () < deadline && !(want_eos ? o->eos :
          o->error != NULL)) {
    GstMessage *msg = gst_bus_timed_pop (bus, 50 * GST_MSECOND);

    if (!msg)
      continue;
    if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR && !o->error) {
      GError *err;
      gst_message_parse_error (msg, &err, &o->debug);
      o->error = g_strdup (err->message);
      g_error_free (err);
    } else if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_EOS) {
      o->eos = TRUE;
    }
    gst_message_unref (msg);
  }
}

/* A token without canPublish (issue 9 item 2): the server refuses the
 * track. The application hears why, as an error naming the pad and the
 * server's reason; the source's thread is not held in the bin (it used to
 * block for good in the flow guard's push into webrtcbin), so an EOS sent
 * by the application comes out as EOS and the pipeline stops at once. */
GST_START_TEST (test_publish_refused_by_token)
{
  gchar *token = gst_livekit_access_token_new (api_key, api_secret,
      "no-publish", NULL, "roombin-refused", 0, FALSE, TRUE, TRUE);
  gchar *desc = g_strdup_printf ("livekitroombin name=room url=%s token=%s "
      "identity=no-publish shared-key=k audiotestsrc is-live=true "
      "! opusenc ! room.audio_0", url, token);
  GstElement *pipe = gst_parse_launch (desc, NULL);
  GstBus *bus = gst_element_get_bus (pipe);
  Outcome o = { 0 };
  gint64 t0;

  fail_unless (pipe != NULL);
  gst_element_set_state (pipe, GST_STATE_PLAYING);
  wait_outcome (bus, &o, FALSE, 20000);
  fail_unless (o.error != NULL, "no error for the refused track");
  GST_INFO ("error: %s (%s)", o.error, o.debug);
  fail_unless (strstr (o.error, "audio_0"), "%s", o.error);
  fail_unless (strstr (o.error, "not allowed") && strstr (o.error,
          "canPublish"), "%s", o.error);
  /* The token is never part of it. */
  fail_if (strstr (o.error, token) || (o.debug && strstr (o.debug, token)));

  /* Not held: the source's EOS goes through the bin, which posts EOS. */
  t0 = g_get_monotonic_time ();
  /* What gst-launch -e does (the result is the sinks', here the bin's
   * children's: not what this test is about). */
  gst_element_send_event (pipe, gst_event_new_eos ());
  wait_outcome (bus, &o, TRUE, 10000);
  fail_unless (o.eos, "no EOS: the source's thread is held in the bin");
  GST_INFO ("EOS after %" G_GINT64_FORMAT " ms",
      (g_get_monotonic_time () - t0) / 1000);
  fail_unless_equals_int (gst_element_set_state (pipe, GST_STATE_NULL),
      GST_STATE_CHANGE_SUCCESS);

  gst_object_unref (bus);
  gst_object_unref (pipe);
  g_free (o.error);
  g_free (o.debug);
  g_free (desc);
  g_free (token);
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
  tcase_add_test (tc, test_participant_leave_ends_pad);
  tcase_add_test (tc, test_offer_waits_for_webrtcbin_caps);
  tcase_add_test (tc, test_cryptor_policy_survives_rejoin);
  tcase_add_test (tc, test_publish_refused_by_token);
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
