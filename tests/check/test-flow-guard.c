/* The room bin's flow guard (room/gstlivekitflowguard.c, compiled in): what
 * a rejoin's replacement of the publisher webrtcbin returns under a push
 * never reaches the application's source, and what the webrtcbin it is
 * linked to returns otherwise does. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <gst/check/gstcheck.h>

#include "room/gstlivekitflowguard.h"

static GstStaticPadTemplate any_sink = GST_STATIC_PAD_TEMPLATE ("sink",
    GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS_ANY);
static GstStaticPadTemplate any_src = GST_STATIC_PAD_TEMPLATE ("src",
    GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS_ANY);

/* What the downstream (a stand-in for webrtcbin's sink pad) does per push. */
static GstFlowReturn downstream_returns;
static gboolean downstream_unlinks;     /* unlink the guard under the push */

static GstFlowReturn
downstream_chain (GstPad * pad, GstObject * parent, GstBuffer * buf)
{
  gst_buffer_unref (buf);
  if (downstream_unlinks) {
    GstPad *peer = gst_pad_get_peer (pad);

    fail_unless (peer != NULL);
    gst_pad_unlink (peer, pad);
    gst_object_unref (peer);
  }
  return downstream_returns;
}

typedef struct
{
  GstElement *guard;
  GstPad *upstream, *downstream;
} Rig;

static void
start_stream (Rig * r)
{
  GstCaps *caps = gst_caps_new_empty_simple ("application/x-rtp");
  GstSegment segment;

  gst_segment_init (&segment, GST_FORMAT_TIME);
  fail_unless (gst_pad_push_event (r->upstream,
          gst_event_new_stream_start ("guard")));
  fail_unless (gst_pad_push_event (r->upstream, gst_event_new_caps (caps)));
  gst_caps_unref (caps);
  fail_unless (gst_pad_push_event (r->upstream,
          gst_event_new_segment (&segment)));
}

static void
rig_init (Rig * r)
{
  GstPad *pad;

  r->guard = gst_object_ref_sink (gst_livekit_flow_guard_new ());
  r->upstream = gst_pad_new_from_static_template (&any_src, "src");
  r->downstream = gst_pad_new_from_static_template (&any_sink, "sink");
  gst_pad_set_chain_function (r->downstream, downstream_chain);
  pad = gst_element_get_static_pad (r->guard, "sink");
  fail_unless_equals_int (gst_pad_link (r->upstream, pad), GST_PAD_LINK_OK);
  gst_object_unref (pad);
  pad = gst_element_get_static_pad (r->guard, "src");
  fail_unless_equals_int (gst_pad_link (pad, r->downstream), GST_PAD_LINK_OK);
  gst_object_unref (pad);
  gst_pad_set_active (r->upstream, TRUE);
  gst_pad_set_active (r->downstream, TRUE);
  fail_unless_equals_int (gst_element_set_state (r->guard, GST_STATE_PLAYING),
      GST_STATE_CHANGE_SUCCESS);
  start_stream (r);
  downstream_returns = GST_FLOW_OK;
  downstream_unlinks = FALSE;
}

static void
rig_clear (Rig * r)
{
  gst_element_set_state (r->guard, GST_STATE_NULL);
  gst_pad_set_active (r->upstream, FALSE);
  gst_pad_set_active (r->downstream, FALSE);
  gst_object_unref (r->upstream);
  gst_object_unref (r->downstream);
  gst_object_unref (r->guard);
}

static GstFlowReturn
push_one (Rig * r)
{
  return gst_pad_push (r->upstream, gst_buffer_new_allocate (NULL, 16, NULL));
}

static void
relink (Rig * r)
{
  GstPad *src = gst_element_get_static_pad (r->guard, "src");

  fail_unless_equals_int (gst_pad_link (src, r->downstream), GST_PAD_LINK_OK);
  gst_object_unref (src);
}

/* The webrtcbin being retired failed under the push, after it was unlinked:
 * ERROR and NOT_NEGOTIATED are dropped packets, not the end of the source. */
GST_START_TEST (test_failure_of_replaced_downstream_is_dropped)
{
  static const GstFlowReturn failures[] =
      { GST_FLOW_ERROR, GST_FLOW_NOT_NEGOTIATED, GST_FLOW_FLUSHING };
  Rig r;

  rig_init (&r);
  for (guint i = 0; i < G_N_ELEMENTS (failures); i++) {
    downstream_returns = failures[i];
    downstream_unlinks = TRUE;
    fail_unless_equals_int (push_one (&r), GST_FLOW_OK);
    /* unlinked now: the next push is NOT_LINKED, dropped too */
    downstream_unlinks = FALSE;
    fail_unless_equals_int (push_one (&r), GST_FLOW_OK);
    relink (&r);
  }
  rig_clear (&r);
}

GST_END_TEST;

/* The webrtcbin the guard is linked to fails for real: upstream hears it. */
GST_START_TEST (test_failure_of_current_downstream_goes_upstream)
{
  Rig r;

  rig_init (&r);
  downstream_returns = GST_FLOW_ERROR;
  fail_unless_equals_int (push_one (&r), GST_FLOW_ERROR);
  downstream_returns = GST_FLOW_NOT_NEGOTIATED;
  fail_unless_equals_int (push_one (&r), GST_FLOW_NOT_NEGOTIATED);
  /* EOS is not a failure; it goes up even from a replaced downstream */
  downstream_returns = GST_FLOW_EOS;
  downstream_unlinks = TRUE;
  fail_unless_equals_int (push_one (&r), GST_FLOW_EOS);
  relink (&r);
  downstream_unlinks = FALSE;
  downstream_returns = GST_FLOW_OK;
  fail_unless_equals_int (push_one (&r), GST_FLOW_OK);
  rig_clear (&r);
}

GST_END_TEST;

/* FLUSHING from a webrtcbin stopped under the push is dropped; the guard's
 * own flush (the application's seek or stop) still stops the source. */
GST_START_TEST (test_own_flush_goes_upstream)
{
  Rig r;

  rig_init (&r);
  downstream_returns = GST_FLOW_FLUSHING;
  fail_unless_equals_int (push_one (&r), GST_FLOW_OK);
  downstream_returns = GST_FLOW_OK;
  fail_unless (gst_pad_push_event (r.upstream, gst_event_new_flush_start ()));
  fail_unless_equals_int (push_one (&r), GST_FLOW_FLUSHING);
  fail_unless (gst_pad_push_event (r.upstream,
          gst_event_new_flush_stop (TRUE)));
  start_stream (&r);
  fail_unless_equals_int (push_one (&r), GST_FLOW_OK);
  rig_clear (&r);
}

GST_END_TEST;

static Suite *
flow_guard_suite (void)
{
  Suite *s = suite_create ("livekit-flow-guard");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_failure_of_replaced_downstream_is_dropped);
  tcase_add_test (tc, test_failure_of_current_downstream_goes_upstream);
  tcase_add_test (tc, test_own_flush_goes_upstream);
  return s;
}

GST_CHECK_MAIN (flow_guard);
