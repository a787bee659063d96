/**
 * SECTION:element-livekitroombin
 * @title: livekitroombin
 *
 * Joins a LiveKit room as an end-to-end encrypted participant. Two
 * webrtcbins carry the publisher and subscriber connections of LiveKit's
 * /rtc protocol. Encoded streams linked to the request pads `audio_%u` and
 * `video_%u` are encrypted (livekitencrypt), payloaded and published; every
 * subscribed track appears as a source pad named for its participant and
 * source, `<identity>_<source>` (`alice_microphone`, `alice_camera`;
 * `alice_camera_2` for a second camera, `alice_video_1` for a track of
 * unknown source; characters other than ASCII letters, digits, '-' and '_'
 * become '_'), carrying decrypted encoded frames, each with a
 * #GstLiveKitFrameMeta naming the sender. The pad stays the same across a
 * rejoin and when the participant republishes the source within
 * #GstLiveKitRoomBin:grace-period; then it ends with EOS and goes away.
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
 *   audiotestsrc is-live=true ! opusenc ! room.audio_0 \
 *   room.alice_microphone ! queue ! opusdec ! autoaudiosink
 * ]|
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstlivekitroombin.h"
#include "gstlivekitroomcryptors.h"
#include "gstlivekitroomhost.h"
#include "gstlivekitroomsession.h"
#include "gstlivekitprewarm.h"
#include "crypto/gstlivekitkeyoptions.h"

#include <gst/livekit/livekit.h>
#include <gst/livekit/room/room.h>
#include <gst/livekit/signalling/signalling.h>
#include <string.h>

GST_DEBUG_CATEGORY (gst_livekit_room_bin_debug);
#define GST_CAT_DEFAULT gst_livekit_room_bin_debug

#define DEFAULT_GRACE_PERIOD_MS 10000

struct _GstLiveKitRoomBin
{
  GstBin parent;

  /* Properties: object lock. */
  gchar *url, *token, *api_key, *api_secret, *room, *identity, *name;
  GstLiveKitEncryptionType encryption;
  gboolean auto_subscribe;
  GstLiveKitPadNaming pad_naming;
  guint grace_period_ms;
  GstLiveKitKeyring *keyring;
  gint keys_live;               /* atomic: keys go to the keyring at once */
  guint8 *pending_key;
  gsize pending_key_len;
  gchar *shared_key_file;
  /* Why shared-key-hex cannot be used, NULL if it can: fails the start,
   * by name (gst-launch sets it before there is a bus to warn on). */
  gchar *key_hex_problem;
  GstLiveKitKeyOptions key_options;

  GstLiveKitRoomHost host;
  GstLiveKitRoomSession *session;
  /* Every encryptor and decryptor, and what the application set for them
   * (e2ee-enabled, key-index, set-cryptor-*); locks of its own. */
  GstLiveKitRoomCryptors *cryptors;
};

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
  PROP_PAD_NAMING,
  PROP_GRACE_PERIOD,
  PROP_E2EE_ENABLED,
  PROP_KEY_INDEX,
  PROP_FRAME_CRYPTORS,
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
  SIGNAL_SET_CRYPTOR_ENABLED,
  SIGNAL_SET_CRYPTOR_KEY_INDEX,
  LAST_SIGNAL
};

static guint signals[LAST_SIGNAL];

/* ---------------------------------------------------- what the parts tell */

static void
host_post (GstBin * bin, GstStructure * s)
{
  GstLiveKitRoomBin *self = GST_LIVEKIT_ROOM_BIN (bin);
  const gchar *name = gst_structure_get_name (s);

  /* What the frame cryptor list needs to know: who we are to the server
   * (a token may say so only), which track each encryptor carries. */
  if (g_str_equal (name, "livekit-connected"))
    gst_livekit_room_cryptors_set_local_identity (self->cryptors,
        gst_structure_get_string (s, "identity"));
  else if (g_str_equal (name, "livekit-local-track-published"))
    gst_livekit_room_cryptors_track_published (self->cryptors,
        gst_structure_get_string (s, "pad"),
        gst_structure_get_string (s, "track-sid"));

  for (guint i = 0; i < G_N_ELEMENTS (event_signals); i++)
    if (g_str_has_prefix (name, "livekit-")
        && g_str_equal (name + strlen ("livekit-"), event_signals[i]))
      g_signal_emit (bin, signals[i], 0, s);
  gst_element_post_message (GST_ELEMENT (bin),
      gst_message_new_element (GST_OBJECT (bin), s));
}

