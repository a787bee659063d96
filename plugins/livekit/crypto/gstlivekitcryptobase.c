/* Base class of livekitencrypt and livekitdecrypt.
 *
 * Keyring: the `keyring` property wins; otherwise the pipeline's
 * "livekit.e2ee.keyring" GstContext; otherwise a private keyring. Key
 * options set on the element are applied to that keyring when the element
 * starts, and the shared-key properties are installed then too, so their
 * order on a gst-launch line does not matter.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstlivekitcryptobase.h"
#include "gstlivekitkeyoptions.h"

#include <string.h>

GST_DEBUG_CATEGORY_STATIC (gst_livekit_crypto_base_debug);
#define GST_CAT_DEFAULT gst_livekit_crypto_base_debug

/* At most one bus warning about dropped frames per this interval. */
#define WARNING_INTERVAL (5 * GST_SECOND)
/* Dropped frames are announced downstream as GAP events; while frames keep
 * being dropped, one GAP covers at least this much stream time. */
#define GAP_MIN_SPAN (100 * GST_MSECOND)

typedef struct
{
  /* Protected by the object lock. */
  GstLiveKitKeyring *keyring;
  gboolean keyring_from_property;
  gboolean keyring_private;     /* made by us: never shared with peers */
  GstLiveKitKeyOptions options;
  gint key_index;
  gchar *participant_identity;
  gboolean enabled;
  gchar *shared_key_file;
  guint8 *pending_key;          /* guarded memory */
  gsize pending_key_len;
  GHashTable *cryptors;         /* identity ("" = none) -> cryptor */
  GstLiveKitCodec codec;
  gboolean started;
  /* Property name -> why its value cannot be used: an element error when
   * the element starts (gst-launch sets properties before there is a bus,
   * so a warning then would reach nobody). */
  GHashTable *invalid_settings;

  /* Streaming thread only. */
  /* The last sender asked for and its cryptor: frames come in runs from
   * one sender, so most frames need no table lookup and no lock. Valid
   * until stop() empties the table. */
  const gchar *last_identity;   /* interned */
  GstLiveKitCryptor *last_cryptor;
  GstClockTime last_warning;
  guint64 drops_since_warning;
  /* Dropped stream time not yet announced: [gap_start, gap_end). */
  GstClockTime gap_start, gap_end;
  gboolean gap_announced;       /* a GAP went out since the last frame */
} GstLiveKitCryptoBasePrivate;

enum
{
  PROP_0,
  PROP_KEYRING,
  PROP_SHARED_KEY,
  PROP_SHARED_KEY_HEX,
  PROP_SHARED_KEY_FILE,
  PROP_KEY_INDEX,
  PROP_PARTICIPANT_IDENTITY,
  PROP_ENABLED,
  PROP_STATS,
  PROP_KEY_OPTIONS,             /* GST_LIVEKIT_N_KEY_OPTIONS ids from here */
};

enum
{
  SIGNAL_STATE_CHANGED,
  LAST_SIGNAL
};

static guint signals[LAST_SIGNAL];

/* Same caps on both sides: the frames stay the codec's frames. */
static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE ("sink",
    GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS (GST_LIVEKIT_CRYPTO_CAPS));
static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE ("src",
    GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS (GST_LIVEKIT_CRYPTO_CAPS));

G_DEFINE_ABSTRACT_TYPE_WITH_CODE (GstLiveKitCryptoBase,
    gst_livekit_crypto_base, GST_TYPE_BASE_TRANSFORM,
    G_ADD_PRIVATE (GstLiveKitCryptoBase);
    GST_DEBUG_CATEGORY_INIT (gst_livekit_crypto_base_debug, "livekitcrypto",
        0, "LiveKit E2EE element base"));

#define PRIV(self) \
  ((GstLiveKitCryptoBasePrivate *) \
   gst_livekit_crypto_base_get_instance_private (GST_LIVEKIT_CRYPTO_BASE (self)))

static void
clear_pending_key (GstLiveKitCryptoBasePrivate * priv)
{
  g_clear_pointer (&priv->pending_key, gst_livekit_secure_free);
  priv->pending_key_len = 0;
}

