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
#include "gstlivekitrtputils.h"

GST_DEBUG_CATEGORY_STATIC (gst_livekit_rtp_vp9_pay_debug);
#define GST_CAT_DEFAULT gst_livekit_rtp_vp9_pay_debug

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

G_DEFINE_TYPE_WITH_CODE (GstLiveKitRtpVP9Pay, gst_livekit_rtp_vp9_pay,
    GST_TYPE_LIVEKIT_RTP_PICTURE_ID_PAY,
    GST_DEBUG_CATEGORY_INIT (gst_livekit_rtp_vp9_pay_debug, "livekitrtpvp9pay",
        0, "LiveKit E2EE VP9 RTP payloader"));
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

static GstFlowReturn
gst_livekit_rtp_vp9_pay_handle_buffer (GstRTPBasePayload * payload,
    GstBuffer * buffer)
{
  GstLiveKitRtpVP9Pay *self = GST_LIVEKIT_RTP_VP9_PAY (payload);
  gsize size = gst_buffer_get_size (buffer), offset = 0;
  guint16 picture_id;
  guint max = gst_livekit_rtp_max_payload (payload);
  gboolean delta = GST_BUFFER_FLAG_IS_SET (buffer, GST_BUFFER_FLAG_DELTA_UNIT);
  gboolean with_size = self->width > 0;
  guint ss_size = delta ? 0 : SS_SIZE (with_size);
  GstBufferList *list;

  if (max <= DESCRIPTOR_SIZE + SS_SIZE (TRUE)) {
    GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS,
        ("mtu %u leaves no room for VP9 data", GST_RTP_BASE_PAYLOAD_MTU (self)),
        (NULL));
    gst_buffer_unref (buffer);
    return GST_FLOW_ERROR;
  }
  if (size == 0) {
    GST_LOG_OBJECT (self, "dropping an empty frame");
    gst_buffer_unref (buffer);
    return GST_FLOW_OK;
  }

  picture_id =
      gst_livekit_rtp_picture_id_pay_take (GST_LIVEKIT_RTP_PICTURE_ID_PAY
      (self));
  list = gst_buffer_list_new ();
  while (offset < size) {
    gboolean first = offset == 0;
    guint hdr = DESCRIPTOR_SIZE + (first ? ss_size : 0);
    gsize len = MIN (size - offset, max - hdr);
    gboolean last = offset + len == size;
    GstBuffer *out = gst_livekit_rtp_packet_new (payload, buffer, hdr, offset,
        len);
    GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
    guint8 *d;

    gst_rtp_buffer_map (out, GST_MAP_WRITE, &rtp);
    d = gst_rtp_buffer_get_payload (&rtp);
    d[0] = 0x80 | (delta ? 0x40 : 0) | (first ? 0x08 : 0) | (last ? 0x04 : 0)
        | (first && ss_size ? 0x02 : 0);
    d[1] = 0x80 | (picture_id >> 8);
    d[2] = picture_id & 0xff;
    if (first && ss_size) {
      /* N_S = 0 (one spatial layer), Y, G = 0 (no picture group). */
      d[3] = with_size ? 0x10 : 0x00;
      if (with_size) {
        GST_WRITE_UINT16_BE (d + 4, self->width);
        GST_WRITE_UINT16_BE (d + 6, self->height);
      }
    }
    gst_rtp_buffer_set_marker (&rtp, last);
    gst_rtp_buffer_unmap (&rtp);
    gst_buffer_list_add (list, out);
    offset += len;
  }
  GST_LOG_OBJECT (self, "%s frame of %" G_GSIZE_FORMAT " bytes, picture id "
      "%u, %u packets", delta ? "delta" : "key", size, picture_id,
      gst_buffer_list_length (list));
  gst_buffer_unref (buffer);
  return gst_rtp_base_payload_push_list (payload, list);
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

  pay_class->set_caps = GST_DEBUG_FUNCPTR (gst_livekit_rtp_vp9_pay_set_caps);
  pay_class->handle_buffer =
      GST_DEBUG_FUNCPTR (gst_livekit_rtp_vp9_pay_handle_buffer);

  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_set_static_metadata (element_class,
      "LiveKit E2EE VP9 RTP payloader", "Codec/Payloader/Network/RTP",
      "Payloads VP9 frames, encrypted or not, into RTP packets (RFC 9628) "
      "without parsing them", "gst-livekit-e2ee developers");
}
