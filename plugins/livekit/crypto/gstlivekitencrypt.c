/**
 * SECTION:element-livekitencrypt
 * @title: livekitencrypt
 *
 * Encrypts encoded frames in LiveKit's end-to-end encryption format, so
 * LiveKit's browser and native SDKs can decrypt them. It sits between the
 * encoder and an E2EE-safe RTP payloader.
 *
 * ## Example pipeline
 * |[
 * gst-launch-1.0 videotestsrc ! vp8enc ! livekitencrypt shared-key-file=key.txt ! \
 *     livekitrtpvp8pay ! udpsink host=127.0.0.1 port=5004
 * ]|
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstlivekitencrypt.h"
#include "gstlivekitoutputpool.h"

GST_DEBUG_CATEGORY_STATIC (gst_livekit_encrypt_debug);
#define GST_CAT_DEFAULT gst_livekit_encrypt_debug

struct _GstLiveKitEncrypt
{
  GstLiveKitCryptoBase parent;

  guint32 ssrc;                 /* object lock */
  guint64 frames;               /* streaming thread */
  GstLiveKitOutputPool pool;    /* streaming thread */
};


enum
{
  PROP_0,
  PROP_SSRC,
};

G_DEFINE_TYPE_WITH_CODE (GstLiveKitEncrypt, gst_livekit_encrypt,
    GST_TYPE_LIVEKIT_CRYPTO_BASE,
    GST_DEBUG_CATEGORY_INIT (gst_livekit_encrypt_debug, "livekitencrypt", 0,
        "LiveKit E2EE frame encryptor"));
GST_ELEMENT_REGISTER_DEFINE (livekitencrypt, "livekitencrypt", GST_RANK_NONE,
    GST_TYPE_LIVEKIT_ENCRYPT);

static void
gst_livekit_encrypt_setup_cryptor (GstLiveKitCryptoBase * base,
    GstLiveKitCryptor * cryptor)
{
  GstLiveKitEncrypt *self = GST_LIVEKIT_ENCRYPT (base);
  guint32 ssrc;

  GST_OBJECT_LOCK (self);
  ssrc = self->ssrc;
  GST_OBJECT_UNLOCK (self);
  gst_livekit_cryptor_set_ssrc (cryptor, ssrc);
}

static GstFlowReturn
gst_livekit_encrypt_prepare_output_buffer (GstBaseTransform * trans,
    GstBuffer * in, GstBuffer ** out)
{
  GstLiveKitEncrypt *self = GST_LIVEKIT_ENCRYPT (trans);
  GstLiveKitCodec codec =
      gst_livekit_crypto_base_get_codec (GST_LIVEKIT_CRYPTO_BASE (trans));
  gsize size = gst_livekit_frame_encrypted_size_bound (codec,
      gst_buffer_get_size (in));

  if (gst_base_transform_is_passthrough (trans)) {
    *out = in;
    return GST_FLOW_OK;
  }
  *out = gst_livekit_output_pool_alloc (&self->pool, size);
  if (!*out)
    return GST_FLOW_ERROR;
  /* Flags (DELTA_UNIT, DROPPABLE, MARKER), timestamps and metas. */
  gst_buffer_copy_into (*out, in, GST_BUFFER_COPY_METADATA, 0, -1);
  return GST_FLOW_OK;
}

/* The IV's timestamp word: the frame's PTS on the RTP clock when known.
 * Receivers never check it; the counter word keeps IVs unique. */
static guint32
rtp_timestamp_of (GstLiveKitEncrypt * self, GstBuffer * buf,
    GstLiveKitCodec codec)
{
  guint64 rate = codec == GST_LIVEKIT_CODEC_AUDIO ? 48000 : 90000;

  if (GST_BUFFER_PTS_IS_VALID (buf))
    return (guint32) gst_util_uint64_scale (GST_BUFFER_PTS (buf), rate,
        GST_SECOND);
  return (guint32) self->frames;
}

