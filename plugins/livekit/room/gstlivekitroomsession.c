/* The room bin's session (spec livekit-signalling.md §1-§4): join, the
 * server's subscriber offers, the publisher answers, ICE trickle both ways,
 * participant updates into the room model, leaving and rejoining.
 * Everything here runs on the session's signalling thread unless it says
 * otherwise. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstlivekitroomsession.h"
#include "gstlivekitprewarm.h"
#include "gstlivekitroompublisher.h"
#include "gstlivekitroomsubscriber.h"
#include "gstlivekitroomdata.h"
#include "gstlivekitsdpbundle.h"
#include "gstlivekitsdpdirection.h"

#include <gst/webrtc/webrtc.h>
#include <string.h>

#define GST_CAT_DEFAULT gst_livekit_room_bin_debug

/* Rejoin after a lost signalling connection: 1, 2, 4 ... 16 s, 6 tries. */
#define MAX_RECONNECTS 6
#define MAX_BACKOFF_SECONDS 16

struct _GstLiveKitRoomSession
{
  const GstLiveKitRoomHost *host;
  GstLiveKitRoomModel *model;
  GstLiveKitRoomPublisher *publisher;
  GstLiveKitRoomSubscriber *subscriber;
  GstLiveKitRoomData *data;

  /* From start to stop. */
  gchar *url, *token;
  GstLiveKitEncryptionType encryption;
  gboolean auto_subscribe;

  /* The signalling thread and its context: every signalling callback runs
   * there. The context pointer is guarded by lock. */
  GMutex lock;
  GMainContext *context;
  GMainLoop *loop;
  GThread *thread;
  gint running;                 /* atomic */

  /* Signalling thread only. */
  GstLiveKitSignalClient *signal;
  GstLiveKitJoinInfo *join;
  guint reconnects;
  GSource *retry;
  GstElement *publisher_webrtc, *subscriber_webrtc;
  gboolean ice_configured;
  gboolean connections_used;    /* a session ran on the webrtcbins */
};

static void schedule_rejoin (GstLiveKitRoomSession * self, const gchar * why);

typedef struct
{
  GstLiveKitRoomSession *session;
  void (*func) (GstLiveKitRoomSession * session);
  GstBin *bin;                  /* owns the session: keeps both alive */
} Invocation;

static gboolean
invocation_run (gpointer data)
{
  Invocation *inv = data;
  inv->func (inv->session);
  return G_SOURCE_REMOVE;
}

static void
invocation_free (gpointer data)
{
  Invocation *inv = data;
  gst_object_unref (inv->bin);
  g_free (inv);
}

/* Runs @func on the signalling thread; nothing when the session is not
 * running (never on the global default context: the source's reference
 * would keep the bin, its keyring and its workers alive for good). */
static void
invoke (GstLiveKitRoomSession * self,
    void (*func) (GstLiveKitRoomSession * session))
{
  GSource *source;
  Invocation *inv;

  g_mutex_lock (&self->lock);
  if (!self->context) {
    g_mutex_unlock (&self->lock);
    GST_DEBUG_OBJECT (self->host->bin, "not running: nothing to do now");
    return;
  }
  inv = g_new0 (Invocation, 1);
  inv->session = self;
  inv->func = func;
  inv->bin = gst_object_ref (self->host->bin);
  source = g_idle_source_new ();
  g_source_set_callback (source, invocation_run, inv, invocation_free);
  g_source_attach (source, self->context);
  g_mutex_unlock (&self->lock);
  g_source_unref (source);
}

/* ------------------------------------------------------------- publishing */

static void
negotiate (GstLiveKitRoomSession * self)
{
  gst_livekit_room_publisher_negotiate (self->publisher, self->encryption,
      gst_livekit_room_data_wanted (self->data));
}

/* From any thread: a track is ready, or data wants the connection. */
static void
negotiate_later (gpointer session)
{
  invoke (session, negotiate);
}

/* ------------------------------------------------------------- room model */

static void
post_participant (GstLiveKitRoomSession * self, const gchar * what,
    GstLiveKitParticipantInfo * p)
{
  self->host->post (self->host->bin, gst_structure_new (what,
          "identity", G_TYPE_STRING, p->identity,
          "participant-sid", G_TYPE_STRING, p->sid,
          "name", G_TYPE_STRING, p->name, NULL));
}

static void
on_participant_joined (GstLiveKitRoomModel * model,
    GstLiveKitParticipantInfo * p, GstLiveKitRoomSession * self)
{
  post_participant (self, "livekit-participant-joined", p);
}

static void
on_participant_left (GstLiveKitRoomModel * model,
    GstLiveKitParticipantInfo * p, GstLiveKitRoomSession * self)
{
  post_participant (self, "livekit-participant-left", p);
}

static void
on_track_published (GstLiveKitRoomModel * model, const gchar * identity,
    GstLiveKitTrackInfo * t, GstLiveKitRoomSession * self)
{
  self->host->post (self->host->bin,
      gst_structure_new ("livekit-track-published", "identity", G_TYPE_STRING,
          identity, "track-sid", G_TYPE_STRING, t->sid, "kind", G_TYPE_STRING,
          t->type == GST_LIVEKIT_TRACK_TYPE_AUDIO ? "audio" : "video",
          "source", G_TYPE_STRING,
          gst_livekit_track_source_to_string (t->source), "mime-type",
          G_TYPE_STRING, t->mime_type, "encryption", G_TYPE_STRING,
          t->encryption == GST_LIVEKIT_ENCRYPTION_TYPE_NONE ? "none" : "gcm",
          NULL));
}

