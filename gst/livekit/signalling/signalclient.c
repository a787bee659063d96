/**
 * SECTION:gstlivekitsignalclient
 * @title: GstLiveKitSignalClient
 * @short_description: LiveKit signalling over a WebSocket
 *
 * One connection to a LiveKit server's v0 `/rtc` endpoint (dual
 * PeerConnection mode, spec livekit-signalling.md §1.1): binary protobuf
 * SignalRequest frames out, SignalResponse frames in, each decoded message
 * turned into a GObject signal.
 *
 * gst_livekit_signal_client_connect_async() completes when the server's
 * JoinResponse has arrived (the "join" signal is emitted just before), or
 * with a #GstLiveKitSignalError. A refused WebSocket upgrade carries no
 * readable reason, so the client then asks `/rtc/validate` with the same
 * query, as LiveKit's SDKs do, and puts status and text in the error.
 *
 * Threading: the client belongs to the thread-default #GMainContext of the
 * connect_async() caller; every signal is emitted there and the object
 * should be disposed there. The send functions may be called from any
 * thread (webrtcbin reports candidates on its own threads); frames go out
 * in call order from the owner context.
 *
 * Keep-alive: every JoinResponse.ping_interval seconds a Ping goes out; if
 * no Pong arrives within ping_timeout seconds the connection is declared
 * dead ("disconnected" with %GST_LIVEKIT_SIGNAL_CLOSE_PING_TIMEOUT), as in
 * LiveKit's JS SDK.
 *
 * Robustness: frames that do not decode are dropped and counted (see the
 * "stats" property) with a rate-limited warning; message types this client
 * does not know are skipped.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "signalclient-private.h"
#include <gst/livekit/signalling/livekit-signal-enumtypes.h>

#include <string.h>

GST_DEBUG_CATEGORY (gst_livekit_signal_client_debug);
#define GST_CAT_DEFAULT gst_livekit_signal_client_debug

enum
{
  PROP_0,
  PROP_TIMEOUT,
  PROP_STATS,
};

guint gst_livekit_signal_client_signals[LAST_SIGNAL];

G_DEFINE_TYPE_WITH_CODE (GstLiveKitSignalClient, gst_livekit_signal_client,
    G_TYPE_OBJECT, GST_DEBUG_CATEGORY_INIT (gst_livekit_signal_client_debug,
        "livekitsignal", 0, "LiveKit signalling client"));

G_DEFINE_QUARK (gst-livekit-signal-error-quark, gst_livekit_signal_error);

static void flush_send_queue (GstLiveKitSignalClient * self);

GSource *
gst_livekit_signal_client_add_timeout (GstLiveKitSignalClient * self, guint ms,
    GSourceFunc func)
{
  GSource *source = g_timeout_source_new (ms);

  /* No reference: dispose destroys every source first. */
  g_source_set_callback (source, func, self, NULL);
  g_source_attach (source, self->context);
  return source;
}

void
gst_livekit_signal_client_set_can_send (GstLiveKitSignalClient * self,
    gboolean can_send)
{
  g_mutex_lock (&self->send_lock);
  self->can_send = can_send;
  if (!can_send)
    g_queue_clear_full (&self->send_queue, (GDestroyNotify) g_bytes_unref);
  g_mutex_unlock (&self->send_lock);
}

void
gst_livekit_signal_client_stop_timers (GstLiveKitSignalClient * self)
{
  destroy_source (&self->timeout_source);
  destroy_source (&self->user_cancel_source);
  destroy_source (&self->ping_source);
  destroy_source (&self->pong_timeout_source);
  destroy_source (&self->leave_source);
}

/* Drops the socket without further signals. */
void
gst_livekit_signal_client_release (GstLiveKitSignalClient * self)
{
  gst_livekit_signal_client_set_can_send (self, FALSE);
  if (self->conn) {
    g_signal_handlers_disconnect_by_data (self->conn, self);
    if (soup_websocket_connection_get_state (self->conn) ==
        SOUP_WEBSOCKET_STATE_OPEN)
      soup_websocket_connection_close (self->conn,
          SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
    g_clear_object (&self->conn);
  }
  if (self->cancellable)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->upgrade_msg);
  g_clear_object (&self->session);
}