/* Mirrors the inner encryptors' and decryptors' state changes. */
static void
on_cryptor_state (GstElement * cryptor, const gchar * identity,
    GstLiveKitEncryptionState state, GstLiveKitRoomBin * self)
{
  g_signal_emit (self, signals[SIGNAL_E2EE_STATE_CHANGED], 0, identity, state);
}

static void
host_watch_cryptor (GstBin * bin, GstElement * cryptor)
{
  g_signal_connect (cryptor, "state-changed", G_CALLBACK (on_cryptor_state),
      bin);
  gst_livekit_room_cryptors_add (GST_LIVEKIT_ROOM_BIN (bin)->cryptors, cryptor);
}

static void
host_data_received (GstBin * bin, const gchar * identity, const gchar * topic,
    GBytes * payload, gboolean encrypted)
{
  /* The bus message says that data came, not what it says. */
  gst_element_post_message (GST_ELEMENT (bin),
      gst_message_new_element (GST_OBJECT (bin),
          gst_structure_new ("livekit-data-received", "identity",
              G_TYPE_STRING, identity, "topic", G_TYPE_STRING, topic, "size",
              G_TYPE_UINT, (guint) g_bytes_get_size (payload), "encrypted",
              G_TYPE_BOOLEAN, encrypted, NULL)));
  g_signal_emit (bin, signals[SIGNAL_DATA_RECEIVED], 0, identity, topic,
      payload, encrypted);
}

/* When every published input has ended, the session's output ends too: the
 * subscribed streams get EOS and the bin posts EOS, so a publishing
 * pipeline (which has no sink of its own to post it) finishes. */
static void
host_inputs_ended (GstBin * bin)
{
  GstLiveKitRoomBin *self = GST_LIVEKIT_ROOM_BIN (bin);

  gst_livekit_room_session_end_streams (self->session);
  gst_element_post_message (GST_ELEMENT (bin),
      gst_message_new_eos (GST_OBJECT (bin)));
}

static gboolean
send_data (GstLiveKitRoomBin * self, GBytes * payload, const gchar * topic,
    gboolean reliable, const gchar * const *destinations)
{
  GstLiveKitKeyring *keyring;
  gboolean encrypt, sent;
  gchar *identity;

  GST_OBJECT_LOCK (self);
  keyring = self->keyring ? gst_object_ref (self->keyring) : NULL;
  identity = g_strdup (self->identity);
  encrypt = self->encryption != GST_LIVEKIT_ENCRYPTION_TYPE_NONE;
  GST_OBJECT_UNLOCK (self);
  sent = gst_livekit_room_session_send_data (self->session, keyring, identity,
      encrypt, payload, topic, reliable, destinations);
  g_free (identity);
  gst_clear_object (&keyring);
  return sent;
}

/* ------------------------------------------------------- E2EE at runtime */

/* Object lock held. */
static guint
key_ring_size (GstLiveKitRoomBin * self)
{
  return self->keyring ? gst_livekit_keyring_get_key_ring_size (self->keyring)
      : self->key_options.key_ring_size;
}

/* Like LiveKit's ParticipantEncryptionStatusChanged for the local
 * participant when its encryption is switched. */
static void
post_local_encryption (GstLiveKitRoomBin * self, gboolean encrypted)
{
  gchar *identity;

  GST_OBJECT_LOCK (self);
  identity = g_strdup (self->identity);
  GST_OBJECT_UNLOCK (self);
  host_post (GST_BIN (self),
      gst_structure_new ("livekit-participant-encryption-status-changed",
          "identity", G_TYPE_STRING, identity, "encrypted", G_TYPE_BOOLEAN,
          encrypted, "local", G_TYPE_BOOLEAN, TRUE, NULL));
  g_free (identity);
}

