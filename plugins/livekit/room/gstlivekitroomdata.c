/* User data packets (spec livekit-e2ee.md §12). LiveKit clients send on
 * two data channels of their publisher connection, "_reliable" (ordered)
 * and "_lossy" (unordered, no retransmissions), and receive on the
 * server's channels of the subscriber connection. With encryption on,
 * the user packet travels as an EncryptedPacket under the sender's key;
 * what does not decrypt is dropped, never passed on. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstlivekitroomdata.h"

#include <gst/livekit/signalling/signalling.h>
#include <gst/webrtc/webrtc.h>

#define GST_CAT_DEFAULT gst_livekit_room_bin_debug

/* Packets sent before the channel opens wait for it, up to this many. */
#define MAX_PENDING_DATA 256
/* At most one warning message about unsent data in this many µs. */
#define SEND_WARNING_INTERVAL (2 * G_USEC_PER_SEC)

struct _GstLiveKitRoomData
{
  const GstLiveKitRoomHost *host;
  void (*connect_later) (gpointer);
  gpointer user_data;

  /* data_lock (recursive: a failed send may close its channel). */
  GRecMutex data_lock;
  GstLiveKitKeyring *keyring;  /* for reception */
  GstWebRTCDataChannel *reliable_channel, *lossy_channel;
  GQueue pending_reliable, pending_lossy;       /* GBytes, packets */
  gboolean wanted;              /* the publisher must connect for data */
  gint64 last_send_warning;     /* monotonic µs */
};

GstLiveKitRoomData *
gst_livekit_room_data_new (const GstLiveKitRoomHost * host,
    void (*connect_later) (gpointer), gpointer user_data)
{
  GstLiveKitRoomData *self = g_new0 (GstLiveKitRoomData, 1);

  self->host = host;
  self->connect_later = connect_later;
  self->user_data = user_data;
  g_rec_mutex_init (&self->data_lock);
  return self;
}

void
gst_livekit_room_data_free (GstLiveKitRoomData * self)
{
  gst_livekit_room_data_clear (self);
  gst_clear_object (&self->keyring);
  g_rec_mutex_clear (&self->data_lock);
  g_free (self);
}

void
gst_livekit_room_data_set_keyring (GstLiveKitRoomData * self,
    GstLiveKitKeyring * keyring)
{
  g_rec_mutex_lock (&self->data_lock);
  gst_object_replace ((GstObject **) & self->keyring, GST_OBJECT (keyring));
  g_rec_mutex_unlock (&self->data_lock);
}

/* --------------------------------------------------------------- receive */

void
gst_livekit_room_data_receive (GstLiveKitRoomData * self, GBytes * data)
{
  GstLiveKitDataPacket packet;
  gsize len;
  const guint8 *bytes = g_bytes_get_data (data, &len);
  GBytes *plain = NULL, *payload = NULL;
  gchar *topic = NULL;

  if (!gst_livekit_data_packet_parse (bytes, len, &packet))
    return;                     /* not a user packet: nothing for us */
  if (packet.encrypted) {
    GstLiveKitKeyring *keyring;
    gsize plain_len;
    const guint8 *p;

    g_rec_mutex_lock (&self->data_lock);
    keyring = self->keyring ? gst_object_ref (self->keyring) : NULL;
    g_rec_mutex_unlock (&self->data_lock);
    plain = keyring ? gst_livekit_keyring_decrypt_data (keyring,
        packet.identity, packet.key_index, packet.iv, packet.ciphertext) :
        NULL;
    gst_clear_object (&keyring);
    p = plain ? g_bytes_get_data (plain, &plain_len) : NULL;
    if (!p || !gst_livekit_data_payload_parse_user (p, plain_len, &topic,
            &payload)) {
      /* Fail closed, like media: undecryptable data is dropped. */
      GST_WARNING_OBJECT (self->host->bin, "dropped a data packet from %s: %s",
          packet.identity, plain ? "not a user packet" : "does not decrypt");
      self->host->post (self->host->bin,
          gst_structure_new ("livekit-data-dropped", "identity",
              G_TYPE_STRING, packet.identity, "key-index", G_TYPE_UINT,
              packet.key_index, NULL));
      goto out;
    }
  } else {
    topic = g_strdup (packet.topic);
    payload = g_bytes_ref (packet.payload);
  }
  self->host->data_received (self->host->bin, packet.identity, topic, payload,
      packet.encrypted);
out:
  g_clear_pointer (&plain, g_bytes_unref);
  g_clear_pointer (&payload, g_bytes_unref);
  g_free (topic);
  gst_livekit_data_packet_clear (&packet);
}

