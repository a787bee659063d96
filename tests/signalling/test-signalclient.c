/* GstLiveKitSignalClient against an in-process fake LiveKit server
 * (libsoup SoupServer): join, every server message, malformed and unknown
 * frames, ping/pong and ping timeout, HTTP refusals, unreachable server,
 * timeouts, cancellation, leave, and sends from other threads. The real
 * server is exercised by test-signalling-livekit.c. */
#include <gst/check/gstcheck.h>
#include <gst/livekit/signalling/signalling.h>
#include "../../gst/livekit/signalling/signal-private.h"
#include <libsoup/soup.h>

#include <stdio.h>
#include <string.h>

/* ---- fake server ---- */

typedef enum
{
  JOIN_NORMAL,
  JOIN_NEVER,
  JOIN_LEAVE_INSTEAD,
  JOIN_TRICKLE_FIRST,
} JoinMode;

typedef struct
{
  SoupServer *server;
  gchar *url;
  JoinMode join_mode;
  gboolean junk_first;          /* garbage, text and unknown frames first */
  gboolean chatty;              /* every other message after the join */
  gboolean empty_offer;         /* an offer without SDP, then offer 8 */
  gboolean answer_pings;
  gint ping_interval;
  gint ping_timeout;
  gboolean pong_echo_override;  /* answer with pong_echo, not the ping's */
  gint64 pong_echo;
  SoupWebsocketConnection *conn;
  GPtrArray *requests;          /* Livekit__SignalRequest */
  gboolean client_closed;
} Fake;

static void
fake_send (Fake * f, Livekit__SignalResponse * resp)
{
  gsize n = livekit__signal_response__get_packed_size (resp);
  guint8 *buf = g_malloc (n + 1);

  livekit__signal_response__pack (resp, buf);
  soup_websocket_connection_send_binary (f->conn, buf, n);
  g_free (buf);
}

static void
fake_send_join (Fake * f)
{
  Livekit__SignalResponse resp = LIVEKIT__SIGNAL_RESPONSE__INIT;
  Livekit__JoinResponse join = LIVEKIT__JOIN_RESPONSE__INIT;
  Livekit__ParticipantInfo me = LIVEKIT__PARTICIPANT_INFO__INIT;
  Livekit__Room room = LIVEKIT__ROOM__INIT;
  static guint8 sif[] = { 0xde, 0xad, 0xbe, 0xef };

  me.sid = (char *) "PA_me";
  me.identity = (char *) "alice";
  room.name = (char *) "test";
  join.participant = &me;
  join.room = &room;
  join.ping_interval = f->ping_interval;
  join.ping_timeout = f->ping_timeout;
  join.subscriber_primary = TRUE;
  join.sif_trailer.data = sif;
  join.sif_trailer.len = sizeof (sif);
  resp.message_case = LIVEKIT__SIGNAL_RESPONSE__MESSAGE_JOIN;
  resp.join = &join;
  fake_send (f, &resp);
}

static void
fake_send_junk (Fake * f)
{
  static const guint8 garbage[] = { 0x0a, 0x7f, 0x01 };
  static const guint8 unknown_case[] = { 0xca, 0x01, 0x02, 0x08, 0x01 };

  soup_websocket_connection_send_binary (f->conn, garbage, sizeof (garbage));
  soup_websocket_connection_send_text (f->conn, "{\"join\":{}}");
  /* field 25 (media_sections_requirement), unknown to our .proto */
  soup_websocket_connection_send_binary (f->conn, unknown_case,
      sizeof (unknown_case));
}

