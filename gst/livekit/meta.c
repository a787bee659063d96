/* A small typed meta, modelled on GstRTPSourceMeta: no tags and a real copy
 * transform, because metas without one are silently lost on buffer copies.
 *
 * Its strings are interned (g_intern_string): every RTP packet and frame
 * carries one, so adding, copying and freeing a meta must not allocate.
 * Not GRefString interning: on GLib 2.74 its interned table races between
 * threads (refcount assertions and heap corruption were seen). */
#include "meta.h"

static const gchar *tags[] = { NULL };

GType
gst_livekit_frame_meta_api_get_type (void)
{
  static GType type = 0;

  if (g_once_init_enter (&type)) {
    GType t = gst_meta_api_type_register ("GstLiveKitFrameMetaAPI", tags);
    g_once_init_leave (&type, t);
  }
  return type;
}

static gboolean
frame_meta_init (GstMeta * meta, gpointer params, GstBuffer * buffer)
{
  GstLiveKitFrameMeta *m = (GstLiveKitFrameMeta *) meta;

  m->participant_identity = NULL;
  m->track_sid = NULL;
  m->key_index = -1;
  m->outcome = GST_LIVEKIT_FRAME_OUTCOME_PASSTHROUGH;
  m->drop_reason = GST_LIVEKIT_DROP_REASON_NONE;
  return TRUE;
}

static void
frame_meta_free (GstMeta * meta, GstBuffer * buffer)
{
  /* Interned strings live for the process. */
}

static gboolean
frame_meta_transform (GstBuffer * dest, GstMeta * meta, GstBuffer * buffer,
    GQuark type, gpointer data)
{
  GstLiveKitFrameMeta *src = (GstLiveKitFrameMeta *) meta, *dst;

  if (!GST_META_TRANSFORM_IS_COPY (type))
    return FALSE;
  /* Depayloaders merge packets: the first packet's meta wins. */
  if (gst_buffer_get_livekit_frame_meta (dest))
    return TRUE;
  dst = (GstLiveKitFrameMeta *) gst_buffer_add_meta (dest,
      GST_LIVEKIT_FRAME_META_INFO, NULL);
  if (!dst)
    return FALSE;
  /* Already interned: no lookup needed. */
  dst->participant_identity = src->participant_identity;
  dst->track_sid = src->track_sid;
  dst->key_index = src->key_index;
  dst->outcome = src->outcome;
  dst->drop_reason = src->drop_reason;
  return TRUE;
}

const GstMetaInfo *
gst_livekit_frame_meta_get_info (void)
{
  static const GstMetaInfo *info = NULL;

  if (g_once_init_enter ((GstMetaInfo **) & info)) {
    const GstMetaInfo *i = gst_meta_register (GST_LIVEKIT_FRAME_META_API_TYPE,
        "GstLiveKitFrameMeta", sizeof (GstLiveKitFrameMeta), frame_meta_init,
        frame_meta_free, frame_meta_transform);
    g_once_init_leave ((GstMetaInfo **) & info, (GstMetaInfo *) i);
  }
  return info;
}

/**
 * gst_buffer_add_livekit_frame_meta:
 * @participant_identity: (nullable):
 * @track_sid: (nullable):
 *
 * Returns: (transfer none): the new meta
 */
GstLiveKitFrameMeta *
gst_buffer_add_livekit_frame_meta (GstBuffer * buffer,
    const gchar * participant_identity, const gchar * track_sid)
{
  GstLiveKitFrameMeta *m;

  g_return_val_if_fail (GST_IS_BUFFER (buffer), NULL);
  m = (GstLiveKitFrameMeta *) gst_buffer_add_meta (buffer,
      GST_LIVEKIT_FRAME_META_INFO, NULL);
  if (m)
    gst_livekit_frame_meta_set_identity (m, participant_identity, track_sid);
  return m;
}

/**
 * gst_buffer_get_livekit_frame_meta:
 *
 * Returns: (transfer none) (nullable): the meta, if any
 */
GstLiveKitFrameMeta *
gst_buffer_get_livekit_frame_meta (GstBuffer * buffer)
{
  return (GstLiveKitFrameMeta *) gst_buffer_get_meta (buffer,
      GST_LIVEKIT_FRAME_META_API_TYPE);
}

/**
 * gst_livekit_frame_meta_get:
 * @buffer: a #GstBuffer
 *
 * gst_buffer_get_livekit_frame_meta() under a name in this library's
 * namespace, so bindings (GstLiveKit.frame_meta_get in Python) have it.
 *
 * Returns: (transfer none) (nullable): the meta, if any
 */
GstLiveKitFrameMeta *
gst_livekit_frame_meta_get (GstBuffer * buffer)
{
  return gst_buffer_get_livekit_frame_meta (buffer);
}

/**
 * gst_livekit_frame_meta_set_identity:
 * @meta: a #GstLiveKitFrameMeta
 * @participant_identity: (nullable): the sender's identity
 * @track_sid: (nullable): the track sid
 *
 * Sets both strings, interned: this allocates nothing once a string has
 * been seen, and passing the meta's current strings costs nothing.
 */
void
gst_livekit_frame_meta_set_identity (GstLiveKitFrameMeta * meta,
    const gchar * participant_identity, const gchar * track_sid)
{
  if (meta->participant_identity != participant_identity)
    meta->participant_identity = g_intern_string (participant_identity);
  if (meta->track_sid != track_sid)
    meta->track_sid = g_intern_string (track_sid);
}
