/* Base class of livekitrtpvp8pay and livekitrtpvp9pay: the 15-bit PictureID
 * both descriptors carry and its picture-id-offset property, and the
 * splitting of a frame into packets that each start with the codec's
 * payload descriptor. The frame's bytes are never parsed (they may be
 * encrypted): what the descriptor says comes from the caps and the buffer
 * flags. */
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

  /* The largest descriptor: an MTU that leaves no room beyond it is an
   * error. */
  guint max_descriptor_size;
  /* Size of the descriptor of @frame's first packet, or of the others. */
  guint (*descriptor_size) (GstLiveKitRtpPictureIdPay * self,
      GstBuffer * frame, gboolean first);
  /* Writes that descriptor at @d. */
  void (*write_descriptor) (GstLiveKitRtpPictureIdPay * self,
      GstBuffer * frame, guint8 * d, gboolean first, gboolean last,
      guint16 picture_id);
};

G_END_DECLS
#endif