static void
on_track_unpublished (GstLiveKitRoomModel * model, const gchar * identity,
    GstLiveKitTrackInfo * t, GstLiveKitRoomSession * self)
{
  self->host->post (self->host->bin,
      gst_structure_new ("livekit-track-unpublished", "identity",
          G_TYPE_STRING, identity, "track-sid", G_TYPE_STRING, t->sid, NULL));
  gst_livekit_room_subscriber_track_unpublished (self->subscriber, t->sid);
}

static void
on_encryption_changed (GstLiveKitRoomModel * model, const gchar * identity,
    gboolean encrypted, GstLiveKitRoomSession * self)
{
  self->host->post (self->host->bin,
      gst_structure_new ("livekit-participant-encryption-status-changed",
          "identity", G_TYPE_STRING, identity, "encrypted", G_TYPE_BOOLEAN,
          encrypted, NULL));
}

/* ------------------------------------------------------------- webrtcbin */

static void
on_ice_candidate (GstElement * webrtc, guint mline, const gchar * candidate,
    GstLiveKitRoomSession * self)
{
  GstLiveKitSignalTarget target = webrtc == self->publisher_webrtc ?
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
pin_loopback_if_local (GstLiveKitRoomSession * self, GstElement * webrtc,
    const gchar * url)
{
  GUri *uri = url ? g_uri_parse (url, G_URI_FLAGS_NONE, NULL) : NULL;
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
    GST_INFO_OBJECT (self->host->bin,
        "server on loopback: ICE pinned to 127.0.0.1 (%d)", ok);
  }
  if (uri)
    g_uri_unref (uri);
}

/* A jitterbuffer holds its first packet for its whole latency (200 ms by
 * default) in case earlier ones are still on their way: on a join that is
 * the last wait before the first frame. A few packets in sequence are
 * proof enough that the stream started; later gaps are still waited for
 * up to the latency. */
#define FASTSTART_PACKETS 3

static void
on_deep_element_added (GstBin * webrtc, GstBin * sub_bin, GstElement * element,
    gpointer user_data)
{
  GstElementFactory *factory = gst_element_get_factory (element);

  if (factory && g_str_equal (GST_OBJECT_NAME (factory), "rtpjitterbuffer")
      && g_object_class_find_property (G_OBJECT_GET_CLASS (element),
          "faststart-min-packets"))
    g_object_set (element, "faststart-min-packets", FASTSTART_PACKETS, NULL);
}

static GstElement *
make_webrtcbin (GstLiveKitRoomSession * self, const gchar * name)
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
  if (gst_livekit_prewarm_enabled ())
    g_signal_connect (webrtc, "deep-element-added",
        G_CALLBACK (on_deep_element_added), NULL);
  gst_bin_add (self->host->bin, webrtc);
  return webrtc;
}

static gboolean
create_webrtcbins (GstLiveKitRoomSession * self)
{
  self->publisher_webrtc = make_webrtcbin (self, "publisher");
  self->subscriber_webrtc = make_webrtcbin (self, "subscriber");
  if (!self->publisher_webrtc || !self->subscriber_webrtc)
    return FALSE;
  gst_livekit_room_publisher_set_webrtcbin (self->publisher,
      self->publisher_webrtc);
  gst_livekit_room_subscriber_watch (self->subscriber,
      self->subscriber_webrtc);
  gst_livekit_room_data_watch (self->data, self->subscriber_webrtc);
  return TRUE;
}

/* Applies the join's ICE servers to both webrtcbins. */
static void
configure_ice_servers (GstLiveKitRoomSession * self, GstLiveKitJoinInfo * join)
{
  for (guint i = 0; i < join->ice_servers->len; i++) {
    GstLiveKitIceServer *server = g_ptr_array_index (join->ice_servers, i);
    for (guint u = 0; server->urls && server->urls[u]; u++) {
      const gchar *url = server->urls[u];
      gchar *uri = NULL;
      gboolean ok;

      if (g_str_has_prefix (url, "stun:")) {
        uri = g_strdup_printf ("stun://%s", url + 5);
        g_object_set (self->publisher_webrtc, "stun-server", uri, NULL);
        g_object_set (self->subscriber_webrtc, "stun-server", uri, NULL);
      } else if (g_str_has_prefix (url, "turn:")
          || g_str_has_prefix (url, "turns:")) {
        /* webrtcbin URI-unescapes user and password: escape them. */
        gchar *user = g_uri_escape_string (server->username, NULL, FALSE);
        gchar *pass = g_uri_escape_string (server->credential, NULL, FALSE);
        const gchar *rest = strchr (url, ':') + 1;
        uri = g_strdup_printf ("%s://%s:%s@%s",
            g_str_has_prefix (url, "turns:") ? "turns" : "turn", user, pass,
            rest);
        g_signal_emit_by_name (self->publisher_webrtc, "add-turn-server", uri,
            &ok);
        g_signal_emit_by_name (self->subscriber_webrtc, "add-turn-server",
            uri, &ok);
        g_free (user);
        g_free (pass);
      }
      g_free (uri);
    }
  }
}

/* ------------------------------------------------------------------ SDP */

/* What follows a description once webrtcbin has applied or refused it. */
/* @refusal: webrtcbin's error, NULL when it took the description. */
typedef void (*DescriptionDone) (gpointer data, const GError * refusal);

typedef struct
{
  GstElement *webrtc;
  gchar *what;
  DescriptionDone done;
  gpointer done_data;
  GDestroyNotify done_free;
} DescriptionCtx;

