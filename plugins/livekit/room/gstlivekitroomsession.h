/* A LiveKit session of the room bin (spec livekit-signalling.md §1-§4): the
 * signalling thread and client, the two webrtcbins (publisher and
 * subscriber connections), joining, the SDP and ICE exchange, and rejoining
 * with new webrtcbins when the server or the network goes away. It owns
 * the publisher, subscriber and data parts and the room model, and tells
 * the host what happens. */
#ifndef __GST_LIVEKIT_ROOM_SESSION_H__
#define __GST_LIVEKIT_ROOM_SESSION_H__

#include "gstlivekitroomhost.h"

#include <gst/livekit/livekit.h>
#include <gst/livekit/room/room.h>
#include <gst/livekit/signalling/signalling.h>

G_BEGIN_DECLS

typedef struct _GstLiveKitRoomSession GstLiveKitRoomSession;

/* What a session runs with, fixed from its start to its stop. */
typedef struct
{
  const gchar *url;
  const gchar *token;
  const gchar *identity;        /* the local key ring (may be NULL) */
  GstLiveKitEncryptionType encryption;
  gboolean auto_subscribe;
  GstLiveKitPadNaming pad_naming;
  GstClockTime grace_period;
} GstLiveKitRoomSettings;

/* Makes the webrtcbins at once, so request pads can be linked before the
 * bin starts (as gst-launch does). FALSE when webrtcbin is missing. */
GstLiveKitRoomSession *gst_livekit_room_session_new (const GstLiveKitRoomHost
    * host);
void gst_livekit_room_session_free (GstLiveKitRoomSession * session);

/* NULL -> READY: settings the webrtcbins need early (ICE on loopback). */
void gst_livekit_room_session_prepare (GstLiveKitRoomSession * session,
    const gchar * url);
/* READY -> PAUSED: the signalling thread joins the room. */
void gst_livekit_room_session_start (GstLiveKitRoomSession * session,
    const GstLiveKitRoomSettings * settings);
/* PAUSED -> READY: leaves, stops the thread, drops every subscribed pad. */
void gst_livekit_room_session_stop (GstLiveKitRoomSession * session);
gboolean gst_livekit_room_session_is_running (GstLiveKitRoomSession * session);

GstPad *gst_livekit_room_session_request_pad (GstLiveKitRoomSession * session,
    GstPadTemplate * templ, const gchar * name, const gchar * identity,
    gboolean encrypt);
gboolean gst_livekit_room_session_release_pad (GstLiveKitRoomSession *
    session, GstPad * pad);
gboolean gst_livekit_room_session_has_published_tracks (GstLiveKitRoomSession *
    session);

/* Received data packets are decrypted with @keyring. */
void gst_livekit_room_session_set_keyring (GstLiveKitRoomSession * session,
    GstLiveKitKeyring * keyring);
/* Sends as @identity, under @keyring when @encrypt. */
gboolean gst_livekit_room_session_send_data (GstLiveKitRoomSession * session,
    GstLiveKitKeyring * keyring, const gchar * identity, gboolean encrypt,
    GBytes * payload, const gchar * topic, gboolean reliable,
    const gchar * const *destinations);
/* A peer connection failed: rejoin (any thread). */
void gst_livekit_room_session_recover (GstLiveKitRoomSession * session);
/* EOS on every subscribed stream. */
void gst_livekit_room_session_end_streams (GstLiveKitRoomSession * session);
/* Whether @object is inside one of the session's webrtcbins. */
gboolean gst_livekit_room_session_owns (GstLiveKitRoomSession * session,
    GstObject * object);

G_END_DECLS
#endif
