/* The stable end of a subscribed source: the bin's source pad is a ghost of
 * this element's src pad, and the chains of the tracks that feed it
 * (depayloader -> livekitdecrypt) link to its request sink pads, one at a
 * time. Downstream sees one stream for the pad's whole life:
 *   - only the active input's data goes out; the others' is dropped;
 *   - the first stream-start is kept, later ones are dropped; caps go out
 *     when they change; segments go out (a new track's timing);
 *   - EOS and flushes of a chain being torn down stay inside; the stream
 *     ends only through gst_livekit_track_output_end();
 *   - a new input's first buffer is DISCONT;
 *   - timestamps go forward: a frame not after the one before gets that
 *     one's time plus 1 ms (see keep_time_going_forward);
 *   - an unlinked pad (a gst-launch line that takes only some
 *     participants) drops data instead of returning not-linked, which would
 *     take webrtcbin's whole receive transport down. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstlivekittrackoutput.h"

#define GST_CAT_DEFAULT gst_livekit_track_output_debug
GST_DEBUG_CATEGORY_STATIC (gst_livekit_track_output_debug);

struct _GstLiveKitTrackOutput
{
  GstElement parent;
  GstPad *srcpad;

  /* Object lock. */
  GstPad *active;
  gboolean discont;
  gboolean started;             /* a stream-start went out */
  gboolean ended;
  guint next_input;

  /* Serialises pushes: an old input's last buffer and a new input's first
   * never race on the src pad. */
  GMutex push_lock;
  GstClockTime last_pts;        /* push lock: of the segment's last frame */
};

/* Not a frame's duration: just enough that no two frames share a time, at
 * Matroska's default resolution too. */
#define FORWARD_STEP GST_MSECOND

G_DEFINE_TYPE_WITH_CODE (GstLiveKitTrackOutput, gst_livekit_track_output,
    GST_TYPE_ELEMENT, GST_DEBUG_CATEGORY_INIT (gst_livekit_track_output_debug,
        "livekittrackoutput", 0, "livekitroombin source pad continuity"));

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE ("sink_%u",
    GST_PAD_SINK, GST_PAD_REQUEST, GST_STATIC_CAPS_ANY);
static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE ("src",
    GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS_ANY);

/* Whether data from @pad goes out; takes the DISCONT mark if so. */
static gboolean
is_active (GstLiveKitTrackOutput * self, GstPad * pad, gboolean * discont)
{
  gboolean active;

  GST_OBJECT_LOCK (self);
  active = pad == self->active && !self->ended;
  if (active && discont) {
    *discont = self->discont;
    self->discont = FALSE;
  }
  GST_OBJECT_UNLOCK (self);
  return active;
}

static GstFlowReturn
absorb (GstLiveKitTrackOutput * self, GstFlowReturn ret)
{
  if (ret == GST_FLOW_NOT_LINKED) {
    GST_LOG_OBJECT (self, "not linked: dropped");
    return GST_FLOW_OK;
  }
  return ret;
}

/* Push lock held. rtpjitterbuffer gives a frame it timed before the last
 * one it sent that one's time ("backwards timestamps, using previous
 * time"): after the rejoin of a recording, 19 VP9 frames in a row (1.3 s)
 * had one PTS. A parser (GstBaseParse) takes a repeated timestamp for none,
 * and a muxer then drops the frame ("Invalid buffer timestamp"), which
 * broke the video until the next key frame. */
static GstBuffer *
keep_time_going_forward (GstLiveKitTrackOutput * self, GstBuffer * buf)
{
  GstClockTime pts = GST_BUFFER_PTS (buf);

  if (!GST_CLOCK_TIME_IS_VALID (pts))
    return buf;
  if (GST_CLOCK_TIME_IS_VALID (self->last_pts) && pts <= self->last_pts) {
    GST_LOG_OBJECT (self, "frame at %" GST_TIME_FORMAT " moved after %"
        GST_TIME_FORMAT, GST_TIME_ARGS (pts), GST_TIME_ARGS (self->last_pts));
    buf = gst_buffer_make_writable (buf);
    pts = self->last_pts + FORWARD_STEP;
    GST_BUFFER_PTS (buf) = pts;
  }
  self->last_pts = pts;
  return buf;
}

static GstFlowReturn
gst_livekit_track_output_chain (GstPad * pad, GstObject * parent,
    GstBuffer * buf)
{
  GstLiveKitTrackOutput *self = GST_LIVEKIT_TRACK_OUTPUT (parent);
  gboolean discont = FALSE;
  GstFlowReturn ret;

  if (!is_active (self, pad, &discont)) {
    gst_buffer_unref (buf);
    return GST_FLOW_OK;
  }
  if (discont) {
    buf = gst_buffer_make_writable (buf);
    GST_BUFFER_FLAG_SET (buf, GST_BUFFER_FLAG_DISCONT);
  }
  g_mutex_lock (&self->push_lock);
  buf = keep_time_going_forward (self, buf);
  ret = absorb (self, gst_pad_push (self->srcpad, buf));
  g_mutex_unlock (&self->push_lock);
  return ret;
}