static void
on_description_set (GstPromise * promise, gpointer data)
{
  DescriptionCtx *ctx = data;
  const GstStructure *reply = gst_promise_get_reply (promise);
  GError *err = NULL;

  if (reply && gst_structure_get (reply, "error", G_TYPE_ERROR, &err, NULL))
    GST_WARNING_OBJECT (ctx->webrtc, "%s refused: %s", ctx->what,
        err->message);
  gst_promise_unref (promise);
  if (ctx->done)
    ctx->done (ctx->done_data, err);
  g_clear_error (&err);
  if (ctx->done_free)
    ctx->done_free (ctx->done_data);
  gst_object_unref (ctx->webrtc);
  g_free (ctx->what);
  g_free (ctx);
}

/* set-local/remote-description, saying which one webrtcbin refused (its own
 * warning does not), with the SDP in the debug log; then @done. */
static void
set_description_then (GstElement * webrtc, const gchar * signal,
    GstWebRTCSessionDescription * desc, guint id, DescriptionDone done,
    gpointer done_data, GDestroyNotify done_free)
{
  DescriptionCtx *ctx = g_new0 (DescriptionCtx, 1);

  ctx->webrtc = gst_object_ref (webrtc);
  ctx->what = g_strdup_printf ("%s (%s %u)", signal,
      desc->type == GST_WEBRTC_SDP_TYPE_OFFER ? "offer" : "answer", id);
  ctx->done = done;
  ctx->done_data = done_data;
  ctx->done_free = done_free;
  if (gst_debug_category_get_threshold (GST_CAT_DEFAULT) >= GST_LEVEL_DEBUG) {
    gchar *text = gst_sdp_message_as_text (desc->sdp);
    GST_DEBUG_OBJECT (webrtc, "%s:\n%s", ctx->what, text);
    g_free (text);
  }
  g_signal_emit_by_name (webrtc, signal, desc,
      gst_promise_new_with_change_func (on_description_set, ctx, NULL));
}

static void
set_description (GstElement * webrtc, const gchar * signal,
    GstWebRTCSessionDescription * desc, guint id)
{
  set_description_then (webrtc, signal, desc, id, NULL, NULL, NULL);
}

/* The answer goes to the webrtcbin and client of the offer's session.
 * Shared by the offer's and the answer's steps (webrtcbin runs them in
 * order). */
typedef struct
{
  GstLiveKitSignalClient *signal;
  GstElement *webrtc;
  GstSDPMessage *offer;         /* as the server sent it */
  guint id;
  GError *refusal;              /* why webrtc did not take the offer */
  gchar *answer;                /* the text sent, once webrtc has it */
} AnswerCtx;

static void
answer_ctx_clear (gpointer data)
{
  AnswerCtx *ctx = data;

  g_object_unref (ctx->signal);
  gst_object_unref (ctx->webrtc);
  gst_sdp_message_free (ctx->offer);
  g_clear_error (&ctx->refusal);
  g_free (ctx->answer);
}

static void
answer_ctx_unref (gpointer data)
{
  g_atomic_rc_box_release_full (data, answer_ctx_clear);
}

/* A subscriber that did not take an offer or its own answer no longer
 * matches what the server sends: media of SSRCs webrtcbin never mapped
 * (1.22 then dereferences a NULL transceiver in on_rtpbin_pad_added). It
 * sends no answer, and the bin rejoins (gst_livekit_room_bin_handle_message),
 * which starts it afresh. */
static void
give_up (AnswerCtx * ctx, const GError * why)
{
  /* webrtcbin refuses everything once closed: the session is stopping or
   * already replacing it. */
  if (g_error_matches (why, GST_WEBRTC_ERROR, GST_WEBRTC_ERROR_INVALID_STATE))
    return;
  GST_ELEMENT_ERROR (ctx->webrtc, STREAM, FAILED,
      ("the subscriber could not take the server's offer %u: %s", ctx->id,
          why ? why->message : "webrtcbin made no answer"), (NULL));
}

static void
offer_taken (gpointer data, const GError * refusal)
{
  AnswerCtx *ctx = data;

  if (refusal)
    ctx->refusal = g_error_copy (refusal);
}

/* Only now: the server sends media as soon as it has the answer, and
 * packets webrtcbin has no receive path for yet stop its transport for
 * good (the nicesrc's "not-linked"), which was a rejoin. */
static void
send_answer (gpointer data, const GError * refusal)
{
  AnswerCtx *ctx = data;

  if (refusal) {
    give_up (ctx, refusal);
    return;
  }
  /* The server numbers its offers from a random start: echo the id. */
  gst_livekit_signal_client_send_answer (ctx->signal, ctx->answer, ctx->id);
}

/* The m-lines the server offered and webrtcbin's answer rejects: their
 * tracks are not received. */
static void
warn_rejected_mlines (GstElement * webrtc, const GstSDPMessage * offer,
    const GstSDPMessage * answer, guint id)
{
  for (guint i = 0; i < gst_sdp_message_medias_len (answer)
      && i < gst_sdp_message_medias_len (offer); i++) {
    const GstSDPMedia *o = gst_sdp_message_get_media (offer, i);
    const GstSDPMedia *a = gst_sdp_message_get_media (answer, i);

    if (gst_sdp_media_get_port (a) == 0 && gst_sdp_media_get_port (o) != 0)
      GST_WARNING_OBJECT (webrtc, "answer %u rejects m-line %u (mid %s): "
          "its track is not received", id, i,
          GST_STR_NULL (gst_sdp_media_get_attribute_val (o, "mid")));
  }
}

