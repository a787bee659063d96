/**
 * SECTION:element-livekitroombin
 * @title: livekitroombin
 *
 * Joins a LiveKit room as an end-to-end encrypted participant. Two
 * webrtcbins carry the publisher and subscriber connections of LiveKit's
 * /rtc protocol. Encoded streams linked to the request pads `audio_%u` and
 * `video_%u` are encrypted (livekitencrypt), payloaded and published; every
 * subscribed track appears as a source pad `audio_<identity>_<track sid>` or
 * `video_<identity>_<track sid>` carrying decrypted encoded frames, each
 * with a #GstLiveKitFrameMeta naming the sender.
 *
 * One keyring serves the whole bin; it is set on the bin as the
 * "livekit.e2ee.keyring" GstContext, so every encryptor and decryptor inside
 * uses it. Per-participant keys go through the keyring's action signals.
 *
 * ## Example pipeline
 * |[
 * gst-launch-1.0 livekitroombin name=room url=ws://127.0.0.1:7880 \
 *     api-key=devkey api-secret=... room=demo identity=gst \
 *     shared-key-file=key.txt \
 *   audiotestsrc is-live=true ! opusenc ! room.audio_0
 * ]|
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstlivekitroombin.h"
#include "gstlivekitroomprivate.h"
#include "crypto/gstlivekitkeyoptions.h"

#include <string.h>

GST_DEBUG_CATEGORY (gst_livekit_room_bin_debug);
#define GST_CAT_DEFAULT gst_livekit_room_bin_debug

enum
{
  PROP_0,
  PROP_URL,
  PROP_TOKEN,
  PROP_API_KEY,
  PROP_API_SECRET,
  PROP_ROOM,
  PROP_IDENTITY,
  PROP_NAME,
  PROP_ENCRYPTION,
  PROP_AUTO_SUBSCRIBE,
  PROP_KEYRING,
  PROP_SHARED_KEY,
  PROP_SHARED_KEY_HEX,
  PROP_SHARED_KEY_FILE,
  PROP_KEY_OPTIONS,             /* GST_LIVEKIT_N_KEY_OPTIONS ids from here */
};

static GstStaticPadTemplate audio_sink_template =
GST_STATIC_PAD_TEMPLATE ("audio_%u", GST_PAD_SINK, GST_PAD_REQUEST,
    GST_STATIC_CAPS ("audio/x-opus"));
static GstStaticPadTemplate video_sink_template =
GST_STATIC_PAD_TEMPLATE ("video_%u", GST_PAD_SINK, GST_PAD_REQUEST,
    GST_STATIC_CAPS ("video/x-vp8; video/x-vp9; "
        "video/x-h264, stream-format = (string) byte-stream, "
        "alignment = (string) au; "
        "video/x-h265, stream-format = (string) byte-stream, "
        "alignment = (string) au"));
static GstStaticPadTemplate src_template =
GST_STATIC_PAD_TEMPLATE ("%s", GST_PAD_SRC, GST_PAD_SOMETIMES,
    GST_STATIC_CAPS ("audio/x-opus; video/x-vp8; video/x-vp9; "
        "video/x-h264; video/x-h265"));

G_DEFINE_TYPE_WITH_CODE (GstLiveKitRoomBin, gst_livekit_room_bin, GST_TYPE_BIN,
    GST_DEBUG_CATEGORY_INIT (gst_livekit_room_bin_debug, "livekitroombin", 0,
        "LiveKit room bin"));
GST_ELEMENT_REGISTER_DEFINE (livekitroombin, "livekitroombin", GST_RANK_NONE,
    GST_TYPE_LIVEKIT_ROOM_BIN);