/* One of every server message the client turns into a signal. */
static void
fake_send_everything (Fake * f)
{
  Livekit__SignalResponse r;
  Livekit__SessionDescription sd = LIVEKIT__SESSION_DESCRIPTION__INIT;
  Livekit__SessionDescription__MidToTrackIdEntry e =
      LIVEKIT__SESSION_DESCRIPTION__MID_TO_TRACK_ID_ENTRY__INIT;
  Livekit__SessionDescription__MidToTrackIdEntry *entries[] = { &e };
  Livekit__TrickleRequest tr = LIVEKIT__TRICKLE_REQUEST__INIT;
  Livekit__ParticipantUpdate up = LIVEKIT__PARTICIPANT_UPDATE__INIT;
  Livekit__ParticipantInfo bob = LIVEKIT__PARTICIPANT_INFO__INIT;
  Livekit__ParticipantInfo *parts[] = { &bob };
  Livekit__TrackInfo t = LIVEKIT__TRACK_INFO__INIT;
  Livekit__TrackInfo *tracks[] = { &t };
  Livekit__RequestResponse rr = LIVEKIT__REQUEST_RESPONSE__INIT;
  Livekit__AddTrackRequest add = LIVEKIT__ADD_TRACK_REQUEST__INIT;
  Livekit__SubscriptionResponse sr = LIVEKIT__SUBSCRIPTION_RESPONSE__INIT;
  Livekit__TrackUnpublishedResponse tu =
      LIVEKIT__TRACK_UNPUBLISHED_RESPONSE__INIT;
  Livekit__MuteTrackRequest mute = LIVEKIT__MUTE_TRACK_REQUEST__INIT;
  Livekit__TrackSubscribed ts = LIVEKIT__TRACK_SUBSCRIBED__INIT;

  e.key = (char *) "0";
  e.value = (char *) "TR_AMbob";
  sd.type = (char *) "offer";
  sd.sdp = (char *) "v=0\r\n";
  sd.id = 1;
  sd.n_mid_to_track_id = 1;
  sd.mid_to_track_id = entries;
  r = (Livekit__SignalResponse) LIVEKIT__SIGNAL_RESPONSE__INIT;
  r.message_case = LIVEKIT__SIGNAL_RESPONSE__MESSAGE_OFFER;
  r.offer = &sd;
  fake_send (f, &r);

  tr.candidateinit = (char *) "{\"candidate\":\"c\",\"sdpMLineIndex\":0}";
  tr.target = LIVEKIT__SIGNAL_TARGET__SUBSCRIBER;
  tr.final = TRUE;
  r = (Livekit__SignalResponse) LIVEKIT__SIGNAL_RESPONSE__INIT;
  r.message_case = LIVEKIT__SIGNAL_RESPONSE__MESSAGE_TRICKLE;
  r.trickle = &tr;
  fake_send (f, &r);

  t.sid = (char *) "TR_AMbob";
  t.encryption = LIVEKIT__ENCRYPTION__TYPE__GCM;
  bob.sid = (char *) "PA_bob";
  bob.identity = (char *) "bob";
  bob.n_tracks = 1;
  bob.tracks = tracks;
  up.n_participants = 1;
  up.participants = parts;
  r = (Livekit__SignalResponse) LIVEKIT__SIGNAL_RESPONSE__INIT;
  r.message_case = LIVEKIT__SIGNAL_RESPONSE__MESSAGE_UPDATE;
  r.update = &up;
  fake_send (f, &r);

  r = (Livekit__SignalResponse) LIVEKIT__SIGNAL_RESPONSE__INIT;
  r.message_case = LIVEKIT__SIGNAL_RESPONSE__MESSAGE_REFRESH_TOKEN;
  r.refresh_token = (char *) "new-token";
  fake_send (f, &r);

  rr.reason = LIVEKIT__REQUEST_RESPONSE__REASON__NOT_ALLOWED;
  rr.message = (char *) "does not have permission to publish";
  add.cid = (char *) "cid-refused";
  rr.request_case = LIVEKIT__REQUEST_RESPONSE__REQUEST_ADD_TRACK;
  rr.add_track = &add;
  r = (Livekit__SignalResponse) LIVEKIT__SIGNAL_RESPONSE__INIT;
  r.message_case = LIVEKIT__SIGNAL_RESPONSE__MESSAGE_REQUEST_RESPONSE;
  r.request_response = &rr;
  fake_send (f, &r);

  sr.track_sid = (char *) "TR_x";
  sr.err = LIVEKIT__SUBSCRIPTION_ERROR__SE_TRACK_NOTFOUND;
  r = (Livekit__SignalResponse) LIVEKIT__SIGNAL_RESPONSE__INIT;
  r.message_case = LIVEKIT__SIGNAL_RESPONSE__MESSAGE_SUBSCRIPTION_RESPONSE;
  r.subscription_response = &sr;
  fake_send (f, &r);

  tu.track_sid = (char *) "TR_mine";
  r = (Livekit__SignalResponse) LIVEKIT__SIGNAL_RESPONSE__INIT;
  r.message_case = LIVEKIT__SIGNAL_RESPONSE__MESSAGE_TRACK_UNPUBLISHED;
  r.track_unpublished = &tu;
  fake_send (f, &r);

  mute.sid = (char *) "TR_mine";
  mute.muted = TRUE;
  r = (Livekit__SignalResponse) LIVEKIT__SIGNAL_RESPONSE__INIT;
  r.message_case = LIVEKIT__SIGNAL_RESPONSE__MESSAGE_MUTE;
  r.mute = &mute;
  fake_send (f, &r);

  ts.track_sid = (char *) "TR_mine";
  r = (Livekit__SignalResponse) LIVEKIT__SIGNAL_RESPONSE__INIT;
  r.message_case = LIVEKIT__SIGNAL_RESPONSE__MESSAGE_TRACK_SUBSCRIBED;
  r.track_subscribed = &ts;
  fake_send (f, &r);
}

/* An offer with no SDP text (proto3 leaves "" out), then a good one. */
static void
fake_send_empty_offer (Fake * f)
{
  Livekit__SignalResponse r = LIVEKIT__SIGNAL_RESPONSE__INIT;
  Livekit__SessionDescription sd = LIVEKIT__SESSION_DESCRIPTION__INIT;

  sd.type = (char *) "offer";
  sd.id = 7;
  r.message_case = LIVEKIT__SIGNAL_RESPONSE__MESSAGE_OFFER;
  r.offer = &sd;
  fake_send (f, &r);
  sd.sdp = (char *) "v=0\r\n";
  sd.id = 8;
  fake_send (f, &r);
}