static void
on_answer_created (GstPromise * promise, gpointer data)
{
  AnswerCtx *ctx = data;
  GstElement *webrtc = ctx->webrtc;
  const GstStructure *reply = gst_promise_get_reply (promise);
  GstWebRTCSessionDescription *answer = NULL;
  GstSDPMessage *sent;
  GError *err = NULL;
  guint mended;

  if (reply && !gst_structure_get (reply, "answer",
          GST_TYPE_WEBRTC_SESSION_DESCRIPTION, &answer, NULL))
    gst_structure_get (reply, "error", G_TYPE_ERROR, &err, NULL);
  gst_promise_unref (promise);
  if (ctx->refusal || !answer) {
    give_up (ctx, ctx->refusal ? ctx->refusal : err);
    g_clear_error (&err);
    if (answer)
      gst_webrtc_session_description_free (answer);
    answer_ctx_unref (ctx);
    return;
  }
  /* The server keeps the codecs of the first video answer for good. */
  gst_livekit_room_subscriber_complete_answer (ctx->offer, answer->sdp);
  warn_rejected_mlines (webrtc, ctx->offer, answer->sdp, ctx->id);
  mended = gst_livekit_sdp_answer_mend_bundle (answer->sdp);
  if (mended)
    GST_INFO_OBJECT (webrtc, "answer %u: %u m-line(s) put back on the "
        "bundle's transport", ctx->id, mended);
  gst_sdp_message_copy (answer->sdp, &sent);
  gst_livekit_sdp_answer_restore_inactive (sent, ctx->offer);
  ctx->answer = gst_sdp_message_as_text (sent);
  gst_sdp_message_free (sent);
  set_description_then (webrtc, "set-local-description", answer, ctx->id,
      send_answer, ctx, answer_ctx_unref);
  gst_webrtc_session_description_free (answer);
}

/* The offer's mids by m-line index: what names a received stream whose
 * transceiver webrtcbin left without a mid (room-model.h). */
static void
remember_mline_mids (GstLiveKitRoomModel * model, const GstSDPMessage * msg)
{
  guint n = gst_sdp_message_medias_len (msg);
  const gchar **mids = g_new0 (const gchar *, n + 1);

  for (guint i = 0; i < n; i++)
    mids[i] = gst_sdp_media_get_attribute_val (gst_sdp_message_get_media (msg,
            i), "mid");
  gst_livekit_room_model_set_mline_mids (model, mids, n);
  g_free (mids);
}

static void
on_offer (GstLiveKitSignalClient * signal, const gchar * sdp, guint id,
    GHashTable * mid_to_track, GstLiveKitRoomSession * self)
{
  GstSDPMessage *msg = NULL;
  GstWebRTCSessionDescription *offer;
  AnswerCtx *ctx;

  if (gst_sdp_message_new_from_text (sdp, &msg) != GST_SDP_OK) {
    /* new_from_text leaves the message it made to us even on failure. */
    g_clear_pointer (&msg, gst_sdp_message_free);
    GST_ELEMENT_WARNING (self->host->bin, STREAM, FAILED,
        ("the server's offer is not valid SDP"), (NULL));
    return;
  }
  remember_mline_mids (self->model, msg);
  gst_livekit_room_model_add_mids (self->model, mid_to_track);
  gst_livekit_room_subscriber_prefer_track_codecs (self->subscriber, msg);
  ctx = g_atomic_rc_box_new0 (AnswerCtx);
  gst_sdp_message_copy (msg, &ctx->offer);
  ctx->signal = g_object_ref (signal);
  ctx->webrtc = gst_object_ref (self->subscriber_webrtc);
  ctx->id = id;
  if (gst_livekit_sdp_offer_keep_receiving (msg))
    GST_DEBUG_OBJECT (self->host->bin, "offer %u: m-lines that send nothing "
        "given to webrtcbin as sendonly", id);
  offer = gst_webrtc_session_description_new (GST_WEBRTC_SDP_TYPE_OFFER, msg);
  /* webrtcbin runs its operations in order: the answer follows the offer. */
  set_description_then (self->subscriber_webrtc, "set-remote-description",
      offer, id, offer_taken, g_atomic_rc_box_acquire (ctx), answer_ctx_unref);
  gst_webrtc_session_description_free (offer);
  g_signal_emit_by_name (self->subscriber_webrtc, "create-answer", NULL,
      gst_promise_new_with_change_func (on_answer_created, ctx, NULL));
}

static void
on_answer (GstLiveKitSignalClient * signal, const gchar * sdp, guint id,
    GHashTable * mid_to_track, GstLiveKitRoomSession * self)
{
  GstSDPMessage *msg = NULL;
  GstWebRTCSessionDescription *answer;

  if (gst_sdp_message_new_from_text (sdp, &msg) != GST_SDP_OK) {
    /* new_from_text leaves the message it made to us even on failure. */
    g_clear_pointer (&msg, gst_sdp_message_free);
    GST_ELEMENT_WARNING (self->host->bin, STREAM, FAILED,
        ("the server's answer is not valid SDP"), (NULL));
    return;
  }
  answer = gst_webrtc_session_description_new (GST_WEBRTC_SDP_TYPE_ANSWER,
      msg);
  set_description (self->publisher_webrtc, "set-remote-description", answer,
      id);
  gst_webrtc_session_description_free (answer);
  if (gst_livekit_room_publisher_on_answer (self->publisher))
    negotiate (self);
}

