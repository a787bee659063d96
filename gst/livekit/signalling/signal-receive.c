/* GstLiveKitSignalClient, incoming side: binary SignalResponse frames are
 * decoded and turned into signals; the JoinResponse completes the connect
 * and starts the keep-alive (spec livekit-signalling.md §2.2, §2.3). */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "signalclient-private.h"

#define GST_CAT_DEFAULT gst_livekit_signal_client_debug

/* ---- keep-alive -------------------------------------------------------- */

static gboolean
pong_timeout_cb (gpointer user_data)
{
  GstLiveKitSignalClient *self = user_data;
  gchar *detail;

  g_clear_pointer (&self->pong_timeout_source, g_source_unref);
  detail = g_strdup_printf ("no pong within %u s",
      keepalive_ms (self->join_info->ping_timeout) / 1000);
  GST_WARNING_OBJECT (self, "signal connection dead: %s", detail);
  /* Declared dead now: a dead network would stall the close handshake. */
  g_object_ref (self);
  gst_livekit_signal_client_emit_disconnected (self,
      GST_LIVEKIT_SIGNAL_CLOSE_PING_TIMEOUT, detail);
  gst_livekit_signal_client_release (self);
  g_object_unref (self);
  g_free (detail);
  return G_SOURCE_REMOVE;
}

void
gst_livekit_signal_client_do_ping (GstLiveKitSignalClient * self)
{
  gst_livekit_signal_client_send_frame (self,
      gst_livekit_signal_request_ping (now_ms (), self->rtt_ms));
  /* One deadline per unanswered run of pings, as the JS SDK does. */
  if (!self->pong_timeout_source && self->join_info
      && keepalive_ms (self->join_info->ping_timeout) > 0)
    self->pong_timeout_source = gst_livekit_signal_client_add_timeout (self,
        keepalive_ms (self->join_info->ping_timeout), pong_timeout_cb);
}

static gboolean
ping_cb (gpointer user_data)
{
  gst_livekit_signal_client_do_ping (user_data);
  return G_SOURCE_CONTINUE;
}

static void
handle_pong (GstLiveKitSignalClient * self, const Livekit__Pong * pong)
{
  gint64 now = now_ms (), rtt = 0;

  destroy_source (&self->pong_timeout_source);
  /* Echoes our own clock; anything odd means it was not our ping. Checked
   * before subtracting: the server's int64 could overflow the difference. */
  if (pong->last_ping_timestamp > 0 && pong->last_ping_timestamp <= now)
    rtt = now - pong->last_ping_timestamp;
  self->rtt_ms = rtt;
  EMIT (self, SIGNAL_PONG, rtt);
}

/* ---- receiving --------------------------------------------------------- */

static void
count_malformed (GstLiveKitSignalClient * self, const gchar * what, gsize size)
{
  guint64 n = __atomic_add_fetch (&self->n_malformed, 1, __ATOMIC_RELAXED);
  gint64 now = g_get_monotonic_time ();

  if (self->last_malformed_warn == 0
      || now - self->last_malformed_warn >= MALFORMED_WARN_INTERVAL_US) {
    GST_WARNING_OBJECT (self, "dropped %" G_GUINT64_FORMAT
        " malformed signalling frame(s), latest: %s (%" G_GSIZE_FORMAT
        " bytes)", n - self->malformed_at_warn, what, size);
    self->last_malformed_warn = now;
    self->malformed_at_warn = n;
  } else {
    GST_DEBUG_OBJECT (self, "malformed frame: %s", what);
  }
}

static void
handle_join (GstLiveKitSignalClient * self, const Livekit__JoinResponse * pb)
{
  GstLiveKitJoinInfo *info = gst_livekit_join_info_from_pb (pb);

  GST_INFO_OBJECT (self, "joined room '%s' as '%s' (%s), server %s "
      "protocol %d, ping %d/%d s, subscriber primary %d",
      info->room_name, info->participant->identity, info->participant->sid,
      info->server_version, info->server_protocol, info->ping_interval,
      info->ping_timeout, info->subscriber_primary);

  g_clear_pointer (&self->join_info, gst_livekit_join_info_unref);
  self->join_info = info;
  self->state = STATE_CONNECTED;
  if (info->ping_interval > MAX_KEEPALIVE_S
      || info->ping_timeout > MAX_KEEPALIVE_S)
    GST_WARNING_OBJECT (self, "server asked for ping interval %d s, timeout "
        "%d s: using at most %d s", info->ping_interval, info->ping_timeout,
        MAX_KEEPALIVE_S);
  if (keepalive_ms (info->ping_interval) > 0)
    self->ping_source = gst_livekit_signal_client_add_timeout (self,
        keepalive_ms (info->ping_interval), ping_cb);

  EMIT (self, SIGNAL_JOIN, info);
  /* A "join" handler may already have left or closed. */
  if (self->state == STATE_CONNECTED || self->state == STATE_LEAVING)
    gst_livekit_signal_client_complete_connect (self, NULL);
  else
    gst_livekit_signal_client_complete_connect (self,
        g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED,
            "Connection closed by the client"));
}

