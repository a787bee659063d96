/* The room bin's signalling side (spec livekit-signalling.md §1-§4): join,
 * the server's subscriber offers, the publisher answers, ICE trickle both
 * ways, participants and their tracks, leaving and rejoining. Everything
 * here runs on the bin's signalling thread unless it says otherwise. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstlivekitroomprivate.h"

#include <string.h>

#define GST_CAT_DEFAULT gst_livekit_room_bin_debug

/* Rejoin after a lost signalling connection: 1, 2, 4 ... 16 s, 6 tries. */
#define MAX_RECONNECTS 6
#define MAX_BACKOFF_SECONDS 16

void
gst_livekit_room_track_free (RoomTrack * track)
{
  g_free (track->participant_sid);
  g_free (track->identity);
  g_clear_pointer (&track->info, gst_livekit_track_info_unref);
  g_free (track);
}

gboolean
gst_livekit_room_lookup_track (GstLiveKitRoomBin * self,
    const gchar * track_sid, gchar ** identity,
    GstLiveKitEncryptionType * encryption, GstLiveKitTrackType * type)
{
  RoomTrack *track;

  g_mutex_lock (&self->lock);
  track = track_sid ? g_hash_table_lookup (self->tracks, track_sid) : NULL;
  if (track) {
    *identity = g_strdup (track->identity);
    *encryption = track->info->encryption;
    *type = track->info->type;
  }
  g_mutex_unlock (&self->lock);
  return track != NULL;
}

static void
post_participant (GstLiveKitRoomBin * self, const gchar * what,
    GstLiveKitParticipantInfo * p)
{
  gst_livekit_room_post (self, gst_structure_new (what,
          "identity", G_TYPE_STRING, p->identity,
          "participant-sid", G_TYPE_STRING, p->sid,
          "name", G_TYPE_STRING, p->name, NULL));
}

static void
post_track (GstLiveKitRoomBin * self, const gchar * what,
    const gchar * identity, GstLiveKitTrackInfo * t)
{
  gst_livekit_room_post (self, gst_structure_new (what,
          "identity", G_TYPE_STRING, identity,
          "track-sid", G_TYPE_STRING, t->sid,
          "kind", G_TYPE_STRING,
          t->type == GST_LIVEKIT_TRACK_TYPE_AUDIO ? "audio" : "video",
          "mime-type", G_TYPE_STRING, t->mime_type,
          "encryption", G_TYPE_STRING,
          t->encryption == GST_LIVEKIT_ENCRYPTION_TYPE_NONE ? "none" : "gcm",
          NULL));
}

/* Takes in a participant's latest info (join or update): tracks added and
 * removed, joins and leaves, each posted on the bus once. */
