#ifndef __GST_LIVEKIT_RTP_H264_PAY_H__
#define __GST_LIVEKIT_RTP_H264_PAY_H__

#include "gstlivekitrtpnalpay.h"

G_BEGIN_DECLS

#define GST_TYPE_LIVEKIT_RTP_H264_PAY (gst_livekit_rtp_h264_pay_get_type ())
G_DECLARE_FINAL_TYPE (GstLiveKitRtpH264Pay, gst_livekit_rtp_h264_pay, GST,
    LIVEKIT_RTP_H264_PAY, GstLiveKitRtpNalPay)

GST_ELEMENT_REGISTER_DECLARE (livekitrtph264pay);

G_END_DECLS
#endif