static void
emit_sdp (GstLiveKitSignalClient * self, guint signal_id,
    const Livekit__SessionDescription * sd)
{
  GHashTable *map;

  /* No SDP text is no description (and GstSDP refuses "" with a
   * critical warning). */
  if (!sd || !sd->sdp || !*sd->sdp) {
    count_malformed (self, "empty session description", 0);
    return;
  }
  map = gst_livekit_mid_to_track_id_from_pb (sd);
  g_signal_emit (self, gst_livekit_signal_client_signals[signal_id], 0, sd->sdp,
      sd->id, map);
  g_hash_table_unref (map);
}

static void
emit_participants (GstLiveKitSignalClient * self,
    const Livekit__ParticipantUpdate * pb)
{
  GPtrArray *arr = gst_livekit_participant_infos_from_pb (pb->participants,
      pb->n_participants);

  EMIT (self, SIGNAL_PARTICIPANT_UPDATE, arr);
  g_ptr_array_unref (arr);
}

static void
emit_track_published (GstLiveKitSignalClient * self,
    const Livekit__TrackPublishedResponse * pb)
{
  GstLiveKitTrackInfo *track = gst_livekit_track_info_from_pb (pb->track);

  EMIT (self, SIGNAL_TRACK_PUBLISHED, pb->cid, track->sid, track);
  gst_livekit_track_info_unref (track);
}

/* AddTrack refusals carry request_id 0; the echoed request tells which
 * track was refused. */
static void
emit_request_response (GstLiveKitSignalClient * self,
    const Livekit__RequestResponse * rr)
{
  const gchar *cid = NULL;

  if (rr->request_case == LIVEKIT__REQUEST_RESPONSE__REQUEST_ADD_TRACK
      && rr->add_track)
    cid = rr->add_track->cid;
  if (rr->reason != LIVEKIT__REQUEST_RESPONSE__REASON__OK)
    GST_WARNING_OBJECT (self, "request %u refused (reason %d%s%s): %s",
        rr->request_id, rr->reason, cid ? ", track " : "", cid ? cid : "",
        rr->message);
  EMIT (self, SIGNAL_REQUEST_RESPONSE, rr->request_id,
      rr->reason, rr->message, cid);
}

/* Before the JoinResponse only a LeaveRequest is meaningful; LiveKit's JS
 * SDK treats anything else first as a failed connection. */
static void
handle_before_join (GstLiveKitSignalClient * self,
    const Livekit__SignalResponse * resp)
{
  if (resp->message_case == LIVEKIT__SIGNAL_RESPONSE__MESSAGE_JOIN) {
    handle_join (self, resp->join);
  } else if (resp->message_case == LIVEKIT__SIGNAL_RESPONSE__MESSAGE_LEAVE) {
    gst_livekit_signal_client_complete_connect (self,
        g_error_new (GST_LIVEKIT_SIGNAL_ERROR,
            GST_LIVEKIT_SIGNAL_ERROR_REJECTED,
            "LiveKit server sent leave instead of join (reason %d)",
            resp->leave->reason));
  } else if (resp->message_case == LIVEKIT__SIGNAL_RESPONSE__MESSAGE__NOT_SET) {
    __atomic_add_fetch (&self->n_unknown, 1, __ATOMIC_RELAXED);
  } else {
    gst_livekit_signal_client_complete_connect (self,
        g_error_new (GST_LIVEKIT_SIGNAL_ERROR,
            GST_LIVEKIT_SIGNAL_ERROR_PROTOCOL,
            "LiveKit server sent message %d before join", resp->message_case));
  }
}

