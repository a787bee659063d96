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
#include "gstlivekitrtputils.h"

GST_DEBUG_CATEGORY_STATIC (gst_livekit_rtp_vp8_pay_debug);
#define GST_CAT_DEFAULT gst_livekit_rtp_vp8_pay_debug

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

G_DEFINE_TYPE_WITH_CODE (GstLiveKitRtpVP8Pay, gst_livekit_rtp_vp8_pay,
    GST_TYPE_LIVEKIT_RTP_PICTURE_ID_PAY,
    GST_DEBUG_CATEGORY_INIT (gst_livekit_rtp_vp8_pay_debug, "livekitrtpvp8pay",
        0, "LiveKit E2EE VP8 RTP payloader"));
GST_ELEMENT_REGISTER_DEFINE (livekitrtpvp8pay, "livekitrtpvp8pay",
    GST_RANK_NONE, GST_TYPE_LIVEKIT_RTP_VP8_PAY);

static gboolean
gst_livekit_rtp_vp8_pay_set_caps (GstRTPBasePayload * payload, GstCaps * caps)
{
  gst_rtp_base_payload_set_options (payload, "video", TRUE, "VP8", 90000);
  return gst_rtp_base_payload_set_outcaps (payload, NULL);
}

static GstFlowReturn
gst_livekit_rtp_vp8_pay_handle_buffer (GstRTPBasePayload * payload,
    GstBuffer * buffer)
{
  GstLiveKitRtpVP8Pay *self = GST_LIVEKIT_RTP_VP8_PAY (payload);
  gsize size = gst_buffer_get_size (buffer), offset = 0;
  guint max = gst_livekit_rtp_max_payload (payload);
  gboolean droppable =
      GST_BUFFER_FLAG_IS_SET (buffer, GST_BUFFER_FLAG_DROPPABLE);
  guint16 picture_id;
  GstBufferList *list;

  if (max <= DESCRIPTOR_SIZE) {
    GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS,
        ("mtu %u leaves no room for VP8 data", GST_RTP_BASE_PAYLOAD_MTU (self)),
        (NULL));
    gst_buffer_unref (buffer);
    return GST_FLOW_ERROR;
  }
  if (size == 0) {
    /* Nothing a depayloader could deliver. */
    GST_LOG_OBJECT (self, "dropping an empty frame");
    gst_buffer_unref (buffer);
    return GST_FLOW_OK;
  }

  max -= DESCRIPTOR_SIZE;
  picture_id =
      gst_livekit_rtp_picture_id_pay_take (GST_LIVEKIT_RTP_PICTURE_ID_PAY
      (self));
  list = gst_buffer_list_new_sized ((size + max - 1) / max);
  while (offset < size) {
    gsize len = MIN (size - offset, max);
    GstBuffer *out = gst_livekit_rtp_packet_new (payload, buffer,
        DESCRIPTOR_SIZE, offset, len);
    GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
    guint8 *d;

    gst_rtp_buffer_map (out, GST_MAP_WRITE, &rtp);
    d = gst_rtp_buffer_get_payload (&rtp);
    d[0] = 0x80 | (droppable ? 0x20 : 0) | (offset == 0 ? 0x10 : 0);
    d[1] = 0x80;
    d[2] = 0x80 | (picture_id >> 8);
    d[3] = picture_id & 0xff;
    gst_rtp_buffer_set_marker (&rtp, offset + len == size);
    gst_rtp_buffer_unmap (&rtp);
    gst_buffer_list_add (list, out);
    offset += len;
  }
  GST_LOG_OBJECT (self, "frame of %" G_GSIZE_FORMAT " bytes, picture id %u, "
      "%u packets", size, picture_id, gst_buffer_list_length (list));
  gst_buffer_unref (buffer);
  return gst_rtp_base_payload_push_list (payload, list);
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

  pay_class->set_caps = GST_DEBUG_FUNCPTR (gst_livekit_rtp_vp8_pay_set_caps);
  pay_class->handle_buffer =
      GST_DEBUG_FUNCPTR (gst_livekit_rtp_vp8_pay_handle_buffer);

  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_set_static_metadata (element_class,
      "LiveKit E2EE VP8 RTP payloader", "Codec/Payloader/Network/RTP",
      "Payloads VP8 frames, encrypted or not, into RTP packets (RFC 7741) "
      "without parsing them", "gst-livekit-e2ee developers");
}