static void
update_participant (GstLiveKitRoomBin * self, GstLiveKitParticipantInfo * p)
{
  GstLiveKitParticipantInfo *old;
  GPtrArray *published = g_ptr_array_new ();
  GPtrArray *gone = g_ptr_array_new_with_free_func (g_free);
  gboolean joined, left, old_encrypted = TRUE;
  guint old_tracks;
  GHashTableIter iter;
  gpointer key, value;

  if (self->join && g_strcmp0 (p->sid, self->join->participant->sid) == 0)
    goto out;

  g_mutex_lock (&self->lock);
  old = g_hash_table_lookup (self->participants, p->sid);
  /* Updates with a lower version than already seen are stale (spec §2.3). */
  if (old && p->version && old->version > p->version) {
    g_mutex_unlock (&self->lock);
    goto out;
  }
  left = p->state == GST_LIVEKIT_PARTICIPANT_STATE_DISCONNECTED;
  joined = !old && !left;
  /* @old may be freed by the insert below: take what we need now. */
  old_tracks = old ? old->tracks->len : 0;
  for (guint i = 0; old && i < old->tracks->len; i++)
    old_encrypted &= ((GstLiveKitTrackInfo *) g_ptr_array_index (old->tracks,
            i))->encryption != GST_LIVEKIT_ENCRYPTION_TYPE_NONE;

  g_hash_table_iter_init (&iter, self->tracks);
  while (g_hash_table_iter_next (&iter, &key, &value)) {
    RoomTrack *t = value;
    gboolean still = FALSE;
    if (g_strcmp0 (t->participant_sid, p->sid) != 0)
      continue;
    for (guint i = 0; !left && i < p->tracks->len; i++)
      still |= g_strcmp0 (((GstLiveKitTrackInfo *)
              g_ptr_array_index (p->tracks, i))->sid, key) == 0;
    if (!still)
      g_ptr_array_add (gone, g_strdup (key));
  }
  for (guint i = 0; i < gone->len; i++)
    g_hash_table_remove (self->tracks, g_ptr_array_index (gone, i));

  for (guint i = 0; !left && i < p->tracks->len; i++) {
    GstLiveKitTrackInfo *info = g_ptr_array_index (p->tracks, i);
    RoomTrack *t = g_hash_table_lookup (self->tracks, info->sid);
    if (!t) {
      t = g_new0 (RoomTrack, 1);
      t->participant_sid = g_strdup (p->sid);
      t->identity = g_strdup (p->identity);
      g_hash_table_insert (self->tracks, g_strdup (info->sid), t);
      g_ptr_array_add (published, info);
    } else {
      gst_livekit_track_info_unref (t->info);
    }
    t->info = gst_livekit_track_info_ref (info);
  }

  if (left)
    g_hash_table_remove (self->participants, p->sid);
  else
    g_hash_table_insert (self->participants, g_strdup (p->sid),
        gst_livekit_participant_info_ref (p));
  g_mutex_unlock (&self->lock);

  if (joined)
    post_participant (self, "livekit-participant-joined", p);
  /* LiveKit has no participant-level flag: like the SDKs, a participant is
   * encrypted when its tracks are (spec livekit-signalling.md §4). */
  if (!left && p->tracks->len > 0) {
    gboolean encrypted = TRUE;
    for (guint i = 0; i < p->tracks->len; i++)
      encrypted &= ((GstLiveKitTrackInfo *) g_ptr_array_index (p->tracks,
              i))->encryption != GST_LIVEKIT_ENCRYPTION_TYPE_NONE;
    if (old_tracks == 0 || encrypted != old_encrypted)
      gst_livekit_room_post (self,
          gst_structure_new ("livekit-participant-encryption-status-changed",
              "identity", G_TYPE_STRING, p->identity, "encrypted",
              G_TYPE_BOOLEAN, encrypted, NULL));
  }
  for (guint i = 0; i < published->len; i++)
    post_track (self, "livekit-track-published", p->identity,
        g_ptr_array_index (published, i));
  for (guint i = 0; i < gone->len; i++)
    gst_livekit_room_post (self, gst_structure_new
        ("livekit-track-unpublished", "identity", G_TYPE_STRING, p->identity,
            "track-sid", G_TYPE_STRING, g_ptr_array_index (gone, i), NULL));
  if (left)
    post_participant (self, "livekit-participant-left", p);
out:
  g_ptr_array_unref (published);
  g_ptr_array_unref (gone);
}

/* ------------------------------------------------------------- webrtcbin */

static void
on_ice_candidate (GstElement * webrtc, guint mline, const gchar * candidate,
    GstLiveKitRoomBin * self)
{
  GstLiveKitSignalTarget target = webrtc == self->publisher ?
      GST_LIVEKIT_SIGNAL_TARGET_PUBLISHER :
      GST_LIVEKIT_SIGNAL_TARGET_SUBSCRIBER;
  GstWebRTCSessionDescription *local = NULL;
  const gchar *mid = NULL;
  gchar *json;

  /* The server wants the mid with each candidate (spec §2.3). */
  g_object_get (webrtc, "current-local-description", &local, NULL);
  if (!local)
    g_object_get (webrtc, "pending-local-description", &local, NULL);
  if (local && mline < gst_sdp_message_medias_len (local->sdp))
    mid = gst_sdp_media_get_attribute_val (gst_sdp_message_get_media
        (local->sdp, mline), "mid");
  json = gst_livekit_candidate_to_json (candidate, mid, mline);
  if (self->signal)
    gst_livekit_signal_client_send_trickle (self->signal, json, target);
  g_free (json);
  if (local)
    gst_webrtc_session_description_free (local);
}