static void
fake_on_message (SoupWebsocketConnection * conn, gint type, GBytes * message,
    gpointer user_data)
{
  Fake *f = user_data;
  gsize n;
  const guint8 *data = g_bytes_get_data (message, &n);
  Livekit__SignalRequest *req;

  fail_unless_equals_int (type, SOUP_WEBSOCKET_DATA_BINARY);
  req = livekit__signal_request__unpack (NULL, n, data);
  fail_unless (req != NULL);
  g_ptr_array_add (f->requests, req);

  if (req->message_case == LIVEKIT__SIGNAL_REQUEST__MESSAGE_PING_REQ
      && f->answer_pings) {
    Livekit__SignalResponse r = LIVEKIT__SIGNAL_RESPONSE__INIT;
    Livekit__Pong pong = LIVEKIT__PONG__INIT;
    pong.last_ping_timestamp = f->pong_echo_override ? f->pong_echo :
        req->ping_req->timestamp;
    pong.timestamp = g_get_real_time () / 1000;
    r.message_case = LIVEKIT__SIGNAL_RESPONSE__MESSAGE_PONG_RESP;
    r.pong_resp = &pong;
    fake_send (f, &r);
  } else if (req->message_case == LIVEKIT__SIGNAL_REQUEST__MESSAGE_ADD_TRACK) {
    Livekit__SignalResponse r = LIVEKIT__SIGNAL_RESPONSE__INIT;
    Livekit__TrackPublishedResponse tp =
        LIVEKIT__TRACK_PUBLISHED_RESPONSE__INIT;
    Livekit__TrackInfo t = LIVEKIT__TRACK_INFO__INIT;
    t.sid = (char *) "TR_VCnew";
    t.type = req->add_track->type;
    t.encryption = req->add_track->encryption;
    tp.cid = req->add_track->cid;
    tp.track = &t;
    r.message_case = LIVEKIT__SIGNAL_RESPONSE__MESSAGE_TRACK_PUBLISHED;
    r.track_published = &tp;
    fake_send (f, &r);
  } else if (req->message_case == LIVEKIT__SIGNAL_REQUEST__MESSAGE_LEAVE) {
    /* What livekit-server does after a client leave. */
    soup_websocket_connection_close (conn, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
  }
}

static void
fake_on_closed (SoupWebsocketConnection * conn, gpointer user_data)
{
  Fake *f = user_data;
  f->client_closed = TRUE;
}

static void
fake_ws_handler (SoupServer * server, SoupServerMessage * msg,
    const char *path, SoupWebsocketConnection * conn, gpointer user_data)
{
  Fake *f = user_data;

  /* A reconnect replaces the previous connection. */
  if (f->conn) {
    g_signal_handlers_disconnect_by_data (f->conn, f);
    g_object_unref (f->conn);
  }
  f->client_closed = FALSE;
  f->conn = g_object_ref (conn);
  g_signal_connect (conn, "message", G_CALLBACK (fake_on_message), f);
  g_signal_connect (conn, "closed", G_CALLBACK (fake_on_closed), f);
  if (f->junk_first)
    fake_send_junk (f);
  switch (f->join_mode) {
    case JOIN_NORMAL:
      fake_send_join (f);
      if (f->chatty)
        fake_send_everything (f);
      if (f->empty_offer)
        fake_send_empty_offer (f);
      break;
    case JOIN_LEAVE_INSTEAD:{
      Livekit__SignalResponse r = LIVEKIT__SIGNAL_RESPONSE__INIT;
      Livekit__LeaveRequest leave = LIVEKIT__LEAVE_REQUEST__INIT;
      leave.reason = LIVEKIT__DISCONNECT_REASON__JOIN_FAILURE;
      r.message_case = LIVEKIT__SIGNAL_RESPONSE__MESSAGE_LEAVE;
      r.leave = &leave;
      fake_send (f, &r);
      break;
    }
    case JOIN_TRICKLE_FIRST:{
      Livekit__SignalResponse r = LIVEKIT__SIGNAL_RESPONSE__INIT;
      Livekit__TrickleRequest tr = LIVEKIT__TRICKLE_REQUEST__INIT;
      r.message_case = LIVEKIT__SIGNAL_RESPONSE__MESSAGE_TRICKLE;
      r.trickle = &tr;
      fake_send (f, &r);
      break;
    }
    case JOIN_NEVER:
      break;
  }
}

/* /deny/...: what livekit-server answers for a bad token, on the upgrade
 * and on /rtc/validate alike. */
static void
fake_deny_handler (SoupServer * server, SoupServerMessage * msg,
    const char *path, GHashTable * query, gpointer user_data)
{
  static const gchar text[] =
      "invalid authorization token: go-jose/go-jose: error in "
      "cryptographic primitive\n";

  soup_server_message_set_status (msg, SOUP_STATUS_UNAUTHORIZED, NULL);
  soup_server_message_set_response (msg, "text/plain; charset=utf-8",
      SOUP_MEMORY_STATIC, text, strlen (text));
}

static void
free_request (gpointer req)
{
  livekit__signal_request__free_unpacked (req, NULL);
}

static Fake *
fake_new (JoinMode mode)
{
  Fake *f = g_new0 (Fake, 1);
  GError *err = NULL;
  GSList *uris;

  f->join_mode = mode;
  f->answer_pings = TRUE;
  f->ping_interval = 5;
  f->ping_timeout = 15;
  f->requests = g_ptr_array_new_with_free_func (free_request);
  f->server = soup_server_new (NULL, NULL);
  soup_server_add_websocket_handler (f->server, "/rtc", NULL, NULL,
      fake_ws_handler, f, NULL);
  soup_server_add_handler (f->server, "/deny", fake_deny_handler, f, NULL);
  fail_unless (soup_server_listen_local (f->server, 0,
          SOUP_SERVER_LISTEN_IPV4_ONLY, &err));
  g_assert_no_error (err);
  uris = soup_server_get_uris (f->server);
  f->url = g_strdup_printf ("ws://127.0.0.1:%d", g_uri_get_port (uris->data));
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);
  return f;
}

static void
fake_free (Fake * f)
{
  if (f->conn) {
    g_signal_handlers_disconnect_by_data (f->conn, f);
    g_object_unref (f->conn);
  }
  soup_server_disconnect (f->server);
  g_object_unref (f->server);
  g_ptr_array_unref (f->requests);
  g_free (f->url);
  g_free (f);
}

static guint
fake_count (Fake * f, Livekit__SignalRequest__MessageCase what)
{
  guint n = 0;
  for (guint i = 0; i < f->requests->len; i++)
    if (((Livekit__SignalRequest *) g_ptr_array_index (f->requests,
                i))->message_case == what)
      n++;
  return n;
}

/* ---- client side helpers ---- */

typedef struct
{
  gboolean done;
  gboolean ok;
  GError *error;
  gboolean joined_before_done;
  gint joins;
  GstLiveKitJoinInfo *join;
  GHashTable *seen;             /* signal name -> count */
  gint64 rtt;
  gint disconnect_reason;
  gchar *disconnect_detail;
  gchar *published_cid, *published_sid;
  guint offer_id;
  gchar *offer_mid0;
  GstLiveKitSignalTarget trickle_target;
  gboolean trickle_final;
  gint leave_reason;
  guint request_reason;
  gchar *request_message;
  gchar *request_cid;
} Client;

