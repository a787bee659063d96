#ifndef __GST_LIVEKIT_RTP_H265_PAY_H__
#define __GST_LIVEKIT_RTP_H265_PAY_H__

#include "gstlivekitrtpnalpay.h"

G_BEGIN_DECLS

#define GST_TYPE_LIVEKIT_RTP_H265_PAY (gst_livekit_rtp_h265_pay_get_type ())
G_DECLARE_FINAL_TYPE (GstLiveKitRtpH265Pay, gst_livekit_rtp_h265_pay, GST,
    LIVEKIT_RTP_H265_PAY, GstLiveKitRtpNalPay)

GST_ELEMENT_REGISTER_DECLARE (livekitrtph265pay);

G_END_DECLS
#endif
