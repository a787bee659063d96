/* One join of livekitroombin, timed: bench/join-latency.sh runs this in a
 * fresh process per join and prints the medians (docs/benchmarks.md).
 *
 *   join-latency URL API_KEY API_SECRET ROOM IDENTITY KEY [TIMEOUT_S]
 *
 * Subscribes only; prints one JSON line with the milliseconds from
 * gst_element_set_state (PLAYING) to each step:
 *   cert         GStreamer's DTLS certificate is made (dtlsdec's debug
 *                line; one RSA-2048 key generation per process)
 *   connect      the WebSocket is open (the signalling client's debug line)
 *   join         JoinResponse (the livekit-connected message)
 *   offer        the subscriber webrtcbin has the server's offer
 *   answer       it has set its answer (signaling state stable again)
 *   ice          its ICE connection state is connected
 *   dtls         its peer connection state is connected (ICE and DTLS done)
 *   frame        the first buffer out of a src pad that livekitdecrypt
 *                decrypted (GstLiveKitFrameMeta outcome)
 * Exit status 0 when a decrypted frame came within TIMEOUT_S (default 20).
 */
#include <string.h>
#include <gst/gst.h>
#include <gst/webrtc/webrtc.h>
#include <gst/livekit/meta.h>

enum
{ STEP_CERT, STEP_CONNECT, STEP_JOIN, STEP_OFFER, STEP_ANSWER, STEP_ICE,
  STEP_DTLS,
  STEP_FRAME, N_STEPS
};
static const gchar *step_names[N_STEPS] = { "cert", "connect", "join", "offer",
  "answer", "ice", "dtls", "frame"
};

static gint64 t0;
static gint64 at[N_STEPS];      /* 0 = not yet; under lock */
static GMutex lock;
static GMainLoop *loop;

/* Steps come from the signalling, webrtcbin and streaming threads. */
static void
mark (guint step)
{
  gint64 now = g_get_monotonic_time ();
  gboolean first;

  g_mutex_lock (&lock);
  first = at[step] == 0;
  if (first)
    at[step] = now;
  g_mutex_unlock (&lock);
  if (first && step == STEP_FRAME)
    g_main_loop_quit (loop);
}

static gint64
step_time (guint step)
{
  gint64 t;

  g_mutex_lock (&lock);
  t = at[step];
  g_mutex_unlock (&lock);
  return t;
}

/* The WebSocket opening and the certificate are not events of the bin:
 * debug lines say when (the latter is logged just after the generation). */
static void
log_func (GstDebugCategory * category, GstDebugLevel level, const gchar * file,
    const gchar * function, gint line, GObject * object, GstDebugMessage * msg,
    gpointer user_data)
{
  const gchar *name = gst_debug_category_get_name (category);
  const gchar *text;

  if (g_strcmp0 (name, "livekitsignal") && g_strcmp0 (name, "dtlsdec"))
    return;
  text = gst_debug_message_get (msg);
  if (!text)
    return;
  if (g_str_has_prefix (text, "WebSocket open"))
    mark (STEP_CONNECT);
  else if (g_str_has_prefix (text, "no agent with generated cert found"))
    mark (STEP_CERT);
}

static void
on_deep_notify (GstObject * pipeline, GstObject * prop_object,
    GParamSpec * pspec, gpointer user_data)
{
  const gchar *name = g_param_spec_get_name (pspec);
  gchar *object_name = gst_object_get_name (prop_object);
  gboolean subscriber = g_strcmp0 (object_name, "subscriber") == 0;

  g_free (object_name);
  if (!subscriber)
    return;
  if (g_str_equal (name, "signaling-state")) {
    GstWebRTCSignalingState s;
    g_object_get (prop_object, "signaling-state", &s, NULL);
    if (s == GST_WEBRTC_SIGNALING_STATE_HAVE_REMOTE_OFFER)
      mark (STEP_OFFER);
    else if (s == GST_WEBRTC_SIGNALING_STATE_STABLE && step_time (STEP_OFFER))
      mark (STEP_ANSWER);
  } else if (g_str_equal (name, "ice-connection-state")) {
    GstWebRTCICEConnectionState s;
    g_object_get (prop_object, "ice-connection-state", &s, NULL);
    if (s == GST_WEBRTC_ICE_CONNECTION_STATE_CONNECTED
        || s == GST_WEBRTC_ICE_CONNECTION_STATE_COMPLETED)
      mark (STEP_ICE);
  } else if (g_str_equal (name, "connection-state")) {
    GstWebRTCPeerConnectionState s;
    g_object_get (prop_object, "connection-state", &s, NULL);
    if (s == GST_WEBRTC_PEER_CONNECTION_STATE_CONNECTED)
      mark (STEP_DTLS);
  }
}