static void
on_trickle (GstLiveKitSignalClient * signal, const gchar * json,
    GstLiveKitSignalTarget target, gboolean final,
    GstLiveKitRoomSession * self)
{
  gchar *candidate = NULL, *mid = NULL;
  guint mline = 0;
  GError *err = NULL;
  GstElement *webrtc = target == GST_LIVEKIT_SIGNAL_TARGET_PUBLISHER ?
      self->publisher_webrtc : self->subscriber_webrtc;

  if (!gst_livekit_candidate_from_json (json, &candidate, &mid, &mline, &err)) {
    GST_WARNING_OBJECT (self->host->bin, "bad candidate from the server: %s",
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
    GstLiveKitRoomSession * self)
{
  gst_livekit_room_model_apply_updates (self->model, updates);
}

static void
on_local_track_published (GstLiveKitSignalClient * signal, const gchar * cid,
    const gchar * sid, GstLiveKitTrackInfo * info,
    GstLiveKitRoomSession * self)
{
  gst_livekit_room_publisher_on_track_published (self->publisher, cid, sid);
  negotiate (self);
}

/* livekit-server 1.13 sends the reason code alone (no message) for an
 * AddTrack without canPublish: the user needs it in words. */
static const gchar *
describe_request_reason (GstLiveKitRequestReason reason)
{
  switch (reason) {
    case GST_LIVEKIT_REQUEST_REASON_NOT_FOUND:
      return "not found";
    case GST_LIVEKIT_REQUEST_REASON_NOT_ALLOWED:
      return "not allowed: the token does not grant canPublish (or not for "
          "this source)";
    case GST_LIVEKIT_REQUEST_REASON_LIMIT_EXCEEDED:
      return "limit exceeded";
    case GST_LIVEKIT_REQUEST_REASON_UNSUPPORTED_TYPE:
      return "unsupported track type";
    default:
      return "refused";
  }
}

/* A refused AddTrack is an error for the application, as a rejected
 * publishTrack() is in LiveKit's SDKs: what it asked to publish never
 * will be. The track's data is dropped from then on, so nothing waits. */
static void
on_request_response (GstLiveKitSignalClient * signal, guint id,
    GstLiveKitRequestReason reason, const gchar * message, const gchar * cid,
    GstLiveKitRoomSession * self)
{
  const gchar *why = describe_request_reason (reason);
  gboolean has_message = message && *message;
  gchar *pad = NULL;

  /* QUEUED: the server will answer again. */
  if (reason == GST_LIVEKIT_REQUEST_REASON_OK
      || reason == GST_LIVEKIT_REQUEST_REASON_QUEUED)
    return;
  if (cid)
    pad = gst_livekit_room_publisher_on_track_refused (self->publisher, cid);
  if (pad && reason == GST_LIVEKIT_REQUEST_REASON_NOT_ALLOWED)
    GST_ELEMENT_ERROR (self->host->bin, RESOURCE, NOT_AUTHORIZED,
        ("the server refused to publish %s: %s%s%s%s", pad, why,
            has_message ? " (" : "", has_message ? message : "",
            has_message ? ")" : ""), ("RequestResponse reason %d, track %s",
            reason, cid));
  else if (pad)
    GST_ELEMENT_ERROR (self->host->bin, RESOURCE, FAILED,
        ("the server refused to publish %s: %s%s%s%s", pad, why,
            has_message ? " (" : "", has_message ? message : "",
            has_message ? ")" : ""), ("RequestResponse reason %d, track %s",
            reason, cid));
  else
    GST_ELEMENT_WARNING (self->host->bin, RESOURCE, SETTINGS,
        ("the server refused a request%s%s: %s%s%s%s", cid ? " for track " :
            "", cid ? cid : "", why, has_message ? " (" : "",
            has_message ? message : "", has_message ? ")" : ""),
        ("RequestResponse reason %d, request %u", reason, id));
  g_free (pad);
}

static void
on_leave (GstLiveKitSignalClient * signal, GstLiveKitDisconnectReason reason,
    GstLiveKitLeaveAction action, GstLiveKitRoomSession * self)
{
  GEnumClass *klass = g_type_class_ref (GST_TYPE_LIVEKIT_DISCONNECT_REASON);
  GEnumValue *v = g_enum_get_value (klass, reason);
  const gchar *nick = v ? v->value_nick : "unknown";

  self->host->post (self->host->bin,
      gst_structure_new ("livekit-disconnected", "reason", G_TYPE_STRING, nick,
          "by-server", G_TYPE_BOOLEAN, TRUE, NULL));
  if (reason == GST_LIVEKIT_DISCONNECT_REASON_DUPLICATE_IDENTITY
      || reason == GST_LIVEKIT_DISCONNECT_REASON_PARTICIPANT_REMOVED
      || reason == GST_LIVEKIT_DISCONNECT_REASON_ROOM_DELETED
      || action == GST_LIVEKIT_LEAVE_ACTION_DISCONNECT) {
    GST_ELEMENT_ERROR (self->host->bin, RESOURCE, READ,
        ("the server removed us from the room: %s", nick), (NULL));
  } else {
    schedule_rejoin (self, nick);
  }
  g_type_class_unref (klass);
}

static void lose_session (GstLiveKitRoomSession * self, const gchar * why);

static void
on_disconnected (GstLiveKitSignalClient * signal,
    GstLiveKitSignalCloseReason reason, const gchar * detail,
    GstLiveKitRoomSession * self)
{
  if (reason == GST_LIVEKIT_SIGNAL_CLOSE_CLIENT)
    return;
  lose_session (self, detail ? detail : "connection lost");
}

static gchar *
hex_of (GBytes * bytes)
{
  gsize len = 0;
  const guint8 *d;
  GString *s;

  if (!bytes)
    return NULL;
  d = g_bytes_get_data (bytes, &len);
  s = g_string_sized_new (len * 2);
  for (gsize i = 0; i < len; i++)
    g_string_append_printf (s, "%02x", d[i]);
  return g_string_free (s, FALSE);
}

static void
on_join (GstLiveKitSignalClient * signal, GstLiveKitJoinInfo * join,
    GstLiveKitRoomSession * self)
{
  gchar *sif;

  g_clear_pointer (&self->join, gst_livekit_join_info_unref);
  self->join = gst_livekit_join_info_ref (join);
  configure_ice_servers (self, join);
  sif = hex_of (join->sif_trailer);
  gst_livekit_room_subscriber_set_sif_trailer (self->subscriber, sif);
  g_free (sif);
  gst_livekit_room_model_apply_join (self->model, join);
}

static void
release_signal (GstLiveKitRoomSession * self)
{
  if (!self->signal)
    return;
  g_signal_handlers_disconnect_by_data (self->signal, self);
  gst_livekit_signal_client_close (self->signal);
  g_clear_object (&self->signal);
  gst_livekit_room_publisher_set_signal (self->publisher, NULL);
}

/* What kind of join failure, for applications that act on it (the
 * recorder's exit codes): the error's details carry it. */
static const gchar *
join_error_nick (const GError * err)
{
  static const gchar *const nicks[] = {
    [GST_LIVEKIT_SIGNAL_ERROR_INVALID_URL] = "invalid-url",
    [GST_LIVEKIT_SIGNAL_ERROR_UNREACHABLE] = "unreachable",
    [GST_LIVEKIT_SIGNAL_ERROR_UNAUTHORIZED] = "unauthorized",
    [GST_LIVEKIT_SIGNAL_ERROR_BAD_REQUEST] = "bad-request",
    [GST_LIVEKIT_SIGNAL_ERROR_NOT_FOUND] = "not-found",
    [GST_LIVEKIT_SIGNAL_ERROR_REJECTED] = "rejected",
    [GST_LIVEKIT_SIGNAL_ERROR_PROTOCOL] = "protocol",
    [GST_LIVEKIT_SIGNAL_ERROR_TIMEOUT] = "timeout",
    [GST_LIVEKIT_SIGNAL_ERROR_CLOSED] = "closed",
  };

  if (err->domain == GST_LIVEKIT_SIGNAL_ERROR && err->code >= 0
      && (gsize) err->code < G_N_ELEMENTS (nicks) && nicks[err->code])
    return nicks[err->code];
  return "other";
}

/* @data is the session; the bin was referenced for the connection. */
static void
on_connected (GObject * source, GAsyncResult * result, gpointer data)
{
  GstLiveKitRoomSession *self = data;
  GstBin *bin = self->host->bin;
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
        GST_ELEMENT_ERROR_WITH_DETAILS (self->host->bin, RESOURCE,
            OPEN_READ_WRITE, ("could not join the LiveKit room: %s",
                err->message), (NULL), ("livekit-join-error", G_TYPE_STRING,
                join_error_nick (err), NULL));
      }
    }
    g_clear_error (&err);
    gst_object_unref (bin);
    return;
  }
  self->reconnects = 0;
  self->connections_used = TRUE;
  self->host->post (self->host->bin, gst_structure_new ("livekit-connected",
          "room", G_TYPE_STRING, self->join->room_name,
          "room-sid", G_TYPE_STRING, self->join->room_sid,
          "identity", G_TYPE_STRING, self->join->participant->identity,
          "participant-sid", G_TYPE_STRING, self->join->participant->sid,
          "server-version", G_TYPE_STRING, self->join->server_version, NULL));
  /* Idle pads of the last session wait from now for their sources. */
  gst_livekit_room_subscriber_resume (self->subscriber);
  gst_livekit_room_data_open_channels (self->data, self->publisher_webrtc);
  negotiate (self);
  gst_object_unref (bin);
}

