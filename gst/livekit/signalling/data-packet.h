/* LiveKit DataPacket (data channel messages), spec livekit-e2ee.md §12:
 * user packets, plain or wrapped in an EncryptedPacket. */
#ifndef __GST_LIVEKIT_DATA_PACKET_H__
#define __GST_LIVEKIT_DATA_PACKET_H__

#include <glib.h>

G_BEGIN_DECLS

typedef struct
{
  gchar *identity;              /* the sender, in the clear */
  gboolean reliable;
  /* A plain user packet: */
  gchar *topic;
  GBytes *payload;
  /* Or an encrypted one (payload and topic inside the ciphertext): */
  gboolean encrypted;
  guint key_index;
  GBytes *iv;
  GBytes *ciphertext;           /* ciphertext || tag of an EncryptedPacketPayload */
} GstLiveKitDataPacket;

/* FALSE for anything but a user packet, plain or encrypted (other kinds
 * are skipped) or for bytes that do not decode, strings that are not
 * UTF-8 included. */
gboolean gst_livekit_data_packet_parse (const guint8 * data, gsize len,
    GstLiveKitDataPacket * packet);
void gst_livekit_data_packet_clear (GstLiveKitDataPacket * packet);

/* The user packet inside a decrypted EncryptedPacketPayload. */
gboolean gst_livekit_data_payload_parse_user (const guint8 * data, gsize len,
    gchar ** topic, GBytes ** payload);

/* Serialized DataPacket of @identity to @destinations (NULL: everyone):
 * a plain user packet, or an EncryptedPacket (GCM) wrapping one. */
GBytes *gst_livekit_data_packet_build_user (const gchar * identity,
    gboolean reliable, const gchar * const *destinations,
    const gchar * topic, GBytes * payload);
GBytes *gst_livekit_data_packet_build_encrypted (const gchar * identity,
    gboolean reliable, const gchar * const *destinations, guint key_index,
    GBytes * iv, GBytes * ciphertext);

/* The serialized EncryptedPacketPayload of a user packet: what
 * gst_livekit_data_packet_build_encrypted()'s ciphertext encrypts. */
GBytes *gst_livekit_data_payload_build_user (const gchar * topic,
    GBytes * payload);

G_END_DECLS
#endif