/* Called when the local encryptors were (maybe) switched: says so, loudly
 * when published media now goes out in the clear. */
static void
local_encryption_switched (GstLiveKitRoomBin * self, gboolean was, gboolean now)
{
  gboolean encrypting;

  GST_OBJECT_LOCK (self);
  encrypting = self->encryption != GST_LIVEKIT_ENCRYPTION_TYPE_NONE;
  GST_OBJECT_UNLOCK (self);
  if (!encrypting || was == now)
    return;
  if (!now && gst_livekit_room_session_has_published_tracks (self->session))
    GST_ELEMENT_WARNING (self, RESOURCE, SETTINGS,
        ("end-to-end encryption is off: the published tracks now go out "
            "unencrypted, readable by the server and by anyone in the room"),
        ("e2ee-enabled or set-cryptor-enabled turned the encryptors off; "
            "the tracks are still announced as encrypted"));
  post_local_encryption (self, now);
}

static gboolean
local_encryption_on (GstLiveKitRoomBin * self)
{
  GValue list = G_VALUE_INIT;
  gboolean on = FALSE;

  g_value_init (&list, GST_TYPE_ARRAY);
  gst_livekit_room_cryptors_list (self->cryptors, &list);
  for (guint i = 0; i < gst_value_array_get_size (&list); i++) {
    const GstStructure *c = gst_value_get_structure (gst_value_array_get_value
        (&list, i));
    gboolean enabled = FALSE;

    gst_structure_get_boolean (c, "enabled", &enabled);
    on |= enabled && g_strcmp0 (gst_structure_get_string (c, "direction"),
        "encrypt") == 0;
  }
  g_value_unset (&list);
  return on;
}

static void
set_e2ee_enabled (GstLiveKitRoomBin * self, gboolean enabled)
{
  gboolean was = local_encryption_on (self);

  gst_livekit_room_cryptors_set_e2ee_enabled (self->cryptors, enabled);
  local_encryption_switched (self, was, local_encryption_on (self));
}

static gboolean
set_cryptor_enabled (GstLiveKitRoomBin * self, const gchar * identity,
    gboolean enabled)
{
  gboolean was;

  if (!identity || !*identity)
    return FALSE;
  was = local_encryption_on (self);
  if (gst_livekit_room_cryptors_set_enabled (self->cryptors, identity, enabled))
    local_encryption_switched (self, was, local_encryption_on (self));
  return TRUE;
}

/* Object lock not held. */
static gboolean
valid_key_index (GstLiveKitRoomBin * self, gint key_index)
{
  guint size;

  GST_OBJECT_LOCK (self);
  size = key_ring_size (self);
  GST_OBJECT_UNLOCK (self);
  if (key_index < -1 || (key_index >= 0 && (guint) key_index >= size)) {
    GST_ELEMENT_WARNING (self, RESOURCE, SETTINGS,
        ("key-index %d is not below key-ring-size %u: ignored", key_index,
            size), (NULL));
    return FALSE;
  }
  return TRUE;
}

static gboolean
set_cryptor_key_index (GstLiveKitRoomBin * self, const gchar * identity,
    gint key_index)
{
  /* A receiver takes the key index from each frame's trailer (so does
   * LiveKit's: FrameCryptor.set_key_index only moves what a sender
   * writes); only our own sender has one to set. */
  if (!gst_livekit_room_cryptors_is_local (self->cryptors, identity)) {
    GST_INFO_OBJECT (self, "set-cryptor-key-index: %s is not the local "
        "participant; receivers use each frame's key index", identity);
    return FALSE;
  }
  if (!valid_key_index (self, key_index))
    return FALSE;
  gst_livekit_room_cryptors_set_local_key_index (self->cryptors, key_index);
  g_object_notify (G_OBJECT (self), "key-index");
  return TRUE;
}

/* ------------------------------------------------------------------ keys */

