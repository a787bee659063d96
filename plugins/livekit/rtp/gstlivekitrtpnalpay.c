/* Base class of livekitrtph264pay and livekitrtph265pay.
 *
 * Payloads byte-stream access units without losing or adding a byte: the
 * AU is split at start codes only, every NAL unit goes out whole (single
 * NAL unit packet) or in fragmentation units when it exceeds the MTU, and
 * the marker bit ends the AU. Depayloaders write a 4-byte start code before
 * every NAL unit, which livekitencrypt's clear prefix already has, so they
 * rebuild the AU byte for byte.
 *
 * Why not the stock payloaders: in byte-stream mode rtph264pay/rtph265pay
 * strip trailing zero bytes from every NAL unit, and a LiveKit frame ends
 * with its key index, 0 by default (measured: every frame arrived one byte
 * short). LiveKit escapes everything after the clear prefix (RBSP
 * emulation prevention), so the encrypted part holds no start code and
 * stays one NAL unit: splitting at start codes is safe on ciphertext.
 * Nothing here aggregates NAL units (STAP/AP) or inserts parameter sets,
 * either of which would change what the receiver authenticates.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstlivekitrtpnalpay.h"
#include "gstlivekitrtputils.h"

#include <string.h>

GST_DEBUG_CATEGORY_STATIC (gst_livekit_rtp_nal_pay_debug);
#define GST_CAT_DEFAULT gst_livekit_rtp_nal_pay_debug

#define DEFAULT_SPROP TRUE

typedef struct
{
  gboolean sprop;               /* object lock */

  /* Streaming thread: latest parameter set of each kind. */
  GBytes *params[GST_LIVEKIT_RTP_NAL_PAY_MAX_PARAMETER_SETS];
  gboolean warned_leading_bytes;
} GstLiveKitRtpNalPayPrivate;

enum
{
  PROP_0,
  PROP_SPROP,
};

G_DEFINE_ABSTRACT_TYPE_WITH_CODE (GstLiveKitRtpNalPay, gst_livekit_rtp_nal_pay,
    GST_TYPE_RTP_BASE_PAYLOAD, G_ADD_PRIVATE (GstLiveKitRtpNalPay);
    GST_DEBUG_CATEGORY_INIT (gst_livekit_rtp_nal_pay_debug, "livekitrtpnalpay",
        0, "LiveKit E2EE H.264/H.265 RTP payloader base"));

#define PRIV(self) ((GstLiveKitRtpNalPayPrivate *) \
    gst_livekit_rtp_nal_pay_get_instance_private ( \
        GST_LIVEKIT_RTP_NAL_PAY (self)))

gsize
gst_livekit_rtp_nal_find_start_code (const guint8 * data, gsize len, gsize from)
{
  gsize i = from;

  while (i + 2 < len) {
    /* A byte above 1 at i + 2 rules out a start code at i, i + 1, i + 2. */
    if (data[i + 2] > 1)
      i += 3;
    else if (data[i + 2] == 1 && data[i + 1] == 0 && data[i] == 0)
      return i;
    else
      i++;
  }
  return len;
}

typedef struct
{
  gsize offset, len;
} NalRange;

/* NAL units of an Annex B access unit. A zero right before 00 00 01 is
 * taken as the first byte of a 4-byte start code; since depayloaders
 * emit 4-byte start codes, the bytes come out the same either way. The
 * last NAL unit keeps every byte, trailing zeros included. */
static GArray *
split_nal_units (GstLiveKitRtpNalPay * self, const guint8 * data, gsize len)
{
  GstLiveKitRtpNalPayPrivate *priv = PRIV (self);
  GArray *nals = g_array_new (FALSE, FALSE, sizeof (NalRange));
  gsize sc = gst_livekit_rtp_nal_find_start_code (data, len, 0);

  for (gsize i = 0; i < sc && i < len; i++) {
    if (data[i] != 0 && !priv->warned_leading_bytes) {
      GST_WARNING_OBJECT (self, "access unit does not start with a start "
          "code: dropping %" G_GSIZE_FORMAT " leading bytes (input is not "
          "byte-stream?)", sc);
      priv->warned_leading_bytes = TRUE;
      break;
    }
  }
  while (sc < len) {
    gsize start = sc + 3;
    gsize next = gst_livekit_rtp_nal_find_start_code (data, len, start);
    gsize end = next;
    NalRange r;

    if (next < len && next > start && data[next - 1] == 0)
      end--;
    if (end > start) {
      r.offset = start;
      r.len = end - start;
      g_array_append_val (nals, r);
    }
    sc = next;
  }
  return nals;
}

static gboolean
update_outcaps (GstLiveKitRtpNalPay * self)
{
  GstLiveKitRtpNalPayClass *klass = GST_LIVEKIT_RTP_NAL_PAY_GET_CLASS (self);
  GstLiveKitRtpNalPayPrivate *priv = PRIV (self);
  GstStructure *s = gst_structure_new_empty ("application/x-rtp");
  gboolean sprop, ret;

  GST_OBJECT_LOCK (self);
  sprop = priv->sprop;
  GST_OBJECT_UNLOCK (self);
  klass->add_caps_fields (self, s, priv->params, sprop);
  GST_DEBUG_OBJECT (self, "output caps fields %" GST_PTR_FORMAT, s);
  ret = gst_rtp_base_payload_set_outcaps_structure (GST_RTP_BASE_PAYLOAD
      (self), s);
  gst_structure_free (s);
  return ret;
}