#define GST_TYPE_LIVEKIT_ROOM_ENCRYPTION (gst_livekit_room_encryption_get_type ())
static GType
gst_livekit_room_encryption_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    {GST_LIVEKIT_ENCRYPTION_TYPE_NONE, "No end-to-end encryption", "none"},
    {GST_LIVEKIT_ENCRYPTION_TYPE_GCM, "AES-GCM (LiveKit E2EE)", "gcm"},
    {0, NULL, NULL},
  };
  if (g_once_init_enter (&type)) {
    GType t = g_enum_register_static ("GstLiveKitRoomEncryption", values);
    g_once_init_leave (&type, t);
  }
  return type;
}

/* Room events, each both a signal (with the details) and a bus message
 * named "livekit-<signal>". */
static const gchar *event_signals[] = {
  "connected", "disconnected", "reconnecting", "participant-joined",
  "participant-left", "track-published", "track-unpublished",
  "track-subscribed", "track-unsubscribed", "local-track-published",
  "participant-encryption-status-changed",
};

enum
{
  SIGNAL_E2EE_STATE_CHANGED = G_N_ELEMENTS (event_signals),
  SIGNAL_DATA_RECEIVED,
  SIGNAL_SEND_DATA,
  LAST_SIGNAL
};

static guint signals[LAST_SIGNAL];

void
gst_livekit_room_post (GstLiveKitRoomBin * self, GstStructure * s)
{
  const gchar *name = gst_structure_get_name (s);

  for (guint i = 0; i < G_N_ELEMENTS (event_signals); i++)
    if (g_str_has_prefix (name, "livekit-")
        && g_str_equal (name + strlen ("livekit-"), event_signals[i]))
      g_signal_emit (self, signals[i], 0, s);
  gst_element_post_message (GST_ELEMENT (self),
      gst_message_new_element (GST_OBJECT (self), s));
}

/* Mirrors the inner encryptors' and decryptors' state changes. */
static void
on_cryptor_state (GstElement * cryptor, const gchar * identity,
    GstLiveKitEncryptionState state, GstLiveKitRoomBin * self)
{
  g_signal_emit (self, signals[SIGNAL_E2EE_STATE_CHANGED], 0, identity, state);
}

void
gst_livekit_room_emit_data (GstLiveKitRoomBin * self, const gchar * identity,
    const gchar * topic, GBytes * payload, gboolean encrypted)
{
  /* The bus message says that data came, not what it says. */
  gst_element_post_message (GST_ELEMENT (self),
      gst_message_new_element (GST_OBJECT (self),
          gst_structure_new ("livekit-data-received", "identity",
              G_TYPE_STRING, identity, "topic", G_TYPE_STRING, topic, "size",
              G_TYPE_UINT, (guint) g_bytes_get_size (payload), "encrypted",
              G_TYPE_BOOLEAN, encrypted, NULL)));
  g_signal_emit (self, signals[SIGNAL_DATA_RECEIVED], 0, identity, topic,
      payload, encrypted);
}

void
gst_livekit_room_watch_cryptor (GstLiveKitRoomBin * self, GstElement * e)
{
  g_signal_connect (e, "state-changed", G_CALLBACK (on_cryptor_state), self);
}

/* ------------------------------------------------------------------ keys */

static gboolean
setup_keyring (GstLiveKitRoomBin * self)
{
  GstContext *context;
  GError *err = NULL;

  if (!self->keyring)
    self->keyring = gst_livekit_keyring_new ();
  gst_livekit_key_options_apply (&self->key_options, self->keyring);

  if (self->shared_key_file) {
    gsize len = 0;
    guint8 *key = gst_livekit_read_key_file (GST_ELEMENT (self),
        self->shared_key_file, &len);
    if (!key)
      return FALSE;
    gst_livekit_room_take_key (self, key, len);
    gst_livekit_secure_free (key);
  }
  if (self->pending_key
      && !gst_livekit_keyring_set_shared_key (self->keyring, self->pending_key,
          self->pending_key_len, 0, &err)) {
    GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS,
        ("shared key could not be installed"), ("%s", err->message));
    g_clear_error (&err);
    return FALSE;
  }
  gst_livekit_room_clear_key (self);
  g_atomic_int_set (&self->keys_live, TRUE);

  /* Every encryptor/decryptor inside, now or later, gets this keyring. */
  context = gst_livekit_context_new_keyring (self->keyring);
  gst_element_set_context (GST_ELEMENT (self), context);
  gst_context_unref (context);
  return TRUE;
}

