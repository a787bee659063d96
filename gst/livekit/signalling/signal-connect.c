/* GstLiveKitSignalClient, connecting: the WebSocket upgrade of /rtc and,
 * when the server refuses it, /rtc/validate for the reason (spec
 * livekit-signalling.md §1.1, §1.2). */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "signalclient-private.h"
#include "signal-url.h"

#ifndef VERSION
#define VERSION "0"
#endif

#define GST_CAT_DEFAULT gst_livekit_signal_client_debug

/* ---- connecting -------------------------------------------------------- */

static GstLiveKitSignalError
error_for_status (guint status)
{
  switch (status) {
    case SOUP_STATUS_UNAUTHORIZED:
      return GST_LIVEKIT_SIGNAL_ERROR_UNAUTHORIZED;
    case SOUP_STATUS_BAD_REQUEST:
      return GST_LIVEKIT_SIGNAL_ERROR_BAD_REQUEST;
    case SOUP_STATUS_NOT_FOUND:
      return GST_LIVEKIT_SIGNAL_ERROR_NOT_FOUND;
    default:
      return GST_LIVEKIT_SIGNAL_ERROR_REJECTED;
  }
}

/* The server's plain-text reason, printable, trimmed, without our token:
 * livekit-server v1.13.5 quotes the whole JWT in "invalid token: <jwt>,
 * error: ...", and error messages end up in logs. */
static gchar *
reason_text (GBytes * body, const gchar * token)
{
  gsize size = 0;
  const gchar *data = body ? g_bytes_get_data (body, &size) : NULL;
  GString *text = g_string_new_len (data ? data : "", size);
  gchar *out;

  /* A short "token" (no JWT is) would only mangle ordinary words. */
  if (token && strlen (token) >= 16)
    g_string_replace (text, token, "<token>", 0);
  for (gsize i = 0; i < text->len; i++)
    if (!g_ascii_isprint (text->str[i]))
      text->str[i] = ' ';
  if (text->len > MAX_REASON_TEXT)
    g_string_truncate (text, MAX_REASON_TEXT);
  out = g_string_free (text, FALSE);
  return g_strstrip (out);
}

static void
on_validated (GObject * source, GAsyncResult * res, gpointer user_data)
{
  GstLiveKitSignalClient *self = user_data;
  SoupMessage *msg = soup_session_get_async_result_message (SOUP_SESSION
      (source), res);
  GError *err = NULL;
  GBytes *body = soup_session_send_and_read_finish (SOUP_SESSION (source),
      res, &err);
  guint status = self->http_status;
  gchar *text = NULL;

  if (self->state != STATE_CONNECTING || !self->connect_task
      || SOUP_SESSION (source) != self->session) {
    g_clear_error (&err);
    goto out;
  }
  /* validate repeats the checks of the upgrade; prefer its answer, unless
   * it failed or (a race, e.g. room created since) now says "success". */
  if (body && msg && soup_message_get_status (msg) >= 400) {
    status = soup_message_get_status (msg);
    text = reason_text (body, self->token);
  }
  if (!text || !text[0]) {
    g_free (text);
    /* The token passed /rtc/validate, yet the session was refused: the
     * server's reason stays in its log ("room has exceeded its max
     * participants" answers HTTP 500 in livekit-server 1.13). */
    if (status >= 500 && body && msg && soup_message_get_status (msg) < 300)
      text = g_strdup_printf ("%s (the token is valid but the server would "
          "not start the session, e.g. the room is full)",
          self->upgrade_msg ?
          soup_message_get_reason_phrase (self->upgrade_msg) : "");
    else
      text = g_strdup (self->upgrade_msg ?
          soup_message_get_reason_phrase (self->upgrade_msg) : "");
  }
  if (err)
    GST_DEBUG_OBJECT (self, "validate failed: %s", err->message);
  g_clear_error (&err);
  self->http_status = status;
  gst_livekit_signal_client_complete_connect (self,
      g_error_new (GST_LIVEKIT_SIGNAL_ERROR, error_for_status (status),
          "LiveKit server refused the connection: HTTP %u %s", status, text));

out:
  g_clear_pointer (&body, g_bytes_unref);
  g_free (text);
  g_object_unref (self);
}

