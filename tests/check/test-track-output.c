/* The room bin's track output (plugins/livekit/room/gstlivekittrackoutput.c),
 * its source compiled in: what downstream of a source pad sees. */
#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include "room/gstlivekittrackoutput.h"

/* The output, a harness on its src pad, and an input pad feeding it. */
typedef struct
{
  GstElement *output;
  GstHarness *h;
  GstPad *in;
} Fixture;

static void
fixture_start (Fixture * f)
{
  GstPad *sink;
  GstSegment segment;

  f->output = gst_livekit_track_output_new ();
  f->h = gst_harness_new_with_element (f->output, NULL, "src");
  gst_harness_play (f->h);
  sink = gst_livekit_track_output_attach (GST_LIVEKIT_TRACK_OUTPUT
      (f->output));
  f->in = gst_pad_new ("in", GST_PAD_SRC);
  gst_pad_set_active (f->in, TRUE);
  fail_unless_equals_int (gst_pad_link (f->in, sink), GST_PAD_LINK_OK);
  fail_unless (gst_pad_push_event (f->in, gst_event_new_stream_start ("s")));
  fail_unless (gst_pad_push_event (f->in,
          gst_event_new_caps (gst_caps_new_empty_simple ("video/x-vp9"))));
  gst_segment_init (&segment, GST_FORMAT_TIME);
  fail_unless (gst_pad_push_event (f->in, gst_event_new_segment (&segment)));
}

static void
fixture_stop (Fixture * f)
{
  gst_object_unref (f->in);
  gst_harness_teardown (f->h);
}

static void
push_at (Fixture * f, GstClockTime pts)
{
  GstBuffer *buf = gst_buffer_new_allocate (NULL, 8, NULL);

  GST_BUFFER_PTS (buf) = pts;
  fail_unless_equals_int (gst_pad_push (f->in, buf), GST_FLOW_OK);
}

static GstClockTime
pulled_pts (Fixture * f)
{
  GstBuffer *buf = gst_harness_pull (f->h);
  GstClockTime pts = GST_BUFFER_PTS (buf);

  gst_buffer_unref (buf);
  return pts;
}

/* As rtpjitterbuffer sends frames after a resync: one time for several
 * ("backwards timestamps, using previous time"). */
GST_START_TEST (test_repeated_times_go_forward)
{
  Fixture f;
  GstSegment segment;

  fixture_start (&f);
  push_at (&f, 2 * GST_SECOND);
  push_at (&f, 2 * GST_SECOND);
  push_at (&f, 2 * GST_SECOND);
  push_at (&f, 1 * GST_SECOND);
  push_at (&f, GST_CLOCK_TIME_NONE);
  push_at (&f, 3 * GST_SECOND);
  fail_unless_equals_uint64 (pulled_pts (&f), 2 * GST_SECOND);
  fail_unless_equals_uint64 (pulled_pts (&f), 2 * GST_SECOND + GST_MSECOND);
  fail_unless_equals_uint64 (pulled_pts (&f), 2 * GST_SECOND + 2 * GST_MSECOND);
  fail_unless_equals_uint64 (pulled_pts (&f), 2 * GST_SECOND + 3 * GST_MSECOND);
  /* Untimed stays untimed: nothing to compare. */
  fail_unless_equals_uint64 (pulled_pts (&f), GST_CLOCK_TIME_NONE);
  fail_unless_equals_uint64 (pulled_pts (&f), 3 * GST_SECOND);

  /* A new track's segment starts its own timing. */
  gst_segment_init (&segment, GST_FORMAT_TIME);
  fail_unless (gst_pad_push_event (f.in, gst_event_new_segment (&segment)));
  push_at (&f, 1 * GST_SECOND);
  fail_unless_equals_uint64 (pulled_pts (&f), 1 * GST_SECOND);
  fixture_stop (&f);
}

GST_END_TEST;

static Suite *
track_output_suite (void)
{
  Suite *s = suite_create ("livekit-track-output");
  TCase *tc = tcase_create ("output");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_repeated_times_go_forward);
  return s;
}

GST_CHECK_MAIN (track_output);