static void take_key (GstLiveKitRoomBin * self, const guint8 * key,
    gsize len);
static void clear_key (GstLiveKitRoomBin * self);

/* The shared key given before READY: derived here, on the application's
 * thread (PBKDF2: 40-60 ms). */
static gboolean
install_pending_key (GstLiveKitRoomBin * self)
{
  GError *err = NULL;

  if (self->pending_key
      && !gst_livekit_keyring_set_shared_key (self->keyring, self->pending_key,
          self->pending_key_len, 0, &err)) {
    GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS,
        ("shared key could not be installed"), ("%s", err->message));
    g_clear_error (&err);
    clear_key (self);
    return FALSE;
  }
  clear_key (self);
  return TRUE;
}

static gboolean
setup_keyring (GstLiveKitRoomBin * self)
{
  GstContext *context;

  if (!self->keyring)
    self->keyring = gst_livekit_keyring_new ();
  gst_livekit_key_options_apply (&self->key_options, self->keyring);

  if (self->shared_key_file) {
    gsize len = 0;
    guint8 *key = gst_livekit_read_key_file (GST_ELEMENT (self),
        self->shared_key_file, &len);
    if (!key)
      return FALSE;
    take_key (self, key, len);
    gst_livekit_secure_free (key);
  }
  /* Normally the key is derived while the WebSocket connects (READY to
   * PAUSED); no media flows before that state change returns. */
  if (!gst_livekit_prewarm_enabled () && !install_pending_key (self))
    return FALSE;
  g_atomic_int_set (&self->keys_live, TRUE);

  /* Every encryptor/decryptor inside, now or later, gets this keyring;
   * data packets are decrypted with it. */
  gst_livekit_room_session_set_keyring (self->session, self->keyring);
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
  GError *err = NULL;

  if (!self->url || !*self->url) {
    GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS, ("url is not set"), (NULL));
    return FALSE;
  }
  /* Checked here, not when connecting: a connect failure only makes the
   * session retry, and the pipeline would go on to PLAYING. */
  if (!gst_livekit_signal_check_url (self->url, &err)) {
    GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS, ("url: %s", err->message),
        (NULL));
    g_clear_error (&err);
    return FALSE;
  }
  if (self->key_hex_problem) {
    GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS, ("shared-key-hex %s",
            self->key_hex_problem), ("the bin does not start until the "
            "property has a valid value"));
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

static gboolean
start_room (GstLiveKitRoomBin * self)
{
  GstLiveKitRoomSettings settings = { 0, };
  gchar *token;

  GST_OBJECT_LOCK (self);
  token = make_token (self);
  settings.url = self->url;
  settings.token = token;
  settings.identity = self->identity;
  settings.encryption = self->encryption;
  settings.auto_subscribe = self->auto_subscribe;
  settings.pad_naming = self->pad_naming;
  settings.grace_period = self->grace_period_ms * GST_MSECOND;
  if (token)
    gst_livekit_room_session_start (self->session, &settings);
  GST_OBJECT_UNLOCK (self);
  if (!token)
    return FALSE;
  gst_livekit_zero_free (token, strlen (token));
  return TRUE;
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
      && gst_livekit_room_session_is_running (self->session)
      && gst_livekit_room_session_owns (self->session,
          GST_MESSAGE_SRC (message))) {
    GError *err = NULL;
    gchar *debug = NULL;

    gst_message_parse_error (message, &err, &debug);
    GST_ELEMENT_WARNING (self, RESOURCE, READ,
        ("a peer connection failed, rejoining: %s", err->message),
        ("%s", debug ? debug : ""));
    g_clear_error (&err);
    g_free (debug);
    gst_message_unref (message);
    gst_livekit_room_session_recover (self->session);
    return;
  }
  GST_BIN_CLASS (gst_livekit_room_bin_parent_class)->handle_message (bin,
      message);
}

/* webrtcbin's network sinks never see EOS, nor does a fakesink that takes
 * an unsupported track: were the bin a sink because of them (GstBin sets
 * the flag for each sink child it gets, on every rejoin too), a pipeline
 * would wait forever for its EOS (gst-launch -e, recordings). It is a sink
 * only while it publishes, and posts EOS itself when its inputs end; a
 * subscribing bin ends its source pads instead. */