/* --------------------------------------------------------------- connect */

static gchar *
make_token (GstLiveKitRoomBin * self)
{
  if (self->token && *self->token)
    return g_strdup (self->token);
  if (!self->api_key || !self->api_secret || !self->room || !self->identity)
    return NULL;
  return gst_livekit_access_token_new (self->api_key, self->api_secret,
      self->identity, self->name ? self->name : self->identity, self->room, 0,
      TRUE, TRUE, TRUE);
}

static gboolean
validate_settings (GstLiveKitRoomBin * self)
{
  if (!self->url || !*self->url) {
    GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS, ("url is not set"), (NULL));
    return FALSE;
  }
  if ((!self->token || !*self->token) && (!self->api_key || !self->api_secret
          || !self->room || !self->identity)) {
    GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS,
        ("set token, or api-key, api-secret, room and identity"), (NULL));
    return FALSE;
  }
  return TRUE;
}

static gpointer
signalling_thread (gpointer data)
{
  GstLiveKitRoomBin *self = data;

  g_main_context_push_thread_default (self->context);
  g_main_loop_run (self->loop);
  g_main_context_pop_thread_default (self->context);
  return NULL;
}

static gboolean
start_connect (gpointer data)
{
  gst_livekit_room_connect (GST_LIVEKIT_ROOM_BIN (data));
  return G_SOURCE_REMOVE;
}

static gboolean
start_room (GstLiveKitRoomBin * self)
{
  gchar *token;

  GST_OBJECT_LOCK (self);
  token = make_token (self);
  GST_OBJECT_UNLOCK (self);
  if (!token)
    return FALSE;
  g_free (self->active_token);
  self->active_token = token;

  GST_OBJECT_LOCK (self);
  self->context = g_main_context_new ();
  GST_OBJECT_UNLOCK (self);
  self->loop = g_main_loop_new (self->context, FALSE);
  self->thread = g_thread_new ("livekit-signal", signalling_thread, self);
  gst_livekit_room_invoke (self, start_connect);
  g_atomic_int_set (&self->running, TRUE);
  return TRUE;
}

static gboolean
quit_loop (gpointer data)
{
  GstLiveKitRoomBin *self = data;

  gst_livekit_room_disconnect (self);
  g_main_loop_quit (self->loop);
  return G_SOURCE_REMOVE;
}

static void
stop_room (GstLiveKitRoomBin * self)
{
  GMainContext *context;

  if (!self->thread)
    return;
  g_atomic_int_set (&self->running, FALSE);
  gst_livekit_room_invoke (self, quit_loop);
  g_thread_join (self->thread);
  gst_livekit_room_clear_data (self);
  self->thread = NULL;
  g_main_loop_unref (self->loop);
  self->loop = NULL;
  GST_OBJECT_LOCK (self);
  context = self->context;
  self->context = NULL;
  GST_OBJECT_UNLOCK (self);
  /* Destroys what was invoked too late, and the references it held. */
  g_main_context_unref (context);
  g_clear_pointer (&self->active_token, g_free);
}

/* Runs @func on the signalling thread; nothing when the bin is not
 * running (never on the global default context: the source's reference
 * would keep the bin, its keyring and its workers alive for good). */
void
gst_livekit_room_invoke (GstLiveKitRoomBin * self, GSourceFunc func)
{
  GSource *source;

  GST_OBJECT_LOCK (self);
  if (!self->context) {
    GST_OBJECT_UNLOCK (self);
    GST_DEBUG_OBJECT (self, "not running: nothing to do now");
    return;
  }
  source = g_idle_source_new ();
  g_source_set_callback (source, func, gst_object_ref (self),
      (GDestroyNotify) gst_object_unref);
  g_source_attach (source, self->context);
  GST_OBJECT_UNLOCK (self);
  g_source_unref (source);
}

