/* The room bin's published tracks (spec livekit-signalling.md §3.2-§3.3):
 * each request pad feeds livekitencrypt -> an E2EE-safe payloader -> a flow
 * guard -> the publisher webrtcbin; AddTrack for each, then the offer. */
#ifndef __GST_LIVEKIT_ROOM_PUBLISHER_H__
#define __GST_LIVEKIT_ROOM_PUBLISHER_H__

#include "gstlivekitroomhost.h"

#include <gst/livekit/signalling/signalling.h>

G_BEGIN_DECLS

typedef struct _GstLiveKitRoomPublisher GstLiveKitRoomPublisher;

/* @negotiate_later: asks for gst_livekit_room_publisher_negotiate() on
 * the signalling thread (a track became ready on a streaming thread). */
GstLiveKitRoomPublisher *gst_livekit_room_publisher_new (const
    GstLiveKitRoomHost * host, void (*negotiate_later) (gpointer),
    gpointer user_data);
void gst_livekit_room_publisher_free (GstLiveKitRoomPublisher * pub);

/* Request pads: encrypted as @identity (its own key ring, else the shared
 * one); @encrypt FALSE publishes in the clear. */
GstPad *gst_livekit_room_publisher_request_pad (GstLiveKitRoomPublisher * pub,
    GstPadTemplate * templ, const gchar * name, const gchar * identity,
    gboolean encrypt);
/* FALSE when @pad is not one of ours. */
gboolean gst_livekit_room_publisher_release_pad (GstLiveKitRoomPublisher *
    pub, GstPad * pad);
gboolean gst_livekit_room_publisher_has_tracks (GstLiveKitRoomPublisher * pub);

/* The publisher webrtcbin: set at the start and on each rejoin (the old
 * one's tracks are unlinked first, then linked to @webrtc). */
void gst_livekit_room_publisher_set_webrtcbin (GstLiveKitRoomPublisher * pub,
    GstElement * webrtc);
/* Signalling thread: the session's client (NULL when there is none). */
void gst_livekit_room_publisher_set_signal (GstLiveKitRoomPublisher * pub,
    GstLiveKitSignalClient * signal);

/* Signalling thread: announces ready tracks; once the server knows every
 * one, offers (also with no track when @for_data). */
void gst_livekit_room_publisher_negotiate (GstLiveKitRoomPublisher * pub,
    GstLiveKitEncryptionType encryption, gboolean for_data);
void gst_livekit_room_publisher_on_track_published (GstLiveKitRoomPublisher *
    pub, const gchar * cid, const gchar * sid);
/* Signalling thread: the server refused to publish the track of @cid. Its
 * data is dropped from now on (never held) and it is not published again
 * on a rejoin. Returns (transfer full) its pad's name, NULL when @cid is
 * not one of ours. */
gchar *gst_livekit_room_publisher_on_track_refused (GstLiveKitRoomPublisher *
    pub, const gchar * cid);
/* The server's answer was applied: a waiting renegotiation may run.
 * Returns TRUE when one is due. */
gboolean gst_livekit_room_publisher_on_answer (GstLiveKitRoomPublisher * pub);

G_END_DECLS
#endif