static GstPadProbeReturn
on_buffer (GstPad * pad, GstPadProbeInfo * info, gpointer user_data)
{
  GstLiveKitFrameMeta *meta =
      gst_buffer_get_livekit_frame_meta (GST_PAD_PROBE_INFO_BUFFER (info));

  if (meta && meta->outcome == GST_LIVEKIT_FRAME_OUTCOME_DECRYPTED)
    mark (STEP_FRAME);
  return GST_PAD_PROBE_OK;
}

static void
on_pad_added (GstElement * bin, GstPad * pad, GstElement * pipeline)
{
  GstElement *sink;
  GstPad *sinkpad;

  if (GST_PAD_DIRECTION (pad) != GST_PAD_SRC)
    return;
  sink = gst_element_factory_make ("fakesink", NULL);
  g_object_set (sink, "sync", FALSE, "async", FALSE, NULL);
  gst_bin_add (GST_BIN (pipeline), sink);
  gst_element_sync_state_with_parent (sink);
  sinkpad = gst_element_get_static_pad (sink, "sink");
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, on_buffer, NULL, NULL);
  gst_pad_link (pad, sinkpad);
  gst_object_unref (sinkpad);
}

static GstBusSyncReply
on_bus (GstBus * bus, GstMessage * message, gpointer user_data)
{
  const GstStructure *s = gst_message_get_structure (message);

  if (GST_MESSAGE_TYPE (message) == GST_MESSAGE_ELEMENT && s
      && gst_structure_has_name (s, "livekit-connected"))
    mark (STEP_JOIN);
  else if (GST_MESSAGE_TYPE (message) == GST_MESSAGE_ERROR) {
    GError *err = NULL;
    gst_message_parse_error (message, &err, NULL);
    g_printerr ("join-latency: error: %s\n", err->message);
    g_clear_error (&err);
    g_main_loop_quit (loop);
  }
  return GST_BUS_PASS;
}

static gboolean
on_timeout (gpointer data)
{
  g_printerr ("join-latency: no decrypted frame in time\n");
  g_main_loop_quit (loop);
  return G_SOURCE_REMOVE;
}

int
main (int argc, char **argv)
{
  GstElement *pipeline, *bin;
  GstBus *bus;
  GString *json;
  guint timeout_s = 20;

  gst_init (&argc, &argv);
  if (argc < 7) {
    g_printerr ("usage: %s URL API_KEY API_SECRET ROOM IDENTITY KEY "
        "[TIMEOUT_S]\n", argv[0]);
    return 2;
  }
  if (argc > 7)
    timeout_s = (guint) g_ascii_strtoull (argv[7], NULL, 10);
  gst_debug_add_log_function (log_func, NULL, NULL);
  gst_debug_set_threshold_for_name ("livekitsignal", GST_LEVEL_DEBUG);
  gst_debug_set_threshold_for_name ("dtlsdec", GST_LEVEL_DEBUG);
  /* The debug levels raised for those lines print nothing unless asked. */
  if (!g_getenv ("GST_DEBUG"))
    gst_debug_remove_log_function (gst_debug_log_default);

  loop = g_main_loop_new (NULL, FALSE);
  pipeline = gst_pipeline_new (NULL);
  bin = gst_element_factory_make ("livekitroombin", NULL);
  if (!bin) {
    g_printerr ("join-latency: livekitroombin not found\n");
    return 2;
  }
  g_object_set (bin, "url", argv[1], "api-key", argv[2], "api-secret",
      argv[3], "room", argv[4], "identity", argv[5], "shared-key", argv[6],
      NULL);
  gst_bin_add (GST_BIN (pipeline), bin);
  g_signal_connect (bin, "pad-added", G_CALLBACK (on_pad_added), pipeline);
  g_signal_connect (pipeline, "deep-notify", G_CALLBACK (on_deep_notify), NULL);
  bus = gst_element_get_bus (pipeline);
  gst_bus_set_sync_handler (bus, on_bus, NULL, NULL);
  g_timeout_add_seconds (timeout_s, on_timeout, NULL);

  t0 = g_get_monotonic_time ();
  if (gst_element_set_state (pipeline, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE) {
    g_printerr ("join-latency: could not start\n");
    return 1;
  }
  g_main_loop_run (loop);

  json = g_string_new ("{");
  for (guint i = 0; i < N_STEPS; i++) {
    gint64 t = step_time (i);
    g_string_append_printf (json, "%s\"%s\": ", i ? ", " : "", step_names[i]);
    if (t)
      g_string_append_printf (json, "%.1f", (t - t0) / 1000.0);
    else
      g_string_append (json, "null");
  }
  g_string_append (json, "}");
  g_print ("%s\n", json->str);
  g_string_free (json, TRUE);

  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_bus_set_sync_handler (bus, NULL, NULL, NULL);
  gst_object_unref (bus);
  gst_object_unref (pipeline);
  g_main_loop_unref (loop);
  return step_time (STEP_FRAME) ? 0 : 1;
}