static gboolean
recover_idle (gpointer data)
{
  gst_livekit_room_recover (GST_LIVEKIT_ROOM_BIN (data));
  return G_SOURCE_REMOVE;
}

static gboolean
is_inside_webrtcbin (GstLiveKitRoomBin * self, GstObject * object)
{
  static GType webrtcbin_type;
  GstObject *o = object ? gst_object_ref (object) : NULL;
  gboolean inside = FALSE;

  if (!webrtcbin_type)
    webrtcbin_type = g_type_from_name ("GstWebRTCBin");
  while (o && o != GST_OBJECT (self) && !inside) {
    GstObject *parent = gst_object_get_parent (o);
    inside = webrtcbin_type && G_TYPE_CHECK_INSTANCE_TYPE (o, webrtcbin_type);
    gst_object_unref (o);
    o = parent;
  }
  gst_clear_object (&o);
  return inside;
}

/* A peer connection that fails (webrtcbin 1.22 can stop its receive
 * transport with not-linked during a renegotiation, for one) is not the
 * end of the session: the bin says so and rejoins with new ones, within
 * the same bounded backoff as a lost signalling connection. */
static void
gst_livekit_room_bin_handle_message (GstBin * bin, GstMessage * message)
{
  GstLiveKitRoomBin *self = GST_LIVEKIT_ROOM_BIN (bin);

  if (GST_MESSAGE_TYPE (message) == GST_MESSAGE_ERROR
      && g_atomic_int_get (&self->running)
      && is_inside_webrtcbin (self, GST_MESSAGE_SRC (message))) {
    GError *err = NULL;
    gchar *debug = NULL;

    gst_message_parse_error (message, &err, &debug);
    GST_ELEMENT_WARNING (self, RESOURCE, READ,
        ("a peer connection failed, rejoining: %s", err->message),
        ("%s", debug ? debug : ""));
    g_clear_error (&err);
    g_free (debug);
    gst_message_unref (message);
    gst_livekit_room_invoke (self, recover_idle);
    return;
  }
  GST_BIN_CLASS (gst_livekit_room_bin_parent_class)->handle_message (bin,
      message);
}

/* An EOS sent to the bin (gst-launch -e, an application stopping a
 * recording) ends every subscribed stream, so muxers and files downstream
 * are finalised; webrtcbin itself never ends its streams. Sink pads get
 * their EOS from upstream as usual. */
void
gst_livekit_room_end_streams (GstLiveKitRoomBin * self)
{
  GstIterator *it = gst_element_iterate_src_pads (GST_ELEMENT (self));
  GValue item = G_VALUE_INIT;

  while (gst_iterator_next (it, &item) == GST_ITERATOR_OK) {
    gst_pad_push_event (g_value_get_object (&item), gst_event_new_eos ());
    g_value_reset (&item);
  }
  g_value_unset (&item);
  gst_iterator_free (it);
}

/* An EOS sent to the bin (gst-launch -e, an application stopping a
 * recording) ends every subscribed stream, so muxers and files downstream
 * are finalised; webrtcbin itself never ends its streams. */
static gboolean
gst_livekit_room_bin_send_event (GstElement * element, GstEvent * event)
{
  if (GST_EVENT_TYPE (event) == GST_EVENT_EOS)
    gst_livekit_room_end_streams (GST_LIVEKIT_ROOM_BIN (element));
  return GST_ELEMENT_CLASS (gst_livekit_room_bin_parent_class)->send_event
      (element, event);
}