static void
bump (Client * c, const gchar * name)
{
  guint n = GPOINTER_TO_UINT (g_hash_table_lookup (c->seen, name));
  g_hash_table_replace (c->seen, (gpointer) name, GUINT_TO_POINTER (n + 1));
}

static guint
seen (Client * c, const gchar * name)
{
  return GPOINTER_TO_UINT (g_hash_table_lookup (c->seen, name));
}

static void
on_connected (GObject * source, GAsyncResult * res, gpointer user_data)
{
  Client *c = user_data;
  c->ok = gst_livekit_signal_client_connect_finish
      (GST_LIVEKIT_SIGNAL_CLIENT (source), res, &c->error);
  c->joined_before_done = c->joins > 0;
  c->done = TRUE;
}

static void
on_join (GstLiveKitSignalClient * sc, GstLiveKitJoinInfo * info, Client * c)
{
  c->joins++;
  g_clear_pointer (&c->join, gst_livekit_join_info_unref);
  c->join = gst_livekit_join_info_ref (info);
}

static void
on_offer (GstLiveKitSignalClient * sc, const gchar * sdp, guint id,
    GHashTable * map, Client * c)
{
  bump (c, "offer");
  c->offer_id = id;
  g_free (c->offer_mid0);
  c->offer_mid0 = g_strdup (g_hash_table_lookup (map, "0"));
}

static void
on_trickle (GstLiveKitSignalClient * sc, const gchar * json,
    GstLiveKitSignalTarget target, gboolean final, Client * c)
{
  bump (c, "trickle");
  fail_unless (gst_livekit_candidate_from_json (json, NULL, NULL, NULL, NULL));
  c->trickle_target = target;
  c->trickle_final = final;
}

static void
on_update (GstLiveKitSignalClient * sc, GPtrArray * parts, Client * c)
{
  GstLiveKitParticipantInfo *p = g_ptr_array_index (parts, 0);
  GstLiveKitTrackInfo *t = g_ptr_array_index (p->tracks, 0);

  bump (c, "participant-update");
  fail_unless_equals_string (p->identity, "bob");
  fail_unless_equals_int (t->encryption, GST_LIVEKIT_ENCRYPTION_TYPE_GCM);
}

static void
on_published (GstLiveKitSignalClient * sc, const gchar * cid,
    const gchar * sid, GstLiveKitTrackInfo * t, Client * c)
{
  bump (c, "track-published");
  c->published_cid = g_strdup (cid);
  c->published_sid = g_strdup (sid);
  fail_unless_equals_int (t->encryption, GST_LIVEKIT_ENCRYPTION_TYPE_GCM);
}

static void
on_str (GstLiveKitSignalClient * sc, const gchar * s, Client * c)
{
  /* track-unpublished, track-subscribed, refresh-token */
  fail_unless (s && s[0]);
}

static void
on_unpublished (GstLiveKitSignalClient * sc, const gchar * s, Client * c)
{
  bump (c, "track-unpublished");
  on_str (sc, s, c);
}

static void
on_subscribed (GstLiveKitSignalClient * sc, const gchar * s, Client * c)
{
  bump (c, "track-subscribed");
  on_str (sc, s, c);
}

static void
on_refresh (GstLiveKitSignalClient * sc, const gchar * s, Client * c)
{
  bump (c, "refresh-token");
  fail_unless_equals_string (s, "new-token");
}

static void
on_mute (GstLiveKitSignalClient * sc, const gchar * sid, gboolean muted,
    Client * c)
{
  bump (c, "mute");
  fail_unless (muted);
}

static void
on_leave (GstLiveKitSignalClient * sc, GstLiveKitDisconnectReason reason,
    GstLiveKitLeaveAction action, Client * c)
{
  bump (c, "leave");
  c->leave_reason = reason;
}

static void
on_request_response (GstLiveKitSignalClient * sc, guint id,
    GstLiveKitRequestReason reason, const gchar * message, const gchar * cid,
    Client * c)
{
  bump (c, "request-response");
  c->request_reason = reason;
  g_free (c->request_message);
  c->request_message = g_strdup (message);
  g_free (c->request_cid);
  c->request_cid = g_strdup (cid);
}

static void
on_subscription_response (GstLiveKitSignalClient * sc, const gchar * sid,
    GstLiveKitSubscriptionError err, Client * c)
{
  bump (c, "subscription-response");
  fail_unless_equals_int (err, GST_LIVEKIT_SUBSCRIPTION_ERROR_TRACK_NOT_FOUND);
}

static void
on_pong (GstLiveKitSignalClient * sc, gint64 rtt, Client * c)
{
  bump (c, "pong");
  c->rtt = rtt;
}

static void
on_disconnected (GstLiveKitSignalClient * sc,
    GstLiveKitSignalCloseReason reason, const gchar * detail, Client * c)
{
  bump (c, "disconnected");
  c->disconnect_reason = reason;
  g_free (c->disconnect_detail);
  c->disconnect_detail = g_strdup (detail);
}

static GstLiveKitSignalClient *
client_new (Client * c)
{
  GstLiveKitSignalClient *sc = gst_livekit_signal_client_new ();

  memset (c, 0, sizeof (*c));
  c->seen = g_hash_table_new (g_str_hash, g_str_equal);
  c->disconnect_reason = -1;
  g_signal_connect (sc, "join", G_CALLBACK (on_join), c);
  g_signal_connect (sc, "offer", G_CALLBACK (on_offer), c);
  g_signal_connect (sc, "trickle", G_CALLBACK (on_trickle), c);
  g_signal_connect (sc, "participant-update", G_CALLBACK (on_update), c);
  g_signal_connect (sc, "track-published", G_CALLBACK (on_published), c);
  g_signal_connect (sc, "track-unpublished", G_CALLBACK (on_unpublished), c);
  g_signal_connect (sc, "track-subscribed", G_CALLBACK (on_subscribed), c);
  g_signal_connect (sc, "refresh-token", G_CALLBACK (on_refresh), c);
  g_signal_connect (sc, "mute", G_CALLBACK (on_mute), c);
  g_signal_connect (sc, "leave", G_CALLBACK (on_leave), c);
  g_signal_connect (sc, "request-response",
      G_CALLBACK (on_request_response), c);
  g_signal_connect (sc, "subscription-response",
      G_CALLBACK (on_subscription_response), c);
  g_signal_connect (sc, "pong", G_CALLBACK (on_pong), c);
  g_signal_connect (sc, "disconnected", G_CALLBACK (on_disconnected), c);
  return sc;
}