/* Completes connect_async; takes @error. */
void
gst_livekit_signal_client_complete_connect (GstLiveKitSignalClient * self,
    GError * error)
{
  GTask *task = g_steal_pointer (&self->connect_task);

  destroy_source (&self->timeout_source);
  destroy_source (&self->user_cancel_source);
  g_clear_pointer (&self->token, g_free);
  if (error) {
    GST_INFO_OBJECT (self, "connect failed: %s", error->message);
    gst_livekit_signal_client_stop_timers (self);
    gst_livekit_signal_client_release (self);
    self->state = STATE_CLOSED;
  }
  if (!task) {
    g_clear_error (&error);
    return;
  }
  if (error)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
  g_object_unref (task);
}

void
gst_livekit_signal_client_emit_disconnected (GstLiveKitSignalClient * self,
    GstLiveKitSignalCloseReason reason, const gchar * detail)
{
  if (self->disconnected_emitted)
    return;
  self->disconnected_emitted = TRUE;
  self->state = STATE_CLOSED;
  gst_livekit_signal_client_stop_timers (self);
  gst_livekit_signal_client_set_can_send (self, FALSE);
  GST_INFO_OBJECT (self, "disconnected (%d): %s", reason, detail);
  EMIT (self, SIGNAL_DISCONNECTED, reason, detail);
}

/* ---- sending ----------------------------------------------------------- */

static gboolean
flush_cb (gpointer user_data)
{
  GstLiveKitSignalClient *self = user_data;

  flush_send_queue (self);
  return G_SOURCE_REMOVE;
}

/* Owner context only. */
static void
flush_send_queue (GstLiveKitSignalClient * self)
{
  GQueue pending = G_QUEUE_INIT;
  GBytes *frame;

  g_mutex_lock (&self->send_lock);
  if (self->flush_source) {
    g_source_unref (self->flush_source);
    self->flush_source = NULL;
  }
  pending = self->send_queue;
  g_queue_init (&self->send_queue);
  g_mutex_unlock (&self->send_lock);

  while ((frame = g_queue_pop_head (&pending))) {
    gsize size;
    gconstpointer data = g_bytes_get_data (frame, &size);

    if (self->conn && soup_websocket_connection_get_state (self->conn) ==
        SOUP_WEBSOCKET_STATE_OPEN) {
      soup_websocket_connection_send_binary (self->conn, data, size);
      __atomic_add_fetch (&self->n_sent, 1, __ATOMIC_RELAXED);
    }
    g_bytes_unref (frame);
  }
}

/* Takes @frame. Thread-safe; preserves call order across threads. */
gboolean
gst_livekit_signal_client_send_frame (GstLiveKitSignalClient * self,
    GBytes * frame)
{
  gboolean owner = FALSE, ok;

  if (!frame)
    return FALSE;
  g_mutex_lock (&self->send_lock);
  ok = self->can_send;
  if (ok) {
    g_queue_push_tail (&self->send_queue, frame);
    frame = NULL;
    owner = g_main_context_is_owner (self->context);
    if (!owner && !self->flush_source) {
      self->flush_source = g_idle_source_new ();
      g_source_set_priority (self->flush_source, G_PRIORITY_DEFAULT);
      g_source_set_callback (self->flush_source, flush_cb,
          g_object_ref (self), g_object_unref);
      g_source_attach (self->flush_source, self->context);
    }
  }
  g_mutex_unlock (&self->send_lock);

  if (frame) {
    GST_DEBUG_OBJECT (self, "not connected, request dropped");
    g_bytes_unref (frame);
    return FALSE;
  }
  if (owner)
    flush_send_queue (self);
  return TRUE;
}

/* ---- public requests --------------------------------------------------- */

gboolean
gst_livekit_signal_client_send_offer (GstLiveKitSignalClient * self,
    const gchar * sdp, guint id)
{
  g_return_val_if_fail (GST_IS_LIVEKIT_SIGNAL_CLIENT (self), FALSE);
  g_return_val_if_fail (sdp != NULL, FALSE);
  return gst_livekit_signal_client_send_frame (self,
      gst_livekit_signal_request_sdp (FALSE, sdp, id));
}