/* Pins libnice to loopback when the server is on this machine: libnice
 * skips loopback interfaces by default and would use another address. */
static void
pin_loopback_if_local (GstLiveKitRoomBin * self, GstElement * webrtc)
{
  GUri *uri = self->url ? g_uri_parse (self->url, G_URI_FLAGS_NONE, NULL) :
      NULL;
  const gchar *host = uri ? g_uri_get_host (uri) : NULL;
  GObject *agent = NULL;
  gboolean ok = FALSE;

  if (host && (g_str_has_prefix (host, "127.")
          || g_strcmp0 (host, "localhost") == 0)) {
    g_object_get (webrtc, "ice-agent", &agent, NULL);
    if (agent) {
      g_signal_emit_by_name (agent, "add-local-ip-address", "127.0.0.1", &ok);
      g_object_unref (agent);
    }
    GST_INFO_OBJECT (self, "server on loopback: ICE pinned to 127.0.0.1 (%d)",
        ok);
  }
  if (uri)
    g_uri_unref (uri);
}

static GstElement *
make_webrtcbin (GstLiveKitRoomBin * self, const gchar * name)
{
  GstElement *webrtc = gst_element_factory_make ("webrtcbin", name);

  if (!webrtc)
    return NULL;
  /* LiveKit bundles everything; webrtcbin's default "none" would not even
   * parse the server's BUNDLE group (spec gstreamer-notes §7.1). */
  g_object_set (webrtc, "bundle-policy", GST_WEBRTC_BUNDLE_POLICY_MAX_BUNDLE,
      NULL);
  g_signal_connect (webrtc, "on-ice-candidate", G_CALLBACK (on_ice_candidate),
      self);
  gst_bin_add (GST_BIN (self), webrtc);
  return webrtc;
}

void
gst_livekit_room_create_webrtcbins (GstLiveKitRoomBin * self)
{
  if (self->publisher)
    return;
  self->publisher = make_webrtcbin (self, "publisher");
  self->subscriber = make_webrtcbin (self, "subscriber");
  if (!self->publisher || !self->subscriber) {
    GST_ELEMENT_ERROR (self, CORE, MISSING_PLUGIN,
        ("webrtcbin is missing (gstreamer1.0-plugins-bad)"), (NULL));
    return;
  }
  g_signal_connect (self->subscriber, "pad-added",
      G_CALLBACK (gst_livekit_room_on_subscriber_pad), self);
  g_signal_connect (self->subscriber, "pad-removed",
      G_CALLBACK (gst_livekit_room_on_subscriber_pad_removed), self);
  gst_livekit_room_setup_data (self);
}

void
gst_livekit_room_configure_webrtcbins (GstLiveKitRoomBin * self)
{
  if (!self->publisher || self->ice_configured)
    return;
  pin_loopback_if_local (self, self->publisher);
  pin_loopback_if_local (self, self->subscriber);
  self->ice_configured = TRUE;
}

/* Applies the join's ICE servers to both webrtcbins. */
static void
configure_ice_servers (GstLiveKitRoomBin * self, GstLiveKitJoinInfo * join)
{
  for (guint i = 0; i < join->ice_servers->len; i++) {
    GstLiveKitIceServer *server = g_ptr_array_index (join->ice_servers, i);
    for (guint u = 0; server->urls && server->urls[u]; u++) {
      const gchar *url = server->urls[u];
      gchar *uri = NULL;
      gboolean ok;

      if (g_str_has_prefix (url, "stun:")) {
        uri = g_strdup_printf ("stun://%s", url + 5);
        g_object_set (self->publisher, "stun-server", uri, NULL);
        g_object_set (self->subscriber, "stun-server", uri, NULL);
      } else if (g_str_has_prefix (url, "turn:")
          || g_str_has_prefix (url, "turns:")) {
        /* webrtcbin URI-unescapes user and password: escape them. */
        gchar *user = g_uri_escape_string (server->username, NULL, FALSE);
        gchar *pass = g_uri_escape_string (server->credential, NULL, FALSE);
        const gchar *rest = strchr (url, ':') + 1;
        uri = g_strdup_printf ("%s://%s:%s@%s",
            g_str_has_prefix (url, "turns:") ? "turns" : "turn", user, pass,
            rest);
        g_signal_emit_by_name (self->publisher, "add-turn-server", uri, &ok);
        g_signal_emit_by_name (self->subscriber, "add-turn-server", uri, &ok);
        g_free (user);
        g_free (pass);
      }
      g_free (uri);
    }
  }
}

