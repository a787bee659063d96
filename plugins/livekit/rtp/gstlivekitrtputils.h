/* Helpers shared by the LiveKit E2EE RTP payloaders. */
#ifndef __GST_LIVEKIT_RTP_UTILS_H__
#define __GST_LIVEKIT_RTP_UTILS_H__

#include <gst/gst.h>
#include <gst/rtp/rtp.h>

G_BEGIN_DECLS

/* Largest payload (including any payload header) an RTP packet of
 * @payload may carry without exceeding its `mtu`; never below 1. */
guint gst_livekit_rtp_max_payload (GstRTPBasePayload * payload);

/* Copies @in's metas to the packet @out, as plugins-good's
 * gst_rtp_copy_video_meta does (that function is not public API). */
void gst_livekit_rtp_copy_video_meta (GstRTPBasePayload * payload,
    GstBuffer * out, GstBuffer * in);

/* A packet carrying @hdr_len payload-header bytes (left for the caller to
 * write) followed by @len bytes of @frame from @offset, without copying
 * them. Timestamps and metas come from @frame. */
GstBuffer *gst_livekit_rtp_packet_new (GstRTPBasePayload * payload,
    GstBuffer * frame, guint hdr_len, gsize offset, gsize len);

G_END_DECLS
#endif