/**
 * gst_livekit_signal_client_send_answer:
 * @id: the id of the server offer being answered (spec §2.3)
 */
gboolean
gst_livekit_signal_client_send_answer (GstLiveKitSignalClient * self,
    const gchar * sdp, guint id)
{
  g_return_val_if_fail (GST_IS_LIVEKIT_SIGNAL_CLIENT (self), FALSE);
  g_return_val_if_fail (sdp != NULL, FALSE);
  return gst_livekit_signal_client_send_frame (self,
      gst_livekit_signal_request_sdp (TRUE, sdp, id));
}

/**
 * gst_livekit_signal_client_send_trickle:
 * @candidate_json: see gst_livekit_candidate_to_json()
 * @target: which PeerConnection the candidate belongs to
 */
gboolean
gst_livekit_signal_client_send_trickle (GstLiveKitSignalClient * self,
    const gchar * candidate_json, GstLiveKitSignalTarget target)
{
  g_return_val_if_fail (GST_IS_LIVEKIT_SIGNAL_CLIENT (self), FALSE);
  g_return_val_if_fail (candidate_json != NULL, FALSE);
  return gst_livekit_signal_client_send_frame (self,
      gst_livekit_signal_request_trickle (candidate_json, target, FALSE));
}

/**
 * gst_livekit_signal_client_send_add_track:
 * @cid: client track id; the id webrtcbin writes in the offer's msid
 *   (spec §3.3)
 * @encryption: %GST_LIVEKIT_ENCRYPTION_TYPE_GCM for E2EE tracks
 * @disable_red: %TRUE for E2EE audio
 *
 * Announces a track before it is offered. The server replies with
 * "track-published" (or "request-response" on refusal).
 */
gboolean
gst_livekit_signal_client_send_add_track (GstLiveKitSignalClient * self,
    const gchar * cid, const gchar * name, GstLiveKitTrackType type,
    GstLiveKitTrackSource source, guint width, guint height,
    GstLiveKitEncryptionType encryption, gboolean disable_red)
{
  g_return_val_if_fail (GST_IS_LIVEKIT_SIGNAL_CLIENT (self), FALSE);
  g_return_val_if_fail (cid != NULL, FALSE);
  return gst_livekit_signal_client_send_frame (self,
      gst_livekit_signal_request_add_track (cid, name, type, source, width,
          height, encryption, disable_red));
}

gboolean
gst_livekit_signal_client_send_mute (GstLiveKitSignalClient * self,
    const gchar * track_sid, gboolean muted)
{
  g_return_val_if_fail (GST_IS_LIVEKIT_SIGNAL_CLIENT (self), FALSE);
  g_return_val_if_fail (track_sid != NULL, FALSE);
  return gst_livekit_signal_client_send_frame (self,
      gst_livekit_signal_request_mute (track_sid, muted));
}

/**
 * gst_livekit_signal_client_send_update_subscription:
 * @participant_sid: (nullable): owner of the tracks
 * @track_sids: (array zero-terminated=1): track sids
 */
gboolean
gst_livekit_signal_client_send_update_subscription (GstLiveKitSignalClient *
    self, const gchar * participant_sid, const gchar * const *track_sids,
    gboolean subscribe)
{
  g_return_val_if_fail (GST_IS_LIVEKIT_SIGNAL_CLIENT (self), FALSE);
  return gst_livekit_signal_client_send_frame (self,
      gst_livekit_signal_request_subscription (participant_sid, track_sids,
          subscribe));
}

/**
 * gst_livekit_signal_client_send_ping:
 *
 * Sends a Ping now (besides the periodic ones); "pong" reports the
 * round-trip time.
 */
gboolean
gst_livekit_signal_client_send_ping (GstLiveKitSignalClient * self)
{
  g_return_val_if_fail (GST_IS_LIVEKIT_SIGNAL_CLIENT (self), FALSE);
  if (!g_main_context_is_owner (self->context)
      || self->state != STATE_CONNECTED)
    return gst_livekit_signal_client_send_frame (self,
        gst_livekit_signal_request_ping (now_ms (), self->rtt_ms));
  gst_livekit_signal_client_do_ping (self);
  return TRUE;
}