static gboolean
gst_livekit_room_bin_add_element (GstBin * bin, GstElement * element)
{
  GstLiveKitRoomBin *self = GST_LIVEKIT_ROOM_BIN (bin);
  gboolean ret = GST_BIN_CLASS (gst_livekit_room_bin_parent_class)->add_element
      (bin, element);

  if (!self->session || !gst_livekit_room_session_has_published_tracks
      (self->session))
    GST_OBJECT_FLAG_UNSET (self, GST_ELEMENT_FLAG_SINK);
  return ret;
}

/* An EOS sent to the bin (gst-launch -e, an application stopping a
 * recording) ends every subscribed stream, so muxers and files downstream
 * are finalised; webrtcbin itself never ends its streams. */
static gboolean
gst_livekit_room_bin_send_event (GstElement * element, GstEvent * event)
{
  if (GST_EVENT_TYPE (event) == GST_EVENT_EOS)
    gst_livekit_room_session_end_streams (GST_LIVEKIT_ROOM_BIN
        (element)->session);
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
      GST_OBJECT_LOCK (self);
      if (gst_livekit_room_cryptors_get_local_key_index (self->cryptors) >=
          (gint) key_ring_size (self)) {
        guint size = key_ring_size (self);
        GST_OBJECT_UNLOCK (self);
        GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS,
            ("key-index %d is not below key-ring-size %u",
                gst_livekit_room_cryptors_get_local_key_index (self->cryptors),
                size), (NULL));
        return GST_STATE_CHANGE_FAILURE;
      }
      GST_OBJECT_UNLOCK (self);
      GST_OBJECT_LOCK (self);
      gst_livekit_room_session_prepare (self->session, self->url);
      GST_OBJECT_UNLOCK (self);
      gst_livekit_prewarm_dtls ();
      break;
    case GST_STATE_CHANGE_READY_TO_PAUSED:
      if (!start_room (self))
        return GST_STATE_CHANGE_FAILURE;
      if (!install_pending_key (self)) {
        gst_livekit_room_session_stop (self->session);
        return GST_STATE_CHANGE_FAILURE;
      }
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
      gst_livekit_room_session_stop (self->session);
      break;
    case GST_STATE_CHANGE_READY_TO_NULL:
      g_atomic_int_set (&self->keys_live, FALSE);
      gst_livekit_prewarm_wait ();
      break;
    default:
      break;
  }
  return ret;
}

static GstPad *
gst_livekit_room_bin_request_new_pad (GstElement * element,
    GstPadTemplate * templ, const gchar * name, const GstCaps * caps)
{
  GstLiveKitRoomBin *self = GST_LIVEKIT_ROOM_BIN (element);
  gboolean encrypt;
  gchar *identity;
  GstPad *pad;

  GST_OBJECT_LOCK (self);
  identity = g_strdup (self->identity);
  encrypt = self->encryption != GST_LIVEKIT_ENCRYPTION_TYPE_NONE;
  GST_OBJECT_UNLOCK (self);
  pad = gst_livekit_room_session_request_pad (self->session, templ, name,
      identity, encrypt);
  g_free (identity);
  if (!pad) {
    GST_ERROR_OBJECT (self, "no publisher connection: webrtcbin is missing");
    return NULL;
  }
  /* A publishing bin is a sink: it posts EOS once its inputs end. */
  GST_OBJECT_FLAG_SET (self, GST_ELEMENT_FLAG_SINK);
  return pad;
}

static void
gst_livekit_room_bin_release_pad (GstElement * element, GstPad * pad)
{
  GstLiveKitRoomBin *self = GST_LIVEKIT_ROOM_BIN (element);

  if (self->session && gst_livekit_room_session_release_pad (self->session, pad)
      && !gst_livekit_room_session_has_published_tracks (self->session))
    GST_OBJECT_FLAG_UNSET (self, GST_ELEMENT_FLAG_SINK);
}

