#include "data-packet.h"
#include "livekit_signal.pb-c.h"

#include <string.h>

static gchar *
dup_nonempty (const char *s)
{
  return s && *s ? g_strdup (s) : NULL;
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
      && p->user) {
    *topic = dup_nonempty (p->user->topic);
    *payload = g_bytes_new (p->user->payload.data, p->user->payload.len);
    ok = TRUE;
  }
  livekit__encrypted_packet_payload__free_unpacked (p, NULL);
  return ok;
}
