/* Base class of livekitrtpvp8pay and livekitrtpvp9pay: the 15-bit PictureID
 * both descriptors carry, and its picture-id-offset property. */
#ifndef __GST_LIVEKIT_RTP_PICTURE_ID_PAY_H__
#define __GST_LIVEKIT_RTP_PICTURE_ID_PAY_H__

#include <gst/gst.h>
#include <gst/rtp/rtp.h>

G_BEGIN_DECLS

#define GST_TYPE_LIVEKIT_RTP_PICTURE_ID_PAY \
    (gst_livekit_rtp_picture_id_pay_get_type ())
G_DECLARE_DERIVABLE_TYPE (GstLiveKitRtpPictureIdPay,
    gst_livekit_rtp_picture_id_pay, GST, LIVEKIT_RTP_PICTURE_ID_PAY,
    GstRTPBasePayload)

struct _GstLiveKitRtpPictureIdPayClass
{
  GstRTPBasePayloadClass parent_class;
};

/* The PictureID of the frame being payloaded; the next call gives the next
 * one. Streaming thread only. */
guint16 gst_livekit_rtp_picture_id_pay_take (GstLiveKitRtpPictureIdPay * self);

G_END_DECLS
#endif