static void
dispatch (GstLiveKitSignalClient * self, const Livekit__SignalResponse * resp)
{
  switch (resp->message_case) {
    case LIVEKIT__SIGNAL_RESPONSE__MESSAGE_JOIN:
      GST_WARNING_OBJECT (self, "ignoring a second JoinResponse");
      break;
    case LIVEKIT__SIGNAL_RESPONSE__MESSAGE_ANSWER:
      emit_sdp (self, SIGNAL_ANSWER, resp->answer);
      break;
    case LIVEKIT__SIGNAL_RESPONSE__MESSAGE_OFFER:
      emit_sdp (self, SIGNAL_OFFER, resp->offer);
      break;
    case LIVEKIT__SIGNAL_RESPONSE__MESSAGE_TRICKLE:
      EMIT (self, SIGNAL_TRICKLE, resp->trickle->candidateinit,
          resp->trickle->target, resp->trickle->final);
      break;
    case LIVEKIT__SIGNAL_RESPONSE__MESSAGE_UPDATE:
      emit_participants (self, resp->update);
      break;
    case LIVEKIT__SIGNAL_RESPONSE__MESSAGE_TRACK_PUBLISHED:
      emit_track_published (self, resp->track_published);
      break;
    case LIVEKIT__SIGNAL_RESPONSE__MESSAGE_LEAVE:
      EMIT (self, SIGNAL_LEAVE, resp->leave->reason, resp->leave->action);
      break;
    case LIVEKIT__SIGNAL_RESPONSE__MESSAGE_MUTE:
      EMIT (self, SIGNAL_MUTE, resp->mute->sid, resp->mute->muted);
      break;
    case LIVEKIT__SIGNAL_RESPONSE__MESSAGE_REFRESH_TOKEN:
      g_free (self->refresh_token);
      self->refresh_token = g_strdup (resp->refresh_token);
      EMIT (self, SIGNAL_REFRESH_TOKEN, resp->refresh_token);
      break;
    case LIVEKIT__SIGNAL_RESPONSE__MESSAGE_TRACK_UNPUBLISHED:
      EMIT (self, SIGNAL_TRACK_UNPUBLISHED, resp->track_unpublished->track_sid);
      break;
    case LIVEKIT__SIGNAL_RESPONSE__MESSAGE_PONG:
      /* Answer to the legacy int64 ping, which we never send. */
      break;
    case LIVEKIT__SIGNAL_RESPONSE__MESSAGE_PONG_RESP:
      handle_pong (self, resp->pong_resp);
      break;
    case LIVEKIT__SIGNAL_RESPONSE__MESSAGE_SUBSCRIPTION_RESPONSE:
      EMIT (self, SIGNAL_SUBSCRIPTION_RESPONSE,
          resp->subscription_response->track_sid,
          resp->subscription_response->err);
      break;
    case LIVEKIT__SIGNAL_RESPONSE__MESSAGE_REQUEST_RESPONSE:
      emit_request_response (self, resp->request_response);
      break;
    case LIVEKIT__SIGNAL_RESPONSE__MESSAGE_TRACK_SUBSCRIBED:
      EMIT (self, SIGNAL_TRACK_SUBSCRIBED, resp->track_subscribed->track_sid);
      break;
    default:
      /* A oneof case not in our .proto: protobuf-c leaves NOT_SET. */
      __atomic_add_fetch (&self->n_unknown, 1, __ATOMIC_RELAXED);
      GST_LOG_OBJECT (self, "skipped a message this client does not know");
      break;
  }
}

/* protobuf-c accepts a message whose oneof member is absent from the wire
 * only as NOT_SET; but a present case always has its sub-message, except
 * for scalars. Guard anyway: a NULL here would be a crash. */
static gboolean
response_is_complete (const Livekit__SignalResponse * r)
{
  switch (r->message_case) {
    case LIVEKIT__SIGNAL_RESPONSE__MESSAGE_JOIN:
      return r->join != NULL;
    case LIVEKIT__SIGNAL_RESPONSE__MESSAGE_TRICKLE:
      return r->trickle != NULL;
    case LIVEKIT__SIGNAL_RESPONSE__MESSAGE_UPDATE:
      return r->update != NULL;
    case LIVEKIT__SIGNAL_RESPONSE__MESSAGE_TRACK_PUBLISHED:
      return r->track_published != NULL;
    case LIVEKIT__SIGNAL_RESPONSE__MESSAGE_LEAVE:
      return r->leave != NULL;
    case LIVEKIT__SIGNAL_RESPONSE__MESSAGE_MUTE:
      return r->mute != NULL;
    case LIVEKIT__SIGNAL_RESPONSE__MESSAGE_REFRESH_TOKEN:
      return r->refresh_token != NULL;
    case LIVEKIT__SIGNAL_RESPONSE__MESSAGE_TRACK_UNPUBLISHED:
      return r->track_unpublished != NULL;
    case LIVEKIT__SIGNAL_RESPONSE__MESSAGE_PONG_RESP:
      return r->pong_resp != NULL;
    case LIVEKIT__SIGNAL_RESPONSE__MESSAGE_SUBSCRIPTION_RESPONSE:
      return r->subscription_response != NULL;
    case LIVEKIT__SIGNAL_RESPONSE__MESSAGE_REQUEST_RESPONSE:
      return r->request_response != NULL;
    case LIVEKIT__SIGNAL_RESPONSE__MESSAGE_TRACK_SUBSCRIBED:
      return r->track_subscribed != NULL;
    default:
      return TRUE;              /* answer/offer are checked in emit_sdp */
  }
}

