/**
 * SECTION:element-livekitdecrypt
 * @title: livekitdecrypt
 *
 * Decrypts frames encrypted by LiveKit's SDKs (or livekitencrypt). It sits
 * between the RTP depayloader and the decoder. Frames that do not decrypt
 * are dropped and counted, never passed on. The sender's key ring is chosen
 * by the frame's #GstLiveKitFrameMeta identity, else by
 * #GstLiveKitCryptoBase:participant-identity, else the shared ring. When a
 * key becomes usable after a failure, an upstream force-key-unit event asks
 * for a new key frame.
 *
 * ## Example pipeline
 * |[
 * gst-launch-1.0 udpsrc port=5004 caps="application/x-rtp,media=video,encoding-name=VP8,clock-rate=90000" ! \
 *     rtpvp8depay ! livekitdecrypt shared-key-file=key.txt ! vp8dec ! autovideosink
 * ]|
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstlivekitdecrypt.h"

#include <gst/video/video.h>

GST_DEBUG_CATEGORY_STATIC (gst_livekit_decrypt_debug);
#define GST_CAT_DEFAULT gst_livekit_decrypt_debug

struct _GstLiveKitDecrypt
{
  GstLiveKitCryptoBase parent;

  GBytes *sif_trailer;          /* object lock */
};

enum
{
  PROP_0,
  PROP_SIF_TRAILER,
};

G_DEFINE_TYPE_WITH_CODE (GstLiveKitDecrypt, gst_livekit_decrypt,
    GST_TYPE_LIVEKIT_CRYPTO_BASE,
    GST_DEBUG_CATEGORY_INIT (gst_livekit_decrypt_debug, "livekitdecrypt", 0,
        "LiveKit E2EE frame decryptor"));
GST_ELEMENT_REGISTER_DEFINE (livekitdecrypt, "livekitdecrypt", GST_RANK_NONE,
    GST_TYPE_LIVEKIT_DECRYPT);

static void
gst_livekit_decrypt_setup_cryptor (GstLiveKitCryptoBase * base,
    GstLiveKitCryptor * cryptor)
{
  GstLiveKitDecrypt *self = GST_LIVEKIT_DECRYPT (base);
  GBytes *trailer = NULL;

  GST_OBJECT_LOCK (self);
  if (self->sif_trailer)
    trailer = g_bytes_ref (self->sif_trailer);
  GST_OBJECT_UNLOCK (self);
  if (trailer) {
    gsize len;
    const guint8 *data = g_bytes_get_data (trailer, &len);
    gst_livekit_cryptor_set_sif_trailer (cryptor, data, len);
    g_bytes_unref (trailer);
  }
}

static GstFlowReturn
gst_livekit_decrypt_prepare_output_buffer (GstBaseTransform * trans,
    GstBuffer * in, GstBuffer ** out)
{
  if (gst_base_transform_is_passthrough (trans)) {
    *out = in;
    return GST_FLOW_OK;
  }
  /* Plaintext is never longer than what arrived. */
  *out = gst_buffer_new_allocate (NULL, gst_buffer_get_size (in), NULL);
  if (!*out)
    return GST_FLOW_ERROR;
  gst_buffer_copy_into (*out, in, GST_BUFFER_COPY_METADATA, 0, -1);
  return GST_FLOW_OK;
}

static void
request_key_frame (GstLiveKitDecrypt * self)
{
  GstLiveKitCodec codec =
      gst_livekit_crypto_base_get_codec (GST_LIVEKIT_CRYPTO_BASE (self));

  if (codec == GST_LIVEKIT_CODEC_AUDIO)
    return;
  GST_INFO_OBJECT (self, "key usable again: requesting a key frame");
  gst_pad_push_event (GST_BASE_TRANSFORM_SINK_PAD (self),
      gst_video_event_new_upstream_force_key_unit (GST_CLOCK_TIME_NONE, TRUE,
          0));
}