static void
on_data_message (GstWebRTCDataChannel * channel, GBytes * data,
    GstLiveKitRoomData * self)
{
  gst_livekit_room_data_receive (self, data);
}

static void
on_data_channel (GstElement * webrtc, GstWebRTCDataChannel * channel,
    GstLiveKitRoomData * self)
{
  g_signal_connect (channel, "on-message-data", G_CALLBACK (on_data_message),
      self);
}

/* ------------------------------------------------------------------ send */

static gboolean
channel_is_open (GstWebRTCDataChannel * channel)
{
  GstWebRTCDataChannelState state = GST_WEBRTC_DATA_CHANNEL_STATE_CLOSED;

  if (channel)
    g_object_get (channel, "ready-state", &state, NULL);
  return state == GST_WEBRTC_DATA_CHANNEL_STATE_OPEN;
}

static void
send_on (GstLiveKitRoomData * self, GstWebRTCDataChannel * channel,
    GBytes * packet)
{
  GError *err = NULL;

  if (!gst_webrtc_data_channel_send_data_full (channel, packet, &err)) {
    GST_WARNING_OBJECT (self->host->bin, "data packet not sent: %s", err->message);
    g_clear_error (&err);
  }
}

static GQueue *
pending_for (GstLiveKitRoomData * self, gboolean reliable)
{
  return reliable ? &self->pending_reliable : &self->pending_lossy;
}

/* A channel opened: what waited for it goes out, in order. data_lock
 * keeps later sends behind these. */
static void
on_channel_open (GstWebRTCDataChannel * channel, GParamSpec * pspec,
    GstLiveKitRoomData * self)
{
  GQueue *pending;
  GBytes *packet;

  if (!channel_is_open (channel))
    return;
  g_rec_mutex_lock (&self->data_lock);
  pending = pending_for (self, channel == self->reliable_channel);
  GST_DEBUG_OBJECT (self->host->bin, "%s open, %u packets were waiting",
      channel == self->reliable_channel ? "_reliable" : "_lossy",
      pending->length);
  while ((packet = g_queue_pop_head (pending))) {
    send_on (self, channel, packet);
    g_bytes_unref (packet);
  }
  g_rec_mutex_unlock (&self->data_lock);
}

static GstWebRTCDataChannel *
create_channel (GstLiveKitRoomData * self, GstElement * publisher,
    const gchar * label, gboolean reliable)
{
  GstWebRTCDataChannel *channel = NULL;
  GstStructure *options = reliable ?
      gst_structure_new ("options", "ordered", G_TYPE_BOOLEAN, TRUE, NULL) :
      gst_structure_new ("options", "ordered", G_TYPE_BOOLEAN, FALSE,
      "max-retransmits", G_TYPE_INT, 0, NULL);

  g_signal_emit_by_name (publisher, "create-data-channel", label,
      options, &channel);
  gst_structure_free (options);
  if (channel)
    g_signal_connect (channel, "notify::ready-state",
        G_CALLBACK (on_channel_open), self);
  return channel;
}

void
gst_livekit_room_data_watch (GstLiveKitRoomData * self, GstElement * subscriber)
{
  g_signal_connect (subscriber, "on-data-channel",
      G_CALLBACK (on_data_channel), self);
}

void
gst_livekit_room_data_open_channels (GstLiveKitRoomData * self,
    GstElement * publisher)
{
  GstWebRTCDataChannel *reliable, *lossy;

  gst_livekit_room_data_drop_channels (self);
  reliable = create_channel (self, publisher, "_reliable", TRUE);
  lossy = create_channel (self, publisher, "_lossy", FALSE);
  g_rec_mutex_lock (&self->data_lock);
  self->reliable_channel = reliable;
  self->lossy_channel = lossy;
  g_rec_mutex_unlock (&self->data_lock);
}

static void
drop_channel (GstLiveKitRoomData * self, GstWebRTCDataChannel ** channel)
{
  if (*channel)
    g_signal_handlers_disconnect_by_data (*channel, self);
  gst_clear_object (channel);
}

