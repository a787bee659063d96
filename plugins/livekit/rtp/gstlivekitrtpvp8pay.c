/**
 * SECTION:element-livekitrtpvp8pay
 * @title: livekitrtpvp8pay
 *
 * Payloads VP8 frames into RTP packets (RFC 7741) without parsing the
 * bitstream, so it can carry frames encrypted by #livekitencrypt. The stock
 * rtpvp8pay decodes the frame header to find the token partitions and
 * fails with "Failed to parse VP8 frame" on most encrypted frames.
 *
 * Every frame is sent as one partition: the payload descriptor has X=1,
 * I=1 with a 15-bit PictureID that grows by one per frame, S=1 on the first
 * packet of a frame, PID=0, and N set from %GST_BUFFER_FLAG_DROPPABLE. The
 * marker bit ends each frame. The frame's bytes are never read, only copied
 * (which is what libwebrtc's packetizer does as well). Metas without tags,
 * such as #GstLiveKitFrameMeta, are copied onto every packet.
 *
 * Any VP8 depayloader (rtpvp8depay, libwebrtc) reassembles the frames.
 *
 * ## Example pipeline
 * |[
 * gst-launch-1.0 videotestsrc ! vp8enc deadline=1 ! livekitencrypt shared-key-file=key.txt ! \
 *     livekitrtpvp8pay ! udpsink host=127.0.0.1 port=5004
 * ]| and the receiver:
 * |[
 * gst-launch-1.0 udpsrc port=5004 caps="application/x-rtp,media=video,encoding-name=VP8,clock-rate=90000" ! \
 *     rtpjitterbuffer ! rtpvp8depay ! livekitdecrypt shared-key-file=key.txt ! vp8dec ! autovideosink
 * ]|
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstlivekitrtpvp8pay.h"
#include "gstlivekitrtppictureidpay.h"

/* X|R|N|S|R|PID, I|L|T|K|RSV, M|PictureID (15 bits). */
#define DESCRIPTOR_SIZE 4

struct _GstLiveKitRtpVP8Pay
{
  GstLiveKitRtpPictureIdPay parent;
};

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE ("sink",
    GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS ("video/x-vp8"));

static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE ("src",
    GST_PAD_SRC, GST_PAD_ALWAYS,
    GST_STATIC_CAPS ("application/x-rtp, media = (string) video, "
        "payload = (int) " GST_RTP_PAYLOAD_DYNAMIC_STRING ", "
        "clock-rate = (int) 90000, encoding-name = (string) VP8"));

G_DEFINE_TYPE (GstLiveKitRtpVP8Pay, gst_livekit_rtp_vp8_pay,
    GST_TYPE_LIVEKIT_RTP_PICTURE_ID_PAY);
GST_ELEMENT_REGISTER_DEFINE (livekitrtpvp8pay, "livekitrtpvp8pay",
    GST_RANK_NONE, GST_TYPE_LIVEKIT_RTP_VP8_PAY);

static gboolean
gst_livekit_rtp_vp8_pay_set_caps (GstRTPBasePayload * payload, GstCaps * caps)
{
  gst_rtp_base_payload_set_options (payload, "video", TRUE, "VP8", 90000);
  return gst_rtp_base_payload_set_outcaps (payload, NULL);
}

static guint
gst_livekit_rtp_vp8_pay_descriptor_size (GstLiveKitRtpPictureIdPay * pay,
    GstBuffer * frame, gboolean first)
{
  return DESCRIPTOR_SIZE;
}

static void
gst_livekit_rtp_vp8_pay_write_descriptor (GstLiveKitRtpPictureIdPay * pay,
    GstBuffer * frame, guint8 * d, gboolean first, gboolean last,
    guint16 picture_id)
{
  gboolean droppable = GST_BUFFER_FLAG_IS_SET (frame,
      GST_BUFFER_FLAG_DROPPABLE);

  d[0] = 0x80 | (droppable ? 0x20 : 0) | (first ? 0x10 : 0);
  d[1] = 0x80;
  d[2] = 0x80 | (picture_id >> 8);
  d[3] = picture_id & 0xff;
}

static void
gst_livekit_rtp_vp8_pay_init (GstLiveKitRtpVP8Pay * self)
{
}

static void
gst_livekit_rtp_vp8_pay_class_init (GstLiveKitRtpVP8PayClass * klass)
{
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstRTPBasePayloadClass *pay_class = GST_RTP_BASE_PAYLOAD_CLASS (klass);
  GstLiveKitRtpPictureIdPayClass *pid_class =
      GST_LIVEKIT_RTP_PICTURE_ID_PAY_CLASS (klass);

  pay_class->set_caps = GST_DEBUG_FUNCPTR (gst_livekit_rtp_vp8_pay_set_caps);
  pid_class->max_descriptor_size = DESCRIPTOR_SIZE;
  pid_class->descriptor_size = gst_livekit_rtp_vp8_pay_descriptor_size;
  pid_class->write_descriptor = gst_livekit_rtp_vp8_pay_write_descriptor;

  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_set_static_metadata (element_class,
      "LiveKit E2EE VP8 RTP payloader", "Codec/Payloader/Network/RTP",
      "Payloads VP8 frames, encrypted or not, into RTP packets (RFC 7741) "
      "without parsing them", "gst-livekit-e2ee developers");
}