void
gst_livekit_signal_client_on_message (SoupWebsocketConnection * conn, gint type,
    GBytes * message, gpointer user_data)
{
  GstLiveKitSignalClient *self = user_data;
  Livekit__SignalResponse *resp;
  gsize size;
  const guint8 *data = g_bytes_get_data (message, &size);

  if (self->state != STATE_JOINING && self->state != STATE_CONNECTED
      && self->state != STATE_LEAVING)
    return;
  __atomic_add_fetch (&self->n_received, 1, __ATOMIC_RELAXED);
  /* The server answers JSON only after a client text frame; we send none,
   * so a text frame is not ours to parse (spec §1.2). */
  if (type != SOUP_WEBSOCKET_DATA_BINARY) {
    count_malformed (self, "text frame", size);
    return;
  }
  resp = livekit__signal_response__unpack (NULL, size, data);
  if (!resp) {
    count_malformed (self, "not a SignalResponse", size);
    return;
  }
  if (!response_is_complete (resp)) {
    count_malformed (self, "incomplete SignalResponse", size);
    livekit__signal_response__free_unpacked (resp, NULL);
    return;
  }

  /* Handlers may close or drop the client. */
  g_object_ref (self);
  if (self->state == STATE_JOINING)
    handle_before_join (self, resp);
  else
    dispatch (self, resp);
  g_object_unref (self);
  livekit__signal_response__free_unpacked (resp, NULL);
}

void
gst_livekit_signal_client_on_error (SoupWebsocketConnection * conn,
    GError * error, gpointer user_data)
{
  GstLiveKitSignalClient *self = user_data;

  GST_WARNING_OBJECT (self, "WebSocket error: %s", error->message);
}

void
gst_livekit_signal_client_on_closed (SoupWebsocketConnection * conn,
    gpointer user_data)
{
  GstLiveKitSignalClient *self = user_data;
  gushort code = soup_websocket_connection_get_close_code (conn);
  const gchar *data = soup_websocket_connection_get_close_data (conn);
  State state = self->state;
  /* No close frame (code 0) means the connection was lost, not closed. */
  gboolean orderly = code == SOUP_WEBSOCKET_CLOSE_NORMAL
      || code == SOUP_WEBSOCKET_CLOSE_GOING_AWAY;
  gchar *detail;

  if (code == 0)
    detail = g_strdup (state == STATE_LEAVING ? "left (connection lost)" :
        "connection lost");
  else
    detail = g_strdup_printf ("%s (close code %u%s%s)",
        state == STATE_LEAVING ? "left" : "server closed the connection",
        code, data && data[0] ? ": " : "", data ? data : "");
  g_object_ref (self);
  gst_livekit_signal_client_release (self);
  if (state == STATE_JOINING) {
    gst_livekit_signal_client_complete_connect (self,
        g_error_new (GST_LIVEKIT_SIGNAL_ERROR, GST_LIVEKIT_SIGNAL_ERROR_CLOSED,
            "Signal connection closed before join: %s", detail));
  } else if (state == STATE_LEAVING) {
    gst_livekit_signal_client_emit_disconnected (self,
        GST_LIVEKIT_SIGNAL_CLOSE_CLIENT, detail);
  } else if (state == STATE_CONNECTED) {
    gst_livekit_signal_client_emit_disconnected (self, orderly ?
        GST_LIVEKIT_SIGNAL_CLOSE_SERVER : GST_LIVEKIT_SIGNAL_CLOSE_ERROR,
        detail);
  }
  g_object_unref (self);
  g_free (detail);
}