/* ------------------------------------------------------------ properties */

static void
clear_key (GstLiveKitRoomBin * self)
{
  gst_livekit_secure_free (self->pending_key);
  self->pending_key = NULL;
  self->pending_key_len = 0;
}

static void
take_key (GstLiveKitRoomBin * self, const guint8 * key, gsize len)
{
  clear_key (self);
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
      take_key (self, (const guint8 *) key,
          key ? strlen (key) : 0);
      return;
    }
    case PROP_SHARED_KEY_HEX:{
      const gchar *hex = g_value_get_string (value);
      const gchar *problem = hex ? gst_livekit_hex_problem (hex) : NULL;
      gsize cap = hex ? strlen (hex) / 2 : 0, len = 0;
      guint8 *raw;

      GST_OBJECT_LOCK (self);
      g_clear_pointer (&self->key_hex_problem, g_free);
      /* Running, the bin keeps its key and says so on the bus. */
      if (problem && !g_atomic_int_get (&self->keys_live))
        self->key_hex_problem = g_strdup (problem);
      GST_OBJECT_UNLOCK (self);
      if (problem) {
        if (g_atomic_int_get (&self->keys_live))
          GST_ELEMENT_WARNING (self, RESOURCE, SETTINGS,
              ("shared-key-hex %s: ignored, the previous key stays", problem),
              (NULL));
        return;
      }
      raw = gst_livekit_secure_alloc (cap + 1);
      if (hex && gst_livekit_hex_decode (hex, raw, cap, &len))
        take_key (self, raw, len);
      gst_livekit_secure_free (raw);
      return;
    }
      /* The cryptors are switched on this thread: no lock of ours held. */
    case PROP_E2EE_ENABLED:
      set_e2ee_enabled (self, g_value_get_boolean (value));
      return;
    case PROP_KEY_INDEX:{
      gint index = g_value_get_int (value);
      /* Before READY the key ring size may still change: checked then. */
      if (GST_STATE (self) < GST_STATE_READY || valid_key_index (self, index))
        gst_livekit_room_cryptors_set_local_key_index (self->cryptors, index);
      return;
    }
    case PROP_IDENTITY:
      gst_livekit_room_cryptors_set_local_identity (self->cryptors,
          g_value_get_string (value));
      break;
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
    case PROP_PAD_NAMING:
      self->pad_naming = g_value_get_enum (value);
      break;
    case PROP_GRACE_PERIOD:
      self->grace_period_ms = g_value_get_uint (value);
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

  switch (prop_id) {
    case PROP_E2EE_ENABLED:
      g_value_set_boolean (value,
          gst_livekit_room_cryptors_get_e2ee_enabled (self->cryptors));
      return;
    case PROP_KEY_INDEX:
      g_value_set_int (value,
          gst_livekit_room_cryptors_get_local_key_index (self->cryptors));
      return;
    case PROP_FRAME_CRYPTORS:
      gst_livekit_room_cryptors_list (self->cryptors, value);
      return;
    default:
      break;
  }

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
    case PROP_PAD_NAMING:
      g_value_set_enum (value, self->pad_naming);
      break;
    case PROP_GRACE_PERIOD:
      g_value_set_uint (value, self->grace_period_ms);
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

/* After the parents: GstBin drops the children, then GstElement releases
 * the request pads, which the session's publisher still knows. */
static void
gst_livekit_room_bin_dispose (GObject * object)
{
  GstLiveKitRoomBin *self = GST_LIVEKIT_ROOM_BIN (object);

  G_OBJECT_CLASS (gst_livekit_room_bin_parent_class)->dispose (object);
  g_clear_pointer (&self->session, gst_livekit_room_session_free);
}

static void
gst_livekit_room_bin_finalize (GObject * object)
{
  GstLiveKitRoomBin *self = GST_LIVEKIT_ROOM_BIN (object);

  clear_key (self);
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
  g_free (self->key_hex_problem);
  gst_livekit_key_options_clear (&self->key_options);
  gst_livekit_room_cryptors_free (self->cryptors);
  G_OBJECT_CLASS (gst_livekit_room_bin_parent_class)->finalize (object);
}

