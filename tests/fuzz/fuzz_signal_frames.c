/* libFuzzer harness for what a LiveKit server sends on the signal
 * WebSocket: raw frames into the client's message handler (unpack, join,
 * dispatch, every *_from_pb conversion), and each signal's arguments walked
 * the way livekitroombin's session uses them (room model, SDP parse, mid
 * map, msid resolution, pad names, candidate JSON, enum nicks).
 *
 * Each input is one connection: a fresh client in the JOINING state (as
 * after the WebSocket upgrade) and a fresh room model.
 *
 * Input: records [flags u8][length u16 big-endian][frame]...
 *   flags bit 0  a text frame (else binary)
 *         bit 1  leave() before this frame (when connected)
 *         bit 2  close() before this frame
 * Seeds: frames of a real session (tests/fuzz/capture-seeds.sh).
 */
#include <gst/gst.h>
#include <gst/sdp/sdp.h>

#include "gst/livekit/signalling/signalclient-private.h"
#include "gst/livekit/signalling/candidate.h"
#include "gst/livekit/room/room-model.h"
#include <gst/livekit/signalling/livekit-signal-enumtypes.h>

#include "fuzz-common.h"

int LLVMFuzzerInitialize (int *argc, char ***argv);
int LLVMFuzzerTestOneInput (const uint8_t * data, size_t size);

static GMainContext *context;

typedef struct _Ctx Ctx;
static void on_string (GstLiveKitSignalClient * c, const gchar * s, Ctx * ctx);

struct _Ctx
{
  GstLiveKitRoomModel *model;
  guint joins;
  guint disconnects;
};

static void
walk_string (const gchar * s)
{
  /* Strings of the info structs are never NULL (signal-private.h). */
  FUZZ_CHECK (s != NULL, "NULL string in an info struct");
  FUZZ_CHECK (g_utf8_validate (s, -1, NULL), "info string not UTF-8");
}

static void
walk_track (GstLiveKitTrackInfo * t)
{
  walk_string (t->sid);
  walk_string (t->name);
  walk_string (t->mime_type);
  walk_string (t->mid);
  walk_string (t->stream);
  (void) gst_livekit_track_source_to_string (t->source);
}

static void
walk_participant (GstLiveKitParticipantInfo * p)
{
  GHashTableIter it;
  gpointer k, v;

  walk_string (p->sid);
  walk_string (p->identity);
  walk_string (p->name);
  walk_string (p->metadata);
  for (guint i = 0; i < p->tracks->len; i++) {
    GstLiveKitTrackInfo *t = g_ptr_array_index (p->tracks, i);
    walk_track (t);
    FUZZ_CHECK (gst_livekit_participant_info_find_track (p, t->sid) != NULL,
        "track %s not found in its participant", t->sid);
  }
  g_hash_table_iter_init (&it, p->attributes);
  while (g_hash_table_iter_next (&it, &k, &v)) {
    walk_string (k);
    walk_string (v);
  }
}

/* What the subscriber does with a track the model knows: name its pad. */
static void
claim_pad_of (Ctx * ctx, const gchar * msid, const gchar * mid)
{
  gchar *sid = gst_livekit_room_model_resolve_track (ctx->model, msid, mid);
  GstLiveKitRoomTrack *track = gst_livekit_room_model_lookup_track (ctx->model,
      sid);
  gchar *name, *identity;

  if (track) {
    FUZZ_CHECK (track->sid && track->identity, "track snapshot");
    name = gst_livekit_room_model_claim_pad (ctx->model, track, NULL);
    FUZZ_CHECK (name && *name, "empty pad name");
    identity = gst_livekit_room_model_dup_pad_identity (ctx->model, name);
    g_free (identity);
    gst_livekit_room_model_release_pad (ctx->model, name);
    g_free (name);
    gst_livekit_room_track_free (track);
  }
  g_free (sid);
}

static void
on_join (GstLiveKitSignalClient * c, GstLiveKitJoinInfo * join, Ctx * ctx)
{
  gsize len = 0;
  gchar *local;

  ctx->joins++;
  walk_string (join->room_sid);
  walk_string (join->room_name);
  walk_string (join->server_version);
  walk_string (join->alternative_url);
  walk_participant (join->participant);
  for (guint i = 0; i < join->other_participants->len; i++)
    walk_participant (g_ptr_array_index (join->other_participants, i));
  for (guint i = 0; i < join->ice_servers->len; i++) {
    GstLiveKitIceServer *s = g_ptr_array_index (join->ice_servers, i);
    for (gchar ** u = s->urls; *u; u++)
      walk_string (*u);
    walk_string (s->username);
    walk_string (s->credential);
  }
  for (gchar ** m = join->enabled_publish_codecs; *m; m++)
    walk_string (*m);
  (void) g_bytes_get_data (join->sif_trailer, &len);
  gst_livekit_room_model_apply_join (ctx->model, join);
  local = gst_livekit_room_model_dup_local_identity (ctx->model);
  FUZZ_CHECK (local != NULL, "no local identity after a join");
  g_free (local);
}

