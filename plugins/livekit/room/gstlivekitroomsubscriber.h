/* The room bin's subscribed tracks: for each RTP pad of the subscriber
 * webrtcbin, the track and its sender come from the room model; packets
 * are stamped with the sender (GstLiveKitFrameMeta), depayloaded, decrypted
 * with the sender's keys and handed to the source pad the room model names
 * for that participant's source. The pads outlive the tracks. */
#ifndef __GST_LIVEKIT_ROOM_SUBSCRIBER_H__
#define __GST_LIVEKIT_ROOM_SUBSCRIBER_H__

#include "gstlivekitroomhost.h"

#include <gst/livekit/room/room.h>
#include <gst/sdp/sdp.h>

G_BEGIN_DECLS

typedef struct _GstLiveKitRoomSubscriber GstLiveKitRoomSubscriber;

GstLiveKitRoomSubscriber *gst_livekit_room_subscriber_new (const
    GstLiveKitRoomHost * host, GstLiveKitRoomModel * model);
void gst_livekit_room_subscriber_free (GstLiveKitRoomSubscriber * sub);

/* Grace timers run on @context (the signalling thread's; NULL when it
 * stops). */
void gst_livekit_room_subscriber_set_context (GstLiveKitRoomSubscriber * sub,
    GMainContext * context);
/* How long an idle pad waits for its participant's source to come back
 * (0: it ends at once). */
void gst_livekit_room_subscriber_set_grace (GstLiveKitRoomSubscriber * sub,
    GstClockTime grace);
/* Hex of the room's server-injected-frame trailer, for new decryptors. */
void gst_livekit_room_subscriber_set_sif_trailer (GstLiveKitRoomSubscriber *
    sub, const gchar * hex);

/* The subscriber webrtcbin of a session: its pads become tracks. */
void gst_livekit_room_subscriber_watch (GstLiveKitRoomSubscriber * sub,
    GstElement * webrtc);
/* Rejoin: every track of @webrtc ends; pads wait for the next session
 * (their grace does not run until gst_livekit_room_subscriber_resume()). */
void gst_livekit_room_subscriber_drop_all (GstLiveKitRoomSubscriber * sub,
    GstElement * webrtc);
/* A session is up again: idle pads' grace runs from now. */
void gst_livekit_room_subscriber_resume (GstLiveKitRoomSubscriber * sub);
/* The server says the track is gone: its pad goes idle. */
void gst_livekit_room_subscriber_track_unpublished (GstLiveKitRoomSubscriber *
    sub, const gchar * track_sid);
/* EOS on every pad (the application ends the stream). */
void gst_livekit_room_subscriber_end_all (GstLiveKitRoomSubscriber * sub);
/* On stop: every pad and chain goes. */
void gst_livekit_room_subscriber_clear (GstLiveKitRoomSubscriber * sub);

/* Puts each m-line's track codec first in a subscriber offer. */
void gst_livekit_room_subscriber_prefer_track_codecs (GstLiveKitRoomSubscriber
    * sub, GstSDPMessage * offer);

/* Lists every video codec the bin receives in each video m-line of the
 * answer to @offer (gstlivekitsdpcodecs.h). */
void gst_livekit_room_subscriber_complete_answer (const GstSDPMessage * offer,
    GstSDPMessage * answer);

G_END_DECLS
#endif
