/**
 * SECTION:element-livekitrtpvp9pay
 * @title: livekitrtpvp9pay
 *
 * Payloads VP9 frames into RTP packets (RFC 9628) without parsing the
 * bitstream, so it can carry frames encrypted by #livekitencrypt. LiveKit
 * encrypts VP9 frames whole, uncompressed header included; the stock
 * rtpvp9pay reads that header and fails with "Failed to parse VP9 frame" on
 * most encrypted frames, and mislabels the rest.
 *
 * Only what does not need the bitstream goes into the non-flexible payload
 * descriptor: I=1 with a 15-bit PictureID that grows by one per frame, P
 * (inter-picture predicted) from %GST_BUFFER_FLAG_DELTA_UNIT, B and E on
 * the first and last packet of the frame, and on the first packet of every
 * key frame V=1 with a scalability structure for one spatial layer whose
 * size comes from the input caps (omitted when the caps have none). There
 * are no layer indices (L=0): one spatial and temporal layer. The marker
 * bit ends each frame. Metas without tags, such as #GstLiveKitFrameMeta,
 * are copied onto every packet.
 *
 * rtpvp9depay relies on P to tell key frames and starts at the first frame
 * with P=0, so upstream must flag delta frames (vp9enc and #livekitencrypt
 * do).
 *
 * ## Example pipeline
 * |[
 * gst-launch-1.0 videotestsrc ! vp9enc deadline=1 ! livekitencrypt shared-key-file=key.txt ! \
 *     livekitrtpvp9pay ! udpsink host=127.0.0.1 port=5004
 * ]| and the receiver:
 * |[
 * gst-launch-1.0 udpsrc port=5004 caps="application/x-rtp,media=video,encoding-name=VP9,clock-rate=90000" ! \
 *     rtpjitterbuffer ! rtpvp9depay ! livekitdecrypt shared-key-file=key.txt ! vp9dec ! autovideosink
 * ]|
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstlivekitrtpvp9pay.h"
#include "gstlivekitrtppictureidpay.h"

/* I|P|L|F|B|E|V|Z, M|PictureID (15 bits). */
#define DESCRIPTOR_SIZE 3
/* N_S|Y|G|RES, then WIDTH and HEIGHT (16 bits each) when Y=1. */
#define SS_SIZE(with_size) ((with_size) ? 5 : 1)

struct _GstLiveKitRtpVP9Pay
{
  GstLiveKitRtpPictureIdPay parent;

  /* Streaming thread. */
  gint width, height;           /* 0 when the caps have none */
};

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE ("sink",
    GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS ("video/x-vp9"));

static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE ("src",
    GST_PAD_SRC, GST_PAD_ALWAYS,
    GST_STATIC_CAPS ("application/x-rtp, media = (string) video, "
        "payload = (int) " GST_RTP_PAYLOAD_DYNAMIC_STRING ", "
        "clock-rate = (int) 90000, encoding-name = (string) VP9"));

G_DEFINE_TYPE (GstLiveKitRtpVP9Pay, gst_livekit_rtp_vp9_pay,
    GST_TYPE_LIVEKIT_RTP_PICTURE_ID_PAY);
GST_ELEMENT_REGISTER_DEFINE (livekitrtpvp9pay, "livekitrtpvp9pay",
    GST_RANK_NONE, GST_TYPE_LIVEKIT_RTP_VP9_PAY);

static gboolean
gst_livekit_rtp_vp9_pay_set_caps (GstRTPBasePayload * payload, GstCaps * caps)
{
  GstLiveKitRtpVP9Pay *self = GST_LIVEKIT_RTP_VP9_PAY (payload);
  GstStructure *s = gst_caps_get_structure (caps, 0);
  gint width = 0, height = 0;

  /* The SS fields are 16 bits; a size that does not fit is left out
   * rather than truncated. */
  if (!gst_structure_get_int (s, "width", &width)
      || !gst_structure_get_int (s, "height", &height)
      || width <= 0 || height <= 0 || width > 0xffff || height > 0xffff)
    width = height = 0;
  self->width = width;
  self->height = height;
  gst_rtp_base_payload_set_options (payload, "video", TRUE, "VP9", 90000);
  return gst_rtp_base_payload_set_outcaps (payload, NULL);
}

/* Key frames carry the scalability structure (SS) in their first packet. */
static guint
gst_livekit_rtp_vp9_pay_descriptor_size (GstLiveKitRtpPictureIdPay * pay,
    GstBuffer * frame, gboolean first)
{
  GstLiveKitRtpVP9Pay *self = GST_LIVEKIT_RTP_VP9_PAY (pay);
  gboolean key = !GST_BUFFER_FLAG_IS_SET (frame, GST_BUFFER_FLAG_DELTA_UNIT);

  return DESCRIPTOR_SIZE + (first && key ? SS_SIZE (self->width > 0) : 0);
}

static void
gst_livekit_rtp_vp9_pay_write_descriptor (GstLiveKitRtpPictureIdPay * pay,
    GstBuffer * frame, guint8 * d, gboolean first, gboolean last,
    guint16 picture_id)
{
  GstLiveKitRtpVP9Pay *self = GST_LIVEKIT_RTP_VP9_PAY (pay);
  gboolean delta = GST_BUFFER_FLAG_IS_SET (frame, GST_BUFFER_FLAG_DELTA_UNIT);
  gboolean with_ss = first && !delta, with_size = self->width > 0;

  d[0] = 0x80 | (delta ? 0x40 : 0) | (first ? 0x08 : 0) | (last ? 0x04 : 0)
      | (with_ss ? 0x02 : 0);
  d[1] = 0x80 | (picture_id >> 8);
  d[2] = picture_id & 0xff;
  if (with_ss) {
    /* N_S = 0 (one spatial layer), Y, G = 0 (no picture group). */
    d[3] = with_size ? 0x10 : 0x00;
    if (with_size) {
      GST_WRITE_UINT16_BE (d + 4, self->width);
      GST_WRITE_UINT16_BE (d + 6, self->height);
    }
  }
}

static void
gst_livekit_rtp_vp9_pay_init (GstLiveKitRtpVP9Pay * self)
{
}

static void
gst_livekit_rtp_vp9_pay_class_init (GstLiveKitRtpVP9PayClass * klass)
{
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstRTPBasePayloadClass *pay_class = GST_RTP_BASE_PAYLOAD_CLASS (klass);
  GstLiveKitRtpPictureIdPayClass *pid_class =
      GST_LIVEKIT_RTP_PICTURE_ID_PAY_CLASS (klass);

  pay_class->set_caps = GST_DEBUG_FUNCPTR (gst_livekit_rtp_vp9_pay_set_caps);
  pid_class->max_descriptor_size = DESCRIPTOR_SIZE + SS_SIZE (TRUE);
  pid_class->descriptor_size = gst_livekit_rtp_vp9_pay_descriptor_size;
  pid_class->write_descriptor = gst_livekit_rtp_vp9_pay_write_descriptor;

  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_set_static_metadata (element_class,
      "LiveKit E2EE VP9 RTP payloader", "Codec/Payloader/Network/RTP",
      "Payloads VP9 frames, encrypted or not, into RTP packets (RFC 9628) "
      "without parsing them", "gst-livekit-e2ee developers");
}
