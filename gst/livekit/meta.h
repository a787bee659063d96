/* GstLiveKitFrameMeta: who sent a frame and what the cryptor did with it. */
#ifndef __GST_LIVEKIT_META_H__
#define __GST_LIVEKIT_META_H__

#include <gst/gst.h>
#include <gst/livekit/cryptor.h>

G_BEGIN_DECLS

#define GST_LIVEKIT_FRAME_META_API_TYPE (gst_livekit_frame_meta_api_get_type ())
#define GST_LIVEKIT_FRAME_META_INFO (gst_livekit_frame_meta_get_info ())

/**
 * GstLiveKitFrameMeta:
 * @meta: parent
 * @participant_identity: (nullable): the sender's LiveKit identity
 *   (interned, see g_intern_string())
 * @track_sid: (nullable): the LiveKit track sid, when known (interned)
 * @key_index: key index the frame was encrypted with, -1 if unknown
 * @outcome: what the last LiveKit cryptor did with the frame
 * @drop_reason: why, when @outcome is dropped
 *
 * Tagless, so it survives GstBaseTransform, RTP payloading and depayloading.
 * The room bin (or an application) puts the sender's identity on received
 * frames; livekitdecrypt picks that participant's key ring by it.
 */
typedef struct
{
  GstMeta meta;
  const gchar *participant_identity;
  const gchar *track_sid;
  gint key_index;
  GstLiveKitFrameOutcome outcome;
  GstLiveKitDropReason drop_reason;
} GstLiveKitFrameMeta;

GType gst_livekit_frame_meta_api_get_type (void);
const GstMetaInfo *gst_livekit_frame_meta_get_info (void);

GstLiveKitFrameMeta *gst_buffer_add_livekit_frame_meta (GstBuffer * buffer,
    const gchar * participant_identity, const gchar * track_sid);
GstLiveKitFrameMeta *gst_buffer_get_livekit_frame_meta (GstBuffer * buffer);
GstLiveKitFrameMeta *gst_livekit_frame_meta_get (GstBuffer * buffer);

void gst_livekit_frame_meta_set_identity (GstLiveKitFrameMeta * meta,
    const gchar * participant_identity, const gchar * track_sid);

G_END_DECLS
#endif