static GstStateChangeReturn
gst_livekit_room_bin_change_state (GstElement * element,
    GstStateChange transition)
{
  GstLiveKitRoomBin *self = GST_LIVEKIT_ROOM_BIN (element);
  GstStateChangeReturn ret;

  switch (transition) {
    case GST_STATE_CHANGE_NULL_TO_READY:
      if (!validate_settings (self) || !setup_keyring (self))
        return GST_STATE_CHANGE_FAILURE;
      gst_livekit_room_configure_webrtcbins (self);
      break;
    case GST_STATE_CHANGE_READY_TO_PAUSED:
      if (!start_room (self))
        return GST_STATE_CHANGE_FAILURE;
      break;
    default:
      break;
  }

  ret = GST_ELEMENT_CLASS (gst_livekit_room_bin_parent_class)->change_state
      (element, transition);
  if (ret == GST_STATE_CHANGE_FAILURE)
    return ret;

  switch (transition) {
    case GST_STATE_CHANGE_READY_TO_PAUSED:
      /* A live source: media comes when the room delivers it. */
      ret = GST_STATE_CHANGE_NO_PREROLL;
      break;
    case GST_STATE_CHANGE_PLAYING_TO_PAUSED:
      ret = GST_STATE_CHANGE_NO_PREROLL;
      break;
    case GST_STATE_CHANGE_PAUSED_TO_READY:
      stop_room (self);
      break;
    case GST_STATE_CHANGE_READY_TO_NULL:
      g_atomic_int_set (&self->keys_live, FALSE);
      break;
    default:
      break;
  }
  return ret;
}

/* ------------------------------------------------------------ properties */

void
gst_livekit_room_clear_key (GstLiveKitRoomBin * self)
{
  if (self->pending_key)
    gst_livekit_secure_free (self->pending_key);
  self->pending_key = NULL;
  self->pending_key_len = 0;
}

void
gst_livekit_room_take_key (GstLiveKitRoomBin * self, const guint8 * key,
    gsize len)
{
  gst_livekit_room_clear_key (self);
  if (len == 0)
    return;
  /* From READY on the bin installs at once (the KDF runs on this thread);
   * before, the key waits for the key options. */
  if (g_atomic_int_get (&self->keys_live)) {
    gst_livekit_keyring_set_shared_key (self->keyring, key, len, 0, NULL);
    return;
  }
  self->pending_key = gst_livekit_secure_dup (key, len);
  self->pending_key_len = len;
}

static void
gst_livekit_room_bin_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstLiveKitRoomBin *self = GST_LIVEKIT_ROOM_BIN (object);

#define SET_STRING(field) \
  G_STMT_START { g_free (self->field); \
    self->field = g_value_dup_string (value); } G_STMT_END

  /* Key material first, outside the object lock: a running bin installs
   * it at once, and PBKDF2 takes tens of milliseconds. */
  switch (prop_id) {
    case PROP_SHARED_KEY:{
      const gchar *key = g_value_get_string (value);
      gst_livekit_room_take_key (self, (const guint8 *) key,
          key ? strlen (key) : 0);
      return;
    }
    case PROP_SHARED_KEY_HEX:{
      const gchar *hex = g_value_get_string (value);
      gsize cap = hex ? strlen (hex) / 2 : 0, len = 0;
      guint8 *raw = gst_livekit_secure_alloc (cap + 1);
      if (hex && gst_livekit_hex_decode (hex, raw, cap, &len))
        gst_livekit_room_take_key (self, raw, len);
      else if (hex && *hex)
        GST_WARNING_OBJECT (self, "shared-key-hex is not an even-length hex string");
      gst_livekit_secure_free (raw);
      return;
    }
    default:
      break;
  }

  GST_OBJECT_LOCK (self);
  if (gst_livekit_key_options_set_property (&self->key_options,
          PROP_KEY_OPTIONS, prop_id, value)) {
    GST_OBJECT_UNLOCK (self);
    return;
  }
  switch (prop_id) {
    case PROP_URL:
      SET_STRING (url);
      break;
    case PROP_TOKEN:
      SET_STRING (token);
      break;
    case PROP_API_KEY:
      SET_STRING (api_key);
      break;
    case PROP_API_SECRET:
      if (self->api_secret)
        gst_livekit_zero_free (self->api_secret, strlen (self->api_secret));
      self->api_secret = g_value_dup_string (value);
      break;
    case PROP_ROOM:
      SET_STRING (room);
      break;
    case PROP_IDENTITY:
      SET_STRING (identity);
      break;
    case PROP_NAME:
      SET_STRING (name);
      break;
    case PROP_ENCRYPTION:
      self->encryption = g_value_get_enum (value);
      break;
    case PROP_AUTO_SUBSCRIBE:
      self->auto_subscribe = g_value_get_boolean (value);
      break;
    case PROP_KEYRING:
      gst_object_replace ((GstObject **) & self->keyring,
          g_value_get_object (value));
      break;
    case PROP_SHARED_KEY_FILE:
      SET_STRING (shared_key_file);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
#undef SET_STRING
}