static void
client_clear (Client * c)
{
  g_clear_error (&c->error);
  g_clear_pointer (&c->join, gst_livekit_join_info_unref);
  g_hash_table_unref (c->seen);
  g_free (c->disconnect_detail);
  g_free (c->published_cid);
  g_free (c->published_sid);
  g_free (c->offer_mid0);
  g_free (c->request_message);
  g_free (c->request_cid);
}

static gboolean
wake (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

/* Iterates the default context until *flag or @ms elapse. */
static gboolean
wait_until (const gboolean * flag, guint ms)
{
  gint64 deadline = g_get_monotonic_time () + ms * 1000;
  guint id = g_timeout_add (10, wake, NULL);

  while (!*flag && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (id);
  return *flag;
}

static gboolean
wait_count (Client * c, const gchar * name, guint n, guint ms)
{
  gint64 deadline = g_get_monotonic_time () + ms * 1000;
  guint id = g_timeout_add (10, wake, NULL);

  while (seen (c, name) < n && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (id);
  return seen (c, name) >= n;
}

static void
connect_and_wait (GstLiveKitSignalClient * sc, Client * c, const gchar * url,
    GCancellable * cancellable)
{
  gst_livekit_signal_client_connect_async (sc, url, "tok", TRUE, cancellable,
      on_connected, c);
  fail_unless (wait_until (&c->done, 10000), "connect did not complete");
}

static guint64
stat (GstLiveKitSignalClient * sc, const gchar * field)
{
  GstStructure *s;
  guint64 v = 0;

  g_object_get (sc, "stats", &s, NULL);
  fail_unless (gst_structure_get_uint64 (s, field, &v));
  gst_structure_free (s);
  return v;
}

/* ---- tests ---- */

GST_START_TEST (test_join_and_server_messages)
{
  Fake *f = fake_new (JOIN_NORMAL);
  Client c;
  GstLiveKitSignalClient *sc = client_new (&c);
  GstLiveKitJoinInfo *info;
  static const gchar *names[] = { "offer", "trickle", "participant-update",
    "refresh-token", "request-response", "subscription-response",
    "track-unpublished", "mute", "track-subscribed"
  };

  f->junk_first = TRUE;
  f->chatty = TRUE;
  connect_and_wait (sc, &c, f->url, NULL);
  g_assert_no_error (c.error);
  fail_unless (c.ok);
  fail_unless (c.joined_before_done);
  fail_unless_equals_int (c.joins, 1);
  fail_unless (gst_livekit_signal_client_is_connected (sc));
  fail_unless_equals_int (gst_livekit_signal_client_get_http_status (sc), 101);
  fail_unless_equals_string (c.join->participant->identity, "alice");
  fail_unless_equals_int (g_bytes_get_size (c.join->sif_trailer), 4);
  info = gst_livekit_signal_client_get_join_info (sc);
  fail_unless (info == c.join);
  gst_livekit_join_info_unref (info);

  /* Junk before the join was dropped and counted, never fatal */
  fail_unless_equals_int (stat (sc, "malformed"), 2);
  fail_unless_equals_int (stat (sc, "unknown"), 1);

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    fail_unless (wait_count (&c, names[i], 1, 5000), "no %s", names[i]);
  fail_unless_equals_int (c.offer_id, 1);
  fail_unless_equals_string (c.offer_mid0, "TR_AMbob");
  fail_unless_equals_int (c.trickle_target,
      GST_LIVEKIT_SIGNAL_TARGET_SUBSCRIBER);
  fail_unless (c.trickle_final);
  fail_unless_equals_int (c.request_reason,
      GST_LIVEKIT_REQUEST_REASON_NOT_ALLOWED);
  fail_unless_equals_string (c.request_message,
      "does not have permission to publish");
  fail_unless_equals_string (c.request_cid, "cid-refused");
  {
    gchar *rt = gst_livekit_signal_client_get_refresh_token (sc);
    fail_unless_equals_string (rt, "new-token");
    g_free (rt);
  }

  /* Requests */
  fail_unless (gst_livekit_signal_client_send_answer (sc, "v=0\r\n", 1));
  fail_unless (gst_livekit_signal_client_send_add_track (sc, "cid0", "cam",
          GST_LIVEKIT_TRACK_TYPE_VIDEO, GST_LIVEKIT_TRACK_SOURCE_CAMERA, 320,
          240, GST_LIVEKIT_ENCRYPTION_TYPE_GCM, TRUE));
  fail_unless (wait_count (&c, "track-published", 1, 5000));
  fail_unless_equals_string (c.published_cid, "cid0");
  fail_unless_equals_string (c.published_sid, "TR_VCnew");
  fail_unless (gst_livekit_signal_client_send_ping (sc));
  fail_unless (wait_count (&c, "pong", 1, 5000));
  fail_unless (c.rtt >= 0 && c.rtt < 1000);
  fail_unless_equals_int (fake_count (f,
          LIVEKIT__SIGNAL_REQUEST__MESSAGE_ANSWER), 1);
  {
    Livekit__SignalRequest *a = g_ptr_array_index (f->requests, 0);
    fail_unless_equals_int (a->message_case,
        LIVEKIT__SIGNAL_REQUEST__MESSAGE_ANSWER);
    fail_unless_equals_int (a->answer->id, 1);
    fail_unless_equals_string (a->answer->type, "answer");
  }

  /* Leave: the server closes, the client reports a clean client close */
  fail_unless (gst_livekit_signal_client_leave (sc));
  fail_unless (wait_count (&c, "disconnected", 1, 5000));
  fail_unless_equals_int (c.disconnect_reason, GST_LIVEKIT_SIGNAL_CLOSE_CLIENT);
  fail_unless (g_str_has_prefix (c.disconnect_detail, "left (close code 1000"),
      "%s", c.disconnect_detail);
  fail_unless_equals_int (fake_count (f,
          LIVEKIT__SIGNAL_REQUEST__MESSAGE_LEAVE), 1);
  fail_if (gst_livekit_signal_client_is_connected (sc));
  fail_if (gst_livekit_signal_client_send_ping (sc));

  g_object_unref (sc);
  client_clear (&c);
  fake_free (f);
}

GST_END_TEST;

typedef struct
{
  GstLiveKitSignalClient *sc;
  guint first;
} SenderArgs;

static gpointer
sender_thread (gpointer data)
{
  SenderArgs *a = data;

  for (guint i = 0; i < 50; i++) {
    gchar *json = g_strdup_printf ("{\"candidate\":\"c%u\"}", a->first + i);
    fail_unless (gst_livekit_signal_client_send_trickle (a->sc, json,
            GST_LIVEKIT_SIGNAL_TARGET_PUBLISHER));
    g_free (json);
  }
  return NULL;
}

GST_START_TEST (test_send_from_threads_keeps_order)
{
  Fake *f = fake_new (JOIN_NORMAL);
  Client c;
  GstLiveKitSignalClient *sc = client_new (&c);
  SenderArgs a1, a2;
  GThread *t1, *t2;
  gint last1 = -1, last2 = 999;

  connect_and_wait (sc, &c, f->url, NULL);
  fail_unless (c.ok);
  a1.sc = a2.sc = sc;
  a1.first = 0;
  a2.first = 1000;
  t1 = g_thread_new ("s1", sender_thread, &a1);
  t2 = g_thread_new ("s2", sender_thread, &a2);
  g_thread_join (t1);
  g_thread_join (t2);
  {
    gint64 deadline = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;
    while (fake_count (f, LIVEKIT__SIGNAL_REQUEST__MESSAGE_TRICKLE) < 100
        && g_get_monotonic_time () < deadline)
      g_main_context_iteration (NULL, FALSE);
  }
  fail_unless_equals_int (fake_count (f,
          LIVEKIT__SIGNAL_REQUEST__MESSAGE_TRICKLE), 100);
  /* Each thread's frames arrive in its call order */
  for (guint i = 0; i < f->requests->len; i++) {
    Livekit__SignalRequest *r = g_ptr_array_index (f->requests, i);
    guint n;
    if (r->message_case != LIVEKIT__SIGNAL_REQUEST__MESSAGE_TRICKLE)
      continue;
    fail_unless_equals_int (r->trickle->target,
        LIVEKIT__SIGNAL_TARGET__PUBLISHER);
    fail_unless_equals_int (sscanf (r->trickle->candidateinit,
            "{\"candidate\":\"c%u\"}", &n), 1);
    if (n < 1000) {
      fail_unless ((gint) n == last1 + 1);
      last1 = n;
    } else {
      fail_unless ((gint) n == last2 + 1);
      last2 = n;
    }
  }
  gst_livekit_signal_client_close (sc);
  fail_unless_equals_int (c.disconnect_reason, GST_LIVEKIT_SIGNAL_CLOSE_CLIENT);
  g_object_unref (sc);
  client_clear (&c);
  fake_free (f);
}

GST_END_TEST;

GST_START_TEST (test_periodic_ping_and_timeout)
{
  Fake *f = fake_new (JOIN_NORMAL);
  Client c;
  GstLiveKitSignalClient *sc = client_new (&c);
  gint64 t0;

  f->ping_interval = 1;
  f->ping_timeout = 2;
  connect_and_wait (sc, &c, f->url, NULL);
  fail_unless (c.ok);
  /* Pings go out on their own and are answered */
  fail_unless (wait_count (&c, "pong", 2, 5000));
  fail_unless (fake_count (f, LIVEKIT__SIGNAL_REQUEST__MESSAGE_PING_REQ) >= 2);
  fail_unless_equals_int (seen (&c, "disconnected"), 0);

  /* Server stops answering: dead within ping_interval + ping_timeout */
  f->answer_pings = FALSE;
  t0 = g_get_monotonic_time ();
  fail_unless (wait_count (&c, "disconnected", 1, 6000));
  fail_unless_equals_int (c.disconnect_reason,
      GST_LIVEKIT_SIGNAL_CLOSE_PING_TIMEOUT);
  fail_unless (g_get_monotonic_time () - t0 <= 3500 * 1000);
  fail_unless (strstr (c.disconnect_detail, "no pong within 2 s"));
  fail_if (gst_livekit_signal_client_is_connected (sc));

  g_object_unref (sc);
  client_clear (&c);
  fake_free (f);
}

GST_END_TEST;

/* What the server sends is bounded before any arithmetic (issue 9 item 5;
 * the overflows showed under UBSan, which the ASan step runs with
 * halt_on_error). */
GST_START_TEST (test_hostile_keepalive_values)
{
  Fake *f = fake_new (JOIN_NORMAL);
  Client c;
  GstLiveKitSignalClient *sc = client_new (&c);
  const gint64 echoes[] = { G_MININT64, G_MAXINT64, -1, 0 };

  f->ping_interval = G_MAXINT;
  f->ping_timeout = G_MAXINT;
  f->pong_echo_override = TRUE;
  connect_and_wait (sc, &c, f->url, NULL);
  fail_unless (c.ok);
  fail_unless_equals_int (c.join->ping_interval, G_MAXINT);
  for (guint i = 0; i < G_N_ELEMENTS (echoes); i++) {
    /* A ping arms the pong deadline (ping_timeout * 1000 ms). */
    f->pong_echo = echoes[i];
    c.rtt = -1;
    fail_unless (gst_livekit_signal_client_send_ping (sc));
    fail_unless (wait_count (&c, "pong", i + 1, 5000));
    /* Not an echo of our clock: no round trip to report. */
    fail_unless_equals_int64 (c.rtt, 0);
  }
  fail_unless_equals_int (seen (&c, "disconnected"), 0);
  fail_unless (gst_livekit_signal_client_is_connected (sc));
  g_object_unref (sc);
  client_clear (&c);

  /* The periodic ping arms the pong deadline too (do_ping). */
  f->ping_interval = 1;
  f->pong_echo = G_MININT64;
  sc = client_new (&c);
  connect_and_wait (sc, &c, f->url, NULL);
  fail_unless (c.ok);
  fail_unless (wait_count (&c, "pong", 1, 5000));
  fail_unless_equals_int64 (c.rtt, 0);
  fail_unless (gst_livekit_signal_client_is_connected (sc));

  g_object_unref (sc);
  client_clear (&c);
  fake_free (f);
}

GST_END_TEST;

GST_START_TEST (test_server_closes)
{
  Fake *f = fake_new (JOIN_NORMAL);
  Client c;
  GstLiveKitSignalClient *sc = client_new (&c);

  connect_and_wait (sc, &c, f->url, NULL);
  fail_unless (c.ok);
  soup_websocket_connection_close (f->conn, SOUP_WEBSOCKET_CLOSE_GOING_AWAY,
      "bye");
  fail_unless (wait_count (&c, "disconnected", 1, 5000));
  fail_unless_equals_int (c.disconnect_reason, GST_LIVEKIT_SIGNAL_CLOSE_SERVER);
  fail_unless (strstr (c.disconnect_detail, "1001: bye"), "%s",
      c.disconnect_detail);
  g_object_unref (sc);
  client_clear (&c);
  fake_free (f);
}

GST_END_TEST;

GST_START_TEST (test_connection_lost)
{
  Fake *f = fake_new (JOIN_NORMAL);
  Client c;
  GstLiveKitSignalClient *sc = client_new (&c);

  connect_and_wait (sc, &c, f->url, NULL);
  fail_unless (c.ok);
  /* The TCP connection goes away without a close frame */
  g_io_stream_close (soup_websocket_connection_get_io_stream (f->conn), NULL,
      NULL);
  fail_unless (wait_count (&c, "disconnected", 1, 5000));
  fail_unless_equals_int (c.disconnect_reason, GST_LIVEKIT_SIGNAL_CLOSE_ERROR);
  fail_unless_equals_string (c.disconnect_detail, "connection lost");
  g_object_unref (sc);
  client_clear (&c);
  fake_free (f);
}

GST_END_TEST;

static void
connect_expect_error (const gchar * url, JoinMode mode, guint timeout,
    gint code, const gchar * text, guint http_status)
{
  Fake *f = fake_new (mode);
  Client c;
  GstLiveKitSignalClient *sc = client_new (&c);
  gchar *full = g_str_has_prefix (url, "/") ? g_strconcat (f->url, url, NULL)
      : g_strdup (url);

  g_object_set (sc, "timeout", timeout, NULL);
  connect_and_wait (sc, &c, full, NULL);
  fail_if (c.ok);
  fail_unless (g_error_matches (c.error, GST_LIVEKIT_SIGNAL_ERROR, code),
      "%s: got %s", url, c.error ? c.error->message : "no error");
  if (text)
    fail_unless (strstr (c.error->message, text), "'%s' lacks '%s'",
        c.error->message, text);
  fail_unless_equals_int (gst_livekit_signal_client_get_http_status (sc),
      http_status);
  fail_unless_equals_int (c.joins, 0);
  fail_unless_equals_int (seen (&c, "disconnected"), 0);
  fail_if (gst_livekit_signal_client_is_connected (sc));
  g_object_unref (sc);
  client_clear (&c);
  g_free (full);
  fake_free (f);
}

GST_START_TEST (test_http_refusals)
{
  connect_expect_error ("/deny", JOIN_NORMAL, 10,
      GST_LIVEKIT_SIGNAL_ERROR_UNAUTHORIZED,
      "HTTP 401 invalid authorization token: go-jose", 401);
  connect_expect_error ("/nothing/here", JOIN_NORMAL, 10,
      GST_LIVEKIT_SIGNAL_ERROR_NOT_FOUND, "HTTP 404", 404);
}

GST_END_TEST;

GST_START_TEST (test_unreachable_and_bad_url)
{
  GSocket *s = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
      G_SOCKET_PROTOCOL_TCP, NULL);
  GInetAddress *lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  GSocketAddress *addr = g_inet_socket_address_new (lo, 0), *bound;
  gchar *url;

  /* A loopback port that was free a moment ago: nothing listens there */
  fail_unless (g_socket_bind (s, addr, FALSE, NULL));
  bound = g_socket_get_local_address (s, NULL);
  url = g_strdup_printf ("ws://127.0.0.1:%u",
      g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound)));
  g_socket_close (s, NULL);

  connect_expect_error (url, JOIN_NORMAL, 10,
      GST_LIVEKIT_SIGNAL_ERROR_UNREACHABLE, "Cannot reach", 0);
  connect_expect_error ("ftp://127.0.0.1/", JOIN_NORMAL, 10,
      GST_LIVEKIT_SIGNAL_ERROR_INVALID_URL, "ws://", 0);
  connect_expect_error ("no url", JOIN_NORMAL, 10,
      GST_LIVEKIT_SIGNAL_ERROR_INVALID_URL, NULL, 0);

  g_free (url);
  g_object_unref (bound);
  g_object_unref (addr);
  g_object_unref (lo);
  g_object_unref (s);
}

