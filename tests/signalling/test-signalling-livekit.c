/* GstLiveKitSignalClient and our access tokens against a real
 * livekit-server (run-livekit-test.sh starts one via
 * scripts/livekit-server.sh and passes LIVEKIT_URL, LIVEKIT_API_KEY,
 * LIVEKIT_API_SECRET). Without a server: SKIP (exit 77). */
#include <gst/check/gstcheck.h>
#include <gst/livekit/signalling/signalling.h>

#include <stdio.h>
#include <unistd.h>
#include <string.h>

static const gchar *url, *api_key, *api_secret;
static gchar *room;

typedef struct
{
  GstLiveKitSignalClient *sc;
  gboolean done, ok;
  GError *error;
  GstLiveKitJoinInfo *join;
  guint offers, pongs, disconnects, leaves, published, request_responses;
  guint offer_id;
  gint64 rtt;
  GstLiveKitSignalCloseReason close_reason;
  gchar *close_detail;
  GstLiveKitDisconnectReason leave_reason;
  GstLiveKitTrackInfo *published_track;
  gchar *published_cid;
  GstLiveKitRequestReason request_reason;
  gchar *request_message;
  gchar *request_cid;
} Peer;

static gboolean
wake (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

static gboolean
wait_uint (const guint * counter, guint n, guint ms)
{
  gint64 deadline = g_get_monotonic_time () + ms * 1000;
  guint id = g_timeout_add (10, wake, NULL);

  while (*counter < n && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (id);
  return *counter >= n;
}

static void
on_connected (GObject * source, GAsyncResult * res, gpointer user_data)
{
  Peer *p = user_data;
  p->ok = gst_livekit_signal_client_connect_finish
      (GST_LIVEKIT_SIGNAL_CLIENT (source), res, &p->error);
  p->done = TRUE;
}

static void
on_join (GstLiveKitSignalClient * sc, GstLiveKitJoinInfo * info, Peer * p)
{
  p->join = gst_livekit_join_info_ref (info);
}

static void
on_offer (GstLiveKitSignalClient * sc, const gchar * sdp, guint id,
    GHashTable * map, Peer * p)
{
  p->offers++;
  p->offer_id = id;
  fail_unless (g_str_has_prefix (sdp, "v=0"));
}

static void
on_pong (GstLiveKitSignalClient * sc, gint64 rtt, Peer * p)
{
  p->pongs++;
  p->rtt = rtt;
}

static void
on_leave (GstLiveKitSignalClient * sc, GstLiveKitDisconnectReason reason,
    GstLiveKitLeaveAction action, Peer * p)
{
  p->leaves++;
  p->leave_reason = reason;
}

static void
on_published (GstLiveKitSignalClient * sc, const gchar * cid,
    const gchar * sid, GstLiveKitTrackInfo * track, Peer * p)
{
  p->published++;
  g_free (p->published_cid);
  p->published_cid = g_strdup (cid);
  g_clear_pointer (&p->published_track, gst_livekit_track_info_unref);
  p->published_track = gst_livekit_track_info_ref (track);
}

static void
on_request_response (GstLiveKitSignalClient * sc, guint id,
    GstLiveKitRequestReason reason, const gchar * message, const gchar * cid,
    Peer * p)
{
  /* protocol > 14 also gets OK acks; count refusals only */
  if (reason == GST_LIVEKIT_REQUEST_REASON_OK)
    return;
  p->request_responses++;
  p->request_reason = reason;
  g_free (p->request_message);
  p->request_message = g_strdup (message);
  g_free (p->request_cid);
  p->request_cid = g_strdup (cid);
}

static void
on_disconnected (GstLiveKitSignalClient * sc,
    GstLiveKitSignalCloseReason reason, const gchar * detail, Peer * p)
{
  p->disconnects++;
  p->close_reason = reason;
  g_free (p->close_detail);
  p->close_detail = g_strdup (detail);
}

static gchar *
token_for (const gchar * identity, const gchar * secret, gboolean publish)
{
  return gst_livekit_access_token_new (api_key, secret, identity, identity,
      room, 600, publish, TRUE, publish);
}

/* Connects; returns with p->done set (ok or error). */
static void
peer_connect (Peer * p, const gchar * server_url, const gchar * token)
{
  gint64 t0 = g_get_monotonic_time ();
  guint id;

  memset (p, 0, sizeof (*p));
  p->sc = gst_livekit_signal_client_new ();
  g_signal_connect (p->sc, "join", G_CALLBACK (on_join), p);
  g_signal_connect (p->sc, "offer", G_CALLBACK (on_offer), p);
  g_signal_connect (p->sc, "pong", G_CALLBACK (on_pong), p);
  g_signal_connect (p->sc, "leave", G_CALLBACK (on_leave), p);
  g_signal_connect (p->sc, "track-published", G_CALLBACK (on_published), p);
  g_signal_connect (p->sc, "request-response",
      G_CALLBACK (on_request_response), p);
  g_signal_connect (p->sc, "disconnected", G_CALLBACK (on_disconnected), p);
  gst_livekit_signal_client_connect_async (p->sc, server_url, token, TRUE,
      NULL, on_connected, p);
  id = g_timeout_add (10, wake, NULL);
  while (!p->done && g_get_monotonic_time () - t0 < 20 * G_USEC_PER_SEC)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (id);
  fail_unless (p->done, "connect did not complete");
  GST_INFO ("connect took %" G_GINT64_FORMAT " ms: %s",
      (g_get_monotonic_time () - t0) / 1000,
      p->error ? p->error->message : "joined");
}

static void
peer_clear (Peer * p)
{
  g_clear_object (&p->sc);
  g_clear_error (&p->error);
  g_clear_pointer (&p->join, gst_livekit_join_info_unref);
  g_clear_pointer (&p->published_track, gst_livekit_track_info_unref);
  g_free (p->published_cid);
  g_free (p->close_detail);
  g_free (p->request_message);
  g_free (p->request_cid);
}

static void
peer_leave (Peer * p)
{
  fail_unless (gst_livekit_signal_client_leave (p->sc));
  fail_unless (wait_uint (&p->disconnects, 1, 5000));
  fail_unless_equals_int (p->close_reason, GST_LIVEKIT_SIGNAL_CLOSE_CLIENT);
}

static gboolean
has_identity (GPtrArray * participants, const gchar * identity)
{
  for (guint i = 0; i < participants->len; i++) {
    GstLiveKitParticipantInfo *pi = g_ptr_array_index (participants, i);
    if (g_str_equal (pi->identity, identity))
      return TRUE;
  }
  return FALSE;
}

GST_START_TEST (test_join_ping_leave)
{
  Peer a, b;
  gchar *tok = token_for ("alice", api_secret, TRUE);
  gint64 t0;

  peer_connect (&a, url, tok);
  g_assert_no_error (a.error);
  fail_unless (a.ok);
  fail_unless (a.join != NULL);
  fail_unless_equals_string (a.join->participant->identity, "alice");
  fail_unless_equals_string (a.join->participant->name, "alice");
  fail_unless (g_str_has_prefix (a.join->participant->sid, "PA_"));
  fail_unless_equals_string (a.join->room_name, room);
  fail_unless (g_str_has_prefix (a.join->room_sid, "RM_"));
  fail_unless (g_bytes_get_size (a.join->sif_trailer) > 0);
  fail_unless (a.join->ping_interval > 0 && a.join->ping_timeout > 0);
  fail_unless (a.join->ping_timeout > a.join->ping_interval);
  /* canSubscribe + protocol 17 + v0 => subscriber primary (spec §3.1) */
  fail_unless (a.join->subscriber_primary);
  fail_unless (a.join->fast_publish);
  printf ("JoinResponse: server %s protocol %d, ping %d s / timeout %d s, "
      "sif_trailer %" G_GSIZE_FORMAT " bytes, %u ICE server(s), "
      "%u publish codecs, subscriber_primary %d\n",
      a.join->server_version, a.join->server_protocol,
      a.join->ping_interval, a.join->ping_timeout,
      g_bytes_get_size (a.join->sif_trailer), a.join->ice_servers->len,
      g_strv_length (a.join->enabled_publish_codecs),
      a.join->subscriber_primary);
  for (guint i = 0; i < a.join->ice_servers->len; i++) {
    GstLiveKitIceServer *s = g_ptr_array_index (a.join->ice_servers, i);
    gchar *urls = g_strjoinv (",", s->urls);
    /* The test config replaces the public STUN defaults (spec §5.1) */
    fail_if (strstr (urls, "google") || strstr (urls, "twilio"), "%s", urls);
    g_free (urls);
  }

  /* Subscriber-primary: the server offers the subscriber PC at once */
  fail_unless (wait_uint (&a.offers, 1, 5000), "no subscriber offer");
  printf ("subscriber offer id %u\n", a.offer_id);

  t0 = g_get_monotonic_time ();
  fail_unless (gst_livekit_signal_client_send_ping (a.sc));
  fail_unless (wait_uint (&a.pongs, 1, 5000));
  fail_unless (a.rtt >= 0 && a.rtt < 2000);
  printf ("ping -> pong in %" G_GINT64_FORMAT " ms (rtt %" G_GINT64_FORMAT
      " ms)\n", (g_get_monotonic_time () - t0) / 1000, a.rtt);

  /* A second participant sees alice... */
  {
    gchar *tb = token_for ("bob", api_secret, FALSE);
    peer_connect (&b, url, tb);
    g_free (tb);
    fail_unless (b.ok);
    fail_unless (has_identity (b.join->other_participants, "alice"));
    peer_leave (&b);
    peer_clear (&b);
  }

  /* ...and after a clean leave, a third one does not */
  peer_leave (&a);
  printf ("alice left: %s\n", a.close_detail);
  fail_unless (g_str_has_prefix (a.close_detail, "left (close code"),
      "server did not close after leave: %s", a.close_detail);
  {
    gchar *tc = token_for ("carol", api_secret, FALSE);
    peer_connect (&b, url, tc);
    g_free (tc);
    fail_unless (b.ok);
    fail_if (has_identity (b.join->other_participants, "alice"));
    peer_leave (&b);
    peer_clear (&b);
  }

  peer_clear (&a);
  g_free (tok);
}

GST_END_TEST;

GST_START_TEST (test_add_track_encryption_round_trip)
{
  Peer a;
  gchar *tok = token_for ("pub", api_secret, TRUE);

  peer_connect (&a, url, tok);
  fail_unless (a.ok);
  fail_unless (gst_livekit_signal_client_send_add_track (a.sc,
          "webrtctransceiver0", "mic", GST_LIVEKIT_TRACK_TYPE_AUDIO,
          GST_LIVEKIT_TRACK_SOURCE_MICROPHONE, 0, 0,
          GST_LIVEKIT_ENCRYPTION_TYPE_GCM, TRUE));
  fail_unless (wait_uint (&a.published, 1, 5000));
  fail_unless_equals_string (a.published_cid, "webrtctransceiver0");
  fail_unless (g_str_has_prefix (a.published_track->sid, "TR_"));
  /* AddTrackRequest.encryption (14) comes back as TrackInfo.encryption
   * (16), disable_red (13) as disable_red (15) */
  fail_unless_equals_int (a.published_track->encryption,
      GST_LIVEKIT_ENCRYPTION_TYPE_GCM);
  fail_unless (a.published_track->disable_red);
  fail_unless_equals_int (a.published_track->type,
      GST_LIVEKIT_TRACK_TYPE_AUDIO);
  fail_unless_equals_int (a.published_track->source,
      GST_LIVEKIT_TRACK_SOURCE_MICROPHONE);
  printf ("track published: %s (encryption %d, disable_red %d)\n",
      a.published_track->sid, a.published_track->encryption,
      a.published_track->disable_red);
  peer_leave (&a);
  peer_clear (&a);
  g_free (tok);
}

GST_END_TEST;

GST_START_TEST (test_add_track_without_permission)
{
  Peer a;
  gchar *tok = token_for ("viewer", api_secret, FALSE);

  peer_connect (&a, url, tok);
  fail_unless (a.ok);
  fail_unless (gst_livekit_signal_client_send_add_track (a.sc, "c1", "cam",
          GST_LIVEKIT_TRACK_TYPE_VIDEO, GST_LIVEKIT_TRACK_SOURCE_CAMERA, 640,
          480, GST_LIVEKIT_ENCRYPTION_TYPE_GCM, TRUE));
  fail_unless (wait_uint (&a.request_responses, 1, 5000),
      "no request_response for a refused add_track");
  fail_unless_equals_int (a.request_reason,
      GST_LIVEKIT_REQUEST_REASON_NOT_ALLOWED);
  /* The refusal echoes the AddTrackRequest: we learn which cid */
  fail_unless_equals_string (a.request_cid, "c1");
  fail_unless_equals_int (a.published, 0);
  printf ("refused add_track: reason %d, message '%s', cid %s\n",
      a.request_reason, a.request_message, a.request_cid);
  peer_leave (&a);
  peer_clear (&a);
  g_free (tok);
}

GST_END_TEST;

GST_START_TEST (test_duplicate_identity)
{
  Peer a, b;
  gchar *tok = token_for ("twin", api_secret, FALSE);

  peer_connect (&a, url, tok);
  fail_unless (a.ok);
  peer_connect (&b, url, tok);
  fail_unless (b.ok);
  /* The first session is kicked: leave(DUPLICATE_IDENTITY), then closed */
  fail_unless (wait_uint (&a.disconnects, 1, 5000));
  fail_unless_equals_int (a.leaves, 1);
  fail_unless_equals_int (a.leave_reason,
      GST_LIVEKIT_DISCONNECT_REASON_DUPLICATE_IDENTITY);
  fail_unless_equals_int (a.close_reason, GST_LIVEKIT_SIGNAL_CLOSE_SERVER);
  printf ("duplicate identity: first session got leave(%d), then '%s'\n",
      a.leave_reason, a.close_detail);
  peer_leave (&b);
  peer_clear (&a);
  peer_clear (&b);
  g_free (tok);
}

GST_END_TEST;

static void
expect_refusal (const gchar * what, const gchar * token, gint code,
    guint status, const gchar * text)
{
  Peer p;

  peer_connect (&p, url, token);
  fail_if (p.ok, "%s accepted", what);
  fail_unless (g_error_matches (p.error, GST_LIVEKIT_SIGNAL_ERROR, code),
      "%s: %s", what, p.error->message);
  fail_unless_equals_int (gst_livekit_signal_client_get_http_status (p.sc),
      status);
  fail_unless (strstr (p.error->message, text), "%s: '%s' lacks '%s'", what,
      p.error->message, text);
  /* The server quotes the token in its reason; we must not pass it on */
  fail_if (strstr (p.error->message, token), "%s: token leaked", what);
  printf ("%s -> %s\n", what, p.error->message);
  peer_clear (&p);
}

GST_START_TEST (test_refusals)
{
  gchar *t;

  t = token_for ("mallory", "not-the-secret", TRUE);
  expect_refusal ("wrong secret", t, GST_LIVEKIT_SIGNAL_ERROR_UNAUTHORIZED,
      401,
      "HTTP 401 invalid token: <token>, error: token signature is invalid");
  g_free (t);

  t = gst_livekit_access_token_new ("no-such-key", api_secret, "m", NULL,
      room, 600, TRUE, TRUE, TRUE);
  expect_refusal ("unknown API key", t, GST_LIVEKIT_SIGNAL_ERROR_UNAUTHORIZED,
      401, "HTTP 401");
  g_free (t);

  t = gst_livekit_access_token_new_at (api_key, api_secret, "late", NULL,
      room, 60, TRUE, TRUE, TRUE, g_get_real_time () / G_USEC_PER_SEC - 3600);
  expect_refusal ("expired token", t, GST_LIVEKIT_SIGNAL_ERROR_UNAUTHORIZED,
      401, "HTTP 401");
  g_free (t);

  t = gst_livekit_access_token_new (api_key, api_secret, "", NULL, room, 600,
      TRUE, TRUE, TRUE);
  expect_refusal ("empty identity", t, GST_LIVEKIT_SIGNAL_ERROR_BAD_REQUEST,
      400, "HTTP 400");
  g_free (t);

  expect_refusal ("garbage token", "abc.def.ghi",
      GST_LIVEKIT_SIGNAL_ERROR_UNAUTHORIZED, 401, "HTTP 401");
}

GST_END_TEST;

GST_START_TEST (test_unreachable)
{
  GSocket *s = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
      G_SOCKET_PROTOCOL_TCP, NULL);
  GInetAddress *lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  GSocketAddress *addr = g_inet_socket_address_new (lo, 0), *bound;
  gchar *dead, *tok = token_for ("x", api_secret, TRUE);
  Peer p;
  gint64 t0 = g_get_monotonic_time ();

  fail_unless (g_socket_bind (s, addr, FALSE, NULL));
  bound = g_socket_get_local_address (s, NULL);
  dead = g_strdup_printf ("ws://127.0.0.1:%u",
      g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound)));
  g_socket_close (s, NULL);

  peer_connect (&p, dead, tok);
  fail_if (p.ok);
  fail_unless (g_error_matches (p.error, GST_LIVEKIT_SIGNAL_ERROR,
          GST_LIVEKIT_SIGNAL_ERROR_UNREACHABLE), "%s", p.error->message);
  fail_unless (g_get_monotonic_time () - t0 < 5 * G_USEC_PER_SEC);
  printf ("unreachable -> %s\n", p.error->message);
  peer_clear (&p);

  g_free (dead);
  g_free (tok);
  g_object_unref (bound);
  g_object_unref (addr);
  g_object_unref (lo);
  g_object_unref (s);
}