/* ------------------------------------------------------------------ SDP */

typedef struct
{
  GstLiveKitRoomBin *self;
  guint id;
} AnswerCtx;

static void
on_answer_created (GstPromise * promise, gpointer data)
{
  AnswerCtx *ctx = data;
  GstLiveKitRoomBin *self = ctx->self;
  const GstStructure *reply = gst_promise_get_reply (promise);
  GstWebRTCSessionDescription *answer = NULL;
  gchar *text;

  if (reply)
    gst_structure_get (reply, "answer", GST_TYPE_WEBRTC_SESSION_DESCRIPTION,
        &answer, NULL);
  gst_promise_unref (promise);
  if (!answer) {
    GST_ELEMENT_WARNING (self, STREAM, FAILED,
        ("could not answer the server's offer"), (NULL));
    goto out;
  }
  g_signal_emit_by_name (self->subscriber, "set-local-description", answer,
      NULL);
  text = gst_sdp_message_as_text (answer->sdp);
  /* The server numbers its offers from a random start: echo the id. */
  if (self->signal)
    gst_livekit_signal_client_send_answer (self->signal, text, ctx->id);
  g_free (text);
  gst_webrtc_session_description_free (answer);
out:
  gst_object_unref (self);
  g_free (ctx);
}

static void
on_offer (GstLiveKitSignalClient * signal, const gchar * sdp, guint id,
    GHashTable * mid_to_track, GstLiveKitRoomBin * self)
{
  GstSDPMessage *msg = NULL;
  GstWebRTCSessionDescription *offer;
  GHashTableIter iter;
  gpointer mid, track;
  AnswerCtx *ctx;

  if (gst_sdp_message_new_from_text (sdp, &msg) != GST_SDP_OK) {
    GST_ELEMENT_WARNING (self, STREAM, FAILED,
        ("the server's offer is not valid SDP"), (NULL));
    return;
  }
  if (mid_to_track) {
    g_mutex_lock (&self->lock);
    g_hash_table_iter_init (&iter, mid_to_track);
    while (g_hash_table_iter_next (&iter, &mid, &track))
      g_hash_table_insert (self->mid_to_track, g_strdup (mid),
          g_strdup (track));
    g_mutex_unlock (&self->lock);
  }
  gst_livekit_room_prefer_track_codecs (self, msg);
  offer = gst_webrtc_session_description_new (GST_WEBRTC_SDP_TYPE_OFFER, msg);
  /* webrtcbin runs its operations in order: the answer follows the offer. */
  g_signal_emit_by_name (self->subscriber, "set-remote-description", offer,
      NULL);
  gst_webrtc_session_description_free (offer);
  ctx = g_new0 (AnswerCtx, 1);
  ctx->self = gst_object_ref (self);
  ctx->id = id;
  g_signal_emit_by_name (self->subscriber, "create-answer", NULL,
      gst_promise_new_with_change_func (on_answer_created, ctx, NULL));
}

static void
on_answer (GstLiveKitSignalClient * signal, const gchar * sdp, guint id,
    GHashTable * mid_to_track, GstLiveKitRoomBin * self)
{
  GstSDPMessage *msg = NULL;
  GstWebRTCSessionDescription *answer;

  if (gst_sdp_message_new_from_text (sdp, &msg) != GST_SDP_OK) {
    GST_ELEMENT_WARNING (self, STREAM, FAILED,
        ("the server's answer is not valid SDP"), (NULL));
    return;
  }
  answer = gst_webrtc_session_description_new (GST_WEBRTC_SDP_TYPE_ANSWER,
      msg);
  g_signal_emit_by_name (self->publisher, "set-remote-description", answer,
      NULL);
  gst_webrtc_session_description_free (answer);
  self->negotiating = FALSE;
  if (self->renegotiate) {
    self->renegotiate = FALSE;
    gst_livekit_room_negotiate_publisher (self);
  }
}

