/**
 * SECTION:element-livekitrtph265pay
 * @title: livekitrtph265pay
 *
 * Payloads H.265 byte-stream access units into RTP packets (RFC 7798)
 * without losing or adding a byte, so it can carry access units encrypted
 * by #livekitencrypt. The access unit is split at start codes only; each
 * NAL unit is sent as a single NAL unit packet, or as fragmentation units
 * (FU) when it does not fit the MTU. The marker bit ends the access unit.
 * There is no aggregation (AP) and no parameter set insertion.
 *
 * Why not rtph265pay: with byte-stream input it strips trailing zero bytes
 * from every NAL unit, and an encrypted LiveKit frame ends with its key
 * index, 0 by default. LiveKit escapes the encrypted part of the access
 * unit like RBSP, so it contains no start code and stays one NAL unit here.
 *
 * The output caps carry profile-id, tier-flag and level-id, and unless
 * #GstLiveKitRtpNalPay:sprop is %FALSE sprop-vps, sprop-sps and sprop-pps,
 * from the latest parameter sets in the stream (they are in the clear
 * prefix of encrypted access units).
 *
 * On the receiving side rtph265depay (output byte-stream, alignment=au)
 * rebuilds the access unit byte for byte, with 4-byte start codes as in
 * #livekitencrypt's clear prefix. Do not give the depayloader sprop fields
 * in its caps: in byte-stream mode it prepends them to its first access
 * unit, which then fails to decrypt. Never put h265parse between
 * #livekitencrypt and the payloader or between the depayloader and
 * #livekitdecrypt. As rtph264depay, rtph265depay puts what arrived of an
 * access unit that lost a packet in front of the next one.
 *
 * x265enc writes VPS, SPS and PPS into the first access unit only, unless
 * given option-string="repeat-headers=1": without it a receiver that
 * misses the first frame can never decode.
 *
 * ## Example pipeline
 * |[
 * gst-launch-1.0 videotestsrc ! x265enc tune=zerolatency option-string=repeat-headers=1 ! \
 *     video/x-h265,stream-format=byte-stream,alignment=au ! \
 *     livekitencrypt shared-key-file=key.txt ! livekitrtph265pay ! udpsink host=127.0.0.1 port=5004
 * ]| and the receiver:
 * |[
 * gst-launch-1.0 udpsrc port=5004 caps="application/x-rtp,media=video,encoding-name=H265,clock-rate=90000" ! \
 *     rtpjitterbuffer ! rtph265depay ! video/x-h265,stream-format=byte-stream,alignment=au ! \
 *     livekitdecrypt shared-key-file=key.txt ! avdec_h265 ! autovideosink
 * ]|
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstlivekitrtph265pay.h"

#include <string.h>
#include <gst/livekit/frame.h>

GST_DEBUG_CATEGORY_STATIC (gst_livekit_rtp_h265_pay_debug);
#define GST_CAT_DEFAULT gst_livekit_rtp_h265_pay_debug

#define NAL_VPS 32
#define NAL_SPS 33
#define NAL_PPS 34
#define NAL_FU 49
#define NAL_TYPE(nal) (((nal)[0] >> 1) & 0x3f)

struct _GstLiveKitRtpH265Pay
{
  GstLiveKitRtpNalPay parent;
};

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE ("sink",
    GST_PAD_SINK, GST_PAD_ALWAYS,
    GST_STATIC_CAPS ("video/x-h265, stream-format = (string) byte-stream, "
        "alignment = (string) au"));

static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE ("src",
    GST_PAD_SRC, GST_PAD_ALWAYS,
    GST_STATIC_CAPS ("application/x-rtp, media = (string) video, "
        "payload = (int) " GST_RTP_PAYLOAD_DYNAMIC_STRING ", "
        "clock-rate = (int) 90000, encoding-name = (string) H265"));

G_DEFINE_TYPE_WITH_CODE (GstLiveKitRtpH265Pay, gst_livekit_rtp_h265_pay,
    GST_TYPE_LIVEKIT_RTP_NAL_PAY,
    GST_DEBUG_CATEGORY_INIT (gst_livekit_rtp_h265_pay_debug,
        "livekitrtph265pay", 0, "LiveKit E2EE H.265 RTP payloader"));
GST_ELEMENT_REGISTER_DEFINE (livekitrtph265pay, "livekitrtph265pay",
    GST_RANK_NONE, GST_TYPE_LIVEKIT_RTP_H265_PAY);

static gint
gst_livekit_rtp_h265_pay_parameter_set_index (const guint8 * nal, gsize len)
{
  switch (NAL_TYPE (nal)) {
    case NAL_VPS:
      return 0;
    case NAL_SPS:
      return 1;
    case NAL_PPS:
      return 2;
    default:
      return -1;
  }
}

static void
gst_livekit_rtp_h265_pay_write_fu_header (const guint8 * nal, gboolean start,
    gboolean end, guint8 * out)
{
  /* PayloadHdr: the NAL header with type 49; FU header: S|E|FuType. */
  out[0] = (nal[0] & 0x81) | (NAL_FU << 1);
  out[1] = nal[1];
  out[2] = (start ? 0x80 : 0) | (end ? 0x40 : 0) | NAL_TYPE (nal);
}

