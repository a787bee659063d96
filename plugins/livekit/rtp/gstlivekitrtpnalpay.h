/* Base class of livekitrtph264pay and livekitrtph265pay. */
#ifndef __GST_LIVEKIT_RTP_NAL_PAY_H__
#define __GST_LIVEKIT_RTP_NAL_PAY_H__

#include <gst/gst.h>
#include <gst/rtp/rtp.h>

G_BEGIN_DECLS

#define GST_TYPE_LIVEKIT_RTP_NAL_PAY (gst_livekit_rtp_nal_pay_get_type ())
G_DECLARE_DERIVABLE_TYPE (GstLiveKitRtpNalPay, gst_livekit_rtp_nal_pay, GST,
    LIVEKIT_RTP_NAL_PAY, GstRTPBasePayload)

/* Most parameter set kinds a codec has (H.265: VPS, SPS, PPS). */
#define GST_LIVEKIT_RTP_NAL_PAY_MAX_PARAMETER_SETS 3

/**
 * GstLiveKitRtpNalPayClass:
 * @encoding_name: RTP encoding name
 * @nal_header_size: bytes of the NAL unit header
 * @fu_header_size: bytes before the data in a fragmentation unit packet
 * @parameter_set_index: which kind of parameter set a NAL unit of @len
 *   bytes (at least @nal_header_size) is, from 0, or -1 for other NAL units
 * @write_fu_header: writes the @fu_header_size header bytes of a
 *   fragment of @nal
 * @add_caps_fields: adds the codec's fields, derived from the latest
 *   parameter sets (each may be NULL), to the output caps in @s; @sprop
 *   says whether the parameter sets themselves may go in
 */
struct _GstLiveKitRtpNalPayClass
{
  GstRTPBasePayloadClass parent_class;

  const gchar *encoding_name;
  guint nal_header_size;
  guint fu_header_size;

  gint (*parameter_set_index) (const guint8 * nal, gsize len);
  void (*write_fu_header) (const guint8 * nal, gboolean start, gboolean end,
      guint8 * out);
  void (*add_caps_fields) (GstLiveKitRtpNalPay * self, GstStructure * s,
      GBytes * const *params, gboolean sprop);
};

/* Start of the first start code (00 00 01) at or after @from, or @len. */
gsize gst_livekit_rtp_nal_find_start_code (const guint8 * data, gsize len,
    gsize from);

G_END_DECLS
#endif