GST_END_TEST;

/* An offer without SDP is malformed: never emitted (GstSDP would refuse
 * it with a critical warning, and livekitroombin leaked the message). */
GST_START_TEST (test_offer_without_sdp)
{
  Fake *f = fake_new (JOIN_NORMAL);
  Client c;
  GstLiveKitSignalClient *sc = client_new (&c);

  f->empty_offer = TRUE;
  connect_and_wait (sc, &c, f->url, NULL);
  g_assert_no_error (c.error);
  fail_unless (wait_count (&c, "offer", 1, 5000));
  fail_unless_equals_int (c.offer_id, 8);
  fail_unless_equals_int (stat (sc, "malformed"), 1);
  fail_unless_equals_int (seen (&c, "offer"), 1);
  g_object_unref (sc);
  client_clear (&c);
  fake_free (f);
}

GST_END_TEST;

GST_START_TEST (test_bad_first_message)
{
  connect_expect_error ("/", JOIN_NEVER, 1, GST_LIVEKIT_SIGNAL_ERROR_TIMEOUT,
      "No JoinResponse", 101);
  connect_expect_error ("/", JOIN_LEAVE_INSTEAD, 10,
      GST_LIVEKIT_SIGNAL_ERROR_REJECTED, "leave instead of join (reason 7)",
      101);
  connect_expect_error ("/", JOIN_TRICKLE_FIRST, 10,
      GST_LIVEKIT_SIGNAL_ERROR_PROTOCOL, "before join", 101);
}

