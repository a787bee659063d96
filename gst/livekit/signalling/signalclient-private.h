/* GstLiveKitSignalClient internals shared by signalclient.c (object,
 * requests, send queue), signal-connect.c (handshake, /rtc/validate) and
 * signal-receive.c (frames in, keep-alive). Not installed. */
#ifndef __GST_LIVEKIT_SIGNALCLIENT_PRIVATE_H__
#define __GST_LIVEKIT_SIGNALCLIENT_PRIVATE_H__

#include "signalclient.h"
#include "signal-private.h"

#include <gst/gst.h>
#include <libsoup/soup.h>

G_BEGIN_DECLS

GST_DEBUG_CATEGORY_EXTERN (gst_livekit_signal_client_debug);

/* JoinResponses of big rooms exceed libsoup's 128 KiB default (spec §1.2);
 * a bound is still kept so a broken server cannot exhaust memory. */
#define MAX_INCOMING_PAYLOAD (64 * 1024 * 1024)
/* After our LeaveRequest the server closes the socket; wait that long. */
#define LEAVE_CLOSE_GRACE_MS 2000
#define MALFORMED_WARN_INTERVAL_US (10 * G_USEC_PER_SEC)
/* The server's reason text is shown to users: keep it short. */
#define MAX_REASON_TEXT 512
/* ping_interval and ping_timeout come from the server (seconds, int32):
 * bounded before they become milliseconds, so no value overflows. */
#define MAX_KEEPALIVE_S 3600

typedef enum
{
  STATE_IDLE,
  STATE_CONNECTING,             /* WebSocket handshake or /rtc/validate */
  STATE_JOINING,                /* socket open, waiting for JoinResponse */
  STATE_CONNECTED,
  STATE_LEAVING,                /* LeaveRequest sent, waiting for close */
  STATE_CLOSED,
} State;

struct _GstLiveKitSignalClient
{
  GObject parent;

  guint timeout;

  /* Owner-context state: only touched from @context. */
  GMainContext *context;
  State state;
  SoupSession *session;
  SoupMessage *upgrade_msg;
  SoupWebsocketConnection *conn;
  GCancellable *cancellable;    /* ours: aborts handshake/validate */
  GTask *connect_task;
  gchar *validate_url;
  gchar *token;                 /* only to redact it from server texts */
  guint http_status;
  GSource *timeout_source;
  GSource *user_cancel_source;
  GSource *ping_source;
  GSource *pong_timeout_source;
  GSource *leave_source;
  GstLiveKitJoinInfo *join_info;
  gchar *refresh_token;
  gint64 rtt_ms;
  gint64 last_malformed_warn;
  guint64 malformed_at_warn;
  gboolean disconnected_emitted;

  /* Counters, read by the stats property from any thread (atomic). */
  guint64 n_received;
  guint64 n_sent;
  guint64 n_malformed;
  guint64 n_unknown;

  /* Protects the send queue and can_send, the only cross-thread state. */
  GMutex send_lock;
  GQueue send_queue;            /* GBytes */
  GSource *flush_source;
  gboolean can_send;
};

enum
{
  SIGNAL_JOIN,
  SIGNAL_OFFER,
  SIGNAL_ANSWER,
  SIGNAL_TRICKLE,
  SIGNAL_PARTICIPANT_UPDATE,
  SIGNAL_TRACK_PUBLISHED,
  SIGNAL_TRACK_UNPUBLISHED,
  SIGNAL_TRACK_SUBSCRIBED,
  SIGNAL_MUTE,
  SIGNAL_LEAVE,
  SIGNAL_REQUEST_RESPONSE,
  SIGNAL_SUBSCRIPTION_RESPONSE,
  SIGNAL_REFRESH_TOKEN,
  SIGNAL_PONG,
  SIGNAL_DISCONNECTED,
  LAST_SIGNAL
};

extern guint gst_livekit_signal_client_signals[LAST_SIGNAL];
#define EMIT(self, id, ...) \
    g_signal_emit (self, gst_livekit_signal_client_signals[id], 0, __VA_ARGS__)

static inline gint64
now_ms (void)
{
  return g_get_real_time () / 1000;
}

/* A keep-alive period the server asked for, in milliseconds: 0 (none) for
 * values <= 0, at most MAX_KEEPALIVE_S seconds. */
static inline guint
keepalive_ms (gint seconds)
{
  if (seconds <= 0)
    return 0;
  return (guint) MIN (seconds, MAX_KEEPALIVE_S) * 1000;
}

static inline void
destroy_source (GSource ** source)
{
  if (*source) {
    g_source_destroy (*source);
    g_source_unref (*source);
    *source = NULL;
  }
}

/* All of these run in the owner context, except send_frame (any thread). */
GSource *gst_livekit_signal_client_add_timeout (GstLiveKitSignalClient * self,
    guint ms, GSourceFunc func);
void gst_livekit_signal_client_set_can_send (GstLiveKitSignalClient * self,
    gboolean can_send);
void gst_livekit_signal_client_stop_timers (GstLiveKitSignalClient * self);
void gst_livekit_signal_client_release (GstLiveKitSignalClient * self);
void gst_livekit_signal_client_complete_connect (GstLiveKitSignalClient *
    self, GError * error);
void gst_livekit_signal_client_emit_disconnected (GstLiveKitSignalClient *
    self, GstLiveKitSignalCloseReason reason, const gchar * detail);
gboolean gst_livekit_signal_client_send_frame (GstLiveKitSignalClient * self,
    GBytes * frame);
void gst_livekit_signal_client_do_ping (GstLiveKitSignalClient * self);

/* SoupWebsocketConnection handlers (signal-receive.c). */
void gst_livekit_signal_client_on_message (SoupWebsocketConnection * conn,
    gint type, GBytes * message, gpointer user_data);
void gst_livekit_signal_client_on_error (SoupWebsocketConnection * conn,
    GError * error, gpointer user_data);
void gst_livekit_signal_client_on_closed (SoupWebsocketConnection * conn,
    gpointer user_data);

G_END_DECLS
#endif /* __GST_LIVEKIT_SIGNALCLIENT_PRIVATE_H__ */
