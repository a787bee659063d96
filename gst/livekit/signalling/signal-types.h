/* LiveKit signalling data as the room bin sees it: enums with LiveKit's wire
 * values and small immutable, reference-counted info structs decoded from
 * the server's messages (spec livekit-signalling.md §2). */
#ifndef __GST_LIVEKIT_SIGNAL_TYPES_H__
#define __GST_LIVEKIT_SIGNAL_TYPES_H__

#include <glib-object.h>

G_BEGIN_DECLS

/* Every enum below carries LiveKit's own numeric values; a value the server
 * adds later arrives unchanged (cast into the enum), so compare, never
 * index arrays with it. */

typedef enum /*< underscore_name=gst_livekit_track_type >*/
{
  GST_LIVEKIT_TRACK_TYPE_AUDIO = 0,
  GST_LIVEKIT_TRACK_TYPE_VIDEO = 1,
  GST_LIVEKIT_TRACK_TYPE_DATA = 2,
} GstLiveKitTrackType;

typedef enum /*< underscore_name=gst_livekit_track_source >*/
{
  GST_LIVEKIT_TRACK_SOURCE_UNKNOWN = 0,
  GST_LIVEKIT_TRACK_SOURCE_CAMERA = 1,
  GST_LIVEKIT_TRACK_SOURCE_MICROPHONE = 2,
  GST_LIVEKIT_TRACK_SOURCE_SCREEN_SHARE = 3,
  GST_LIVEKIT_TRACK_SOURCE_SCREEN_SHARE_AUDIO = 4,
} GstLiveKitTrackSource;

/* Encryption.Type: what AddTrackRequest.encryption (14) and
 * TrackInfo.encryption (16) carry (spec §4). */
typedef enum /*< underscore_name=gst_livekit_encryption_type >*/
{
  GST_LIVEKIT_ENCRYPTION_TYPE_NONE = 0,
  GST_LIVEKIT_ENCRYPTION_TYPE_GCM = 1,
  GST_LIVEKIT_ENCRYPTION_TYPE_CUSTOM = 2,
} GstLiveKitEncryptionType;

typedef enum /*< underscore_name=gst_livekit_signal_target >*/
{
  GST_LIVEKIT_SIGNAL_TARGET_PUBLISHER = 0,
  GST_LIVEKIT_SIGNAL_TARGET_SUBSCRIBER = 1,
} GstLiveKitSignalTarget;

typedef enum /*< underscore_name=gst_livekit_participant_state >*/
{
  GST_LIVEKIT_PARTICIPANT_STATE_JOINING = 0,
  GST_LIVEKIT_PARTICIPANT_STATE_JOINED = 1,
  GST_LIVEKIT_PARTICIPANT_STATE_ACTIVE = 2,
  GST_LIVEKIT_PARTICIPANT_STATE_DISCONNECTED = 3,
} GstLiveKitParticipantState;

typedef enum /*< underscore_name=gst_livekit_disconnect_reason >*/
{
  GST_LIVEKIT_DISCONNECT_REASON_UNKNOWN = 0,
  GST_LIVEKIT_DISCONNECT_REASON_CLIENT_INITIATED = 1,
  GST_LIVEKIT_DISCONNECT_REASON_DUPLICATE_IDENTITY = 2,
  GST_LIVEKIT_DISCONNECT_REASON_SERVER_SHUTDOWN = 3,
  GST_LIVEKIT_DISCONNECT_REASON_PARTICIPANT_REMOVED = 4,
  GST_LIVEKIT_DISCONNECT_REASON_ROOM_DELETED = 5,
  GST_LIVEKIT_DISCONNECT_REASON_STATE_MISMATCH = 6,
  GST_LIVEKIT_DISCONNECT_REASON_JOIN_FAILURE = 7,
  GST_LIVEKIT_DISCONNECT_REASON_MIGRATION = 8,
  GST_LIVEKIT_DISCONNECT_REASON_SIGNAL_CLOSE = 9,
  GST_LIVEKIT_DISCONNECT_REASON_ROOM_CLOSED = 10,
  GST_LIVEKIT_DISCONNECT_REASON_USER_UNAVAILABLE = 11,
  GST_LIVEKIT_DISCONNECT_REASON_USER_REJECTED = 12,
  GST_LIVEKIT_DISCONNECT_REASON_SIP_TRUNK_FAILURE = 13,
  GST_LIVEKIT_DISCONNECT_REASON_CONNECTION_TIMEOUT = 14,
  GST_LIVEKIT_DISCONNECT_REASON_MEDIA_FAILURE = 15,
} GstLiveKitDisconnectReason;

typedef enum /*< underscore_name=gst_livekit_leave_action >*/
{
  GST_LIVEKIT_LEAVE_ACTION_DISCONNECT = 0,
  GST_LIVEKIT_LEAVE_ACTION_RESUME = 1,
  GST_LIVEKIT_LEAVE_ACTION_RECONNECT = 2,
} GstLiveKitLeaveAction;

typedef enum /*< underscore_name=gst_livekit_request_reason >*/
{
  GST_LIVEKIT_REQUEST_REASON_OK = 0,
  GST_LIVEKIT_REQUEST_REASON_NOT_FOUND = 1,
  GST_LIVEKIT_REQUEST_REASON_NOT_ALLOWED = 2,
  GST_LIVEKIT_REQUEST_REASON_LIMIT_EXCEEDED = 3,
  GST_LIVEKIT_REQUEST_REASON_QUEUED = 4,
  GST_LIVEKIT_REQUEST_REASON_UNSUPPORTED_TYPE = 5,
} GstLiveKitRequestReason;