void
gst_livekit_room_data_drop_channels (GstLiveKitRoomData * self)
{
  g_rec_mutex_lock (&self->data_lock);
  drop_channel (self, &self->reliable_channel);
  drop_channel (self, &self->lossy_channel);
  g_rec_mutex_unlock (&self->data_lock);
}

void
gst_livekit_room_data_clear (GstLiveKitRoomData * self)
{
  g_rec_mutex_lock (&self->data_lock);
  g_queue_clear_full (&self->pending_reliable,
      (GDestroyNotify) g_bytes_unref);
  g_queue_clear_full (&self->pending_lossy, (GDestroyNotify) g_bytes_unref);
  self->wanted = FALSE;
  drop_channel (self, &self->reliable_channel);
  drop_channel (self, &self->lossy_channel);
  g_rec_mutex_unlock (&self->data_lock);
}

/* The user packet as it goes on the wire: encrypted under the local
 * participant's current key when the room is encrypted. */
static GBytes *
build_packet (GstLiveKitKeyring * keyring, const gchar * identity,
    GBytes * payload, const gchar * topic, gboolean reliable,
    const gchar * const *destinations, gboolean encrypt)
{
  GBytes *plain, *iv = NULL, *ciphertext, *packet;
  guint key_index = 0;

  if (!encrypt)
    return gst_livekit_data_packet_build_user (identity, reliable,
        destinations, topic, payload);
  if (!keyring)
    return NULL;
  plain = gst_livekit_data_payload_build_user (topic, payload);
  ciphertext = gst_livekit_keyring_encrypt_data (keyring, identity,
      plain, &key_index, &iv);
  g_bytes_unref (plain);
  if (!ciphertext)
    return NULL;
  packet = gst_livekit_data_packet_build_encrypted (identity, reliable,
      destinations, key_index, iv, ciphertext);
  g_bytes_unref (iv);
  g_bytes_unref (ciphertext);
  return packet;
}

static void
warn_not_sent (GstLiveKitRoomData * self, const gchar * why)
{
  gint64 now = g_get_monotonic_time ();

  g_rec_mutex_lock (&self->data_lock);
  if (self->last_send_warning && now - self->last_send_warning <
      SEND_WARNING_INTERVAL) {
    g_rec_mutex_unlock (&self->data_lock);
    GST_DEBUG_OBJECT (self, "data packet not sent: %s", why);
    return;
  }
  self->last_send_warning = now;
  g_rec_mutex_unlock (&self->data_lock);
  GST_ELEMENT_WARNING (self->host->bin, RESOURCE, WRITE,
      ("data packet not sent: %s", why), (NULL));
}

gboolean
gst_livekit_room_data_send (GstLiveKitRoomData * self,
    GstLiveKitKeyring * keyring, const gchar * identity, gboolean encrypt,
    GBytes * payload, const gchar * topic, gboolean reliable,
    const gchar * const *destinations)
{
  GstWebRTCDataChannel *channel;
  GQueue *pending;
  gboolean negotiate, sent = TRUE;
  GBytes *packet;

  g_return_val_if_fail (payload != NULL, FALSE);
  packet = build_packet (keyring, identity, payload, topic, reliable,
      destinations, encrypt);
  if (!packet) {
    /* Fail closed: no key, no data, never plaintext instead. */
    warn_not_sent (self, "no key to encrypt it with");
    return FALSE;
  }

  g_rec_mutex_lock (&self->data_lock);
  channel = reliable ? self->reliable_channel : self->lossy_channel;
  pending = pending_for (self, reliable);
  if (channel_is_open (channel) && g_queue_is_empty (pending)) {
    send_on (self, channel, packet);
    g_bytes_unref (packet);
  } else if (pending->length < MAX_PENDING_DATA) {
    g_queue_push_tail (pending, packet);
  } else {
    g_bytes_unref (packet);
    sent = FALSE;
  }
  /* A publisher connection that carries no track yet opens for data. */
  negotiate = !self->wanted;
  self->wanted = TRUE;
  g_rec_mutex_unlock (&self->data_lock);

  if (!sent)
    warn_not_sent (self, "too many packets wait for the data channel");
  if (negotiate)
    self->connect_later (self->user_data);
  return sent;
}

gboolean
gst_livekit_room_data_wanted (GstLiveKitRoomData * self)
{
  gboolean wanted;

  g_rec_mutex_lock (&self->data_lock);
  wanted = self->wanted;
  g_rec_mutex_unlock (&self->data_lock);
  return wanted;
}