static void
on_trickle (GstLiveKitSignalClient * signal, const gchar * json,
    GstLiveKitSignalTarget target, gboolean final, GstLiveKitRoomBin * self)
{
  gchar *candidate = NULL, *mid = NULL;
  guint mline = 0;
  GError *err = NULL;
  GstElement *webrtc = target == GST_LIVEKIT_SIGNAL_TARGET_PUBLISHER ?
      self->publisher : self->subscriber;

  if (!gst_livekit_candidate_from_json (json, &candidate, &mid, &mline, &err)) {
    GST_WARNING_OBJECT (self, "bad candidate from the server: %s",
        err->message);
    g_clear_error (&err);
    return;
  }
  /* webrtcbin queues candidates until both descriptions are set. */
  if (candidate && *candidate)
    g_signal_emit_by_name (webrtc, "add-ice-candidate", mline, candidate);
  g_free (candidate);
  g_free (mid);
}

/* -------------------------------------------------------------- session */

static void
on_participant_update (GstLiveKitSignalClient * signal, GPtrArray * updates,
    GstLiveKitRoomBin * self)
{
  for (guint i = 0; i < updates->len; i++)
    update_participant (self, g_ptr_array_index (updates, i));
}

static void
on_track_published (GstLiveKitSignalClient * signal, const gchar * cid,
    const gchar * sid, GstLiveKitTrackInfo * info, GstLiveKitRoomBin * self)
{
  gst_livekit_room_on_track_published (self, cid, sid);
}

static void
on_request_response (GstLiveKitSignalClient * signal, guint id,
    GstLiveKitRequestReason reason, const gchar * message, const gchar * cid,
    GstLiveKitRoomBin * self)
{
  if (reason == GST_LIVEKIT_REQUEST_REASON_OK)
    return;
  GST_ELEMENT_WARNING (self, RESOURCE, SETTINGS,
      ("the server refused a request%s%s: %s", cid ? " for track " : "",
          cid ? cid : "", message && *message ? message : "no reason given"),
      ("reason %d", reason));
}

static void schedule_rejoin (GstLiveKitRoomBin * self, const gchar * why);

static void
on_leave (GstLiveKitSignalClient * signal, GstLiveKitDisconnectReason reason,
    GstLiveKitLeaveAction action, GstLiveKitRoomBin * self)
{
  GEnumClass *klass = g_type_class_ref (GST_TYPE_LIVEKIT_DISCONNECT_REASON);
  GEnumValue *v = g_enum_get_value (klass, reason);
  const gchar *nick = v ? v->value_nick : "unknown";

  gst_livekit_room_post (self, gst_structure_new ("livekit-disconnected",
          "reason", G_TYPE_STRING, nick, "by-server", G_TYPE_BOOLEAN, TRUE,
          NULL));
  if (reason == GST_LIVEKIT_DISCONNECT_REASON_DUPLICATE_IDENTITY
      || reason == GST_LIVEKIT_DISCONNECT_REASON_PARTICIPANT_REMOVED
      || reason == GST_LIVEKIT_DISCONNECT_REASON_ROOM_DELETED
      || action == GST_LIVEKIT_LEAVE_ACTION_DISCONNECT) {
    GST_ELEMENT_ERROR (self, RESOURCE, READ,
        ("the server removed us from the room: %s", nick), (NULL));
  } else {
    schedule_rejoin (self, nick);
  }
  g_type_class_unref (klass);
}

static void lose_session (GstLiveKitRoomBin * self, const gchar * why);

static void
on_disconnected (GstLiveKitSignalClient * signal,
    GstLiveKitSignalCloseReason reason, const gchar * detail,
    GstLiveKitRoomBin * self)
{
  if (reason == GST_LIVEKIT_SIGNAL_CLOSE_CLIENT)
    return;
  lose_session (self, detail ? detail : "connection lost");
}

