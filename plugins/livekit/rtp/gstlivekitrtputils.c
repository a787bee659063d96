/* Helpers shared by the LiveKit E2EE RTP payloaders. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstlivekitrtputils.h"

#include <gst/video/video.h>

guint
gst_livekit_rtp_max_payload (GstRTPBasePayload * payload)
{
  /* The base class keeps mtu >= 28, so this stays positive; the MAX only
   * guards against a future lower bound. */
  return MAX (gst_rtp_buffer_calc_payload_len (GST_RTP_BASE_PAYLOAD_MTU
          (payload), 0, 0), 1);
}

typedef struct
{
  GstRTPBasePayload *payload;
  GstBuffer *out;
} CopyMetaData;

static gboolean
copy_meta (GstBuffer * in, GstMeta ** meta, gpointer user_data)
{
  CopyMetaData *data = user_data;
  const GstMetaInfo *info = (*meta)->info;
  const gchar *const *tags = gst_meta_api_type_get_tags (info->api);
  GstMetaTransformCopy copy = { FALSE, 0, -1 };

  if (!info->transform_func)
    return TRUE;
  /* Tagless metas (GstLiveKitFrameMeta) and video-only ones describe the
   * frame, so every packet of it carries them; depayloaders keep the
   * first packet's. Memory or layout metas make no sense on packets. */
  if (tags && !(g_strv_length ((gchar **) tags) == 1
          && gst_meta_api_type_has_tag (info->api,
              g_quark_from_static_string (GST_META_TAG_VIDEO_STR))))
    return TRUE;
  /* vp8enc's temporal-layer meta is for rtpvp8pay, which strips it from
   * its packets too. */
  if (gst_meta_info_is_custom (info)
      && gst_custom_meta_has_name ((GstCustomMeta *) * meta, "GstVP8Meta"))
    return TRUE;
  GST_TRACE_OBJECT (data->payload, "copying %s", g_type_name (info->api));
  info->transform_func (data->out, *meta, in, _gst_meta_transform_copy, &copy);
  return TRUE;
}

void
gst_livekit_rtp_copy_video_meta (GstRTPBasePayload * payload, GstBuffer * out,
    GstBuffer * in)
{
  CopyMetaData data = { payload, out };

  gst_buffer_foreach_meta (in, copy_meta, &data);
}

GstBuffer *
gst_livekit_rtp_packet_new (GstRTPBasePayload * payload, GstBuffer * frame,
    guint hdr_len, gsize offset, gsize len)
{
  GstBuffer *out, *body;

  out = gst_rtp_base_payload_allocate_output_buffer (payload, hdr_len, 0, 0);
  body = gst_buffer_copy_region (frame, GST_BUFFER_COPY_MEMORY, offset, len);
  out = gst_buffer_append (out, body);
  /* The base class derives the RTP timestamp from the PTS. */
  GST_BUFFER_PTS (out) = GST_BUFFER_PTS (frame);
  GST_BUFFER_DTS (out) = GST_BUFFER_DTS (frame);
  gst_livekit_rtp_copy_video_meta (payload, out, frame);
  return out;
}