GST_END_TEST;

GST_START_TEST (test_cancel_and_close_while_joining)
{
  Fake *f = fake_new (JOIN_NEVER);
  Client c;
  GstLiveKitSignalClient *sc = client_new (&c);
  GCancellable *cancel = g_cancellable_new ();

  gst_livekit_signal_client_connect_async (sc, f->url, "tok", TRUE, cancel,
      on_connected, &c);
  {
    gboolean opened = FALSE;
    gint64 deadline = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;
    while (!f->conn && g_get_monotonic_time () < deadline)
      g_main_context_iteration (NULL, FALSE);
    opened = f->conn != NULL;
    fail_unless (opened);
  }
  g_cancellable_cancel (cancel);
  fail_unless (wait_until (&c.done, 5000));
  fail_unless (g_error_matches (c.error, G_IO_ERROR, G_IO_ERROR_CANCELLED));
  /* The server sees the socket go */
  fail_unless (wait_until (&f->client_closed, 5000));
  g_object_unref (cancel);
  g_object_unref (sc);
  client_clear (&c);
  fake_free (f);

  /* close() during the handshake */
  f = fake_new (JOIN_NEVER);
  sc = client_new (&c);
  gst_livekit_signal_client_connect_async (sc, f->url, "tok", TRUE, NULL,
      on_connected, &c);
  gst_livekit_signal_client_close (sc);
  fail_unless (wait_until (&c.done, 5000));
  fail_unless (g_error_matches (c.error, G_IO_ERROR, G_IO_ERROR_CANCELLED));
  fail_unless_equals_int (seen (&c, "disconnected"), 0);

  /* and the client can connect again afterwards */
  client_clear (&c);
  memset (&c, 0, sizeof (c));
  c.seen = g_hash_table_new (g_str_hash, g_str_equal);
  f->join_mode = JOIN_NORMAL;
  connect_and_wait (sc, &c, f->url, NULL);
  g_assert_no_error (c.error);
  fail_unless (c.ok);
  g_object_unref (sc);
  client_clear (&c);
  fake_free (f);
}