/* Keeps a copy of key material until it can be installed. */
static void
take_pending_key (GstLiveKitCryptoBase * self, const guint8 * material,
    gsize len)
{
  GstLiveKitCryptoBasePrivate *priv = PRIV (self);
  GstLiveKitKeyring *keyring = NULL;
  guint index;

  GST_OBJECT_LOCK (self);
  clear_pending_key (priv);
  if (len > 0) {
    priv->pending_key = gst_livekit_secure_dup (material, len);
    priv->pending_key_len = len;
  }
  if (priv->started && priv->keyring)
    keyring = gst_object_ref (priv->keyring);
  index = priv->key_index < 0 ? 0 : (guint) priv->key_index;
  GST_OBJECT_UNLOCK (self);

  /* Running: install now (the KDF runs on this, the caller's, thread). */
  if (keyring && len > 0) {
    gst_livekit_keyring_set_shared_key (keyring, material, len, index, NULL);
    GST_OBJECT_LOCK (self);
    clear_pending_key (priv);
    GST_OBJECT_UNLOCK (self);
  }
  gst_clear_object (&keyring);
}

static void
gst_livekit_crypto_base_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstLiveKitCryptoBase *self = GST_LIVEKIT_CRYPTO_BASE (object);
  GstLiveKitCryptoBasePrivate *priv = PRIV (self);

  switch (prop_id) {
    case PROP_SHARED_KEY:{
      const gchar *key = g_value_get_string (value);
      take_pending_key (self, (const guint8 *) key, key ? strlen (key) : 0);
      return;
    }
    case PROP_ENABLED:
      GST_OBJECT_LOCK (self);
      priv->enabled = g_value_get_boolean (value);
      GST_OBJECT_UNLOCK (self);
      /* Disabled = frames pass unchanged, as the SDKs' set_enabled(false).
       * This takes the object lock itself. */
      gst_base_transform_set_passthrough (GST_BASE_TRANSFORM (self),
          !g_value_get_boolean (value));
      return;
    case PROP_SHARED_KEY_HEX:{
      const gchar *hex = g_value_get_string (value);
      gsize cap = hex ? strlen (hex) / 2 : 0, len = 0;
      guint8 *raw;

      if (!gst_livekit_crypto_base_check_setting (self, "shared-key-hex",
              hex ? gst_livekit_hex_problem (hex) : NULL))
        return;
      raw = cap ? gst_livekit_secure_alloc (cap) : NULL;
      if (raw)
        gst_livekit_hex_decode (hex, raw, cap, &len);
      take_pending_key (self, raw, len);
      gst_livekit_secure_free (raw);
      return;
    }
    default:
      break;
  }

  GST_OBJECT_LOCK (self);
  if (gst_livekit_key_options_set_property (&priv->options, PROP_KEY_OPTIONS,
          prop_id, value)) {
    GST_OBJECT_UNLOCK (self);
    return;
  }
  switch (prop_id) {
    case PROP_KEYRING:
      gst_object_replace ((GstObject **) & priv->keyring,
          g_value_get_object (value));
      priv->keyring_from_property = priv->keyring != NULL;
      break;
    case PROP_SHARED_KEY_FILE:
      g_free (priv->shared_key_file);
      priv->shared_key_file = g_value_dup_string (value);
      break;
    case PROP_KEY_INDEX:
      g_atomic_int_set (&priv->key_index, g_value_get_int (value));
      break;
    case PROP_PARTICIPANT_IDENTITY:
      g_free (priv->participant_identity);
      priv->participant_identity = g_value_dup_string (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static GstStructure *
stats_of (const gchar * identity, GstLiveKitCryptor * cryptor)
{
  GstLiveKitCryptorStats st;
  GstStructure *s, *drops;

  gst_livekit_cryptor_get_stats (cryptor, &st);
  drops = gst_structure_new_empty ("drops");
  for (guint r = GST_LIVEKIT_DROP_REASON_NONE + 1;
      r < GST_LIVEKIT_N_DROP_REASONS; r++)
    gst_structure_set (drops, gst_livekit_drop_reason_to_string (r),
        G_TYPE_UINT64, st.drops[r], NULL);
  s = gst_structure_new ("application/x-livekit-e2ee-participant-stats",
      "participant-identity", G_TYPE_STRING, identity,
      "frames-in", G_TYPE_UINT64, st.frames_in,
      "frames-out", G_TYPE_UINT64, st.frames_out,
      "bytes-in", G_TYPE_UINT64, st.bytes_in,
      "bytes-out", G_TYPE_UINT64, st.bytes_out,
      "passthrough", G_TYPE_UINT64, st.passthrough,
      "ratchets", G_TYPE_UINT64, st.ratchets,
      "key-index", G_TYPE_UINT, st.key_index,
      "state", GST_TYPE_LIVEKIT_ENCRYPTION_STATE, st.state,
      "drops", GST_TYPE_STRUCTURE, drops, NULL);
  gst_structure_free (drops);
  return s;
}

static GstStructure *
build_stats (GstLiveKitCryptoBase * self)
{
  GstLiveKitCryptoBasePrivate *priv = PRIV (self);
  GValue array = G_VALUE_INIT;
  GHashTableIter iter;
  gpointer key, value;
  GstStructure *stats;

  g_value_init (&array, GST_TYPE_ARRAY);
  GST_OBJECT_LOCK (self);
  g_hash_table_iter_init (&iter, priv->cryptors);
  while (g_hash_table_iter_next (&iter, &key, &value)) {
    GValue v = G_VALUE_INIT;
    g_value_init (&v, GST_TYPE_STRUCTURE);
    g_value_take_boxed (&v, stats_of (key, value));
    gst_value_array_append_and_take_value (&array, &v);
  }
  GST_OBJECT_UNLOCK (self);
  stats = gst_structure_new_empty ("application/x-livekit-e2ee-stats");
  gst_structure_take_value (stats, "participants", &array);
  return stats;
}

static void
gst_livekit_crypto_base_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec)
{
  GstLiveKitCryptoBase *self = GST_LIVEKIT_CRYPTO_BASE (object);
  GstLiveKitCryptoBasePrivate *priv = PRIV (self);

  if (prop_id == PROP_STATS) {
    g_value_take_boxed (value, build_stats (self));
    return;
  }

  GST_OBJECT_LOCK (self);
  if (gst_livekit_key_options_get_property (&priv->options, PROP_KEY_OPTIONS,
          prop_id, value)) {
    GST_OBJECT_UNLOCK (self);
    return;
  }
  switch (prop_id) {
    case PROP_KEYRING:
      g_value_set_object (value, priv->keyring);
      break;
    case PROP_SHARED_KEY_FILE:
      g_value_set_string (value, priv->shared_key_file);
      break;
    case PROP_KEY_INDEX:
      g_value_set_int (value, priv->key_index);
      break;
    case PROP_PARTICIPANT_IDENTITY:
      g_value_set_string (value, priv->participant_identity);
      break;
    case PROP_ENABLED:
      g_value_set_boolean (value, priv->enabled);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

/* Reads shared-key-file into the pending key. */
static gboolean
load_key_file (GstLiveKitCryptoBase * self, const gchar * path)
{
  gsize len = 0;
  guint8 *key = gst_livekit_read_key_file (GST_ELEMENT (self), path, &len);

  if (!key)
    return FALSE;
  take_pending_key (self, key, len);
  gst_livekit_secure_free (key);
  return TRUE;
}

gboolean
gst_livekit_crypto_base_check_setting (GstLiveKitCryptoBase * self,
    const gchar * property, const gchar * problem)
{
  GstLiveKitCryptoBasePrivate *priv = PRIV (self);
  gboolean started;

  GST_OBJECT_LOCK (self);
  started = priv->started;
  if (!problem || started)
    g_hash_table_remove (priv->invalid_settings, property);
  else
    g_hash_table_insert (priv->invalid_settings, g_strdup (property),
        g_strdup_printf ("%s %s", property, problem));
  GST_OBJECT_UNLOCK (self);
  /* Running: there is a bus now, and the element keeps what it had. */
  if (problem && started)
    GST_ELEMENT_WARNING (self, RESOURCE, SETTINGS, ("%s %s: ignored, the "
            "previous value stays", property, problem), (NULL));
  return problem == NULL;
}

/* The first value that could not be used fails the start, by name. */
static gboolean
report_invalid_settings (GstLiveKitCryptoBase * self)
{
  GstLiveKitCryptoBasePrivate *priv = PRIV (self);
  GHashTableIter iter;
  gpointer why = NULL;

  GST_OBJECT_LOCK (self);
  g_hash_table_iter_init (&iter, priv->invalid_settings);
  if (g_hash_table_iter_next (&iter, NULL, &why))
    why = g_strdup (why);
  GST_OBJECT_UNLOCK (self);
  if (!why)
    return TRUE;
  GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS, ("%s", (gchar *) why),
      ("the element does not start until the property has a valid value"));
  g_free (why);
  return FALSE;
}

static gboolean
gst_livekit_crypto_base_start (GstBaseTransform * trans)
{
  GstLiveKitCryptoBase *self = GST_LIVEKIT_CRYPTO_BASE (trans);
  GstLiveKitCryptoBasePrivate *priv = PRIV (self);
  GstLiveKitKeyring *keyring;
  gchar *key_file;
  guint ring_size, index;
  GError *err = NULL;

  if (!report_invalid_settings (self))
    return FALSE;

  if (!gst_livekit_keyring_find_shared (GST_ELEMENT (self), &priv->keyring)) {
    GST_INFO_OBJECT (self, "no shared keyring: using a private one");
    GST_OBJECT_LOCK (self);
    priv->keyring = gst_livekit_keyring_new ();
    priv->keyring_private = TRUE;
    GST_OBJECT_UNLOCK (self);
  }

  GST_OBJECT_LOCK (self);
  keyring = gst_object_ref (priv->keyring);
  key_file = g_strdup (priv->shared_key_file);
  GST_OBJECT_UNLOCK (self);

  gst_livekit_key_options_apply (&priv->options, keyring);
  if (key_file && !load_key_file (self, key_file)) {
    g_free (key_file);
    gst_object_unref (keyring);
    return FALSE;
  }
  g_free (key_file);

  GST_OBJECT_LOCK (self);
  index = priv->key_index < 0 ? 0 : (guint) priv->key_index;
  ring_size = gst_livekit_keyring_get_key_ring_size (keyring);
  if (priv->key_index >= (gint) ring_size) {
    GST_OBJECT_UNLOCK (self);
    GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS,
        ("key-index %d is not below key-ring-size %u", priv->key_index,
            ring_size), (NULL));
    gst_object_unref (keyring);
    return FALSE;
  }
  if (priv->pending_key
      && !gst_livekit_keyring_set_shared_key (keyring, priv->pending_key,
          priv->pending_key_len, index, &err)) {
    GST_OBJECT_UNLOCK (self);
    GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS,
        ("shared key could not be installed"), ("%s", err->message));
    g_clear_error (&err);
    gst_object_unref (keyring);
    return FALSE;
  }
  clear_pending_key (priv);
  priv->started = TRUE;
  priv->last_warning = GST_CLOCK_TIME_NONE;
  priv->drops_since_warning = 0;
  priv->gap_start = priv->gap_end = GST_CLOCK_TIME_NONE;
  priv->gap_announced = FALSE;
  GST_OBJECT_UNLOCK (self);
  gst_object_unref (keyring);
  return TRUE;
}