static GstFlowReturn
gst_livekit_encrypt_transform (GstBaseTransform * trans, GstBuffer * in,
    GstBuffer * out)
{
  GstLiveKitEncrypt *self = GST_LIVEKIT_ENCRYPT (trans);
  GstLiveKitCryptoBase *base = GST_LIVEKIT_CRYPTO_BASE (trans);
  GstLiveKitCodec codec = gst_livekit_crypto_base_get_codec (base);
  GstLiveKitCryptor *cryptor = gst_livekit_crypto_base_get_cryptor (base,
      NULL);
  GstLiveKitCryptResult result;
  GstLiveKitFrameMeta *meta;
  GstMapInfo in_map, out_map;
  gint key_index;
  gsize out_len = 0;

  if (!cryptor)
    return GST_FLOW_NOT_NEGOTIATED;

  key_index = gst_livekit_crypto_base_get_key_index (base);
  if (key_index < 0)
    key_index = (gint) gst_livekit_cryptor_get_current_key_index (cryptor);

  if (!gst_buffer_map (in, &in_map, GST_MAP_READ))
    return GST_FLOW_ERROR;
  if (!gst_buffer_map (out, &out_map, GST_MAP_WRITE)) {
    gst_buffer_unmap (in, &in_map);
    return GST_FLOW_ERROR;
  }
  gst_livekit_cryptor_encrypt (cryptor, codec, in_map.data, in_map.size,
      !GST_BUFFER_FLAG_IS_SET (in, GST_BUFFER_FLAG_DELTA_UNIT),
      rtp_timestamp_of (self, in, codec), (guint) key_index, out_map.data,
      out_map.size, &out_len, &result);
  gst_buffer_unmap (out, &out_map);
  gst_buffer_unmap (in, &in_map);
  self->frames++;

  gst_livekit_crypto_base_report (base, cryptor, NULL, &result);
  if (result.outcome == GST_LIVEKIT_FRAME_OUTCOME_DROPPED) {
    gst_livekit_crypto_base_announce_drop (base, in);
    return GST_BASE_TRANSFORM_FLOW_DROPPED;
  }
  gst_livekit_crypto_base_frame_passed (base);

  gst_buffer_set_size (out, out_len);
  meta = gst_buffer_get_livekit_frame_meta (out);
  if (!meta)
    meta = gst_buffer_add_livekit_frame_meta (out,
        gst_livekit_cryptor_get_identity (cryptor), NULL);
  meta->key_index = result.outcome == GST_LIVEKIT_FRAME_OUTCOME_ENCRYPTED ?
      key_index : -1;
  meta->outcome = result.outcome;
  meta->drop_reason = GST_LIVEKIT_DROP_REASON_NONE;
  return GST_FLOW_OK;
}

static void
gst_livekit_encrypt_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstLiveKitEncrypt *self = GST_LIVEKIT_ENCRYPT (object);

  switch (prop_id) {
    case PROP_SSRC:
      GST_OBJECT_LOCK (self);
      self->ssrc = g_value_get_uint (value);
      GST_OBJECT_UNLOCK (self);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
}

static void
gst_livekit_encrypt_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec)
{
  GstLiveKitEncrypt *self = GST_LIVEKIT_ENCRYPT (object);

  switch (prop_id) {
    case PROP_SSRC:
      GST_OBJECT_LOCK (self);
      g_value_set_uint (value, self->ssrc);
      GST_OBJECT_UNLOCK (self);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
}

static gboolean
gst_livekit_encrypt_stop (GstBaseTransform * trans)
{
  gst_livekit_output_pool_clear (&GST_LIVEKIT_ENCRYPT (trans)->pool);
  return GST_BASE_TRANSFORM_CLASS (gst_livekit_encrypt_parent_class)->stop
      (trans);
}

static void
gst_livekit_encrypt_finalize (GObject * object)
{
  gst_livekit_output_pool_clear (&GST_LIVEKIT_ENCRYPT (object)->pool);
  G_OBJECT_CLASS (gst_livekit_encrypt_parent_class)->finalize (object);
}

static void
gst_livekit_encrypt_init (GstLiveKitEncrypt * self)
{
}

static void
gst_livekit_encrypt_class_init (GstLiveKitEncryptClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstBaseTransformClass *trans_class = GST_BASE_TRANSFORM_CLASS (klass);
  GstLiveKitCryptoBaseClass *base_class = GST_LIVEKIT_CRYPTO_BASE_CLASS (klass);

  gobject_class->set_property = gst_livekit_encrypt_set_property;
  gobject_class->get_property = gst_livekit_encrypt_get_property;
  gobject_class->finalize = gst_livekit_encrypt_finalize;
  trans_class->stop = GST_DEBUG_FUNCPTR (gst_livekit_encrypt_stop);
  trans_class->prepare_output_buffer =
      GST_DEBUG_FUNCPTR (gst_livekit_encrypt_prepare_output_buffer);
  trans_class->transform = GST_DEBUG_FUNCPTR (gst_livekit_encrypt_transform);
  base_class->encrypt = TRUE;
  base_class->setup_cryptor = gst_livekit_encrypt_setup_cryptor;

  g_object_class_install_property (gobject_class, PROP_SSRC,
      g_param_spec_uint ("ssrc", "SSRC",
          "SSRC word of the frame IVs; 0 picks a random one", 0, G_MAXUINT32,
          0, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));

  gst_element_class_set_static_metadata (element_class,
      "LiveKit E2EE encryptor", "Filter/Encoder/Crypto",
      "Encrypts encoded frames in LiveKit's end-to-end encryption format",
      "gst-livekit-e2ee developers");
}
