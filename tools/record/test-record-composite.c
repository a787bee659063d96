/* The composite's end when its output no longer takes data (issue 11: the
 * recorder hung in rec_composite_stop after an error, its main thread
 * waiting on audiotestsrc's lock while the background's streaming threads
 * waited in pushes into a muxer that no longer consumed). */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <gst/check/gstcheck.h>
#include <glib/gstdio.h>

#include "composite.h"

static GstPadProbeReturn
hold (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  return GST_PAD_PROBE_OK;      /* a stalled disk: nothing goes out */
}

static GstElement *
find_factory (GstBin * bin, const gchar * factory)
{
  GstIterator *it = gst_bin_iterate_recurse (bin);
  GValue v = G_VALUE_INIT;
  GstElement *found = NULL;

  while (!found && gst_iterator_next (it, &v) == GST_ITERATOR_OK) {
    GstElement *e = g_value_get_object (&v);
    if (g_str_equal (GST_OBJECT_NAME (gst_element_get_factory (e)), factory))
      found = gst_object_ref (e);
    g_value_reset (&v);
  }
  g_value_unset (&v);
  gst_iterator_free (it);
  return found;
}

/* Runs the main context for @ms (the bus and the idle sources). */
static void
run_for (guint ms)
{
  gint64 end = g_get_monotonic_time () + ms * 1000;

  while (g_get_monotonic_time () < end)
    if (!g_main_context_iteration (NULL, FALSE))
      g_usleep (10000);
}

/* Up to 15 s for the EOS to reach the file. */
static gboolean
wait_done (RecComposite * c)
{
  for (gint i = 0; i < 150 && !rec_composite_is_done (c); i++)
    run_for (100);
  return rec_composite_is_done (c);
}

static void
remove_output (gchar * dir, gchar * path)
{
  g_unlink (path);
  g_rmdir (dir);
  g_free (path);
  g_free (dir);
}

/* The output stalls: the muxer blocks, then the encoders, the aggregators
 * and the background sources in their pushes. Stopping must not wait for
 * them (the test's timeout is the hang). */
GST_START_TEST (test_stop_with_stalled_output)
{
  gchar *dir = g_dir_make_tmp ("comp-XXXXXX", NULL);
  gchar *path = g_build_filename (dir, "room.webm", NULL);
  GstElement *pipeline = gst_pipeline_new (NULL);
  GError *err = NULL;
  RecComposite *c = rec_composite_new (GST_BIN (pipeline), path, 64, 48, 15,
      &err);
  GstElement *sink;
  GstPad *pad;

  fail_unless (c != NULL, "%s", err ? err->message : "");
  sink = find_factory (GST_BIN (pipeline), "filesink");
  pad = gst_element_get_static_pad (sink, "sink");
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BLOCK_DOWNSTREAM, hold, NULL,
      NULL);
  gst_object_unref (pad);
  gst_object_unref (sink);
  fail_unless (gst_element_set_state (pipeline, GST_STATE_PLAYING) !=
      GST_STATE_CHANGE_FAILURE);
  run_for (3000);
  rec_composite_stop (c);
  fail_if (rec_composite_is_done (c));
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (pipeline);
  rec_composite_free (c);
  remove_output (dir, path);
}

GST_END_TEST;

/* Without an error the stop drains: the EOS reaches the file. */
GST_START_TEST (test_stop_drains)
{
  gchar *dir = g_dir_make_tmp ("comp-XXXXXX", NULL);
  gchar *path = g_build_filename (dir, "room.webm", NULL);
  GstElement *pipeline = gst_pipeline_new (NULL);
  GError *err = NULL;
  RecComposite *c = rec_composite_new (GST_BIN (pipeline), path, 64, 48, 15,
      &err);
  GStatBuf st;

  fail_unless (c != NULL, "%s", err ? err->message : "");
  fail_unless (gst_element_set_state (pipeline, GST_STATE_PLAYING) !=
      GST_STATE_CHANGE_FAILURE);
  run_for (1000);
  rec_composite_stop (c);
  fail_unless (wait_done (c), "the EOS did not reach the file");
  fail_if (rec_composite_has_failed (c));
  gst_element_set_state (pipeline, GST_STATE_NULL);
  fail_unless (g_stat (path, &st) == 0 && st.st_size > 0);
  gst_object_unref (pipeline);
  rec_composite_free (c);
  remove_output (dir, path);
}