static gboolean
gst_livekit_crypto_base_stop (GstBaseTransform * trans)
{
  GstLiveKitCryptoBasePrivate *priv = PRIV (trans);

  GST_OBJECT_LOCK (trans);
  priv->started = FALSE;
  priv->last_cryptor = NULL;
  priv->last_identity = NULL;
  g_hash_table_remove_all (priv->cryptors);
  /* A keyring that did not come from the property is looked up again on
   * the next start (the pipeline's context may have changed). */
  if (!priv->keyring_from_property)
    gst_clear_object (&priv->keyring);
  priv->keyring_private = FALSE;
  GST_OBJECT_UNLOCK (trans);
  return TRUE;
}

static gboolean
gst_livekit_crypto_base_set_caps (GstBaseTransform * trans, GstCaps * incaps,
    GstCaps * outcaps)
{
  GstLiveKitCryptoBasePrivate *priv = PRIV (trans);
  const gchar *name = gst_structure_get_name (gst_caps_get_structure (incaps,
          0));
  GstLiveKitCodec codec;

  if (g_str_has_prefix (name, "audio/"))
    codec = GST_LIVEKIT_CODEC_AUDIO;
  else if (g_str_equal (name, "video/x-vp8"))
    codec = GST_LIVEKIT_CODEC_VP8;
  else if (g_str_equal (name, "video/x-vp9"))
    codec = GST_LIVEKIT_CODEC_VP9;
  else if (g_str_equal (name, "video/x-h264"))
    codec = GST_LIVEKIT_CODEC_H264;
  else if (g_str_equal (name, "video/x-h265"))
    codec = GST_LIVEKIT_CODEC_H265;
  else
    return FALSE;
  GST_OBJECT_LOCK (trans);
  priv->codec = codec;
  GST_OBJECT_UNLOCK (trans);
  return TRUE;
}