static void
start_validate (GstLiveKitSignalClient * self)
{
  SoupMessage *msg = soup_message_new ("GET", self->validate_url);

  if (!msg) {
    gst_livekit_signal_client_complete_connect (self,
        g_error_new (GST_LIVEKIT_SIGNAL_ERROR,
            error_for_status (self->http_status),
            "LiveKit server refused the connection: HTTP %u",
            self->http_status));
    return;
  }
  soup_session_send_and_read_async (self->session, msg, G_PRIORITY_DEFAULT,
      self->cancellable, on_validated, g_object_ref (self));
  g_object_unref (msg);
}

static void
on_ws_connected (GObject * source, GAsyncResult * res, gpointer user_data)
{
  GstLiveKitSignalClient *self = user_data;
  GError *err = NULL;
  SoupWebsocketConnection *conn =
      soup_session_websocket_connect_finish (SOUP_SESSION (source), res, &err);
  guint status;

  /* Timed out or closed meanwhile (the task is already completed), or a
   * stale attempt: every connect has its own session. */
  if (self->state != STATE_CONNECTING || !self->connect_task
      || SOUP_SESSION (source) != self->session) {
    if (conn) {
      soup_websocket_connection_close (conn, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
      g_object_unref (conn);
    }
    g_clear_error (&err);
    goto out;
  }

  if (!conn) {
    status = soup_message_get_status (self->upgrade_msg);
    GST_DEBUG_OBJECT (self, "handshake failed (HTTP %u): %s", status,
        err->message);
    if (g_error_matches (err, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
      gst_livekit_signal_client_complete_connect (self, err);
    } else if (status >= 300) {
      /* The server answered: refused the token, room, ... */
      self->http_status = status;
      g_clear_error (&err);
      start_validate (self);
    } else if (status == SOUP_STATUS_NONE) {
      gst_livekit_signal_client_complete_connect (self,
          g_error_new (GST_LIVEKIT_SIGNAL_ERROR,
              GST_LIVEKIT_SIGNAL_ERROR_UNREACHABLE,
              "Cannot reach the LiveKit server: %s", err->message));
      g_clear_error (&err);
    } else {
      self->http_status = status;
      gst_livekit_signal_client_complete_connect (self,
          g_error_new (GST_LIVEKIT_SIGNAL_ERROR,
              GST_LIVEKIT_SIGNAL_ERROR_PROTOCOL,
              "Not a LiveKit signalling endpoint (HTTP %u): %s", status,
              err->message));
      g_clear_error (&err);
    }
    goto out;
  }

  self->http_status = soup_message_get_status (self->upgrade_msg);
  self->conn = conn;
  g_object_set (conn, "max-incoming-payload-size",
      (guint64) MAX_INCOMING_PAYLOAD, NULL);
  g_signal_connect (conn, "message",
      G_CALLBACK (gst_livekit_signal_client_on_message), self);
  g_signal_connect (conn, "error",
      G_CALLBACK (gst_livekit_signal_client_on_error), self);
  g_signal_connect (conn, "closed",
      G_CALLBACK (gst_livekit_signal_client_on_closed), self);
  self->state = STATE_JOINING;
  GST_DEBUG_OBJECT (self, "WebSocket open, waiting for JoinResponse");

out:
  g_object_unref (self);
}

static gboolean
connect_timeout_cb (gpointer user_data)
{
  GstLiveKitSignalClient *self = user_data;

  g_clear_pointer (&self->timeout_source, g_source_unref);
  gst_livekit_signal_client_complete_connect (self,
      g_error_new (GST_LIVEKIT_SIGNAL_ERROR, GST_LIVEKIT_SIGNAL_ERROR_TIMEOUT,
          "No JoinResponse from the LiveKit server within %u s",
          self->timeout));
  return G_SOURCE_REMOVE;
}

static gboolean
user_cancelled_cb (GCancellable * cancellable, gpointer user_data)
{
  GstLiveKitSignalClient *self = user_data;

  g_clear_pointer (&self->user_cancel_source, g_source_unref);
  gst_livekit_signal_client_complete_connect (self,
      g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED,
          "Connect cancelled"));
  return G_SOURCE_REMOVE;
}

/**
 * gst_livekit_signal_client_connect_async:
 * @url: the server, e.g. `ws://127.0.0.1:7880` or `wss://x.livekit.cloud`
 * @token: access token (see gst_livekit_access_token_new())
 * @auto_subscribe: have the server subscribe us to every published track
 * @cancellable: (nullable): aborts the connect
 *
 * Opens `/rtc` and waits for the JoinResponse. The client must be idle or
 * closed. Uses (and from then on belongs to) the thread-default main
 * context.
 */
void
gst_livekit_signal_client_connect_async (GstLiveKitSignalClient * self,
    const gchar * url, const gchar * token, gboolean auto_subscribe,
    GCancellable * cancellable, GAsyncReadyCallback callback,
    gpointer user_data)
{
  GTask *task;
  GError *err = NULL;
  gchar *rtc_url;

  g_return_if_fail (GST_IS_LIVEKIT_SIGNAL_CLIENT (self));
  g_return_if_fail (token != NULL);
  g_return_if_fail (self->state == STATE_IDLE || self->state == STATE_CLOSED);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, gst_livekit_signal_client_connect_async);

  rtc_url = gst_livekit_signal_url_build (url, token, auto_subscribe,
      GST_LIVEKIT_SIGNAL_URL_RTC, &err);
  g_free (self->validate_url);
  self->validate_url = rtc_url ? gst_livekit_signal_url_build (url, token,
      auto_subscribe, GST_LIVEKIT_SIGNAL_URL_VALIDATE, NULL) : NULL;
  if (!rtc_url) {
    g_task_return_error (task, err);
    g_object_unref (task);
    return;
  }

  if (self->context)
    g_main_context_unref (self->context);
  self->context = g_main_context_ref_thread_default ();
  self->state = STATE_CONNECTING;
  self->disconnected_emitted = FALSE;
  self->http_status = 0;
  self->rtt_ms = 0;
  g_clear_pointer (&self->join_info, gst_livekit_join_info_unref);
  self->connect_task = task;
  g_free (self->token);
  self->token = g_strdup (token);
  gst_livekit_signal_client_set_can_send (self, TRUE);

  self->session = soup_session_new_with_options ("timeout", self->timeout,
      "user-agent", "gst-livekit-e2ee/" VERSION, NULL);
  self->cancellable = g_cancellable_new ();
  self->upgrade_msg = soup_message_new ("GET", rtc_url);
  /* The token is a credential: log the host only. */
  GST_INFO_OBJECT (self, "connecting to %s", url);
  g_free (rtc_url);
  if (!self->upgrade_msg) {
    gst_livekit_signal_client_complete_connect (self,
        g_error_new (GST_LIVEKIT_SIGNAL_ERROR,
            GST_LIVEKIT_SIGNAL_ERROR_INVALID_URL, "Invalid server URL '%s'",
            url));
    return;
  }

  if (self->timeout)
    self->timeout_source =
        gst_livekit_signal_client_add_timeout (self, self->timeout * 1000,
        connect_timeout_cb);
  if (cancellable) {
    self->user_cancel_source = g_cancellable_source_new (cancellable);
    g_source_set_callback (self->user_cancel_source,
        (GSourceFunc) (GCallback) user_cancelled_cb, self, NULL);
    g_source_attach (self->user_cancel_source, self->context);
  }

  soup_session_websocket_connect_async (self->session, self->upgrade_msg,
      NULL, NULL, G_PRIORITY_DEFAULT, self->cancellable, on_ws_connected,
      g_object_ref (self));
}

/**
 * gst_livekit_signal_client_connect_finish:
 *
 * Returns: %TRUE once joined; the join info is then available from
 *   gst_livekit_signal_client_get_join_info()
 */
gboolean
gst_livekit_signal_client_connect_finish (GstLiveKitSignalClient * self,
    GAsyncResult * result, GError ** error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}