GST_END_TEST;

static GstBusSyncReply
on_sync (GstBus * bus, GstMessage * msg, gpointer data)
{
  RecComposite *c = data;
  static gint others;

  /* What the recorder does (rec_recorder_on_bus_sync). */
  if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR) {
    if (rec_composite_owns (c, GST_MESSAGE_SRC (msg)))
      rec_composite_fail (c);
    else
      g_atomic_int_inc (&others);
  }
  g_object_set_data (G_OBJECT (bus), "others", GINT_TO_POINTER
      (g_atomic_int_get (&others)));
  return GST_BUS_PASS;
}

static GstPadProbeReturn
count (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  g_atomic_int_inc ((gint *) data);
  return GST_PAD_PROBE_OK;
}

/* The composite's output fails (a full disk): the composite is done, its
 * stop sends nothing, and a participant's own file, behind the same tee,
 * goes on getting frames. */
GST_START_TEST (test_failed_output_spares_the_participant)
{
  GstElement *pipeline = gst_pipeline_new (NULL);
  GError *err = NULL;
  RecComposite *c = rec_composite_new (GST_BIN (pipeline), "/dev/full", 64,
      48, 15, &err);
  GstElement *src, *enc, *tee, *queue, *out, *sink;
  GstBus *bus = gst_element_get_bus (pipeline);
  GstPad *pad;
  gint frames = 0, before;

  fail_unless (c != NULL, "%s", err ? err->message : "");
  /* Every write goes to the disk at once. */
  sink = find_factory (GST_BIN (pipeline), "filesink");
  g_object_set (sink, "buffer-mode", 2, NULL);
  gst_object_unref (sink);
  gst_bus_set_sync_handler (bus, on_sync, c, NULL);
  src = gst_element_factory_make ("audiotestsrc", NULL);
  g_object_set (src, "is-live", TRUE, NULL);
  enc = gst_element_factory_make ("opusenc", NULL);
  tee = gst_element_factory_make ("tee", NULL);
  queue = gst_element_factory_make ("queue", NULL);
  out = gst_element_factory_make ("fakesink", NULL);
  g_object_set (out, "sync", FALSE, "async", FALSE, NULL);
  gst_bin_add_many (GST_BIN (pipeline), src, enc, tee, queue, out, NULL);
  fail_unless (gst_element_link_many (src, enc, tee, queue, out, NULL));
  pad = gst_element_request_pad_simple (tee, "src_%u");
  fail_unless (rec_composite_add (c, pad, "audio/x-opus", "alice", &err));
  gst_object_unref (pad);
  pad = gst_element_get_static_pad (out, "sink");
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, count, &frames, NULL);
  gst_object_unref (pad);
  fail_unless (gst_element_set_state (pipeline, GST_STATE_PLAYING) !=
      GST_STATE_CHANGE_FAILURE);
  for (gint i = 0; i < 100 && !rec_composite_has_failed (c); i++)
    run_for (100);
  fail_unless (rec_composite_has_failed (c), "/dev/full did not fail");
  fail_unless (rec_composite_is_done (c));
  rec_composite_stop (c);
  /* The participant's branch goes on (1 s is 50 Opus frames). */
  before = g_atomic_int_get (&frames);
  for (gint i = 0; i < 100 && g_atomic_int_get (&frames) < before + 25; i++)
    run_for (100);
  fail_unless (g_atomic_int_get (&frames) >= before + 25,
      "the participant's branch stopped at %d frames", before);
  fail_unless_equals_int (GPOINTER_TO_INT (g_object_get_data (G_OBJECT (bus),
              "others")), 0);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_bus_set_sync_handler (bus, NULL, NULL, NULL);
  gst_object_unref (bus);
  gst_object_unref (pipeline);
  rec_composite_free (c);
}