static gboolean
gst_livekit_crypto_base_sink_event (GstBaseTransform * trans, GstEvent * event)
{
  /* A new segment or a flush starts a new timeline: no span carries over. */
  if (GST_EVENT_TYPE (event) == GST_EVENT_SEGMENT
      || GST_EVENT_TYPE (event) == GST_EVENT_FLUSH_STOP)
    gst_livekit_crypto_base_frame_passed (GST_LIVEKIT_CRYPTO_BASE (trans));
  return GST_BASE_TRANSFORM_CLASS (gst_livekit_crypto_base_parent_class)->
      sink_event (trans, event);
}

static void
gst_livekit_crypto_base_set_context (GstElement * element,
    GstContext * context)
{
  GstLiveKitCryptoBasePrivate *priv = PRIV (element);

  /* An explicit keyring property beats any context. */
  if (!priv->keyring_from_property)
    gst_livekit_keyring_handle_set_context (element, context, &priv->keyring);
  GST_ELEMENT_CLASS (gst_livekit_crypto_base_parent_class)->set_context
      (element, context);
}

static gboolean
gst_livekit_crypto_base_query (GstBaseTransform * trans,
    GstPadDirection direction, GstQuery * query)
{
  GstLiveKitCryptoBasePrivate *priv = PRIV (trans);

  if (GST_QUERY_TYPE (query) == GST_QUERY_CONTEXT) {
    GstLiveKitKeyring *keyring = NULL;
    gboolean ret;

    /* Share only a keyring that was meant to be shared: a private one
     * would silently merge two elements' keys. */
    GST_OBJECT_LOCK (trans);
    if (priv->keyring && !priv->keyring_private)
      keyring = gst_object_ref (priv->keyring);
    GST_OBJECT_UNLOCK (trans);
    ret = gst_livekit_keyring_handle_context_query (GST_ELEMENT (trans),
        query, keyring);
    gst_clear_object (&keyring);
    if (ret)
      return TRUE;
  }
  return GST_BASE_TRANSFORM_CLASS (gst_livekit_crypto_base_parent_class)->query
      (trans, direction, query);
}