static void
walk_sdp (Ctx * ctx, const gchar * sdp, GHashTable * mids, gboolean offer)
{
  GstSDPMessage *msg = NULL;

  FUZZ_CHECK (sdp != NULL && mids != NULL, "sdp/mid map");
  if (offer)
    gst_livekit_room_model_add_mids (ctx->model, mids);
  FUZZ_CHECK (*sdp, "an empty SDP was emitted");
  if (gst_sdp_message_new_from_text (sdp, &msg) != GST_SDP_OK) {
    g_clear_pointer (&msg, gst_sdp_message_free);
    return;
  }
  for (guint m = 0; m < gst_sdp_message_medias_len (msg); m++) {
    const GstSDPMedia *media = gst_sdp_message_get_media (msg, m);
    const gchar *mid = gst_sdp_media_get_attribute_val (media, "mid");
    const gchar *msid = gst_sdp_media_get_attribute_val (media, "msid");
    claim_pad_of (ctx, NULL, mid);
    if (msid)
      claim_pad_of (ctx, msid, mid);
  }
  gst_sdp_message_free (msg);
}

static void
on_offer (GstLiveKitSignalClient * c, const gchar * sdp, guint id,
    GHashTable * mids, Ctx * ctx)
{
  walk_sdp (ctx, sdp, mids, TRUE);
}

static void
on_answer (GstLiveKitSignalClient * c, const gchar * sdp, guint id,
    GHashTable * mids, Ctx * ctx)
{
  walk_sdp (ctx, sdp, mids, FALSE);
}

static void
on_trickle (GstLiveKitSignalClient * c, const gchar * json,
    GstLiveKitSignalTarget target, gboolean final, Ctx * ctx)
{
  gchar *cand = NULL, *mid = NULL;
  guint mline = 0;
  GError *err = NULL;

  FUZZ_CHECK (json != NULL, "trickle JSON");
  if (!gst_livekit_candidate_from_json (json, &cand, &mid, &mline, &err)) {
    FUZZ_CHECK (err && err->message, "no error message");
    g_clear_error (&err);
    return;
  }
  /* What goes to webrtcbin's add-ice-candidate. */
  FUZZ_CHECK (g_utf8_validate (cand, -1, NULL), "candidate not UTF-8");
  FUZZ_CHECK (!mid || g_utf8_validate (mid, -1, NULL), "sdpMid not UTF-8");
  FUZZ_CHECK (mline <= G_MAXUINT16, "mline %u", mline);
  g_free (cand);
  g_free (mid);
}

static void
on_update (GstLiveKitSignalClient * c, GPtrArray * updates, Ctx * ctx)
{
  for (guint i = 0; i < updates->len; i++) {
    GstLiveKitParticipantInfo *p = g_ptr_array_index (updates, i);
    walk_participant (p);
  }
  gst_livekit_room_model_apply_updates (ctx->model, updates);
  for (guint i = 0; i < updates->len; i++) {
    GstLiveKitParticipantInfo *p = g_ptr_array_index (updates, i);
    for (guint t = 0; t < p->tracks->len; t++) {
      GstLiveKitTrackInfo *ti = g_ptr_array_index (p->tracks, t);
      gchar *msid = g_strdup_printf ("%s|%s", p->sid, ti->sid);
      claim_pad_of (ctx, msid, ti->mid);
      g_free (msid);
    }
    (void) gst_livekit_room_model_has_participant (ctx->model, p->identity);
  }
}

static void
on_track_published (GstLiveKitSignalClient * c, const gchar * cid,
    const gchar * sid, GstLiveKitTrackInfo * info, Ctx * ctx)
{
  on_string (c, cid, ctx);      /* the request's cid, as the server echoes it */
  walk_string (sid);
  walk_track (info);
}

static void
on_request_response (GstLiveKitSignalClient * c, guint id,
    GstLiveKitRequestReason reason, const gchar * message, const gchar * cid,
    Ctx * ctx)
{
  gchar *s = g_strdup_printf ("the server refused a request%s%s: %s",
      cid ? " for track " : "", cid ? cid : "", message
      && *message ? message : "no reason given");
  g_free (s);
}

static void
on_leave (GstLiveKitSignalClient * c, GstLiveKitDisconnectReason reason,
    GstLiveKitLeaveAction action, Ctx * ctx)
{
  GEnumClass *klass = g_type_class_ref (GST_TYPE_LIVEKIT_DISCONNECT_REASON);
  GEnumValue *v = g_enum_get_value (klass, reason);

  if (v)
    walk_string (v->value_nick);
  g_type_class_unref (klass);
}

static void
on_string (GstLiveKitSignalClient * c, const gchar * s, Ctx * ctx)
{
  if (s)
    (void) strlen (s);
}

static void
on_mute (GstLiveKitSignalClient * c, const gchar * sid, gboolean muted,
    Ctx * ctx)
{
  on_string (c, sid, ctx);
}