static gboolean
leave_grace_cb (gpointer user_data)
{
  GstLiveKitSignalClient *self = user_data;

  g_clear_pointer (&self->leave_source, g_source_unref);
  g_object_ref (self);
  gst_livekit_signal_client_emit_disconnected (self,
      GST_LIVEKIT_SIGNAL_CLOSE_CLIENT,
      "left (server did not close the connection)");
  gst_livekit_signal_client_release (self);
  g_object_unref (self);
  return G_SOURCE_REMOVE;
}

/**
 * gst_livekit_signal_client_leave:
 *
 * Sends LeaveRequest(CLIENT_INITIATED) and waits briefly for the server to
 * close the socket; without it the server would keep the participant for a
 * resume (spec §3.6). "disconnected" follows. Owner context only.
 *
 * Returns: %FALSE if not connected
 */
gboolean
gst_livekit_signal_client_leave (GstLiveKitSignalClient * self)
{
  g_return_val_if_fail (GST_IS_LIVEKIT_SIGNAL_CLIENT (self), FALSE);

  if (self->state != STATE_CONNECTED)
    return FALSE;
  gst_livekit_signal_client_send_frame (self,
      gst_livekit_signal_request_leave
      (GST_LIVEKIT_DISCONNECT_REASON_CLIENT_INITIATED));
  flush_send_queue (self);
  gst_livekit_signal_client_set_can_send (self, FALSE);
  self->state = STATE_LEAVING;
  destroy_source (&self->ping_source);
  destroy_source (&self->pong_timeout_source);
  self->leave_source =
      gst_livekit_signal_client_add_timeout (self, LEAVE_CLOSE_GRACE_MS,
      leave_grace_cb);
  return TRUE;
}

/**
 * gst_livekit_signal_client_close:
 *
 * Closes the connection at once ("disconnected" with
 * %GST_LIVEKIT_SIGNAL_CLOSE_CLIENT), or fails a pending connect with
 * %G_IO_ERROR_CANCELLED. Owner context only.
 */
void
gst_livekit_signal_client_close (GstLiveKitSignalClient * self)
{
  g_return_if_fail (GST_IS_LIVEKIT_SIGNAL_CLIENT (self));

  g_object_ref (self);
  switch (self->state) {
    case STATE_CONNECTING:
    case STATE_JOINING:
      gst_livekit_signal_client_complete_connect (self,
          g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED,
              "Connection closed by the client"));
      break;
    case STATE_CONNECTED:
    case STATE_LEAVING:
      gst_livekit_signal_client_emit_disconnected (self,
          GST_LIVEKIT_SIGNAL_CLOSE_CLIENT, "closed by the client");
      gst_livekit_signal_client_release (self);
      break;
    default:
      break;
  }
  g_object_unref (self);
}

/* ---- accessors --------------------------------------------------------- */

/**
 * gst_livekit_signal_client_get_join_info:
 *
 * Returns: (transfer full) (nullable): the JoinResponse of the current or
 *   last connection
 */
GstLiveKitJoinInfo *
gst_livekit_signal_client_get_join_info (GstLiveKitSignalClient * self)
{
  g_return_val_if_fail (GST_IS_LIVEKIT_SIGNAL_CLIENT (self), NULL);
  return self->join_info ? gst_livekit_join_info_ref (self->join_info) : NULL;
}

/**
 * gst_livekit_signal_client_get_refresh_token:
 *
 * Returns: (transfer full) (nullable): the last token the server pushed
 */
gchar *
gst_livekit_signal_client_get_refresh_token (GstLiveKitSignalClient * self)
{
  g_return_val_if_fail (GST_IS_LIVEKIT_SIGNAL_CLIENT (self), NULL);
  return g_strdup (self->refresh_token);
}

/**
 * gst_livekit_signal_client_get_http_status:
 *
 * Returns: the HTTP status of the last connect (101 on success, 0 if the
 *   server was not reached)
 */
guint
gst_livekit_signal_client_get_http_status (GstLiveKitSignalClient * self)
{
  g_return_val_if_fail (GST_IS_LIVEKIT_SIGNAL_CLIENT (self), 0);
  return self->http_status;
}