static void
on_join (GstLiveKitSignalClient * signal, GstLiveKitJoinInfo * join,
    GstLiveKitRoomBin * self)
{
  g_clear_pointer (&self->join, gst_livekit_join_info_unref);
  self->join = gst_livekit_join_info_ref (join);
  configure_ice_servers (self, join);
  for (guint i = 0; i < join->other_participants->len; i++)
    update_participant (self, g_ptr_array_index (join->other_participants, i));
}

static void
release_signal (GstLiveKitRoomBin * self)
{
  if (!self->signal)
    return;
  g_signal_handlers_disconnect_by_data (self->signal, self);
  gst_livekit_signal_client_close (self->signal);
  g_clear_object (&self->signal);
}

static void
on_connected (GObject * source, GAsyncResult * result, gpointer data)
{
  GstLiveKitRoomBin *self = data;
  GError *err = NULL;

  if (!gst_livekit_signal_client_connect_finish (GST_LIVEKIT_SIGNAL_CLIENT
          (source), result, &err)) {
    if (!g_error_matches (err, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
      if (self->reconnects > 0 && !g_error_matches (err,
              GST_LIVEKIT_SIGNAL_ERROR, GST_LIVEKIT_SIGNAL_ERROR_UNAUTHORIZED)) {
        schedule_rejoin (self, err->message);
      } else {
        /* The first failure is the user's to see: bad URL, unreachable
         * server, rejected token with the server's reason. */
        GST_ELEMENT_ERROR (self, RESOURCE, OPEN_READ_WRITE,
            ("could not join the LiveKit room: %s", err->message), (NULL));
      }
    }
    g_clear_error (&err);
    gst_object_unref (self);
    return;
  }
  self->reconnects = 0;
  self->peer_connections_used = TRUE;
  gst_livekit_room_post (self, gst_structure_new ("livekit-connected",
          "room", G_TYPE_STRING, self->join->room_name,
          "room-sid", G_TYPE_STRING, self->join->room_sid,
          "identity", G_TYPE_STRING, self->join->participant->identity,
          "participant-sid", G_TYPE_STRING, self->join->participant->sid,
          "server-version", G_TYPE_STRING, self->join->server_version, NULL));
  gst_livekit_room_open_data_channels (self);
  gst_livekit_room_negotiate_publisher (self);
  gst_object_unref (self);
}

void
gst_livekit_room_connect (GstLiveKitRoomBin * self)
{
  gboolean auto_subscribe;

  release_signal (self);
  self->signal = gst_livekit_signal_client_new ();
  g_signal_connect (self->signal, "join", G_CALLBACK (on_join), self);
  g_signal_connect (self->signal, "offer", G_CALLBACK (on_offer), self);
  g_signal_connect (self->signal, "answer", G_CALLBACK (on_answer), self);
  g_signal_connect (self->signal, "trickle", G_CALLBACK (on_trickle), self);
  g_signal_connect (self->signal, "participant-update",
      G_CALLBACK (on_participant_update), self);
  g_signal_connect (self->signal, "track-published",
      G_CALLBACK (on_track_published), self);
  g_signal_connect (self->signal, "request-response",
      G_CALLBACK (on_request_response), self);
  g_signal_connect (self->signal, "leave", G_CALLBACK (on_leave), self);
  g_signal_connect (self->signal, "disconnected",
      G_CALLBACK (on_disconnected), self);

  GST_OBJECT_LOCK (self);
  auto_subscribe = self->auto_subscribe;
  GST_OBJECT_UNLOCK (self);
  gst_livekit_signal_client_connect_async (self->signal, self->url,
      self->active_token, auto_subscribe, NULL, on_connected,
      gst_object_ref (self));
}

static void
retire_webrtcbin (GstLiveKitRoomBin * self, GstElement * webrtc)
{
  g_signal_handlers_disconnect_by_data (webrtc, self);
  gst_element_set_locked_state (webrtc, TRUE);
  gst_element_set_state (webrtc, GST_STATE_NULL);
  gst_bin_remove (GST_BIN (self), webrtc);
}

/* A rejoin is a new session: the server (perhaps a restarted one) knows
 * nothing of the old peer connections, and webrtcbin 1.22 cannot restart
 * ICE/DTLS on one. New webrtcbins replace them; published tracks move
 * over, subscribed ones end and come back as new pads when the new
 * session offers them. */
static void
renew_peer_connections (GstLiveKitRoomBin * self)
{
  GstElement *publisher = self->publisher, *subscriber = self->subscriber;

  /* Unused ones (a previous attempt failed) are kept. */
  if (!publisher || !self->peer_connections_used)
    return;
  self->peer_connections_used = FALSE;
  gst_livekit_room_unlink_publications (self);
  gst_livekit_room_drop_data_channels (self);
  g_signal_handlers_disconnect_by_data (subscriber, self);
  gst_livekit_room_drop_subscriptions (self, subscriber);
  retire_webrtcbin (self, publisher);
  retire_webrtcbin (self, subscriber);

  g_mutex_lock (&self->lock);
  g_hash_table_remove_all (self->tracks);
  g_hash_table_remove_all (self->participants);
  g_hash_table_remove_all (self->mid_to_track);
  g_mutex_unlock (&self->lock);
  self->negotiating = self->renegotiate = FALSE;
  self->ice_configured = FALSE;
  self->publisher = self->subscriber = NULL;

  gst_livekit_room_create_webrtcbins (self);
  gst_livekit_room_configure_webrtcbins (self);
  gst_element_sync_state_with_parent (self->publisher);
  gst_element_sync_state_with_parent (self->subscriber);
  gst_livekit_room_relink_publications (self);
}

static gboolean
retry_join (gpointer data)
{
  GstLiveKitRoomBin *self = data;

  g_clear_pointer (&self->retry, g_source_unref);
  gst_livekit_room_post (self, gst_structure_new ("livekit-reconnecting",
          "attempt", G_TYPE_UINT, self->reconnects, NULL));
  renew_peer_connections (self);
  gst_livekit_room_connect (self);
  return G_SOURCE_REMOVE;
}

static void
schedule_rejoin (GstLiveKitRoomBin * self, const gchar * why)
{
  guint delay;

  if (self->retry)
    return;
  if (self->reconnects >= MAX_RECONNECTS) {
    GST_ELEMENT_ERROR (self, RESOURCE, READ,
        ("lost the LiveKit room and could not rejoin: %s", why), (NULL));
    return;
  }
  delay = MIN (1u << self->reconnects, MAX_BACKOFF_SECONDS);
  self->reconnects++;
  GST_WARNING_OBJECT (self, "signalling lost (%s): rejoining in %u s", why,
      delay);
  self->retry = g_timeout_source_new_seconds (delay);
  g_source_set_callback (self->retry, retry_join, self, NULL);
  g_source_attach (self->retry, self->context);
}

/* Not by the server's will: say so, then rejoin. */
static void
lose_session (GstLiveKitRoomBin * self, const gchar * why)
{
  gst_livekit_room_post (self, gst_structure_new ("livekit-disconnected",
          "reason", G_TYPE_STRING, why, "by-server", G_TYPE_BOOLEAN, FALSE,
          NULL));
  schedule_rejoin (self, why);
}

void
gst_livekit_room_recover (GstLiveKitRoomBin * self)
{
  /* One failure often brings several errors: one rejoin. */
  if (self->retry || !self->signal)
    return;
  release_signal (self);
  lose_session (self, "peer connection failed");
}

void
gst_livekit_room_disconnect (GstLiveKitRoomBin * self)
{
  if (self->retry) {
    g_source_destroy (self->retry);
    g_clear_pointer (&self->retry, g_source_unref);
  }
  if (self->signal) {
    g_signal_handlers_disconnect_by_data (self->signal, self);
    /* Leave properly: without it the server keeps the participant around
     * waiting for a resume (spec §3.6). */
    if (gst_livekit_signal_client_is_connected (self->signal))
      gst_livekit_signal_client_leave (self->signal);
    else
      gst_livekit_signal_client_close (self->signal);
    g_clear_object (&self->signal);
  }
  g_clear_pointer (&self->join, gst_livekit_join_info_unref);
}
