/**
 * SECTION:element-livekitrtph264pay
 * @title: livekitrtph264pay
 *
 * Payloads H.264 byte-stream access units into RTP packets (RFC 6184,
 * packetization-mode=1) without losing or adding a byte, so it can carry
 * access units encrypted by #livekitencrypt. The access unit is split at
 * start codes only; each NAL unit is sent as a single NAL unit packet, or
 * as FU-A fragments when it does not fit the MTU. The marker bit ends the
 * access unit. There is no aggregation (STAP-A) and no parameter set
 * insertion.
 *
 * Why not rtph264pay: with byte-stream input it strips trailing zero bytes
 * from every NAL unit, and an encrypted LiveKit frame ends with its key
 * index, 0 by default, so frames would arrive one byte short and fail to
 * decrypt. (rtph264pay does keep every byte with stream-format=avc input
 * and config-interval=0, but that needs a converter in between.) LiveKit
 * escapes the encrypted part of the access unit like RBSP, so it contains
 * no start code and stays one NAL unit here.
 *
 * The output caps carry profile-level-id, and unless #GstLiveKitRtpNalPay:sprop
 * is %FALSE sprop-parameter-sets, from the latest SPS and PPS in the
 * stream (they are in the clear prefix of encrypted access units).
 *
 * On the receiving side rtph264depay (output byte-stream, alignment=au)
 * rebuilds the access unit byte for byte: it writes 4-byte start codes,
 * which #livekitencrypt's clear prefix already uses. Do not give the
 * depayloader sprop-parameter-sets in its caps: in byte-stream mode it
 * prepends them to its first access unit, which then fails to decrypt.
 * Never put h264parse between #livekitencrypt and the payloader or between
 * the depayloader and #livekitdecrypt. After a lost packet rtph264depay
 * (1.22) puts the NAL units that did arrive of the broken access unit (say
 * the SPS and PPS of a key frame) in front of the next one, which then
 * fails to decrypt too; in a stream of P frames that one would not decode
 * anyway.
 *
 * ## Example pipeline
 * |[
 * gst-launch-1.0 videotestsrc ! x264enc tune=zerolatency ! video/x-h264,stream-format=byte-stream,alignment=au ! \
 *     livekitencrypt shared-key-file=key.txt ! livekitrtph264pay ! udpsink host=127.0.0.1 port=5004
 * ]| and the receiver:
 * |[
 * gst-launch-1.0 udpsrc port=5004 caps="application/x-rtp,media=video,encoding-name=H264,clock-rate=90000" ! \
 *     rtpjitterbuffer ! rtph264depay ! video/x-h264,stream-format=byte-stream,alignment=au ! \
 *     livekitdecrypt shared-key-file=key.txt ! avdec_h264 ! autovideosink
 * ]|
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstlivekitrtph264pay.h"

GST_DEBUG_CATEGORY_STATIC (gst_livekit_rtp_h264_pay_debug);
#define GST_CAT_DEFAULT gst_livekit_rtp_h264_pay_debug

#define NAL_SPS 7
#define NAL_PPS 8
#define NAL_FU_A 28

struct _GstLiveKitRtpH264Pay
{
  GstLiveKitRtpNalPay parent;
};

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE ("sink",
    GST_PAD_SINK, GST_PAD_ALWAYS,
    GST_STATIC_CAPS ("video/x-h264, stream-format = (string) byte-stream, "
        "alignment = (string) au"));

static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE ("src",
    GST_PAD_SRC, GST_PAD_ALWAYS,
    GST_STATIC_CAPS ("application/x-rtp, media = (string) video, "
        "payload = (int) " GST_RTP_PAYLOAD_DYNAMIC_STRING ", "
        "clock-rate = (int) 90000, encoding-name = (string) H264"));

G_DEFINE_TYPE_WITH_CODE (GstLiveKitRtpH264Pay, gst_livekit_rtp_h264_pay,
    GST_TYPE_LIVEKIT_RTP_NAL_PAY,
    GST_DEBUG_CATEGORY_INIT (gst_livekit_rtp_h264_pay_debug,
        "livekitrtph264pay", 0, "LiveKit E2EE H.264 RTP payloader"));
GST_ELEMENT_REGISTER_DEFINE (livekitrtph264pay, "livekitrtph264pay",
    GST_RANK_NONE, GST_TYPE_LIVEKIT_RTP_H264_PAY);

static gint
gst_livekit_rtp_h264_pay_parameter_set_index (const guint8 * nal, gsize len)
{
  switch (nal[0] & 0x1f) {
    case NAL_SPS:
      return 0;
    case NAL_PPS:
      return 1;
    default:
      return -1;
  }
}

static void
gst_livekit_rtp_h264_pay_write_fu_header (const guint8 * nal, gboolean start,
    gboolean end, guint8 * out)
{
  /* FU indicator: F and NRI of the NAL unit; FU header: S|E|R|type. */
  out[0] = (nal[0] & 0xe0) | NAL_FU_A;
  out[1] = (start ? 0x80 : 0) | (end ? 0x40 : 0) | (nal[0] & 0x1f);
}

static void
gst_livekit_rtp_h264_pay_add_caps_fields (GstLiveKitRtpNalPay * pay,
    GstStructure * s, GBytes * const *params, gboolean sprop)
{
  gsize sps_len = 0, pps_len = 0;
  const guint8 *sps = params[0] ? g_bytes_get_data (params[0], &sps_len) : NULL;
  const guint8 *pps = params[1] ? g_bytes_get_data (params[1], &pps_len) : NULL;

  gst_structure_set (s, "packetization-mode", G_TYPE_STRING, "1", NULL);
  /* profile_idc, constraint flags, level_idc: never escaped (none is 0
   * next to another 0 in a valid SPS). */
  if (sps && sps_len >= 4) {
    gchar *plid = g_strdup_printf ("%02x%02x%02x", sps[1], sps[2], sps[3]);
    gst_structure_set (s, "profile-level-id", G_TYPE_STRING, plid, NULL);
    g_free (plid);
  }
  if (sprop && sps && pps) {
    gchar *b64_sps = g_base64_encode (sps, sps_len);
    gchar *b64_pps = g_base64_encode (pps, pps_len);
    gchar *sets = g_strdup_printf ("%s,%s", b64_sps, b64_pps);
    gst_structure_set (s, "sprop-parameter-sets", G_TYPE_STRING, sets, NULL);
    g_free (sets);
    g_free (b64_sps);
    g_free (b64_pps);
  }
}

static void
gst_livekit_rtp_h264_pay_init (GstLiveKitRtpH264Pay * self)
{
}

static void
gst_livekit_rtp_h264_pay_class_init (GstLiveKitRtpH264PayClass * klass)
{
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstLiveKitRtpNalPayClass *nal_class = GST_LIVEKIT_RTP_NAL_PAY_CLASS (klass);

  nal_class->encoding_name = "H264";
  nal_class->nal_header_size = 1;
  nal_class->fu_header_size = 2;
  nal_class->parameter_set_index = gst_livekit_rtp_h264_pay_parameter_set_index;
  nal_class->write_fu_header = gst_livekit_rtp_h264_pay_write_fu_header;
  nal_class->add_caps_fields = gst_livekit_rtp_h264_pay_add_caps_fields;

  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_set_static_metadata (element_class,
      "LiveKit E2EE H.264 RTP payloader", "Codec/Payloader/Network/RTP",
      "Payloads H.264 access units, encrypted or not, into RTP packets "
      "(RFC 6184) keeping every byte", "gst-livekit-e2ee developers");
}