GstLiveKitCodec
gst_livekit_crypto_base_get_codec (GstLiveKitCryptoBase * self)
{
  return PRIV (self)->codec;
}

GstLiveKitKeyring *
gst_livekit_crypto_base_get_keyring (GstLiveKitCryptoBase * self)
{
  GstLiveKitKeyring *keyring;
  GST_OBJECT_LOCK (self);
  keyring = PRIV (self)->keyring ? gst_object_ref (PRIV (self)->keyring) : NULL;
  GST_OBJECT_UNLOCK (self);
  return keyring;
}

gint
gst_livekit_crypto_base_get_key_index (GstLiveKitCryptoBase * self)
{
  /* Per frame: an atomic read, no lock (writers still hold the lock). */
  return g_atomic_int_get (&PRIV (self)->key_index);
}

gchar *
gst_livekit_crypto_base_dup_identity (GstLiveKitCryptoBase * self)
{
  gchar *id;
  GST_OBJECT_LOCK (self);
  id = g_strdup (PRIV (self)->participant_identity);
  GST_OBJECT_UNLOCK (self);
  return id;
}

GstLiveKitCryptor *
gst_livekit_crypto_base_get_cryptor (GstLiveKitCryptoBase * self,
    const gchar * identity)
{
  GstLiveKitCryptoBasePrivate *priv = PRIV (self);
  GstLiveKitCryptoBaseClass *klass = GST_LIVEKIT_CRYPTO_BASE_GET_CLASS (self);
  const gchar *asked = identity;
  GstLiveKitCryptor *cryptor;

  if (priv->last_cryptor && (asked == priv->last_identity || (asked
              && priv->last_identity && !strcmp (asked, priv->last_identity))))
    return priv->last_cryptor;

  GST_OBJECT_LOCK (self);
  if (!identity)
    identity = priv->participant_identity;
  cryptor = g_hash_table_lookup (priv->cryptors, identity ? identity : "");
  if (!cryptor && priv->keyring) {
    cryptor = gst_livekit_cryptor_new (priv->keyring, klass->encrypt,
        identity && *identity ? identity : NULL);
    g_hash_table_insert (priv->cryptors, g_strdup (identity ? identity : ""),
        cryptor);
    GST_OBJECT_UNLOCK (self);
    /* Only this streaming thread uses a cryptor; the table owns it. */
    if (klass->setup_cryptor)
      klass->setup_cryptor (self, cryptor);
  } else {
    GST_OBJECT_UNLOCK (self);
  }
  if (cryptor) {
    priv->last_identity = g_intern_string (asked);
    priv->last_cryptor = cryptor;
  }
  return cryptor;
}

