#ifndef __GST_LIVEKIT_RTP_VP8_PAY_H__
#define __GST_LIVEKIT_RTP_VP8_PAY_H__

#include <gst/gst.h>
#include <gst/rtp/rtp.h>
#include "gstlivekitrtppictureidpay.h"

G_BEGIN_DECLS

#define GST_TYPE_LIVEKIT_RTP_VP8_PAY (gst_livekit_rtp_vp8_pay_get_type ())
G_DECLARE_FINAL_TYPE (GstLiveKitRtpVP8Pay, gst_livekit_rtp_vp8_pay, GST,
    LIVEKIT_RTP_VP8_PAY, GstLiveKitRtpPictureIdPay)

GST_ELEMENT_REGISTER_DECLARE (livekitrtpvp8pay);

G_END_DECLS
#endif
