/* What a client knows of a LiveKit room: its participants, their tracks and
 * sources, which msid/mid belongs to whom, and which source pad each
 * subscribed track feeds. Plain GLib: no webrtcbin, no element. */
#ifndef __GST_LIVEKIT_ROOM_MODEL_H__
#define __GST_LIVEKIT_ROOM_MODEL_H__

#include <glib-object.h>
#include <gst/livekit/signalling/signal-types.h>

G_BEGIN_DECLS

/**
 * GstLiveKitPadNaming:
 * @GST_LIVEKIT_PAD_NAMING_PARTICIPANT: `<identity>_<source>`, e.g.
 *   `alice_microphone`; a second track of the same source gets `_2`; a
 *   track of unknown source `<identity>_<kind>_<n>`. Stable across
 *   rejoins and republishing.
 * @GST_LIVEKIT_PAD_NAMING_TRACK_SID: `<kind>_<identity>_<track sid>`, one
 *   pad per track (the names before 0.2).
 */
typedef enum /*< underscore_name=gst_livekit_pad_naming >*/
{
  GST_LIVEKIT_PAD_NAMING_PARTICIPANT = 0,
  GST_LIVEKIT_PAD_NAMING_TRACK_SID = 1,
} GstLiveKitPadNaming;

/* A snapshot of one remote track, as known when it was asked for. */
typedef struct
{
  gchar *sid;
  gchar *identity;              /* the publisher */
  gchar *participant_sid;
  GstLiveKitTrackType type;
  GstLiveKitTrackSource source;
  GstLiveKitEncryptionType encryption;
  gchar *mime_type;             /* e.g. "video/VP8"; may be NULL */
} GstLiveKitRoomTrack;

void gst_livekit_room_track_free (GstLiveKitRoomTrack * track);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GstLiveKitRoomTrack, gst_livekit_room_track_free)

/* Lower-case TrackSource name ("microphone", "camera", "screen_share",
 * "screen_share_audio"), NULL for UNKNOWN. */
const gchar *gst_livekit_track_source_to_string (GstLiveKitTrackSource source);

#define GST_TYPE_LIVEKIT_ROOM_MODEL (gst_livekit_room_model_get_type ())
G_DECLARE_FINAL_TYPE (GstLiveKitRoomModel, gst_livekit_room_model, GST,
    LIVEKIT_ROOM_MODEL, GObject)

GstLiveKitRoomModel *gst_livekit_room_model_new (GstLiveKitPadNaming naming);
/* For pads named from now on. */
void gst_livekit_room_model_set_pad_naming (GstLiveKitRoomModel * model,
    GstLiveKitPadNaming naming);

/* Server updates. A join starts a new session: its participant list is the
 * whole room (participants missing from it have left; ourselves is
 * JoinResponse.participant). Updates are deltas: only the participants they
 * name change; a DISCONNECTED one is removed; stale versions are ignored. */
void gst_livekit_room_model_apply_join (GstLiveKitRoomModel * model,
    GstLiveKitJoinInfo * join);
void gst_livekit_room_model_apply_updates (GstLiveKitRoomModel * model,
    GPtrArray * participants);
/* mid -> track sid of a subscriber offer (SessionDescription). */
void gst_livekit_room_model_add_mids (GstLiveKitRoomModel * model,
    GHashTable * mid_to_track);
/* The mids of the latest subscriber offer by m-line index (NULL: none), and
 * the mid of m-line @mline. webrtcbin 1.22 leaves a transceiver without a
 * mid when applying an answer fails at an earlier m-line ("transceiver
 * direction changes are not implemented": LiveKit reusing an inactive
 * m-line); its index still names the m-line. */
void gst_livekit_room_model_set_mline_mids (GstLiveKitRoomModel * model,
    const gchar * const *mids, guint n_mids);
gchar *gst_livekit_room_model_dup_mline_mid (GstLiveKitRoomModel * model,
    guint mline);

/* The track sid a received stream carries: the track id of its msid
 * (`PA_…|TR_…` stream id, or a `TR_…` track id), else the offer's mid map.
 * Returns NULL when neither names a track. */
gchar *gst_livekit_room_model_resolve_track (GstLiveKitRoomModel * model,
    const gchar * msid, const gchar * mid);
/* A snapshot of @track_sid, or NULL when no participant has published it. */
GstLiveKitRoomTrack *gst_livekit_room_model_lookup_track (GstLiveKitRoomModel *
    model, const gchar * track_sid);
/* Our own identity in the current session (NULL before a join). */
gchar *gst_livekit_room_model_dup_local_identity (GstLiveKitRoomModel * model);
gboolean gst_livekit_room_model_has_participant (GstLiveKitRoomModel * model,
    const gchar * identity);

/* Pads. A subscribed track claims a pad name: the same track keeps its
 * name; with PARTICIPANT naming a track takes the free name of the same
 * participant and source (after a rejoin or a republish) before a new name
 * is made. @is_new says whether nobody used the name before. */
gchar *gst_livekit_room_model_claim_pad (GstLiveKitRoomModel * model,
    const GstLiveKitRoomTrack * track, gboolean * is_new);
/* The track stopped feeding its pad; the name stays reserved for the same
 * participant and source until forgotten. */
void gst_livekit_room_model_release_pad (GstLiveKitRoomModel * model,
    const gchar * pad_name);
/* The pad is gone: its name may be made again. */
void gst_livekit_room_model_forget_pad (GstLiveKitRoomModel * model,
    const gchar * pad_name);
/* The identity a pad was made for (NULL if unknown). */
gchar *gst_livekit_room_model_dup_pad_identity (GstLiveKitRoomModel * model,
    const gchar * pad_name);

/* Every participant and track is forgotten (not the pads); no events. */
void gst_livekit_room_model_clear (GstLiveKitRoomModel * model);

G_END_DECLS
#endif /* __GST_LIVEKIT_ROOM_MODEL_H__ */