static gboolean
gst_livekit_rtp_nal_pay_set_caps (GstRTPBasePayload * payload, GstCaps * caps)
{
  GstLiveKitRtpNalPayClass *klass = GST_LIVEKIT_RTP_NAL_PAY_GET_CLASS (payload);

  gst_rtp_base_payload_set_options (payload, "video", TRUE,
      klass->encoding_name, 90000);
  return update_outcaps (GST_LIVEKIT_RTP_NAL_PAY (payload));
}

/* Remembers the parameter sets of this AU; TRUE when one changed. */
static gboolean
collect_parameter_sets (GstLiveKitRtpNalPay * self, const guint8 * data,
    GArray * nals)
{
  GstLiveKitRtpNalPayClass *klass = GST_LIVEKIT_RTP_NAL_PAY_GET_CLASS (self);
  GstLiveKitRtpNalPayPrivate *priv = PRIV (self);
  gboolean changed = FALSE;

  for (guint i = 0; i < nals->len; i++) {
    NalRange *r = &g_array_index (nals, NalRange, i);
    const guint8 *nal = data + r->offset;
    gint idx;
    gsize old_len = 0;
    const guint8 *old;

    if (r->len < klass->nal_header_size)
      continue;
    idx = klass->parameter_set_index (nal, r->len);
    if (idx < 0 || idx >= GST_LIVEKIT_RTP_NAL_PAY_MAX_PARAMETER_SETS)
      continue;
    old = priv->params[idx] ? g_bytes_get_data (priv->params[idx], &old_len) :
        NULL;
    if (old && old_len == r->len && memcmp (old, nal, r->len) == 0)
      continue;
    g_clear_pointer (&priv->params[idx], g_bytes_unref);
    priv->params[idx] = g_bytes_new (nal, r->len);
    changed = TRUE;
  }
  return changed;
}

static GstFlowReturn
gst_livekit_rtp_nal_pay_handle_buffer (GstRTPBasePayload * payload,
    GstBuffer * buffer)
{
  GstLiveKitRtpNalPay *self = GST_LIVEKIT_RTP_NAL_PAY (payload);
  GstLiveKitRtpNalPayClass *klass = GST_LIVEKIT_RTP_NAL_PAY_GET_CLASS (self);
  guint max = gst_livekit_rtp_max_payload (payload);
  GstBufferList *list;
  GstMapInfo map;
  GArray *nals;

  if (max <= klass->fu_header_size) {
    GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS,
        ("mtu %u leaves no room for NAL unit data",
            GST_RTP_BASE_PAYLOAD_MTU (self)), (NULL));
    gst_buffer_unref (buffer);
    return GST_FLOW_ERROR;
  }
  if (!gst_buffer_map (buffer, &map, GST_MAP_READ)) {
    gst_buffer_unref (buffer);
    return GST_FLOW_ERROR;
  }
  nals = split_nal_units (self, map.data, map.size);
  if (nals->len == 0) {
    GST_LOG_OBJECT (self, "no NAL unit in a %" G_GSIZE_FORMAT "-byte buffer",
        map.size);
    goto done;
  }

  /* Parameter sets are in the clear prefix; the caps carry them before
   * the first packet that needs them. */
  if (collect_parameter_sets (self, map.data, nals) && !update_outcaps (self)) {
    gst_buffer_unmap (buffer, &map);
    gst_buffer_unref (buffer);
    g_array_unref (nals);
    return GST_FLOW_NOT_NEGOTIATED;
  }

  list = gst_buffer_list_new ();
  for (guint i = 0; i < nals->len; i++) {
    NalRange *r = &g_array_index (nals, NalRange, i);
    gboolean last_nal = i + 1 == nals->len;
    GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
    GstBuffer *out;

    if (r->len <= max) {
      out = gst_livekit_rtp_packet_new (payload, buffer, 0, r->offset, r->len);
      gst_rtp_buffer_map (out, GST_MAP_WRITE, &rtp);
      gst_rtp_buffer_set_marker (&rtp, last_nal);
      gst_rtp_buffer_unmap (&rtp);
      gst_buffer_list_add (list, out);
      continue;
    }

    /* The NAL header is rebuilt from the FU headers by the receiver. */
    for (gsize off = klass->nal_header_size; off < r->len;) {
      gsize len = MIN (r->len - off, max - klass->fu_header_size);
      gboolean end = off + len == r->len;

      out = gst_livekit_rtp_packet_new (payload, buffer, klass->fu_header_size,
          r->offset + off, len);
      gst_rtp_buffer_map (out, GST_MAP_WRITE, &rtp);
      klass->write_fu_header (map.data + r->offset,
          off == klass->nal_header_size, end,
          gst_rtp_buffer_get_payload (&rtp));
      gst_rtp_buffer_set_marker (&rtp, last_nal && end);
      gst_rtp_buffer_unmap (&rtp);
      gst_buffer_list_add (list, out);
      off += len;
    }
  }
  GST_LOG_OBJECT (self, "AU of %" G_GSIZE_FORMAT " bytes: %u NAL units, %u "
      "packets", map.size, nals->len, gst_buffer_list_length (list));
  gst_buffer_unmap (buffer, &map);
  gst_buffer_unref (buffer);
  g_array_unref (nals);
  return gst_rtp_base_payload_push_list (payload, list);