static void
gst_livekit_room_bin_init (GstLiveKitRoomBin * self)
{
  self->encryption = GST_LIVEKIT_ENCRYPTION_TYPE_GCM;
  self->auto_subscribe = TRUE;
  self->pad_naming = GST_LIVEKIT_PAD_NAMING_PARTICIPANT;
  self->grace_period_ms = DEFAULT_GRACE_PERIOD_MS;
  gst_livekit_key_options_init (&self->key_options);
  self->cryptors = gst_livekit_room_cryptors_new (GST_ELEMENT (self));
  /* Sink pads come and go; the bin is a source of room media. */
  GST_OBJECT_FLAG_SET (self, GST_ELEMENT_FLAG_SOURCE);
  self->host.bin = GST_BIN (self);
  self->host.post = host_post;
  self->host.watch_cryptor = host_watch_cryptor;
  self->host.data_received = host_data_received;
  self->host.inputs_ended = host_inputs_ended;
  /* Its webrtcbins are created now so request pads can be linked before
   * the bin starts (as gst-launch does). */
  self->session = gst_livekit_room_session_new (&self->host);
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
  gobject_class->dispose = gst_livekit_room_bin_dispose;
  gobject_class->finalize = gst_livekit_room_bin_finalize;
  GST_BIN_CLASS (klass)->handle_message =
      GST_DEBUG_FUNCPTR (gst_livekit_room_bin_handle_message);
  GST_BIN_CLASS (klass)->add_element =
      GST_DEBUG_FUNCPTR (gst_livekit_room_bin_add_element);
  element_class->change_state =
      GST_DEBUG_FUNCPTR (gst_livekit_room_bin_change_state);
  element_class->send_event =
      GST_DEBUG_FUNCPTR (gst_livekit_room_bin_send_event);
  element_class->request_new_pad =
      GST_DEBUG_FUNCPTR (gst_livekit_room_bin_request_new_pad);
  element_class->release_pad =
      GST_DEBUG_FUNCPTR (gst_livekit_room_bin_release_pad);

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
  g_object_class_install_property (gobject_class, PROP_PAD_NAMING,
      g_param_spec_enum ("pad-naming", "Pad naming",
          "How subscribed tracks' source pads are named: \"participant\" "
          "(<identity>_<source>, stable across rejoins and republishing) or "
          "\"track-sid\" (<kind>_<identity>_<track sid>, one pad per track)",
          GST_TYPE_LIVEKIT_PAD_NAMING, GST_LIVEKIT_PAD_NAMING_PARTICIPANT, rw));
  g_object_class_install_property (gobject_class, PROP_GRACE_PERIOD,
      g_param_spec_uint ("grace-period", "Grace period",
          "Milliseconds a participant's source pad waits for the source to "
          "come back (republished, or after a rejoin) before it ends with "
          "EOS and is removed; 0 ends it at once", 0, G_MAXUINT,
          DEFAULT_GRACE_PERIOD_MS, rw));
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
  /**
   * GstLiveKitRoomBin:e2ee-enabled:
   *
   * LiveKit's E2EEManager.set_enabled: FALSE turns every encryptor and
   * decryptor of the bin off, now and for tracks that come later. Published
   * frames then go out unencrypted (still announced as encrypted: the
   * AddTrack announcement follows #GstLiveKitRoomBin:encryption), and a
   * warning says so each time while tracks are published. Received frames
   * that still come encrypted are dropped, never passed on; unencrypted
   * ones pass.
   */
  g_object_class_install_property (gobject_class, PROP_E2EE_ENABLED,
      g_param_spec_boolean ("e2ee-enabled", "E2EE enabled",
          "Encrypt published and decrypt received frames (E2EEManager."
          "set_enabled). FALSE: published frames go out unencrypted; received "
          "frames that still come encrypted are dropped", TRUE,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_PLAYING));
  /**
   * GstLiveKitRoomBin:key-index:
   *
   * The key index the bin's own sender writes into its frames
   * (FrameCryptor.set_key_index of LiveKit's SDKs); -1 follows the key
   * ring's current index (the index last set or ratcheted, as LiveKit's JS
   * SDK). The key must be in the ring first.
   */
  g_object_class_install_property (gobject_class, PROP_KEY_INDEX,
      g_param_spec_int ("key-index", "Key index",
          "Key index the local sender encrypts with; -1 = the key ring's "
          "current index (last set or ratcheted). Must be below "
          "key-ring-size", -1, 255, -1,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_PLAYING));
  /**
   * GstLiveKitRoomBin:frame-cryptors:
   *
   * LiveKit's E2EEManager.frame_cryptors(): one "livekit-frame-cryptor"
   * structure per encryptor and decryptor in the bin, with
   * participant-identity, track-sid, kind ("audio"/"video"), direction
   * ("encrypt"/"decrypt"), key-index (the sender's index; for a decryptor
   * that of the last frame), enabled, state (#GstLiveKitEncryptionState),
   * element, and for decryptors encrypted-frames-dropped (encrypted frames
   * dropped while it was disabled). A snapshot, like the elements' stats.
   */
  g_object_class_install_property (gobject_class, PROP_FRAME_CRYPTORS,
      gst_param_spec_array ("frame-cryptors", "Frame cryptors",
          "The bin's encryptors and decryptors (E2EEManager.frame_cryptors): "
          "one structure each with participant-identity, track-sid, kind, "
          "direction, key-index, enabled, state",
          g_param_spec_boxed ("frame-cryptor", "Frame cryptor",
              "One encryptor or decryptor", GST_TYPE_STRUCTURE,
              G_PARAM_READABLE | G_PARAM_STATIC_STRINGS),
          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

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
      G_CALLBACK (send_data), NULL, NULL, NULL,
      G_TYPE_BOOLEAN, 4, G_TYPE_BYTES, G_TYPE_STRING, G_TYPE_BOOLEAN,
      G_TYPE_STRV);

  /**
   * GstLiveKitRoomBin::set-cryptor-enabled:
   * @identity: a remote participant, or the bin's own identity for its
   *   encryptors
   * @enabled: %FALSE to stop decrypting (encrypting) that participant's
   *   frames
   *
   * LiveKit's FrameCryptor.set_enabled for every track of @identity, now
   * and for its tracks to come (a participant that joins later, a rejoin).
   * A remote participant's frames that still come encrypted are dropped
   * while disabled, never passed on; other participants are unaffected.
   * #GstLiveKitRoomBin:e2ee-enabled=FALSE overrides it.
   *
   * Returns: %FALSE without an identity
   */
  signals[SIGNAL_SET_CRYPTOR_ENABLED] =
      g_signal_new_class_handler ("set-cryptor-enabled",
      G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST | G_SIGNAL_ACTION,
      G_CALLBACK (set_cryptor_enabled), NULL, NULL, NULL,
      G_TYPE_BOOLEAN, 2, G_TYPE_STRING, G_TYPE_BOOLEAN);

  /**
   * GstLiveKitRoomBin::set-cryptor-key-index:
   * @identity: the bin's own identity
   * @key_index: the key index to encrypt with, below key-ring-size; -1 for
   *   the key ring's current one
   *
   * LiveKit's FrameCryptor.set_key_index for the local sender: the same as
   * setting #GstLiveKitRoomBin:key-index. A receiver uses the key index
   * each frame carries, so a remote identity is refused.
   *
   * Returns: %TRUE when the index was taken
   */
  signals[SIGNAL_SET_CRYPTOR_KEY_INDEX] =
      g_signal_new_class_handler ("set-cryptor-key-index",
      G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST | G_SIGNAL_ACTION,
      G_CALLBACK (set_cryptor_key_index), NULL, NULL, NULL,
      G_TYPE_BOOLEAN, 2, G_TYPE_STRING, G_TYPE_INT);

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
  gst_type_mark_as_plugin_api (GST_TYPE_LIVEKIT_PAD_NAMING, 0);
}
