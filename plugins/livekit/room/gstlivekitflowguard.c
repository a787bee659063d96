/* A pass-through the room bin puts between each payloader and the publisher
 * webrtcbin. When a rejoin replaces that webrtcbin, the old one is stopped
 * under a push (FLUSHING, or ERROR from one of its elements going down) and
 * the track is briefly linked to nothing (NOT_LINKED); any of them would
 * stop the application's source for good ("Internal data stream error").
 * The guard turns them into OK (the packet is dropped) unless it is flushing
 * itself: NOT_LINKED always, and a failure only when the guard was unlinked
 * while the packet was pushed (the failing webrtcbin is no longer ours).
 * Errors of the webrtcbin it is linked to still go upstream. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstlivekitflowguard.h"

struct _GstLiveKitFlowGuard
{
  GstElement parent;
  GstPad *sinkpad, *srcpad;
  gint unlinks;                 /* atomic: times srcpad was unlinked */
};

GST_DEBUG_CATEGORY_STATIC (flow_guard_debug);
#define GST_CAT_DEFAULT flow_guard_debug

G_DEFINE_TYPE_WITH_CODE (GstLiveKitFlowGuard, gst_livekit_flow_guard,
    GST_TYPE_ELEMENT, GST_DEBUG_CATEGORY_INIT (flow_guard_debug,
        "livekitflowguard", 0, "livekitroombin's publish-side flow guard"));

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE ("sink",
    GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS_ANY);
static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE ("src",
    GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS_ANY);

static GstFlowReturn
absorb (GstLiveKitFlowGuard * self, GstFlowReturn ret, gint unlinks_before)
{
  gboolean replaced = g_atomic_int_get (&self->unlinks) != unlinks_before;
  gboolean dropped;

  if (ret == GST_FLOW_NOT_LINKED)
    dropped = TRUE;
  else if (ret >= GST_FLOW_OK || ret == GST_FLOW_EOS
      || GST_PAD_IS_FLUSHING (self->sinkpad))
    dropped = FALSE;            /* ours to hear: data, EOS or our own flush */
  else
    dropped = ret == GST_FLOW_FLUSHING || replaced;
  if (dropped)
    GST_DEBUG_OBJECT (self, "downstream is being replaced%s: dropped (%s)",
        replaced ? " (unlinked under the push)" : "", gst_flow_get_name (ret));
  return dropped ? GST_FLOW_OK : ret;
}

static GstFlowReturn
gst_livekit_flow_guard_chain (GstPad * pad, GstObject * parent, GstBuffer * buf)
{
  GstLiveKitFlowGuard *self = GST_LIVEKIT_FLOW_GUARD (parent);
  gint unlinks = g_atomic_int_get (&self->unlinks);

  return absorb (self, gst_pad_push (self->srcpad, buf), unlinks);
}

static GstFlowReturn
gst_livekit_flow_guard_chain_list (GstPad * pad, GstObject * parent,
    GstBufferList * list)
{
  GstLiveKitFlowGuard *self = GST_LIVEKIT_FLOW_GUARD (parent);
  gint unlinks = g_atomic_int_get (&self->unlinks);

  return absorb (self, gst_pad_push_list (self->srcpad, list), unlinks);
}

static void
gst_livekit_flow_guard_src_unlinked (GstPad * pad, GstObject * parent)
{
  g_atomic_int_inc (&GST_LIVEKIT_FLOW_GUARD (parent)->unlinks);
}

static void
gst_livekit_flow_guard_init (GstLiveKitFlowGuard * self)
{
  self->sinkpad = gst_pad_new_from_static_template (&sink_template, "sink");
  gst_pad_set_chain_function (self->sinkpad, gst_livekit_flow_guard_chain);
  gst_pad_set_chain_list_function (self->sinkpad,
      gst_livekit_flow_guard_chain_list);
  GST_PAD_SET_PROXY_CAPS (self->sinkpad);
  GST_PAD_SET_PROXY_ALLOCATION (self->sinkpad);
  GST_PAD_SET_PROXY_SCHEDULING (self->sinkpad);
  gst_element_add_pad (GST_ELEMENT (self), self->sinkpad);

  self->srcpad = gst_pad_new_from_static_template (&src_template, "src");
  gst_pad_set_unlink_function (self->srcpad,
      gst_livekit_flow_guard_src_unlinked);
  GST_PAD_SET_PROXY_CAPS (self->srcpad);
  GST_PAD_SET_PROXY_ALLOCATION (self->srcpad);
  GST_PAD_SET_PROXY_SCHEDULING (self->srcpad);
  gst_element_add_pad (GST_ELEMENT (self), self->srcpad);
}

static void
gst_livekit_flow_guard_class_init (GstLiveKitFlowGuardClass * klass)
{
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);

  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_set_static_metadata (element_class,
      "LiveKit flow guard", "Generic",
      "Inside livekitroombin: keeps a track's upstream running while the "
      "publisher connection is replaced", "gst-livekit-e2ee developers");
}

GstElement *
gst_livekit_flow_guard_new (void)
{
  return g_object_new (GST_TYPE_LIVEKIT_FLOW_GUARD, NULL);
}