static void
on_subscription_response (GstLiveKitSignalClient * c, const gchar * sid,
    GstLiveKitSubscriptionError err, Ctx * ctx)
{
  on_string (c, sid, ctx);
}

static void
on_pong (GstLiveKitSignalClient * c, gint64 rtt, Ctx * ctx)
{
  FUZZ_CHECK (rtt >= 0, "negative rtt %" G_GINT64_FORMAT, rtt);
}

static void
on_disconnected (GstLiveKitSignalClient * c, GstLiveKitSignalCloseReason r,
    const gchar * detail, Ctx * ctx)
{
  ctx->disconnects++;
  FUZZ_CHECK (ctx->disconnects == 1, "disconnected twice");
}

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  g_setenv ("GST_DEBUG", "*:0", TRUE);
  g_setenv ("GST_REGISTRY_DISABLE", "yes", TRUE);
  gst_init (NULL, NULL);
  context = g_main_context_new ();
  g_main_context_push_thread_default (context);
  return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t * data, size_t size)
{
  GstLiveKitSignalClient *c = gst_livekit_signal_client_new ();
  Ctx ctx = { gst_livekit_room_model_new (size & 1 ?
        GST_LIVEKIT_PAD_NAMING_TRACK_SID : GST_LIVEKIT_PAD_NAMING_PARTICIPANT),
    0, 0
  };
  GstStructure *stats = NULL;
  guint64 received = 0, frames = 0;
  size_t pos = 0;

  /* As after the WebSocket upgrade (signal-connect.c), minus the socket. */
  c->context = g_main_context_ref (context);
  c->state = STATE_JOINING;

  g_signal_connect (c, "join", G_CALLBACK (on_join), &ctx);
  g_signal_connect (c, "offer", G_CALLBACK (on_offer), &ctx);
  g_signal_connect (c, "answer", G_CALLBACK (on_answer), &ctx);
  g_signal_connect (c, "trickle", G_CALLBACK (on_trickle), &ctx);
  g_signal_connect (c, "participant-update", G_CALLBACK (on_update), &ctx);
  g_signal_connect (c, "track-published", G_CALLBACK (on_track_published),
      &ctx);
  g_signal_connect (c, "track-unpublished", G_CALLBACK (on_string), &ctx);
  g_signal_connect (c, "track-subscribed", G_CALLBACK (on_string), &ctx);
  g_signal_connect (c, "refresh-token", G_CALLBACK (on_string), &ctx);
  g_signal_connect (c, "mute", G_CALLBACK (on_mute), &ctx);
  g_signal_connect (c, "leave", G_CALLBACK (on_leave), &ctx);
  g_signal_connect (c, "request-response", G_CALLBACK (on_request_response),
      &ctx);
  g_signal_connect (c, "subscription-response",
      G_CALLBACK (on_subscription_response), &ctx);
  g_signal_connect (c, "pong", G_CALLBACK (on_pong), &ctx);
  g_signal_connect (c, "disconnected", G_CALLBACK (on_disconnected), &ctx);

  while (pos + 3 <= size && frames < 256) {
    uint8_t flags = data[pos];
    size_t len = ((size_t) data[pos + 1] << 8) | data[pos + 2];
    uint8_t *frame;
    GBytes *bytes;
    gboolean live = c->state == STATE_JOINING || c->state == STATE_CONNECTED
        || c->state == STATE_LEAVING;

    pos += 3;
    if (len > size - pos)
      len = size - pos;
    if (flags & 2)
      gst_livekit_signal_client_leave (c);
    if (flags & 4)
      gst_livekit_signal_client_close (c);
    live = live && (c->state == STATE_JOINING || c->state == STATE_CONNECTED
        || c->state == STATE_LEAVING);
    /* Exact-size copy: ASan sees a read past the frame. */
    frame = fuzz_dup (data + pos, len);
    bytes = g_bytes_new_with_free_func (frame, len, free, frame);
    gst_livekit_signal_client_on_message (NULL, (flags & 1) ?
        SOUP_WEBSOCKET_DATA_TEXT : SOUP_WEBSOCKET_DATA_BINARY, bytes, c);
    g_bytes_unref (bytes);
    pos += len;
    frames += live;
    FUZZ_CHECK (ctx.joins <= 1, "%u joins", ctx.joins);
  }

  g_object_get (c, "stats", &stats, NULL);
  FUZZ_CHECK (gst_structure_get_uint64 (stats, "received", &received), "stats");
  FUZZ_CHECK (received == frames, "received %" G_GUINT64_FORMAT " != %"
      G_GUINT64_FORMAT, received, frames);
  gst_structure_free (stats);
  if (ctx.joins)
    FUZZ_CHECK (c->join_info != NULL, "joined without join info");
  gst_livekit_signal_client_close (c);
  g_object_unref (c);
  g_object_unref (ctx.model);
  return 0;
}