static void
connect_signal (GstLiveKitRoomSession * self)
{
  release_signal (self);
  self->signal = gst_livekit_signal_client_new ();
  g_signal_connect (self->signal, "join", G_CALLBACK (on_join), self);
  g_signal_connect (self->signal, "offer", G_CALLBACK (on_offer), self);
  g_signal_connect (self->signal, "answer", G_CALLBACK (on_answer), self);
  g_signal_connect (self->signal, "trickle", G_CALLBACK (on_trickle), self);
  g_signal_connect (self->signal, "participant-update",
      G_CALLBACK (on_participant_update), self);
  g_signal_connect (self->signal, "track-published",
      G_CALLBACK (on_local_track_published), self);
  g_signal_connect (self->signal, "request-response",
      G_CALLBACK (on_request_response), self);
  g_signal_connect (self->signal, "leave", G_CALLBACK (on_leave), self);
  g_signal_connect (self->signal, "disconnected",
      G_CALLBACK (on_disconnected), self);
  gst_livekit_room_publisher_set_signal (self->publisher, self->signal);
  gst_object_ref (self->host->bin);
  gst_livekit_signal_client_connect_async (self->signal, self->url,
      self->token, self->auto_subscribe, NULL, on_connected, self);
}

static void
retire_webrtcbin (GstLiveKitRoomSession * self, GstElement * webrtc)
{
  g_signal_handlers_disconnect_by_data (webrtc, self);
  gst_element_set_locked_state (webrtc, TRUE);
  gst_element_set_state (webrtc, GST_STATE_NULL);
  gst_bin_remove (self->host->bin, webrtc);
}

/* A rejoin is a new session: the server (perhaps a restarted one) knows
 * nothing of the old peer connections, and webrtcbin 1.22 cannot restart
 * ICE/DTLS on one. New webrtcbins replace them; published tracks move
 * over, subscribed ones end and their pads wait for the new session's. */