GST_END_TEST;

static Suite *
livekit_suite (void)
{
  Suite *s = suite_create ("livekit-signalling-server");
  TCase *tc = tcase_create ("server");

  suite_add_tcase (s, tc);
  tcase_set_timeout (tc, 60);
  tcase_add_test (tc, test_join_ping_leave);
  tcase_add_test (tc, test_add_track_encryption_round_trip);
  tcase_add_test (tc, test_add_track_without_permission);
  tcase_add_test (tc, test_duplicate_identity);
  tcase_add_test (tc, test_refusals);
  tcase_add_test (tc, test_unreachable);
  return s;
}

int
main (int argc, char **argv)
{
  Suite *s;
  int failed;

  url = g_getenv ("LIVEKIT_URL");
  api_key = g_getenv ("LIVEKIT_API_KEY");
  api_secret = g_getenv ("LIVEKIT_API_SECRET");
  if (!url || !api_key || !api_secret) {
    printf ("SKIP: no LiveKit server (LIVEKIT_URL, LIVEKIT_API_KEY, "
        "LIVEKIT_API_SECRET unset; run via run-livekit-test.sh)\n");
    return 77;
  }
  /* One room per run: rooms outlive a run by empty_timeout. */
  room = g_strdup_printf ("signalling-%d-%u", (int) getpid (), g_random_int ());

  gst_check_init (&argc, &argv);
  s = livekit_suite ();
  failed = gst_check_run_suite (s, "livekit-signalling-server", __FILE__);
  g_free (room);
  return failed;
}