/* A dropped frame must not stall downstream: sinks wait for preroll and
 * aggregators for data, so one undecryptable sender would hold up a whole
 * pipeline. The dropped span goes downstream as a GAP event: at once for
 * the first drop after a frame went out (sinks preroll, mixers move on),
 * then at most one per GAP_MIN_SPAN of stream time. Frames without a
 * timestamp announce nothing. */
void
gst_livekit_crypto_base_announce_drop (GstLiveKitCryptoBase * self,
    GstBuffer * dropped)
{
  GstLiveKitCryptoBasePrivate *priv = PRIV (self);
  GstClockTime ts = GST_BUFFER_PTS_IS_VALID (dropped) ?
      GST_BUFFER_PTS (dropped) : GST_BUFFER_DTS (dropped);
  GstClockTime end;
  GstEvent *gap;

  if (!GST_CLOCK_TIME_IS_VALID (ts))
    return;
  end = ts + (GST_BUFFER_DURATION_IS_VALID (dropped) ?
      GST_BUFFER_DURATION (dropped) : 0);
  if (!GST_CLOCK_TIME_IS_VALID (priv->gap_start))
    priv->gap_start = priv->gap_end = ts;
  priv->gap_end = MAX (priv->gap_end, end);
  if (priv->gap_announced && priv->gap_end - priv->gap_start < GAP_MIN_SPAN)
    return;

  gap = gst_event_new_gap (priv->gap_start,
      priv->gap_end > priv->gap_start ? priv->gap_end - priv->gap_start :
      GST_CLOCK_TIME_NONE);
  GST_LOG_OBJECT (self, "gap %" GST_TIME_FORMAT " - %" GST_TIME_FORMAT,
      GST_TIME_ARGS (priv->gap_start), GST_TIME_ARGS (priv->gap_end));
  priv->gap_announced = TRUE;
  /* The next span starts where this one ended. */
  priv->gap_start = priv->gap_end;
  gst_pad_push_event (GST_BASE_TRANSFORM_SRC_PAD (self), gap);
}

void
gst_livekit_crypto_base_frame_passed (GstLiveKitCryptoBase * self)
{
  GstLiveKitCryptoBasePrivate *priv = PRIV (self);

  priv->gap_start = priv->gap_end = GST_CLOCK_TIME_NONE;
  priv->gap_announced = FALSE;
}

/* The debug part of a drop warning: what a frame error means for the
 * user. */
static const gchar *
explain_frame_error (GstLiveKitFrameError error)
{
  switch (error) {
    case GST_LIVEKIT_FRAME_ERROR_TOO_SHORT:
      return "the frame is not longer than its codec's clear header "
          "(VP8: 10 bytes for a key frame, 3 for a delta frame), so nothing "
          "of it could be encrypted";
    case GST_LIVEKIT_FRAME_ERROR_LAYOUT_UNSTABLE:
      return "with every IV tried, the encrypted frame would read to a "
          "receiver as having another clear prefix (LiveKit receivers take "
          "it from the encrypted bytes)";
    case GST_LIVEKIT_FRAME_ERROR_NO_SPACE:
      return "no room for the encrypted frame";
    case GST_LIVEKIT_FRAME_ERROR_CIPHER:
      return "the cipher failed";
    default:
      return "";
  }
}