static void
renew_peer_connections (GstLiveKitRoomSession * self)
{
  /* Unused ones (a previous attempt failed) are kept. */
  if (!self->publisher_webrtc || !self->connections_used)
    return;
  self->connections_used = FALSE;
  gst_livekit_room_data_drop_channels (self->data);
  gst_livekit_room_subscriber_drop_all (self->subscriber,
      self->subscriber_webrtc);
  g_signal_handlers_disconnect_by_data (self->subscriber_webrtc, self->data);
  gst_livekit_room_publisher_set_webrtcbin (self->publisher, NULL);
  retire_webrtcbin (self, self->publisher_webrtc);
  retire_webrtcbin (self, self->subscriber_webrtc);
  self->publisher_webrtc = self->subscriber_webrtc = NULL;
  self->ice_configured = FALSE;

  if (!create_webrtcbins (self)) {
    GST_ELEMENT_ERROR (self->host->bin, CORE, MISSING_PLUGIN,
        ("webrtcbin is missing (gstreamer1.0-plugins-bad)"), (NULL));
    return;
  }
  gst_livekit_room_session_prepare (self, self->url);
  gst_element_sync_state_with_parent (self->publisher_webrtc);
  gst_element_sync_state_with_parent (self->subscriber_webrtc);
}

static gboolean
retry_join (gpointer data)
{
  GstLiveKitRoomSession *self = data;

  g_clear_pointer (&self->retry, g_source_unref);
  self->host->post (self->host->bin,
      gst_structure_new ("livekit-reconnecting", "attempt", G_TYPE_UINT,
          self->reconnects, NULL));
  renew_peer_connections (self);
  connect_signal (self);
  return G_SOURCE_REMOVE;
}

static void
schedule_rejoin (GstLiveKitRoomSession * self, const gchar * why)
{
  guint delay;

  if (self->retry)
    return;
  if (self->reconnects >= MAX_RECONNECTS) {
    GST_ELEMENT_ERROR (self->host->bin, RESOURCE, READ,
        ("lost the LiveKit room and could not rejoin: %s", why), (NULL));
    return;
  }
  delay = MIN (1u << self->reconnects, MAX_BACKOFF_SECONDS);
  self->reconnects++;
  GST_WARNING_OBJECT (self->host->bin,
      "signalling lost (%s): rejoining in %u s", why, delay);
  self->retry = g_timeout_source_new_seconds (delay);
  g_source_set_callback (self->retry, retry_join, self, NULL);
  g_source_attach (self->retry, self->context);
}

/* Not by the server's will: say so, then rejoin. */
static void
lose_session (GstLiveKitRoomSession * self, const gchar * why)
{
  self->host->post (self->host->bin,
      gst_structure_new ("livekit-disconnected", "reason", G_TYPE_STRING, why,
          "by-server", G_TYPE_BOOLEAN, FALSE, NULL));
  schedule_rejoin (self, why);
}

static void
recover (GstLiveKitRoomSession * self)
{
  /* One failure often brings several errors: one rejoin. */
  if (self->retry || !self->signal)
    return;
  release_signal (self);
  lose_session (self, "peer connection failed");
}

void
gst_livekit_room_session_recover (GstLiveKitRoomSession * self)
{
  invoke (self, recover);
}

/* Leave properly: without it the server keeps the participant around
 * waiting for a resume (spec §3.6). */
static void
leave (GstLiveKitRoomSession * self)
{
  if (self->retry) {
    g_source_destroy (self->retry);
    g_clear_pointer (&self->retry, g_source_unref);
  }
  if (self->signal) {
    g_signal_handlers_disconnect_by_data (self->signal, self);
    if (gst_livekit_signal_client_is_connected (self->signal))
      gst_livekit_signal_client_leave (self->signal);
    else
      gst_livekit_signal_client_close (self->signal);
    g_clear_object (&self->signal);
    gst_livekit_room_publisher_set_signal (self->publisher, NULL);
  }
  g_clear_pointer (&self->join, gst_livekit_join_info_unref);
}

/* ------------------------------------------------------------- lifecycle */

static gpointer
signalling_thread (gpointer data)
{
  GstLiveKitRoomSession *self = data;

  g_main_context_push_thread_default (self->context);
  g_main_loop_run (self->loop);
  g_main_context_pop_thread_default (self->context);
  return NULL;
}

static void
quit_loop (GstLiveKitRoomSession * self)
{
  leave (self);
  g_main_loop_quit (self->loop);
}

void
gst_livekit_room_session_prepare (GstLiveKitRoomSession * self,
    const gchar * url)
{
  if (!self->publisher_webrtc || self->ice_configured)
    return;
  pin_loopback_if_local (self, self->publisher_webrtc, url);
  pin_loopback_if_local (self, self->subscriber_webrtc, url);
  self->ice_configured = TRUE;
}

void
gst_livekit_room_session_start (GstLiveKitRoomSession * self,
    const GstLiveKitRoomSettings * settings)
{
  GMainContext *context = g_main_context_new ();

  g_free (self->url);
  self->url = g_strdup (settings->url);
  g_free (self->token);
  self->token = g_strdup (settings->token);
  self->encryption = settings->encryption;
  self->auto_subscribe = settings->auto_subscribe;
  self->reconnects = 0;
  gst_livekit_room_model_set_pad_naming (self->model, settings->pad_naming);
  gst_livekit_room_subscriber_set_grace (self->subscriber,
      settings->pad_naming == GST_LIVEKIT_PAD_NAMING_TRACK_SID ? 0 :
      settings->grace_period);

  g_mutex_lock (&self->lock);
  self->context = context;
  g_mutex_unlock (&self->lock);
  gst_livekit_room_subscriber_set_context (self->subscriber, context);
  self->loop = g_main_loop_new (context, FALSE);
  self->thread = g_thread_new ("livekit-signal", signalling_thread, self);
  invoke (self, connect_signal);
  g_atomic_int_set (&self->running, TRUE);
}