typedef enum /*< underscore_name=gst_livekit_subscription_error >*/
{
  GST_LIVEKIT_SUBSCRIPTION_ERROR_UNKNOWN = 0,
  GST_LIVEKIT_SUBSCRIPTION_ERROR_CODEC_UNSUPPORTED = 1,
  GST_LIVEKIT_SUBSCRIPTION_ERROR_TRACK_NOT_FOUND = 2,
} GstLiveKitSubscriptionError;

/**
 * GstLiveKitTrackInfo:
 * @sid: server track id (`TR_…`)
 * @encryption: what the publisher declared; receivers decrypt only if it
 *   is not NONE (spec §4)
 *
 * A published track (TrackInfo). Immutable; share it with
 * gst_livekit_track_info_ref(). Strings are never %NULL (empty if unset).
 */
typedef struct
{
  gchar *sid;
  gchar *name;
  GstLiveKitTrackType type;
  GstLiveKitTrackSource source;
  gboolean muted;
  guint width;
  guint height;
  gchar *mime_type;
  gchar *mid;
  gboolean disable_red;
  GstLiveKitEncryptionType encryption;
  gchar *stream;
} GstLiveKitTrackInfo;

/**
 * GstLiveKitParticipantInfo:
 * @sid: participant id (`PA_…`); the subscriber SDP's stream ids start with
 *   it (spec §3.4)
 * @version: updates with a lower version than one already seen are stale
 * @tracks: (element-type GstLiveKitTrackInfo): published tracks
 * @attributes: (element-type utf8 utf8): participant attributes
 *
 * A participant (ParticipantInfo). Immutable, reference counted.
 */
typedef struct
{
  gchar *sid;
  gchar *identity;
  gchar *name;
  gchar *metadata;
  GstLiveKitParticipantState state;
  guint version;
  gboolean is_publisher;
  gint kind;
  GstLiveKitDisconnectReason disconnect_reason;
  gint64 joined_at;
  GPtrArray *tracks;
  GHashTable *attributes;
} GstLiveKitParticipantInfo;

/**
 * GstLiveKitIceServer:
 * @urls: (array zero-terminated=1): `stun:`/`turn:` URLs
 *
 * One ICEServer entry of the JoinResponse.
 */
typedef struct
{
  gchar **urls;
  gchar *username;
  gchar *credential;
} GstLiveKitIceServer;

/**
 * GstLiveKitJoinInfo:
 * @participant: this client as the server sees it
 * @other_participants: (element-type GstLiveKitParticipantInfo)
 * @ice_servers: (element-type GstLiveKitIceServer)
 * @subscriber_primary: the server will offer the subscriber connection and
 *   that connection decides when the participant is ACTIVE (spec §3.1)
 * @fast_publish: the client may negotiate the publisher connection at once
 * @ping_interval: seconds between client pings
 * @ping_timeout: seconds without pong after which the signal is dead
 * @sif_trailer: bytes the server appends to frames it injects into
 *   encrypted tracks; receivers pass such frames through (spec §4)
 * @enabled_publish_codecs: (array zero-terminated=1): mime types the client
 *   may publish
 *
 * The JoinResponse fields the room bin needs. Immutable, reference counted.
 */
typedef struct
{
  gchar *room_sid;
  gchar *room_name;
  GstLiveKitParticipantInfo *participant;
  GPtrArray *other_participants;
  GPtrArray *ice_servers;
  gboolean subscriber_primary;
  gboolean fast_publish;
  gint ping_interval;
  gint ping_timeout;
  GBytes *sif_trailer;
  gchar *server_version;
  gint server_protocol;
  gchar *alternative_url;
  gchar **enabled_publish_codecs;
} GstLiveKitJoinInfo;

#define GST_TYPE_LIVEKIT_TRACK_INFO (gst_livekit_track_info_get_type ())
#define GST_TYPE_LIVEKIT_PARTICIPANT_INFO \
    (gst_livekit_participant_info_get_type ())
#define GST_TYPE_LIVEKIT_ICE_SERVER (gst_livekit_ice_server_get_type ())
#define GST_TYPE_LIVEKIT_JOIN_INFO (gst_livekit_join_info_get_type ())

GType gst_livekit_track_info_get_type (void);
GType gst_livekit_participant_info_get_type (void);
GType gst_livekit_ice_server_get_type (void);
GType gst_livekit_join_info_get_type (void);

GstLiveKitTrackInfo *gst_livekit_track_info_ref (GstLiveKitTrackInfo * info);
void gst_livekit_track_info_unref (GstLiveKitTrackInfo * info);
GstLiveKitParticipantInfo *gst_livekit_participant_info_ref
    (GstLiveKitParticipantInfo * info);
void gst_livekit_participant_info_unref (GstLiveKitParticipantInfo * info);
GstLiveKitIceServer *gst_livekit_ice_server_ref (GstLiveKitIceServer * server);
void gst_livekit_ice_server_unref (GstLiveKitIceServer * server);
GstLiveKitJoinInfo *gst_livekit_join_info_ref (GstLiveKitJoinInfo * info);
void gst_livekit_join_info_unref (GstLiveKitJoinInfo * info);

/* Lookup helper: the track with @sid, or %NULL (not a new reference). */
GstLiveKitTrackInfo *gst_livekit_participant_info_find_track
    (GstLiveKitParticipantInfo * info, const gchar * sid);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (GstLiveKitTrackInfo, gst_livekit_track_info_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GstLiveKitParticipantInfo,
    gst_livekit_participant_info_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GstLiveKitIceServer,
    gst_livekit_ice_server_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GstLiveKitJoinInfo, gst_livekit_join_info_unref)

G_END_DECLS
#endif /* __GST_LIVEKIT_SIGNAL_TYPES_H__ */