void
gst_livekit_crypto_base_report (GstLiveKitCryptoBase * self,
    GstLiveKitCryptor * cryptor, const gchar * track_sid,
    const GstLiveKitCryptResult * r)
{
  GstLiveKitCryptoBasePrivate *priv = PRIV (self);
  GstLiveKitCryptoBaseClass *klass = GST_LIVEKIT_CRYPTO_BASE_GET_CLASS (self);
  const gchar *identity = gst_livekit_cryptor_get_identity (cryptor);

  for (guint i = 0; i < r->n_states; i++) {
    GstStructure *s = gst_structure_new ("livekit-e2ee-state",
        "participant-identity", G_TYPE_STRING, identity,
        "track-sid", G_TYPE_STRING, track_sid,
        "state", GST_TYPE_LIVEKIT_ENCRYPTION_STATE, r->states[i],
        "direction", G_TYPE_STRING, klass->encrypt ? "encrypt" : "decrypt",
        "key-index", G_TYPE_UINT, r->key_index, NULL);
    GST_INFO_OBJECT (self, "%s: %s", identity ? identity : "(shared)",
        gst_livekit_encryption_state_to_string (r->states[i]));
    g_signal_emit (self, signals[SIGNAL_STATE_CHANGED], 0, identity,
        r->states[i]);
    gst_element_post_message (GST_ELEMENT (self),
        gst_message_new_element (GST_OBJECT (self), s));
  }

  /* Not rate-limited: once per key set at an index, and what follows is
   * silent (KEY_INVALID drops are not warned about). The key itself is
   * never named, only whose it is and where. */
  if (r->key_given_up) {
    GstLiveKitKeyring *keyring = gst_livekit_crypto_base_get_keyring (self);
    gint tolerance = keyring ?
        gst_livekit_keyring_get_failure_tolerance (keyring) : -1;

    GST_ELEMENT_WARNING (self, STREAM, DECRYPT,
        ("gave up the key at index %u of %s after %d failed decryptions in a "
            "row (failure-tolerance %d): its frames are dropped untried until "
            "a key is set or ratcheted at that index", r->key_index,
            identity ? identity : "the shared key ring", tolerance + 1,
            tolerance), ("a wrong key, or frames that do not authenticate "
            "(damaged or injected); see docs/keys.md, Failure tolerance"));
    gst_clear_object (&keyring);
  }

  if (r->outcome == GST_LIVEKIT_FRAME_OUTCOME_DROPPED
      && r->reason != GST_LIVEKIT_DROP_REASON_KEY_INVALID) {
    GstClockTime now = g_get_monotonic_time () * GST_USECOND;

    priv->drops_since_warning++;
    GST_LOG_OBJECT (self, "dropped a frame: %s",
        gst_livekit_drop_reason_to_string (r->reason));
    if (!GST_CLOCK_TIME_IS_VALID (priv->last_warning)
        || now - priv->last_warning >= WARNING_INTERVAL) {
      gchar *why = r->frame_error != GST_LIVEKIT_FRAME_OK ?
          g_strdup_printf (" (%s)",
          gst_livekit_frame_error_to_string (r->frame_error)) : NULL;

      /* DECRYPT for both: the element's crypto failed on stream data. */
      GST_ELEMENT_WARNING (self, STREAM, DECRYPT,
          ("dropped %" G_GUINT64_FORMAT " frame(s) of %s; last: %s%s at key "
              "index %u", priv->drops_since_warning,
              identity ? identity : "the shared key ring",
              gst_livekit_drop_reason_to_string (r->reason), why ? why : "",
              r->key_index), ("%s", explain_frame_error (r->frame_error)));
      g_free (why);
      priv->last_warning = now;
      priv->drops_since_warning = 0;
    }
  }
}

static void
gst_livekit_crypto_base_finalize (GObject * object)
{
  GstLiveKitCryptoBasePrivate *priv = PRIV (object);

  g_hash_table_unref (priv->cryptors);
  g_hash_table_unref (priv->invalid_settings);
  gst_clear_object (&priv->keyring);
  clear_pending_key (priv);
  gst_livekit_key_options_clear (&priv->options);
  g_free (priv->participant_identity);
  g_free (priv->shared_key_file);
  G_OBJECT_CLASS (gst_livekit_crypto_base_parent_class)->finalize (object);
}

static void
gst_livekit_crypto_base_init (GstLiveKitCryptoBase * self)
{
  GstLiveKitCryptoBasePrivate *priv = PRIV (self);

  priv->cryptors = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
      (GDestroyNotify) gst_livekit_cryptor_free);
  priv->invalid_settings = g_hash_table_new_full (g_str_hash, g_str_equal,
      g_free, g_free);
  gst_livekit_key_options_init (&priv->options);
  priv->enabled = TRUE;
  priv->last_warning = GST_CLOCK_TIME_NONE;
}

