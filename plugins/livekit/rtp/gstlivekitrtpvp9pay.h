#ifndef __GST_LIVEKIT_RTP_VP9_PAY_H__
#define __GST_LIVEKIT_RTP_VP9_PAY_H__

#include <gst/gst.h>
#include <gst/rtp/rtp.h>
#include "gstlivekitrtppictureidpay.h"

G_BEGIN_DECLS

#define GST_TYPE_LIVEKIT_RTP_VP9_PAY (gst_livekit_rtp_vp9_pay_get_type ())
G_DECLARE_FINAL_TYPE (GstLiveKitRtpVP9Pay, gst_livekit_rtp_vp9_pay, GST,
    LIVEKIT_RTP_VP9_PAY, GstLiveKitRtpPictureIdPay)

GST_ELEMENT_REGISTER_DECLARE (livekitrtpvp9pay);

G_END_DECLS
#endif