static void
gst_livekit_room_bin_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec)
{
  GstLiveKitRoomBin *self = GST_LIVEKIT_ROOM_BIN (object);

  GST_OBJECT_LOCK (self);
  if (gst_livekit_key_options_get_property (&self->key_options,
          PROP_KEY_OPTIONS, prop_id, value)) {
    GST_OBJECT_UNLOCK (self);
    return;
  }
  switch (prop_id) {
    case PROP_URL:
      g_value_set_string (value, self->url);
      break;
    case PROP_API_KEY:
      g_value_set_string (value, self->api_key);
      break;
    case PROP_ROOM:
      g_value_set_string (value, self->room);
      break;
    case PROP_IDENTITY:
      g_value_set_string (value, self->identity);
      break;
    case PROP_NAME:
      g_value_set_string (value, self->name);
      break;
    case PROP_ENCRYPTION:
      g_value_set_enum (value, self->encryption);
      break;
    case PROP_AUTO_SUBSCRIBE:
      g_value_set_boolean (value, self->auto_subscribe);
      break;
    case PROP_KEYRING:
      g_value_set_object (value, self->keyring);
      break;
    case PROP_SHARED_KEY_FILE:
      g_value_set_string (value, self->shared_key_file);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_livekit_room_bin_finalize (GObject * object)
{
  GstLiveKitRoomBin *self = GST_LIVEKIT_ROOM_BIN (object);

  gst_livekit_room_clear_key (self);
  gst_clear_object (&self->keyring);
  g_free (self->url);
  g_free (self->token);
  g_free (self->api_key);
  if (self->api_secret)
    gst_livekit_zero_free (self->api_secret, strlen (self->api_secret));
  g_free (self->room);
  g_free (self->identity);
  g_free (self->name);
  g_free (self->shared_key_file);
  gst_livekit_key_options_clear (&self->key_options);
  gst_livekit_room_clear_data (self);
  g_rec_mutex_clear (&self->data_lock);
  g_mutex_clear (&self->lock);
  g_hash_table_unref (self->tracks);
  g_hash_table_unref (self->participants);
  g_hash_table_unref (self->mid_to_track);
  g_ptr_array_unref (self->publications);
  G_OBJECT_CLASS (gst_livekit_room_bin_parent_class)->finalize (object);
}

static void
gst_livekit_room_bin_init (GstLiveKitRoomBin * self)
{
  g_mutex_init (&self->lock);
  g_rec_mutex_init (&self->data_lock);
  self->encryption = GST_LIVEKIT_ENCRYPTION_TYPE_GCM;
  self->auto_subscribe = TRUE;
  gst_livekit_key_options_init (&self->key_options);
  self->tracks = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
      (GDestroyNotify) gst_livekit_room_track_free);
  self->participants = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
      (GDestroyNotify) gst_livekit_participant_info_unref);
  self->mid_to_track = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
      g_free);
  self->publications = g_ptr_array_new_with_free_func ((GDestroyNotify)
      gst_livekit_room_publication_free);
  /* Sink pads come and go; the bin is a source of room media. */
  GST_OBJECT_FLAG_SET (self, GST_ELEMENT_FLAG_SOURCE);
  /* Created now so request pads can be linked before the bin starts (as
   * gst-launch does). */
  gst_livekit_room_create_webrtcbins (self);
  /* webrtcbin's network sinks never see EOS: were the bin a sink because of
   * them, a pipeline would wait forever for its EOS (gst-launch -e,
   * recordings). It is a sink only while it publishes, and posts EOS itself
   * when its inputs end; a subscribing bin ends its source pads instead. */
  GST_OBJECT_FLAG_UNSET (self, GST_ELEMENT_FLAG_SINK);
}

