/* Between the protobuf-c generated code and the rest: decoding server
 * messages into the public info structs, encoding client requests. Not
 * installed; the unit tests use it. */
#ifndef __GST_LIVEKIT_SIGNAL_PRIVATE_H__
#define __GST_LIVEKIT_SIGNAL_PRIVATE_H__

#include "signal-types.h"
/* Generated at build time (meson custom_target), hence the full path. */
#include <gst/livekit/signalling/livekit_signal.pb-c.h>

G_BEGIN_DECLS

/* Empty structs (strings NULL, containers allocated); the decoder fills
 * them before anyone else sees them. */
GstLiveKitTrackInfo *gst_livekit_track_info_alloc (void);
GstLiveKitParticipantInfo *gst_livekit_participant_info_alloc (void);
GstLiveKitIceServer *gst_livekit_ice_server_alloc (void);
GstLiveKitJoinInfo *gst_livekit_join_info_alloc (void);

/* Decoding. Absent nested messages give empty structs and every string is
 * non-NULL and UTF-8, so callers never check fields for NULL. */
GstLiveKitTrackInfo *gst_livekit_track_info_from_pb
    (const Livekit__TrackInfo * pb);
GstLiveKitParticipantInfo *gst_livekit_participant_info_from_pb
    (const Livekit__ParticipantInfo * pb);
GPtrArray *gst_livekit_participant_infos_from_pb
    (Livekit__ParticipantInfo ** pbs, gsize n);
GstLiveKitJoinInfo *gst_livekit_join_info_from_pb
    (const Livekit__JoinResponse * pb);
GHashTable *gst_livekit_mid_to_track_id_from_pb
    (const Livekit__SessionDescription * pb);

/* Encoding: each returns one packed SignalRequest, ready for a binary
 * WebSocket frame. */
GBytes *gst_livekit_signal_request_sdp (gboolean answer, const gchar * sdp,
    guint32 id);
GBytes *gst_livekit_signal_request_trickle (const gchar * candidate_json,
    GstLiveKitSignalTarget target, gboolean final);
GBytes *gst_livekit_signal_request_add_track (const gchar * cid,
    const gchar * name, GstLiveKitTrackType type, GstLiveKitTrackSource source,
    guint width, guint height, GstLiveKitEncryptionType encryption,
    gboolean disable_red);
GBytes *gst_livekit_signal_request_mute (const gchar * track_sid,
    gboolean muted);
GBytes *gst_livekit_signal_request_subscription (const gchar * participant_sid,
    const gchar * const *track_sids, gboolean subscribe);
GBytes *gst_livekit_signal_request_leave (GstLiveKitDisconnectReason reason);
GBytes *gst_livekit_signal_request_ping (gint64 timestamp_ms, gint64 rtt_ms);

G_END_DECLS
#endif /* __GST_LIVEKIT_SIGNAL_PRIVATE_H__ */