done:
  gst_buffer_unmap (buffer, &map);
  gst_buffer_unref (buffer);
  g_array_unref (nals);
  return GST_FLOW_OK;
}

static void
clear_parameter_sets (GstLiveKitRtpNalPay * self)
{
  GstLiveKitRtpNalPayPrivate *priv = PRIV (self);

  for (guint i = 0; i < GST_LIVEKIT_RTP_NAL_PAY_MAX_PARAMETER_SETS; i++)
    g_clear_pointer (&priv->params[i], g_bytes_unref);
  priv->warned_leading_bytes = FALSE;
}

static GstStateChangeReturn
gst_livekit_rtp_nal_pay_change_state (GstElement * element,
    GstStateChange transition)
{
  GstStateChangeReturn ret;

  ret = GST_ELEMENT_CLASS (gst_livekit_rtp_nal_pay_parent_class)->change_state
      (element, transition);
  /* A new stream brings its own parameter sets. */
  if (transition == GST_STATE_CHANGE_PAUSED_TO_READY)
    clear_parameter_sets (GST_LIVEKIT_RTP_NAL_PAY (element));
  return ret;
}

static void
gst_livekit_rtp_nal_pay_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstLiveKitRtpNalPayPrivate *priv = PRIV (object);

  switch (prop_id) {
    case PROP_SPROP:
      GST_OBJECT_LOCK (object);
      priv->sprop = g_value_get_boolean (value);
      GST_OBJECT_UNLOCK (object);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
}

static void
gst_livekit_rtp_nal_pay_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec)
{
  GstLiveKitRtpNalPayPrivate *priv = PRIV (object);

  switch (prop_id) {
    case PROP_SPROP:
      GST_OBJECT_LOCK (object);
      g_value_set_boolean (value, priv->sprop);
      GST_OBJECT_UNLOCK (object);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
}

static void
gst_livekit_rtp_nal_pay_finalize (GObject * object)
{
  clear_parameter_sets (GST_LIVEKIT_RTP_NAL_PAY (object));
  G_OBJECT_CLASS (gst_livekit_rtp_nal_pay_parent_class)->finalize (object);
}

static void
gst_livekit_rtp_nal_pay_init (GstLiveKitRtpNalPay * self)
{
  PRIV (self)->sprop = DEFAULT_SPROP;
}

static void
gst_livekit_rtp_nal_pay_class_init (GstLiveKitRtpNalPayClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstRTPBasePayloadClass *pay_class = GST_RTP_BASE_PAYLOAD_CLASS (klass);

  gobject_class->set_property = gst_livekit_rtp_nal_pay_set_property;
  gobject_class->get_property = gst_livekit_rtp_nal_pay_get_property;
  gobject_class->finalize = gst_livekit_rtp_nal_pay_finalize;
  element_class->change_state =
      GST_DEBUG_FUNCPTR (gst_livekit_rtp_nal_pay_change_state);
  pay_class->set_caps = GST_DEBUG_FUNCPTR (gst_livekit_rtp_nal_pay_set_caps);
  pay_class->handle_buffer =
      GST_DEBUG_FUNCPTR (gst_livekit_rtp_nal_pay_handle_buffer);

  /**
   * GstLiveKitRtpNalPay:sprop:
   *
   * Whether the parameter sets seen in the stream go into the output caps
   * (sprop-parameter-sets for H.264; sprop-vps, sprop-sps and sprop-pps for
   * H.265), as the stock payloaders do. Parameter sets are always sent in
   * band as well.
   *
   * A stock depayloader that has them in its input caps prepends them to
   * the first access unit it outputs in byte-stream mode. That access unit
   * then no longer matches what was encrypted and livekitdecrypt drops it
   * (decryption resumes with the next frame; decoding with the next key
   * frame). So a receiver should not hand sprop fields to its depayloader;
   * or set this to %FALSE on the sender when its caps reach the
   * depayloader unchanged.
   */
  g_object_class_install_property (gobject_class, PROP_SPROP,
      g_param_spec_boolean ("sprop", "Parameter sets in caps",
          "Put the stream's parameter sets into the output caps (sprop-*). "
          "Receivers must not pass them to a byte-stream depayloader, which "
          "would prepend them to the first access unit and break its "
          "decryption", DEFAULT_SPROP, G_PARAM_READWRITE |
          G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY));

  gst_type_mark_as_plugin_api (GST_TYPE_LIVEKIT_RTP_NAL_PAY, 0);
}