static GstFlowReturn
gst_livekit_decrypt_transform (GstBaseTransform * trans, GstBuffer * in,
    GstBuffer * out)
{
  GstLiveKitDecrypt *self = GST_LIVEKIT_DECRYPT (trans);
  GstLiveKitCryptoBase *base = GST_LIVEKIT_CRYPTO_BASE (trans);
  GstLiveKitFrameMeta *meta = gst_buffer_get_livekit_frame_meta (out);
  GstLiveKitCryptor *cryptor;
  GstLiveKitCryptResult result;
  GstMapInfo in_map, out_map;
  gsize out_len = 0;

  cryptor = gst_livekit_crypto_base_get_cryptor (base,
      meta ? meta->participant_identity : NULL);
  if (!cryptor)
    return GST_FLOW_NOT_NEGOTIATED;

  if (!gst_buffer_map (in, &in_map, GST_MAP_READ))
    return GST_FLOW_ERROR;
  if (!gst_buffer_map (out, &out_map, GST_MAP_WRITE)) {
    gst_buffer_unmap (in, &in_map);
    return GST_FLOW_ERROR;
  }
  gst_livekit_cryptor_decrypt (cryptor, gst_livekit_crypto_base_get_codec
      (base), in_map.data, in_map.size,
      !GST_BUFFER_FLAG_IS_SET (in, GST_BUFFER_FLAG_DELTA_UNIT), out_map.data,
      &out_len, &result);
  gst_buffer_unmap (out, &out_map);
  gst_buffer_unmap (in, &in_map);

  gst_livekit_crypto_base_report (base, cryptor, meta ? meta->track_sid : NULL,
      &result);
  if (result.recovered)
    request_key_frame (self);
  /* Fail closed: nothing undecrypted goes downstream, only the news that
   * nothing comes for this frame's time. */
  if (result.outcome == GST_LIVEKIT_FRAME_OUTCOME_DROPPED) {
    gst_livekit_crypto_base_announce_drop (base, in);
    return GST_BASE_TRANSFORM_FLOW_DROPPED;
  }
  gst_livekit_crypto_base_frame_passed (base);

  gst_buffer_set_size (out, out_len);
  if (!meta)
    meta = gst_buffer_add_livekit_frame_meta (out,
        gst_livekit_cryptor_get_identity (cryptor), NULL);
  meta->key_index = result.outcome == GST_LIVEKIT_FRAME_OUTCOME_DECRYPTED ?
      (gint) result.key_index : -1;
  meta->outcome = result.outcome;
  meta->drop_reason = GST_LIVEKIT_DROP_REASON_NONE;
  return GST_FLOW_OK;
}

static void
gst_livekit_decrypt_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstLiveKitDecrypt *self = GST_LIVEKIT_DECRYPT (object);

  switch (prop_id) {
    case PROP_SIF_TRAILER:{
      const gchar *hex = g_value_get_string (value);
      gsize cap = hex ? strlen (hex) / 2 : 0, len = 0;
      guint8 *raw;
      GBytes *trailer = NULL;

      if (!gst_livekit_crypto_base_check_setting (GST_LIVEKIT_CRYPTO_BASE
              (self), "sif-trailer", hex ? gst_livekit_hex_problem (hex) :
              NULL))
        break;
      raw = g_malloc (cap + 1);
      if (hex && *hex && gst_livekit_hex_decode (hex, raw, cap, &len))
        trailer = g_bytes_new (raw, len);
      g_free (raw);
      GST_OBJECT_LOCK (self);
      g_clear_pointer (&self->sif_trailer, g_bytes_unref);
      self->sif_trailer = trailer;
      GST_OBJECT_UNLOCK (self);
      break;
    }
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
}

static void
gst_livekit_decrypt_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec)
{
  GstLiveKitDecrypt *self = GST_LIVEKIT_DECRYPT (object);

  switch (prop_id) {
    case PROP_SIF_TRAILER:{
      gchar *hex = NULL;
      GST_OBJECT_LOCK (self);
      if (self->sif_trailer) {
        gsize len;
        const guint8 *d = g_bytes_get_data (self->sif_trailer, &len);
        GString *s = g_string_sized_new (len * 2);
        for (gsize i = 0; i < len; i++)
          g_string_append_printf (s, "%02x", d[i]);
        hex = g_string_free (s, FALSE);
      }
      GST_OBJECT_UNLOCK (self);
      g_value_take_string (value, hex);
      break;
    }
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
}

static void
gst_livekit_decrypt_finalize (GObject * object)
{
  GstLiveKitDecrypt *self = GST_LIVEKIT_DECRYPT (object);

  g_clear_pointer (&self->sif_trailer, g_bytes_unref);
  G_OBJECT_CLASS (gst_livekit_decrypt_parent_class)->finalize (object);
}

static void
gst_livekit_decrypt_init (GstLiveKitDecrypt * self)
{
}

static void
gst_livekit_decrypt_class_init (GstLiveKitDecryptClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstBaseTransformClass *trans_class = GST_BASE_TRANSFORM_CLASS (klass);
  GstLiveKitCryptoBaseClass *base_class = GST_LIVEKIT_CRYPTO_BASE_CLASS (klass);

  gobject_class->set_property = gst_livekit_decrypt_set_property;
  gobject_class->get_property = gst_livekit_decrypt_get_property;
  gobject_class->finalize = gst_livekit_decrypt_finalize;
  trans_class->prepare_output_buffer =
      GST_DEBUG_FUNCPTR (gst_livekit_decrypt_prepare_output_buffer);
  trans_class->transform = GST_DEBUG_FUNCPTR (gst_livekit_decrypt_transform);
  base_class->encrypt = FALSE;
  base_class->setup_cryptor = gst_livekit_decrypt_setup_cryptor;

  g_object_class_install_property (gobject_class, PROP_SIF_TRAILER,
      g_param_spec_string ("sif-trailer", "SIF trailer",
          "Hex of the room's server-injected-frame trailer (JoinResponse "
          "sif_trailer): frames ending with it pass only if they are one of "
          "LiveKit's blank frames", NULL, G_PARAM_READWRITE |
          G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY));

  gst_element_class_set_static_metadata (element_class,
      "LiveKit E2EE decryptor", "Filter/Decoder/Crypto",
      "Decrypts frames in LiveKit's end-to-end encryption format",
      "gst-livekit-e2ee developers");
}
