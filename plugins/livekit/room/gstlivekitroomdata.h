/* User data packets of the room bin (spec livekit-e2ee.md §12): the
 * publisher's "_reliable" and "_lossy" channels out, the server's channels
 * of the subscriber connection in, EncryptedPacket under the keyring. */
#ifndef __GST_LIVEKIT_ROOM_DATA_H__
#define __GST_LIVEKIT_ROOM_DATA_H__

#include "gstlivekitroomhost.h"

#include <gst/livekit/livekit.h>

G_BEGIN_DECLS

typedef struct _GstLiveKitRoomData GstLiveKitRoomData;

/* @connect_later: the publisher connection must come up for data (the
 * first send when nothing is published). */
GstLiveKitRoomData *gst_livekit_room_data_new (const GstLiveKitRoomHost *
    host, void (*connect_later) (gpointer), gpointer user_data);
void gst_livekit_room_data_free (GstLiveKitRoomData * data);

/* The keyring received packets are decrypted with. */
void gst_livekit_room_data_set_keyring (GstLiveKitRoomData * data,
    GstLiveKitKeyring * keyring);
/* One message of a data channel: parsed, decrypted when it came
 * encrypted, then host->data_received (or dropped, with a
 * "livekit-data-dropped" event when it does not decrypt). Any thread. */
void gst_livekit_room_data_receive (GstLiveKitRoomData * data,
    GBytes * message);
/* Reception from @subscriber's data channels. */
void gst_livekit_room_data_watch (GstLiveKitRoomData * data,
    GstElement * subscriber);
/* Signalling thread, once joined: the channels of @publisher (a webrtcbin
 * takes data channels only once it is READY, and a stopped one never
 * again). The previous publisher's channels are forgotten; packets that
 * wait for a channel stay. */
void gst_livekit_room_data_open_channels (GstLiveKitRoomData * data,
    GstElement * publisher);
void gst_livekit_room_data_drop_channels (GstLiveKitRoomData * data);
/* On stop: the channels and whatever waits for them. */
void gst_livekit_room_data_clear (GstLiveKitRoomData * data);

/* The send-data action, as @identity, encrypted under @keyring when
 * @encrypt; any thread. */
gboolean gst_livekit_room_data_send (GstLiveKitRoomData * data,
    GstLiveKitKeyring * keyring, const gchar * identity, gboolean encrypt,
    GBytes * payload, const gchar * topic, gboolean reliable,
    const gchar * const *destinations);
/* Whether the publisher connection must come up for data alone. */
gboolean gst_livekit_room_data_wanted (GstLiveKitRoomData * data);

G_END_DECLS
#endif
