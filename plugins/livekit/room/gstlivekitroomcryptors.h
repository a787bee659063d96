/* The room bin's frame cryptors: every livekitencrypt and livekitdecrypt
 * the bin creates (GstLiveKitRoomHost.watch_cryptor), listed and driven as
 * LiveKit's E2EEManager and FrameCryptors are, and the policy the
 * application last set per identity, which cryptors made later (a late
 * joiner, a rejoin, a republished track) start with. */
#ifndef __GST_LIVEKIT_ROOM_CRYPTORS_H__
#define __GST_LIVEKIT_ROOM_CRYPTORS_H__

#include <gst/gst.h>

G_BEGIN_DECLS typedef struct _GstLiveKitRoomCryptors GstLiveKitRoomCryptors;

/* @bin is not owned: the registry lives as long as the bin. */
GstLiveKitRoomCryptors *gst_livekit_room_cryptors_new (GstElement * bin);
void gst_livekit_room_cryptors_free (GstLiveKitRoomCryptors * self);

/* The bin's own identity: set-cryptor-* calls for it drive the encryptors. */
void gst_livekit_room_cryptors_set_local_identity (GstLiveKitRoomCryptors *
    self, const gchar * identity);

/* A new encryptor (its `enabled` already says whether the bin encrypts at
 * all) or decryptor (`participant-identity` may follow). */
void gst_livekit_room_cryptors_add (GstLiveKitRoomCryptors * self,
    GstElement * cryptor);

/* The publisher's request pad @pad_name now carries track @sid. */
void gst_livekit_room_cryptors_track_published (GstLiveKitRoomCryptors * self,
    const gchar * pad_name, const gchar * sid);

/* E2EEManager.set_enabled: all cryptors on or off. */
void gst_livekit_room_cryptors_set_e2ee_enabled (GstLiveKitRoomCryptors *
    self, gboolean enabled);
gboolean gst_livekit_room_cryptors_get_e2ee_enabled (GstLiveKitRoomCryptors *
    self);

/* FrameCryptor.set_enabled for every cryptor of @identity, now and later.
 * Returns TRUE when @identity is the local one (the encryptors). */
gboolean gst_livekit_room_cryptors_set_enabled (GstLiveKitRoomCryptors * self,
    const gchar * identity, gboolean enabled);

/* The key index the local encryptors write (-1: the key ring's current
 * one), now and for encryptors made later. */
void gst_livekit_room_cryptors_set_local_key_index (GstLiveKitRoomCryptors *
    self, gint key_index);
gint gst_livekit_room_cryptors_get_local_key_index (GstLiveKitRoomCryptors *
    self);
gboolean gst_livekit_room_cryptors_is_local (GstLiveKitRoomCryptors * self,
    const gchar * identity);

/* Fills @array (a GST_TYPE_ARRAY value) with one structure per cryptor in
 * the bin. */
void gst_livekit_room_cryptors_list (GstLiveKitRoomCryptors * self,
    GValue * array);

G_END_DECLS
#endif