void
gst_livekit_room_session_stop (GstLiveKitRoomSession * self)
{
  GMainContext *context;

  if (!self->thread)
    return;
  g_atomic_int_set (&self->running, FALSE);
  invoke (self, quit_loop);
  g_thread_join (self->thread);
  self->thread = NULL;
  gst_livekit_room_data_clear (self->data);
  g_main_loop_unref (self->loop);
  self->loop = NULL;
  g_mutex_lock (&self->lock);
  context = self->context;
  self->context = NULL;
  g_mutex_unlock (&self->lock);
  gst_livekit_room_subscriber_set_context (self->subscriber, NULL);
  /* Every subscribed pad goes; the next start is a new room. */
  gst_livekit_room_subscriber_clear (self->subscriber);
  gst_livekit_room_model_clear (self->model);
  /* Destroys what was invoked too late, and the references it held. */
  g_main_context_unref (context);
  g_clear_pointer (&self->token, g_free);
}

gboolean
gst_livekit_room_session_is_running (GstLiveKitRoomSession * self)
{
  return g_atomic_int_get (&self->running);
}

/* ---------------------------------------------------------------- public */

static void
connect_model (GstLiveKitRoomSession * self)
{
  g_signal_connect (self->model, "participant-joined",
      G_CALLBACK (on_participant_joined), self);
  g_signal_connect (self->model, "participant-left",
      G_CALLBACK (on_participant_left), self);
  g_signal_connect (self->model, "track-published",
      G_CALLBACK (on_track_published), self);
  g_signal_connect (self->model, "track-unpublished",
      G_CALLBACK (on_track_unpublished), self);
  g_signal_connect (self->model, "encryption-changed",
      G_CALLBACK (on_encryption_changed), self);
}

GstLiveKitRoomSession *
gst_livekit_room_session_new (const GstLiveKitRoomHost * host)
{
  GstLiveKitRoomSession *self = g_new0 (GstLiveKitRoomSession, 1);

  self->host = host;
  g_mutex_init (&self->lock);
  self->model = gst_livekit_room_model_new
      (GST_LIVEKIT_PAD_NAMING_PARTICIPANT);
  connect_model (self);
  self->publisher = gst_livekit_room_publisher_new (host, negotiate_later,
      self);
  self->subscriber = gst_livekit_room_subscriber_new (host, self->model);
  self->data = gst_livekit_room_data_new (host, negotiate_later, self);
  if (!create_webrtcbins (self))
    GST_ELEMENT_ERROR (host->bin, CORE, MISSING_PLUGIN,
        ("webrtcbin is missing (gstreamer1.0-plugins-bad)"), (NULL));
  return self;
}

void
gst_livekit_room_session_free (GstLiveKitRoomSession * self)
{
  gst_livekit_room_session_stop (self);
  g_signal_handlers_disconnect_by_data (self->model, self);
  gst_livekit_room_publisher_free (self->publisher);
  gst_livekit_room_subscriber_free (self->subscriber);
  gst_livekit_room_data_free (self->data);
  g_object_unref (self->model);
  g_free (self->url);
  g_free (self->token);
  g_mutex_clear (&self->lock);
  g_free (self);
}

GstPad *
gst_livekit_room_session_request_pad (GstLiveKitRoomSession * self,
    GstPadTemplate * templ, const gchar * name, const gchar * identity,
    gboolean encrypt)
{
  if (!self->publisher_webrtc)
    return NULL;
  return gst_livekit_room_publisher_request_pad (self->publisher, templ, name,
      identity, encrypt);
}

gboolean
gst_livekit_room_session_release_pad (GstLiveKitRoomSession * self,
    GstPad * pad)
{
  return gst_livekit_room_publisher_release_pad (self->publisher, pad);
}

gboolean
gst_livekit_room_session_has_published_tracks (GstLiveKitRoomSession * self)
{
  return gst_livekit_room_publisher_has_tracks (self->publisher);
}

void
gst_livekit_room_session_set_keyring (GstLiveKitRoomSession * self,
    GstLiveKitKeyring * keyring)
{
  gst_livekit_room_data_set_keyring (self->data, keyring);
}

gboolean
gst_livekit_room_session_send_data (GstLiveKitRoomSession * self,
    GstLiveKitKeyring * keyring, const gchar * identity, gboolean encrypt,
    GBytes * payload, const gchar * topic, gboolean reliable,
    const gchar * const *destinations)
{
  return gst_livekit_room_data_send (self->data, keyring, identity, encrypt,
      payload, topic, reliable, destinations);
}

void
gst_livekit_room_session_end_streams (GstLiveKitRoomSession * self)
{
  gst_livekit_room_subscriber_end_all (self->subscriber);
}

gboolean
gst_livekit_room_session_owns (GstLiveKitRoomSession * self,
    GstObject * object)
{
  static GType webrtcbin_type;
  GstObject *o = object ? gst_object_ref (object) : NULL;
  gboolean inside = FALSE;

  if (!webrtcbin_type)
    webrtcbin_type = g_type_from_name ("GstWebRTCBin");
  while (o && o != GST_OBJECT (self->host->bin) && !inside) {
    GstObject *parent = gst_object_get_parent (o);
    inside = webrtcbin_type && G_TYPE_CHECK_INSTANCE_TYPE (o, webrtcbin_type);
    gst_object_unref (o);
    o = parent;
  }
  gst_clear_object (&o);
  return inside;
}