GST_END_TEST;

static void
close_on_join (GstLiveKitSignalClient * sc, GstLiveKitJoinInfo * info,
    Client * c)
{
  gst_livekit_signal_client_close (sc);
}

GST_START_TEST (test_close_from_join_handler)
{
  Fake *f = fake_new (JOIN_NORMAL);
  Client c;
  GstLiveKitSignalClient *sc = client_new (&c);

  g_signal_connect (sc, "join", G_CALLBACK (close_on_join), &c);
  connect_and_wait (sc, &c, f->url, NULL);
  fail_unless_equals_int (c.joins, 1);
  fail_unless (g_error_matches (c.error, G_IO_ERROR, G_IO_ERROR_CANCELLED));
  fail_unless_equals_int (seen (&c, "disconnected"), 1);
  fail_unless (wait_until (&f->client_closed, 5000));
  g_object_unref (sc);
  client_clear (&c);
  fake_free (f);
}

GST_END_TEST;

static Suite *
signalclient_suite (void)
{
  Suite *s = suite_create ("livekit-signalclient");
  TCase *tc = tcase_create ("signalclient");

  suite_add_tcase (s, tc);
  tcase_set_timeout (tc, 60);
  tcase_add_test (tc, test_join_and_server_messages);
  tcase_add_test (tc, test_send_from_threads_keeps_order);
  tcase_add_test (tc, test_periodic_ping_and_timeout);
  tcase_add_test (tc, test_hostile_keepalive_values);
  tcase_add_test (tc, test_server_closes);
  tcase_add_test (tc, test_connection_lost);
  tcase_add_test (tc, test_http_refusals);
  tcase_add_test (tc, test_unreachable_and_bad_url);
  tcase_add_test (tc, test_bad_first_message);
  tcase_add_test (tc, test_offer_without_sdp);
  tcase_add_test (tc, test_cancel_and_close_while_joining);
  tcase_add_test (tc, test_close_from_join_handler);
  return s;
}

GST_CHECK_MAIN (signalclient);