GST_END_TEST;

static GstPadProbeReturn
untime_some (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  gint *n = data;
  GstBuffer *buf = GST_PAD_PROBE_INFO_BUFFER (info);

  if (++*n % 4 == 0) {
    buf = gst_buffer_make_writable (buf);
    GST_BUFFER_PTS (buf) = GST_BUFFER_DTS (buf) = GST_CLOCK_TIME_NONE;
    GST_BUFFER_DURATION (buf) = GST_CLOCK_TIME_NONE;
    GST_PAD_PROBE_INFO_DATA (info) = buf;
  }
  return GST_PAD_PROBE_OK;
}

/* A participant's decoder puts out frames without a timestamp (seen after
 * a rejoin; its cause is not known, and GstVideoDecoder stamps an untimed
 * input after a timed one, so the test takes the stamps off at the
 * decoder's output): compositor errors on those ("Need timestamped
 * buffers!"), which ended the picture; the tile drops them and the
 * composite goes on. */
GST_START_TEST (test_untimed_frames_spare_the_picture)
{
  gchar *dir = g_dir_make_tmp ("comp-XXXXXX", NULL);
  gchar *path = g_build_filename (dir, "room.webm", NULL);
  GstElement *pipeline = gst_pipeline_new (NULL);
  GError *err = NULL;
  RecComposite *c = rec_composite_new (GST_BIN (pipeline), path, 64, 48, 15,
      &err);
  GstElement *src, *enc, *dec;
  GstBus *bus = gst_element_get_bus (pipeline);
  GstPad *pad;
  gint n = 0;

  fail_unless (c != NULL, "%s", err ? err->message : "");
  gst_bus_set_sync_handler (bus, on_sync, c, NULL);
  src = gst_element_factory_make ("videotestsrc", NULL);
  g_object_set (src, "is-live", TRUE, NULL);
  enc = gst_element_factory_make ("vp8enc", NULL);
  g_object_set (enc, "deadline", (gint64) 1, "keyframe-max-dist", 1, NULL);
  gst_bin_add_many (GST_BIN (pipeline), src, enc, NULL);
  fail_unless (gst_element_link (src, enc));
  pad = gst_element_get_static_pad (enc, "src");
  fail_unless (rec_composite_add (c, pad, "video/x-vp8", "alice", &err));
  gst_object_unref (pad);
  dec = find_factory (GST_BIN (pipeline), "vp8dec");
  pad = gst_element_get_static_pad (dec, "src");
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, untime_some, &n, NULL);
  gst_object_unref (pad);
  gst_object_unref (dec);
  fail_unless (gst_element_set_state (pipeline, GST_STATE_PLAYING) !=
      GST_STATE_CHANGE_FAILURE);
  for (gint i = 0; i < 30 && n < 30 && !rec_composite_has_failed (c); i++)
    run_for (100);
  fail_unless (n >= 30, "only %d frames in 3 s", n);
  fail_if (rec_composite_has_failed (c), "the composite failed");
  rec_composite_stop (c);
  gst_element_send_event (src, gst_event_new_eos ());   /* it left */
  fail_unless (wait_done (c), "the EOS did not reach the file");
  fail_if (rec_composite_has_failed (c), "the composite failed");
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_bus_set_sync_handler (bus, NULL, NULL, NULL);
  gst_object_unref (bus);
  gst_object_unref (pipeline);
  rec_composite_free (c);
  remove_output (dir, path);
}

GST_END_TEST;

static Suite *
record_composite_suite (void)
{
  Suite *s = suite_create ("record-composite");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_set_timeout (tc, 30);
  tcase_add_test (tc, test_stop_drains);
  tcase_add_test (tc, test_stop_with_stalled_output);
  tcase_add_test (tc, test_failed_output_spares_the_participant);
  tcase_add_test (tc, test_untimed_frames_spare_the_picture);
  return s;
}

GST_CHECK_MAIN (record_composite);