static gboolean
same_caps (GstLiveKitTrackOutput * self, GstEvent * event)
{
  GstCaps *caps, *current = gst_pad_get_current_caps (self->srcpad);
  gboolean same;

  gst_event_parse_caps (event, &caps);
  same = current && gst_caps_is_equal (caps, current);
  gst_clear_caps (&current);
  return same;
}

static gboolean
gst_livekit_track_output_sink_event (GstPad * pad, GstObject * parent,
    GstEvent * event)
{
  GstLiveKitTrackOutput *self = GST_LIVEKIT_TRACK_OUTPUT (parent);
  gboolean forward = is_active (self, pad, NULL);

  switch (GST_EVENT_TYPE (event)) {
    case GST_EVENT_STREAM_START:
      GST_OBJECT_LOCK (self);
      forward &= !self->started;
      self->started |= forward;
      GST_OBJECT_UNLOCK (self);
      break;
    case GST_EVENT_CAPS:
      forward &= !same_caps (self, event);
      break;
    case GST_EVENT_EOS:
    case GST_EVENT_FLUSH_START:
    case GST_EVENT_FLUSH_STOP:
      forward = FALSE;
      break;
    default:
      break;
  }
  if (!forward) {
    GST_LOG_OBJECT (pad, "kept inside: %" GST_PTR_FORMAT, event);
    gst_event_unref (event);
    return TRUE;
  }
  g_mutex_lock (&self->push_lock);
  /* A new track's timing. */
  if (GST_EVENT_TYPE (event) == GST_EVENT_SEGMENT)
    self->last_pts = GST_CLOCK_TIME_NONE;
  gst_pad_push_event (self->srcpad, event);
  g_mutex_unlock (&self->push_lock);
  /* Sticky events are stored on the src pad even when nobody is linked
   * yet; that is all an input needs to know. */
  return TRUE;
}

GstPad *
gst_livekit_track_output_attach (GstLiveKitTrackOutput * self)
{
  GstPad *pad;
  gchar *name;

  GST_OBJECT_LOCK (self);
  name = g_strdup_printf ("sink_%u", self->next_input++);
  GST_OBJECT_UNLOCK (self);
  pad = gst_pad_new_from_static_template (&sink_template, name);
  g_free (name);
  gst_pad_set_chain_function (pad, gst_livekit_track_output_chain);
  gst_pad_set_event_function (pad, gst_livekit_track_output_sink_event);
  GST_PAD_SET_PROXY_CAPS (pad);
  GST_PAD_SET_PROXY_ALLOCATION (pad);
  gst_pad_set_active (pad, TRUE);
  gst_element_add_pad (GST_ELEMENT (self), pad);

  GST_OBJECT_LOCK (self);
  self->active = pad;
  self->discont = TRUE;
  GST_OBJECT_UNLOCK (self);
  return pad;
}

void
gst_livekit_track_output_detach (GstLiveKitTrackOutput * self, GstPad * input)
{
  GST_OBJECT_LOCK (self);
  if (self->active == input)
    self->active = NULL;
  GST_OBJECT_UNLOCK (self);
}

void
gst_livekit_track_output_release (GstLiveKitTrackOutput * self, GstPad * input)
{
  GstPad *peer;

  gst_livekit_track_output_detach (self, input);
  peer = gst_pad_get_peer (input);
  if (peer) {
    gst_pad_unlink (peer, input);
    gst_object_unref (peer);
  }
  gst_pad_set_active (input, FALSE);
  gst_element_remove_pad (GST_ELEMENT (self), input);
}

void
gst_livekit_track_output_end (GstLiveKitTrackOutput * self)
{
  gboolean ended;

  GST_OBJECT_LOCK (self);
  ended = self->ended;
  self->ended = TRUE;
  GST_OBJECT_UNLOCK (self);
  if (ended)
    return;
  g_mutex_lock (&self->push_lock);
  gst_pad_push_event (self->srcpad, gst_event_new_eos ());
  g_mutex_unlock (&self->push_lock);
}

static void
gst_livekit_track_output_finalize (GObject * object)
{
  g_mutex_clear (&GST_LIVEKIT_TRACK_OUTPUT (object)->push_lock);
  G_OBJECT_CLASS (gst_livekit_track_output_parent_class)->finalize (object);
}

static void
gst_livekit_track_output_init (GstLiveKitTrackOutput * self)
{
  g_mutex_init (&self->push_lock);
  self->last_pts = GST_CLOCK_TIME_NONE;
  self->srcpad = gst_pad_new_from_static_template (&src_template, "src");
  GST_PAD_SET_PROXY_CAPS (self->srcpad);
  gst_element_add_pad (GST_ELEMENT (self), self->srcpad);
}

static void
gst_livekit_track_output_class_init (GstLiveKitTrackOutputClass * klass)
{
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);

  G_OBJECT_CLASS (klass)->finalize = gst_livekit_track_output_finalize;
  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_set_static_metadata (element_class,
      "LiveKit track output", "Generic",
      "Inside livekitroombin: one source pad for a participant's source "
      "while its tracks come and go", "gst-livekit-e2ee developers");
}

GstElement *
gst_livekit_track_output_new (void)
{
  return g_object_new (GST_TYPE_LIVEKIT_TRACK_OUTPUT, NULL);
}