gboolean
gst_livekit_signal_client_is_connected (GstLiveKitSignalClient * self)
{
  g_return_val_if_fail (GST_IS_LIVEKIT_SIGNAL_CLIENT (self), FALSE);
  return self->state == STATE_CONNECTED;
}

static GstStructure *
make_stats (GstLiveKitSignalClient * self)
{
  return gst_structure_new ("application/x-livekit-signal-stats",
      "received", G_TYPE_UINT64,
      __atomic_load_n (&self->n_received, __ATOMIC_RELAXED),
      "sent", G_TYPE_UINT64, __atomic_load_n (&self->n_sent, __ATOMIC_RELAXED),
      "malformed", G_TYPE_UINT64,
      __atomic_load_n (&self->n_malformed, __ATOMIC_RELAXED),
      "unknown", G_TYPE_UINT64,
      __atomic_load_n (&self->n_unknown, __ATOMIC_RELAXED),
      "rtt-ms", G_TYPE_INT64, self->rtt_ms, NULL);
}

/* ---- GObject ----------------------------------------------------------- */

GstLiveKitSignalClient *
gst_livekit_signal_client_new (void)
{
  return g_object_new (GST_TYPE_LIVEKIT_SIGNAL_CLIENT, NULL);
}

static void
gst_livekit_signal_client_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstLiveKitSignalClient *self = GST_LIVEKIT_SIGNAL_CLIENT (object);

  switch (prop_id) {
    case PROP_TIMEOUT:
      self->timeout = g_value_get_uint (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
}

static void
gst_livekit_signal_client_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec)
{
  GstLiveKitSignalClient *self = GST_LIVEKIT_SIGNAL_CLIENT (object);

  switch (prop_id) {
    case PROP_TIMEOUT:
      g_value_set_uint (value, self->timeout);
      break;
    case PROP_STATS:
      g_value_take_boxed (value, make_stats (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
}

static void
gst_livekit_signal_client_dispose (GObject * object)
{
  GstLiveKitSignalClient *self = GST_LIVEKIT_SIGNAL_CLIENT (object);

  gst_livekit_signal_client_stop_timers (self);
  gst_livekit_signal_client_release (self);
  g_mutex_lock (&self->send_lock);
  if (self->flush_source) {
    g_source_destroy (self->flush_source);
    g_clear_pointer (&self->flush_source, g_source_unref);
  }
  g_mutex_unlock (&self->send_lock);

  G_OBJECT_CLASS (gst_livekit_signal_client_parent_class)->dispose (object);
}

static void
gst_livekit_signal_client_finalize (GObject * object)
{
  GstLiveKitSignalClient *self = GST_LIVEKIT_SIGNAL_CLIENT (object);

  g_clear_pointer (&self->join_info, gst_livekit_join_info_unref);
  g_free (self->refresh_token);
  g_free (self->validate_url);
  g_free (self->token);
  g_queue_clear_full (&self->send_queue, (GDestroyNotify) g_bytes_unref);
  g_mutex_clear (&self->send_lock);
  if (self->context)
    g_main_context_unref (self->context);

  G_OBJECT_CLASS (gst_livekit_signal_client_parent_class)->finalize (object);
}

static void
gst_livekit_signal_client_init (GstLiveKitSignalClient * self)
{
  self->timeout = GST_LIVEKIT_SIGNAL_DEFAULT_TIMEOUT;
  g_mutex_init (&self->send_lock);
  g_queue_init (&self->send_queue);
}

static void
gst_livekit_signal_client_class_init (GstLiveKitSignalClientClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  const GSignalFlags flags = G_SIGNAL_RUN_LAST;
#define STATIC_STR (G_TYPE_STRING | G_SIGNAL_TYPE_STATIC_SCOPE)

  gobject_class->set_property = gst_livekit_signal_client_set_property;
  gobject_class->get_property = gst_livekit_signal_client_get_property;
  gobject_class->dispose = gst_livekit_signal_client_dispose;
  gobject_class->finalize = gst_livekit_signal_client_finalize;

  g_object_class_install_property (gobject_class, PROP_TIMEOUT,
      g_param_spec_uint ("timeout", "Timeout",
          "Seconds allowed for connecting and receiving the JoinResponse, "
          "also the HTTP I/O timeout (0 = none)", 0, G_MAXUINT / 1000,
          GST_LIVEKIT_SIGNAL_DEFAULT_TIMEOUT,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS));
  g_object_class_install_property (gobject_class, PROP_STATS,
      g_param_spec_boxed ("stats", "Statistics",
          "Frames received/sent, malformed frames dropped, unknown messages "
          "skipped, last ping round trip", GST_TYPE_STRUCTURE,
          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

  /**
   * GstLiveKitSignalClient::join:
   * @info: the JoinResponse
   *
   * Emitted once per connection, before connect_async() completes.
   */
  gst_livekit_signal_client_signals[SIGNAL_JOIN] =
      g_signal_new ("join", G_TYPE_FROM_CLASS (klass), flags, 0, NULL, NULL,
      NULL, G_TYPE_NONE, 1,
      GST_TYPE_LIVEKIT_JOIN_INFO | G_SIGNAL_TYPE_STATIC_SCOPE);
  /**
   * GstLiveKitSignalClient::offer:
   * @sdp: the server's offer for the subscriber PeerConnection
   * @id: echo it in gst_livekit_signal_client_send_answer()
   * @mid_to_track_id: (element-type utf8 utf8): mid -> track sid
   */
  gst_livekit_signal_client_signals[SIGNAL_OFFER] =
      g_signal_new ("offer", G_TYPE_FROM_CLASS (klass), flags, 0, NULL, NULL,
      NULL, G_TYPE_NONE, 3, STATIC_STR, G_TYPE_UINT,
      G_TYPE_HASH_TABLE | G_SIGNAL_TYPE_STATIC_SCOPE);
  /**
   * GstLiveKitSignalClient::answer:
   * @sdp: the server's answer for the publisher PeerConnection
   * @id: the id of the offer answered
   * @mid_to_track_id: (element-type utf8 utf8): mid -> track sid
   */
  gst_livekit_signal_client_signals[SIGNAL_ANSWER] =
      g_signal_new ("answer", G_TYPE_FROM_CLASS (klass), flags, 0, NULL, NULL,
      NULL, G_TYPE_NONE, 3, STATIC_STR, G_TYPE_UINT,
      G_TYPE_HASH_TABLE | G_SIGNAL_TYPE_STATIC_SCOPE);
  /**
   * GstLiveKitSignalClient::trickle:
   * @candidate_json: see gst_livekit_candidate_from_json()
   * @target: the PeerConnection it is for
   * @final: the server's last candidate for @target
   */
  gst_livekit_signal_client_signals[SIGNAL_TRICKLE] = g_signal_new ("trickle",
      G_TYPE_FROM_CLASS (klass), flags, 0, NULL, NULL, NULL, G_TYPE_NONE, 3,
      STATIC_STR, GST_TYPE_LIVEKIT_SIGNAL_TARGET, G_TYPE_BOOLEAN);
  /**
   * GstLiveKitSignalClient::participant-update:
   * @participants: (element-type GstLiveKitParticipantInfo): changed
   *   participants; compare versions, older updates are stale
   */
  gst_livekit_signal_client_signals[SIGNAL_PARTICIPANT_UPDATE] =
      g_signal_new ("participant-update", G_TYPE_FROM_CLASS (klass), flags, 0,
      NULL, NULL, NULL, G_TYPE_NONE, 1,
      G_TYPE_PTR_ARRAY | G_SIGNAL_TYPE_STATIC_SCOPE);
  /**
   * GstLiveKitSignalClient::track-published:
   * @cid: the cid of the AddTrackRequest
   * @sid: the server's track sid
   * @track: the full TrackInfo
   */
  gst_livekit_signal_client_signals[SIGNAL_TRACK_PUBLISHED] =
      g_signal_new ("track-published", G_TYPE_FROM_CLASS (klass), flags, 0,
      NULL, NULL, NULL, G_TYPE_NONE, 3, STATIC_STR, STATIC_STR,
      GST_TYPE_LIVEKIT_TRACK_INFO | G_SIGNAL_TYPE_STATIC_SCOPE);
  gst_livekit_signal_client_signals[SIGNAL_TRACK_UNPUBLISHED] =
      g_signal_new ("track-unpublished", G_TYPE_FROM_CLASS (klass), flags, 0,
      NULL, NULL, NULL, G_TYPE_NONE, 1, STATIC_STR);
  gst_livekit_signal_client_signals[SIGNAL_TRACK_SUBSCRIBED] =
      g_signal_new ("track-subscribed", G_TYPE_FROM_CLASS (klass), flags, 0,
      NULL, NULL, NULL, G_TYPE_NONE, 1, STATIC_STR);
  /**
   * GstLiveKitSignalClient::mute:
   *
   * The server muted (or unmuted) one of our tracks.
   */
  gst_livekit_signal_client_signals[SIGNAL_MUTE] =
      g_signal_new ("mute", G_TYPE_FROM_CLASS (klass), flags, 0, NULL, NULL,
      NULL, G_TYPE_NONE, 2, STATIC_STR, G_TYPE_BOOLEAN);
  /**
   * GstLiveKitSignalClient::leave:
   *
   * The server ends the session (e.g. DUPLICATE_IDENTITY, ROOM_DELETED);
   * the socket closes next.
   */
  gst_livekit_signal_client_signals[SIGNAL_LEAVE] =
      g_signal_new ("leave", G_TYPE_FROM_CLASS (klass), flags, 0, NULL, NULL,
      NULL, G_TYPE_NONE, 2, GST_TYPE_LIVEKIT_DISCONNECT_REASON,
      GST_TYPE_LIVEKIT_LEAVE_ACTION);
  /**
   * GstLiveKitSignalClient::request-response:
   * @request_id: the request's id (0 for AddTrack)
   * @reason: OK, or why it was refused
   * @message: server text, often empty
   * @cid: (nullable): the cid of a refused AddTrack
   *
   * The server's verdict on a request (e.g. NOT_ALLOWED for an AddTrack
   * without publish permission). Clients with protocol > 14 also get OK
   * acknowledgements.
   */
  gst_livekit_signal_client_signals[SIGNAL_REQUEST_RESPONSE] =
      g_signal_new ("request-response", G_TYPE_FROM_CLASS (klass), flags, 0,
      NULL, NULL, NULL, G_TYPE_NONE, 4, G_TYPE_UINT,
      GST_TYPE_LIVEKIT_REQUEST_REASON, STATIC_STR, STATIC_STR);
  gst_livekit_signal_client_signals[SIGNAL_SUBSCRIPTION_RESPONSE] =
      g_signal_new ("subscription-response", G_TYPE_FROM_CLASS (klass), flags,
      0, NULL, NULL, NULL, G_TYPE_NONE, 2, STATIC_STR,
      GST_TYPE_LIVEKIT_SUBSCRIPTION_ERROR);
  gst_livekit_signal_client_signals[SIGNAL_REFRESH_TOKEN] =
      g_signal_new ("refresh-token", G_TYPE_FROM_CLASS (klass), flags, 0, NULL,
      NULL, NULL, G_TYPE_NONE, 1, STATIC_STR);
  /**
   * GstLiveKitSignalClient::pong:
   * @rtt: round-trip time in milliseconds
   */
  gst_livekit_signal_client_signals[SIGNAL_PONG] =
      g_signal_new ("pong", G_TYPE_FROM_CLASS (klass), flags, 0, NULL, NULL,
      NULL, G_TYPE_NONE, 1, G_TYPE_INT64);
  /**
   * GstLiveKitSignalClient::disconnected:
   * @reason: why
   * @detail: human-readable detail (close code, timeout)
   *
   * Emitted once when a joined connection ends, whatever the cause.
   */
  gst_livekit_signal_client_signals[SIGNAL_DISCONNECTED] =
      g_signal_new ("disconnected", G_TYPE_FROM_CLASS (klass), flags, 0, NULL,
      NULL, NULL, G_TYPE_NONE, 2, GST_TYPE_LIVEKIT_SIGNAL_CLOSE_REASON,
      STATIC_STR);
#undef STATIC_STR
}
