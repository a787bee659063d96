/* Element benchmark: buffers/s through
 *   fakesrc ! <caps> ! livekitencrypt ! livekitdecrypt ! fakesink
 * against the same pipeline with two identity elements, measured in one
 * run, for 100 B, 1 KB and 64 KB buffers. Prints one JSON line per size.
 *
 *   pipeline-bench [seconds-per-size]   (GST_PLUGIN_PATH must find the plugin)
 */
#include <gst/gst.h>

static const guint sizes[] = { 100, 1024, 65536 };

/* Runs @desc to EOS and returns buffers per second. */
static gdouble
run (const gchar * desc, guint buffers)
{
  GError *err = NULL;
  GstElement *pipe = gst_parse_launch (desc, &err);
  GstBus *bus;
  GstMessage *msg;
  gint64 start, end;

  if (!pipe) {
    g_printerr ("cannot build %s: %s\n", desc, err->message);
    exit (1);
  }
  /* Keys are derived while going to PAUSED: keep that out of the timing. */
  gst_element_set_state (pipe, GST_STATE_PAUSED);
  gst_element_get_state (pipe, NULL, NULL, GST_CLOCK_TIME_NONE);
  bus = gst_element_get_bus (pipe);
  start = g_get_monotonic_time ();
  gst_element_set_state (pipe, GST_STATE_PLAYING);
  msg = gst_bus_timed_pop_filtered (bus, GST_CLOCK_TIME_NONE,
      GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  end = g_get_monotonic_time ();
  if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR) {
    g_printerr ("error running %s\n", desc);
    exit (1);
  }
  gst_message_unref (msg);
  gst_element_set_state (pipe, GST_STATE_NULL);
  gst_object_unref (bus);
  gst_object_unref (pipe);
  return buffers / ((end - start) / 1e6);
}

static gchar *
describe (guint size, guint buffers, const gchar * middle)
{
  /* Zero-filled VP8 "key frames": the content does not matter to the
   * cryptor, only the size does. */
  return g_strdup_printf ("fakesrc num-buffers=%u sizetype=fixed sizemax=%u "
      "filltype=zero ! capsfilter caps=video/x-vp8 ! %s ! fakesink sync=false",
      buffers, size, middle);
}

int
main (int argc, char **argv)
{
  gdouble seconds = argc > 1 ? g_ascii_strtod (argv[1], NULL) : 1.0;
  const gchar *crypto =
      "livekitencrypt shared-key=bench key-derivation=hkdf "
      "ratchet-window-size=0 ! livekitdecrypt shared-key=bench "
      "key-derivation=hkdf ratchet-window-size=0";

  gst_init (&argc, &argv);
  for (guint i = 0; i < G_N_ELEMENTS (sizes); i++) {
    gdouble best_crypto = 0, best_identity = 0;
    /* Calibrate the buffer count to about @seconds with the crypto path. */
    gchar *probe = describe (sizes[i], 2000, crypto);
    guint buffers = MAX (2000, (guint) (run (probe, 2000) * seconds));
    g_free (probe);

    /* Interleaved, best of three: the least disturbed run of each. */
    for (guint round = 0; round < 3; round++) {
      gchar *a = describe (sizes[i], buffers, crypto);
      gchar *b = describe (sizes[i], buffers, "identity ! identity");
      best_crypto = MAX (best_crypto, run (a, buffers));
      best_identity = MAX (best_identity, run (b, buffers));
      g_free (a);
      g_free (b);
    }
    g_print ("{\"bench\":\"pipeline\",\"size\":%u,\"buffers\":%u,"
        "\"encrypt_decrypt_buffers_per_s\":%.0f,"
        "\"identity_buffers_per_s\":%.0f,\"ratio\":%.3f}\n", sizes[i],
        buffers, best_crypto, best_identity, best_crypto / best_identity);
  }
  return 0;
}
