/* GstLiveKitSignalClient: the LiveKit v0 signalling connection (one
 * WebSocket to /rtc, protobuf frames), spec livekit-signalling.md §1-§3. */
#ifndef __GST_LIVEKIT_SIGNAL_CLIENT_H__
#define __GST_LIVEKIT_SIGNAL_CLIENT_H__

#include <gio/gio.h>
#include <gst/livekit/signalling/signal-types.h>

G_BEGIN_DECLS

#define GST_TYPE_LIVEKIT_SIGNAL_CLIENT (gst_livekit_signal_client_get_type ())
G_DECLARE_FINAL_TYPE (GstLiveKitSignalClient, gst_livekit_signal_client, GST,
    LIVEKIT_SIGNAL_CLIENT, GObject)

#define GST_LIVEKIT_SIGNAL_ERROR (gst_livekit_signal_error_quark ())
/**
 * GstLiveKitSignalError:
 * @GST_LIVEKIT_SIGNAL_ERROR_INVALID_URL: the server URL cannot be used
 * @GST_LIVEKIT_SIGNAL_ERROR_UNREACHABLE: no HTTP answer (refused, DNS, TLS)
 * @GST_LIVEKIT_SIGNAL_ERROR_UNAUTHORIZED: HTTP 401 (token rejected)
 * @GST_LIVEKIT_SIGNAL_ERROR_BAD_REQUEST: HTTP 400 (e.g. empty identity)
 * @GST_LIVEKIT_SIGNAL_ERROR_NOT_FOUND: HTTP 404 (no such room, not LiveKit)
 * @GST_LIVEKIT_SIGNAL_ERROR_REJECTED: any other refusal (other HTTP status,
 *   or a LeaveRequest instead of the JoinResponse)
 * @GST_LIVEKIT_SIGNAL_ERROR_PROTOCOL: the server spoke, but not LiveKit
 * @GST_LIVEKIT_SIGNAL_ERROR_TIMEOUT: no JoinResponse in time
 * @GST_LIVEKIT_SIGNAL_ERROR_CLOSED: the socket closed before the join
 *
 * For the HTTP refusals the message carries the status and the server's
 * reason text from /rtc/validate.
 */
typedef enum /*< underscore_name=gst_livekit_signal_error >*/
{
  GST_LIVEKIT_SIGNAL_ERROR_INVALID_URL,
  GST_LIVEKIT_SIGNAL_ERROR_UNREACHABLE,
  GST_LIVEKIT_SIGNAL_ERROR_UNAUTHORIZED,
  GST_LIVEKIT_SIGNAL_ERROR_BAD_REQUEST,
  GST_LIVEKIT_SIGNAL_ERROR_NOT_FOUND,
  GST_LIVEKIT_SIGNAL_ERROR_REJECTED,
  GST_LIVEKIT_SIGNAL_ERROR_PROTOCOL,
  GST_LIVEKIT_SIGNAL_ERROR_TIMEOUT,
  GST_LIVEKIT_SIGNAL_ERROR_CLOSED,
} GstLiveKitSignalError;

GQuark gst_livekit_signal_error_quark (void);

/**
 * GstLiveKitSignalCloseReason:
 * @GST_LIVEKIT_SIGNAL_CLOSE_CLIENT: gst_livekit_signal_client_close() or
 *   gst_livekit_signal_client_leave()
 * @GST_LIVEKIT_SIGNAL_CLOSE_SERVER: the server closed the WebSocket
 * @GST_LIVEKIT_SIGNAL_CLOSE_PING_TIMEOUT: no pong within ping_timeout
 * @GST_LIVEKIT_SIGNAL_CLOSE_ERROR: the connection failed
 */
typedef enum /*< underscore_name=gst_livekit_signal_close_reason >*/
{
  GST_LIVEKIT_SIGNAL_CLOSE_CLIENT,
  GST_LIVEKIT_SIGNAL_CLOSE_SERVER,
  GST_LIVEKIT_SIGNAL_CLOSE_PING_TIMEOUT,
  GST_LIVEKIT_SIGNAL_CLOSE_ERROR,
} GstLiveKitSignalCloseReason;

/* Connect plus JoinResponse, in seconds. */
#define GST_LIVEKIT_SIGNAL_DEFAULT_TIMEOUT 15

GstLiveKitSignalClient *gst_livekit_signal_client_new (void);

gboolean gst_livekit_signal_check_url (const gchar * url, GError ** error);

void gst_livekit_signal_client_connect_async (GstLiveKitSignalClient * client,
    const gchar * url, const gchar * token, gboolean auto_subscribe,
    GCancellable * cancellable, GAsyncReadyCallback callback,
    gpointer user_data);
gboolean gst_livekit_signal_client_connect_finish
    (GstLiveKitSignalClient * client, GAsyncResult * result, GError ** error);

GstLiveKitJoinInfo *gst_livekit_signal_client_get_join_info
    (GstLiveKitSignalClient * client);
gchar *gst_livekit_signal_client_get_refresh_token
    (GstLiveKitSignalClient * client);
guint gst_livekit_signal_client_get_http_status
    (GstLiveKitSignalClient * client);
gboolean gst_livekit_signal_client_is_connected
    (GstLiveKitSignalClient * client);

/* Requests. Callable from any thread; frames go out in call order. FALSE
 * if there is no joined connection. */
gboolean gst_livekit_signal_client_send_offer (GstLiveKitSignalClient * client,
    const gchar * sdp, guint id);
gboolean gst_livekit_signal_client_send_answer
    (GstLiveKitSignalClient * client, const gchar * sdp, guint id);
gboolean gst_livekit_signal_client_send_trickle
    (GstLiveKitSignalClient * client, const gchar * candidate_json,
    GstLiveKitSignalTarget target);
gboolean gst_livekit_signal_client_send_add_track
    (GstLiveKitSignalClient * client, const gchar * cid, const gchar * name,
    GstLiveKitTrackType type, GstLiveKitTrackSource source, guint width,
    guint height, GstLiveKitEncryptionType encryption, gboolean disable_red);
gboolean gst_livekit_signal_client_send_mute (GstLiveKitSignalClient * client,
    const gchar * track_sid, gboolean muted);
gboolean gst_livekit_signal_client_send_update_subscription
    (GstLiveKitSignalClient * client, const gchar * participant_sid,
    const gchar * const *track_sids, gboolean subscribe);
gboolean gst_livekit_signal_client_send_ping (GstLiveKitSignalClient * client);

/* Graceful: LeaveRequest(CLIENT_INITIATED), then the socket closes. */
gboolean gst_livekit_signal_client_leave (GstLiveKitSignalClient * client);
/* Abrupt: closes the socket (code 1000), or aborts a pending connect. */
void gst_livekit_signal_client_close (GstLiveKitSignalClient * client);

G_END_DECLS
#endif /* __GST_LIVEKIT_SIGNAL_CLIENT_H__ */