static void
gst_livekit_room_bin_class_init (GstLiveKitRoomBinClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GParamFlags rw = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
      GST_PARAM_MUTABLE_READY;
  GParamFlags wo = G_PARAM_WRITABLE | G_PARAM_STATIC_STRINGS |
      GST_PARAM_MUTABLE_PLAYING;

  gobject_class->set_property = gst_livekit_room_bin_set_property;
  gobject_class->get_property = gst_livekit_room_bin_get_property;
  gobject_class->finalize = gst_livekit_room_bin_finalize;
  GST_BIN_CLASS (klass)->handle_message =
      GST_DEBUG_FUNCPTR (gst_livekit_room_bin_handle_message);
  element_class->change_state =
      GST_DEBUG_FUNCPTR (gst_livekit_room_bin_change_state);
  element_class->send_event =
      GST_DEBUG_FUNCPTR (gst_livekit_room_bin_send_event);
  element_class->request_new_pad =
      GST_DEBUG_FUNCPTR (gst_livekit_room_request_new_pad);
  element_class->release_pad = GST_DEBUG_FUNCPTR (gst_livekit_room_release_pad);

  g_object_class_install_property (gobject_class, PROP_URL,
      g_param_spec_string ("url", "URL",
          "LiveKit server URL (ws:// or wss://)", NULL, rw));
  g_object_class_install_property (gobject_class, PROP_TOKEN,
      g_param_spec_string ("token", "Token",
          "Access token (JWT); write-only. Alternatively api-key, api-secret, "
          "room and identity mint one locally", NULL, wo));
  g_object_class_install_property (gobject_class, PROP_API_KEY,
      g_param_spec_string ("api-key", "API key",
          "API key to mint a token locally (development)", NULL, rw));
  g_object_class_install_property (gobject_class, PROP_API_SECRET,
      g_param_spec_string ("api-secret", "API secret",
          "API secret to mint a token locally; write-only", NULL, wo));
  g_object_class_install_property (gobject_class, PROP_ROOM,
      g_param_spec_string ("room", "Room", "Room name (for a minted token)",
          NULL, rw));
  g_object_class_install_property (gobject_class, PROP_IDENTITY,
      g_param_spec_string ("identity", "Identity",
          "Participant identity (for a minted token; also the local key ring)",
          NULL, rw));
  g_object_class_install_property (gobject_class, PROP_NAME,
      g_param_spec_string ("participant-name", "Participant name",
          "Display name (for a minted token)", NULL, rw));
  g_object_class_install_property (gobject_class, PROP_ENCRYPTION,
      g_param_spec_enum ("encryption", "Encryption",
          "End-to-end encryption of published tracks",
          GST_TYPE_LIVEKIT_ROOM_ENCRYPTION, GST_LIVEKIT_ENCRYPTION_TYPE_GCM,
          rw));
  g_object_class_install_property (gobject_class, PROP_AUTO_SUBSCRIBE,
      g_param_spec_boolean ("auto-subscribe", "Auto subscribe",
          "Subscribe to every published track", TRUE, rw));
  g_object_class_install_property (gobject_class, PROP_KEYRING,
      g_param_spec_object ("keyring", "Keyring",
          "The bin's keyring (one is created if unset)",
          GST_TYPE_LIVEKIT_KEYRING, rw));
  g_object_class_install_property (gobject_class, PROP_SHARED_KEY,
      g_param_spec_string ("shared-key", "Shared key",
          "Shared key material as text, at key index 0. Write-only; prefer "
          "shared-key-file", NULL, wo));
  g_object_class_install_property (gobject_class, PROP_SHARED_KEY_HEX,
      g_param_spec_string ("shared-key-hex", "Shared key (hex)",
          "Shared key material as hex of raw bytes, at key index 0. "
          "Write-only", NULL, wo));
  g_object_class_install_property (gobject_class, PROP_SHARED_KEY_FILE,
      g_param_spec_string ("shared-key-file", "Shared key file",
          "File whose bytes (less a trailing newline) are the shared key",
          NULL, rw));
  gst_livekit_key_options_install (gobject_class, PROP_KEY_OPTIONS);

  for (guint i = 0; i < G_N_ELEMENTS (event_signals); i++)
    signals[i] = g_signal_new (event_signals[i], G_TYPE_FROM_CLASS (klass),
        G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 1,
        GST_TYPE_STRUCTURE | G_SIGNAL_TYPE_STATIC_SCOPE);
  /**
   * GstLiveKitRoomBin::e2ee-state-changed:
   * @identity: (nullable): the participant (local or remote)
   * @state: the new #GstLiveKitEncryptionState of one of its tracks
   */
  signals[SIGNAL_E2EE_STATE_CHANGED] = g_signal_new ("e2ee-state-changed",
      G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
      G_TYPE_NONE, 2, G_TYPE_STRING, GST_TYPE_LIVEKIT_ENCRYPTION_STATE);

  /**
   * GstLiveKitRoomBin::data-received:
   * @identity: (nullable): the sender
   * @topic: (nullable): the packet's topic
   * @payload: the user data, decrypted when it came encrypted
   * @encrypted: whether it came end-to-end encrypted
   *
   * Emitted from a webrtcbin thread for every user data packet. Encrypted
   * packets that do not decrypt are dropped (livekit-data-dropped).
   */
  signals[SIGNAL_DATA_RECEIVED] = g_signal_new ("data-received",
      G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
      G_TYPE_NONE, 4, G_TYPE_STRING, G_TYPE_STRING, G_TYPE_BYTES,
      G_TYPE_BOOLEAN);

  /**
   * GstLiveKitRoomBin::send-data:
   * @payload: the user data
   * @topic: (nullable): the packet's topic
   * @reliable: %TRUE for the ordered, retransmitted channel; %FALSE for
   *   the lossy one
   * @destination_identities: (nullable) (array zero-terminated=1): the
   *   participants to deliver to; %NULL for everyone
   *
   * Sends a user data packet, end-to-end encrypted under the local
   * participant's current key (its own ring, else the shared one) unless
   * #GstLiveKitRoomBin:encryption is none. Packets sent before the data
   * channel is open (the first send brings the publisher connection up)
   * wait for it, in order, up to 256 per channel.
   *
   * Returns: %FALSE when the packet was not sent: no key to encrypt it
   * (it is never sent in the clear instead) or too many waiting
   */
  signals[SIGNAL_SEND_DATA] = g_signal_new_class_handler ("send-data",
      G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST | G_SIGNAL_ACTION,
      G_CALLBACK (gst_livekit_room_send_data), NULL, NULL, NULL,
      G_TYPE_BOOLEAN, 4, G_TYPE_BYTES, G_TYPE_STRING, G_TYPE_BOOLEAN,
      G_TYPE_STRV);

  gst_element_class_add_static_pad_template (element_class,
      &audio_sink_template);
  gst_element_class_add_static_pad_template (element_class,
      &video_sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_set_static_metadata (element_class, "LiveKit room",
      "Source/Sink/Network/WebRTC",
      "Joins a LiveKit room end-to-end encrypted: publishes its sink pads, "
      "exposes every subscribed track decrypted",
      "gst-livekit-e2ee developers");
  gst_type_mark_as_plugin_api (GST_TYPE_LIVEKIT_ROOM_ENCRYPTION, 0);
}