static void
gst_livekit_crypto_base_class_init (GstLiveKitCryptoBaseClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstBaseTransformClass *trans_class = GST_BASE_TRANSFORM_CLASS (klass);
  GParamFlags ready = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
      GST_PARAM_MUTABLE_READY;
  GParamFlags secret = G_PARAM_WRITABLE | G_PARAM_STATIC_STRINGS |
      GST_PARAM_MUTABLE_PLAYING;

  gobject_class->set_property = gst_livekit_crypto_base_set_property;
  gobject_class->get_property = gst_livekit_crypto_base_get_property;
  gobject_class->finalize = gst_livekit_crypto_base_finalize;
  element_class->set_context =
      GST_DEBUG_FUNCPTR (gst_livekit_crypto_base_set_context);
  trans_class->start = GST_DEBUG_FUNCPTR (gst_livekit_crypto_base_start);
  trans_class->stop = GST_DEBUG_FUNCPTR (gst_livekit_crypto_base_stop);
  trans_class->set_caps = GST_DEBUG_FUNCPTR (gst_livekit_crypto_base_set_caps);
  trans_class->query = GST_DEBUG_FUNCPTR (gst_livekit_crypto_base_query);
  trans_class->sink_event =
      GST_DEBUG_FUNCPTR (gst_livekit_crypto_base_sink_event);

  g_object_class_install_property (gobject_class, PROP_KEYRING,
      g_param_spec_object ("keyring", "Keyring",
          "Keyring to use (default: the pipeline's livekit.e2ee.keyring "
          "context, else a private keyring)", GST_TYPE_LIVEKIT_KEYRING,
          ready));
  g_object_class_install_property (gobject_class, PROP_SHARED_KEY,
      g_param_spec_string ("shared-key", "Shared key",
          "Shared key material as text (its UTF-8 bytes, like a JS string key)"
          ", installed at key-index. Write-only. Prefer shared-key-file: a "
          "key on a command line ends up in shell history and process lists",
          NULL, secret));
  g_object_class_install_property (gobject_class, PROP_SHARED_KEY_HEX,
      g_param_spec_string ("shared-key-hex", "Shared key (hex)",
          "Shared key material as hex of raw bytes, installed at key-index. "
          "Write-only", NULL, secret));
  g_object_class_install_property (gobject_class, PROP_SHARED_KEY_FILE,
      g_param_spec_string ("shared-key-file", "Shared key file",
          "File whose bytes (less one trailing newline) are the shared key "
          "material, read when the element starts", NULL, ready));
  gst_livekit_key_options_install (gobject_class, PROP_KEY_OPTIONS);
  g_object_class_install_property (gobject_class, PROP_KEY_INDEX,
      g_param_spec_int ("key-index", "Key index",
          "Key index where the shared-key properties are installed; on "
          "livekitencrypt also the index written into frames, -1 = the key "
          "ring's current index (last set or ratcheted, as LiveKit's JS SDK)",
          -1, 255, 0, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_PLAYING));
  g_object_class_install_property (gobject_class, PROP_PARTICIPANT_IDENTITY,
      g_param_spec_string ("participant-identity", "Participant identity",
          "livekitencrypt: the local identity whose key ring encrypts; "
          "livekitdecrypt: the sender of frames without a GstLiveKitFrameMeta."
          " Unset: the shared key ring", NULL, ready));
  g_object_class_install_property (gobject_class, PROP_ENABLED,
      g_param_spec_boolean ("enabled", "Enabled",
          "FALSE passes frames through unchanged", TRUE,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_PLAYING));
  g_object_class_install_property (gobject_class, PROP_STATS,
      g_param_spec_boxed ("stats", "Statistics",
          "Per-participant counters and state", GST_TYPE_STRUCTURE,
          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

  /**
   * GstLiveKitCryptoBase::state-changed:
   * @identity: (nullable): participant identity, NULL for the shared ring
   * @state: the new #GstLiveKitEncryptionState
   *
   * Emitted from the streaming thread on every state change (never per
   * frame); a "livekit-e2ee-state" element message is posted as well.
   */
  signals[SIGNAL_STATE_CHANGED] = g_signal_new ("state-changed",
      G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
      G_TYPE_NONE, 2, G_TYPE_STRING, GST_TYPE_LIVEKIT_ENCRYPTION_STATE);

  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_type_mark_as_plugin_api (GST_TYPE_LIVEKIT_CRYPTO_BASE, 0);
}