static void
set_base64 (GstStructure * s, const gchar * field, GBytes * bytes)
{
  gsize len;
  const guint8 *data;
  gchar *b64;

  if (!bytes)
    return;
  data = g_bytes_get_data (bytes, &len);
  b64 = g_base64_encode (data, len);
  gst_structure_set (s, field, G_TYPE_STRING, b64, NULL);
  g_free (b64);
}

static void
gst_livekit_rtp_h265_pay_add_caps_fields (GstLiveKitRtpNalPay * pay,
    GstStructure * s, GBytes * const *params, gboolean sprop)
{
  if (params[1]) {
    gsize len;
    const guint8 *sps = g_bytes_get_data (params[1], &len);
    guint8 head[32];
    gsize n = MIN (len, sizeof head);

    /* NAL header (2), then vps id / max sub-layers / nesting (1), then
     * profile_tier_level: space|tier|profile_idc, 4 bytes of compatibility
     * and 6 of constraint flags, level_idc. The flags are mostly zero, so
     * this part is escaped in practice. */
    memcpy (head, sps, n);
    n = gst_livekit_rbsp_unescape_in_place (head, n);
    if (n >= 15) {
      gchar *v;

      v = g_strdup_printf ("%u", head[3] & 0x1f);
      gst_structure_set (s, "profile-id", G_TYPE_STRING, v, NULL);
      g_free (v);
      v = g_strdup_printf ("%u", (head[3] >> 5) & 1);
      gst_structure_set (s, "tier-flag", G_TYPE_STRING, v, NULL);
      g_free (v);
      v = g_strdup_printf ("%u", head[14]);
      gst_structure_set (s, "level-id", G_TYPE_STRING, v, NULL);
      g_free (v);
    }
  }
  if (sprop) {
    set_base64 (s, "sprop-vps", params[0]);
    set_base64 (s, "sprop-sps", params[1]);
    set_base64 (s, "sprop-pps", params[2]);
  }
}

static void
gst_livekit_rtp_h265_pay_init (GstLiveKitRtpH265Pay * self)
{
}

static void
gst_livekit_rtp_h265_pay_class_init (GstLiveKitRtpH265PayClass * klass)
{
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstLiveKitRtpNalPayClass *nal_class = GST_LIVEKIT_RTP_NAL_PAY_CLASS (klass);

  nal_class->encoding_name = "H265";
  nal_class->nal_header_size = 2;
  nal_class->fu_header_size = 3;
  nal_class->parameter_set_index = gst_livekit_rtp_h265_pay_parameter_set_index;
  nal_class->write_fu_header = gst_livekit_rtp_h265_pay_write_fu_header;
  nal_class->add_caps_fields = gst_livekit_rtp_h265_pay_add_caps_fields;

  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_set_static_metadata (element_class,
      "LiveKit E2EE H.265 RTP payloader", "Codec/Payloader/Network/RTP",
      "Payloads H.265 access units, encrypted or not, into RTP packets "
      "(RFC 7798) keeping every byte", "gst-livekit-e2ee developers");
}
