#include "data-packet.h"
#include "livekit_signal.pb-c.h"

#include <string.h>

static gchar *
dup_nonempty (const char *s)
{
  return s && *s ? g_strdup (s) : NULL;
}

/* protobuf strings are UTF-8; protobuf-c does not check. LiveKit's other
 * decoders (Go, prost) refuse such a packet, and applications (Python, JS
 * bindings) cannot take the string: refuse it too. */
static gboolean
valid_str (const char *s)
{
  return !s || g_utf8_validate (s, -1, NULL);
}

gboolean
gst_livekit_data_packet_parse (const guint8 * data, gsize len,
    GstLiveKitDataPacket * packet)
{
  Livekit__DataPacket *dp = livekit__data_packet__unpack (NULL, len, data);
  gboolean ok = FALSE;

  memset (packet, 0, sizeof *packet);
  if (!dp)
    return FALSE;
  if (!valid_str (dp->participant_identity)
      || (dp->value_case == LIVEKIT__DATA_PACKET__VALUE_USER && dp->user
          && (!valid_str (dp->user->topic)
              || !valid_str (dp->user->participant_identity)))) {
    livekit__data_packet__free_unpacked (dp, NULL);
    return FALSE;
  }
  packet->identity = dup_nonempty (dp->participant_identity);
  packet->reliable = dp->kind == LIVEKIT__DATA_PACKET__KIND__RELIABLE;
  if (dp->value_case == LIVEKIT__DATA_PACKET__VALUE_USER && dp->user) {
    packet->topic = dup_nonempty (dp->user->topic);
    packet->payload = g_bytes_new (dp->user->payload.data,
        dp->user->payload.len);
    /* Older senders put the identity in the user packet only. */
    if (!packet->identity)
      packet->identity = dup_nonempty (dp->user->participant_identity);
    ok = TRUE;
  } else if (dp->value_case == LIVEKIT__DATA_PACKET__VALUE_ENCRYPTED_PACKET
      && dp->encrypted_packet) {
    Livekit__EncryptedPacket *ep = dp->encrypted_packet;
    packet->encrypted = TRUE;
    packet->key_index = ep->key_index;
    packet->iv = g_bytes_new (ep->iv.data, ep->iv.len);
    packet->ciphertext = g_bytes_new (ep->encrypted_value.data,
        ep->encrypted_value.len);
    ok = TRUE;
  }
  livekit__data_packet__free_unpacked (dp, NULL);
  if (!ok)
    gst_livekit_data_packet_clear (packet);
  return ok;
}

void
gst_livekit_data_packet_clear (GstLiveKitDataPacket * packet)
{
  g_clear_pointer (&packet->identity, g_free);
  g_clear_pointer (&packet->topic, g_free);
  g_clear_pointer (&packet->payload, g_bytes_unref);
  g_clear_pointer (&packet->iv, g_bytes_unref);
  g_clear_pointer (&packet->ciphertext, g_bytes_unref);
}

gboolean
gst_livekit_data_payload_parse_user (const guint8 * data, gsize len,
    gchar ** topic, GBytes ** payload)
{
  Livekit__EncryptedPacketPayload *p =
      livekit__encrypted_packet_payload__unpack (NULL, len, data);
  gboolean ok = FALSE;

  if (!p)
    return FALSE;
  if (p->value_case == LIVEKIT__ENCRYPTED_PACKET_PAYLOAD__VALUE_USER
      && p->user && valid_str (p->user->topic)) {
    *topic = dup_nonempty (p->user->topic);
    *payload = g_bytes_new (p->user->payload.data, p->user->payload.len);
    ok = TRUE;
  }
  livekit__encrypted_packet_payload__free_unpacked (p, NULL);
  return ok;
}

static ProtobufCBinaryData
binary (GBytes * bytes)
{
  ProtobufCBinaryData b = { 0, NULL };
  gsize len = 0;

  b.data = bytes ? (uint8_t *) g_bytes_get_data (bytes, &len) : NULL;
  b.len = len;
  return b;
}

static void
fill_user (Livekit__UserPacket * user, const gchar * topic, GBytes * payload)
{
  user->payload = binary (payload);
  if (topic)
    user->topic = (char *) topic;
}

static GBytes *
pack_data_packet (Livekit__DataPacket * dp, const gchar * identity,
    gboolean reliable, const gchar * const *destinations)
{
  guint8 *buf;
  gsize len;

  dp->kind = reliable ? LIVEKIT__DATA_PACKET__KIND__RELIABLE :
      LIVEKIT__DATA_PACKET__KIND__LOSSY;
  if (identity)
    dp->participant_identity = (char *) identity;
  dp->n_destination_identities = destinations ?
      g_strv_length ((gchar **) destinations) : 0;
  dp->destination_identities = (char **) destinations;
  len = livekit__data_packet__get_packed_size (dp);
  buf = g_malloc (len ? len : 1);
  livekit__data_packet__pack (dp, buf);
  return g_bytes_new_take (buf, len);
}

GBytes *
gst_livekit_data_packet_build_user (const gchar * identity, gboolean reliable,
    const gchar * const *destinations, const gchar * topic, GBytes * payload)
{
  Livekit__DataPacket dp = LIVEKIT__DATA_PACKET__INIT;
  Livekit__UserPacket user = LIVEKIT__USER_PACKET__INIT;

  fill_user (&user, topic, payload);
  /* Servers before DataPacket.destination_identities read these. */
  user.n_destination_identities = destinations ?
      g_strv_length ((gchar **) destinations) : 0;
  user.destination_identities = (char **) destinations;
  dp.value_case = LIVEKIT__DATA_PACKET__VALUE_USER;
  dp.user = &user;
  return pack_data_packet (&dp, identity, reliable, destinations);
}

GBytes *
gst_livekit_data_packet_build_encrypted (const gchar * identity,
    gboolean reliable, const gchar * const *destinations, guint key_index,
    GBytes * iv, GBytes * ciphertext)
{
  Livekit__DataPacket dp = LIVEKIT__DATA_PACKET__INIT;
  Livekit__EncryptedPacket ep = LIVEKIT__ENCRYPTED_PACKET__INIT;

  ep.encryption_type = LIVEKIT__ENCRYPTION__TYPE__GCM;
  ep.iv = binary (iv);
  ep.key_index = key_index;
  ep.encrypted_value = binary (ciphertext);
  dp.value_case = LIVEKIT__DATA_PACKET__VALUE_ENCRYPTED_PACKET;
  dp.encrypted_packet = &ep;
  return pack_data_packet (&dp, identity, reliable, destinations);
}

GBytes *
gst_livekit_data_payload_build_user (const gchar * topic, GBytes * payload)
{
  Livekit__EncryptedPacketPayload p = LIVEKIT__ENCRYPTED_PACKET_PAYLOAD__INIT;
  Livekit__UserPacket user = LIVEKIT__USER_PACKET__INIT;
  guint8 *buf;
  gsize len;

  fill_user (&user, topic, payload);
  p.value_case = LIVEKIT__ENCRYPTED_PACKET_PAYLOAD__VALUE_USER;
  p.user = &user;
  len = livekit__encrypted_packet_payload__get_packed_size (&p);
  buf = g_malloc (len ? len : 1);
  livekit__encrypted_packet_payload__pack (&p, buf);
  return g_bytes_new_take (buf, len);
}
