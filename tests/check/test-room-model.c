/* The room model on its own: merging the server's deltas, leaves, rejoins,
 * ourselves in the join, msid parsing, and the pad names of subscribed
 * tracks (stable across rejoins and republishing). */
#include <gst/check/gstcheck.h>
#include <gst/livekit/room/room.h>
#include "../../gst/livekit/signalling/signal-private.h"

#include <string.h>

static GstLiveKitTrackInfo *
track (const gchar * sid, GstLiveKitTrackType type,
    GstLiveKitTrackSource source, GstLiveKitEncryptionType encryption)
{
  GstLiveKitTrackInfo *t = gst_livekit_track_info_alloc ();
  t->sid = g_strdup (sid);
  t->name = g_strdup ("");
  t->type = type;
  t->source = source;
  t->encryption = encryption;
  t->mime_type = g_strdup (type == GST_LIVEKIT_TRACK_TYPE_AUDIO ?
      "audio/opus" : "video/VP8");
  return t;
}

#define MIC(sid) track (sid, GST_LIVEKIT_TRACK_TYPE_AUDIO, \
    GST_LIVEKIT_TRACK_SOURCE_MICROPHONE, GST_LIVEKIT_ENCRYPTION_TYPE_GCM)
#define CAM(sid) track (sid, GST_LIVEKIT_TRACK_TYPE_VIDEO, \
    GST_LIVEKIT_TRACK_SOURCE_CAMERA, GST_LIVEKIT_ENCRYPTION_TYPE_GCM)

/* A participant owning the tracks given (NULL-terminated, taken). */
static GstLiveKitParticipantInfo *
participant (const gchar * sid, const gchar * identity, guint version,
    GstLiveKitParticipantState state, ...)
{
  GstLiveKitParticipantInfo *p = gst_livekit_participant_info_alloc ();
  GstLiveKitTrackInfo *t;
  va_list ap;

  p->sid = g_strdup (sid);
  p->identity = g_strdup (identity);
  p->name = g_strdup (identity);
  p->version = version;
  p->state = state;
  va_start (ap, state);
  while ((t = va_arg (ap, GstLiveKitTrackInfo *)))
    g_ptr_array_add (p->tracks, t);
  va_end (ap);
  return p;
}

#define ACTIVE GST_LIVEKIT_PARTICIPANT_STATE_ACTIVE
#define GONE GST_LIVEKIT_PARTICIPANT_STATE_DISCONNECTED

/* The join, with ourselves as "me" and the others given (taken). */
static GstLiveKitJoinInfo *
join_with (const gchar * my_sid, ...)
{
  GstLiveKitJoinInfo *j = gst_livekit_join_info_alloc ();
  GstLiveKitParticipantInfo *p;
  va_list ap;

  j->participant = participant (my_sid, "me", 1, ACTIVE, NULL);
  va_start (ap, my_sid);
  while ((p = va_arg (ap, GstLiveKitParticipantInfo *)))
    g_ptr_array_add (j->other_participants, p);
  va_end (ap);
  return j;
}

static void
apply_join (GstLiveKitRoomModel * m, GstLiveKitJoinInfo * j)
{
  gst_livekit_room_model_apply_join (m, j);
  gst_livekit_join_info_unref (j);
}

/* One update carrying @p (taken). */
static void
apply (GstLiveKitRoomModel * m, GstLiveKitParticipantInfo * p)
{
  GPtrArray *update = g_ptr_array_new_with_free_func ((GDestroyNotify)
      gst_livekit_participant_info_unref);
  g_ptr_array_add (update, p);
  gst_livekit_room_model_apply_updates (m, update);
  g_ptr_array_unref (update);
}

/* Every event as one line, e.g. "joined alice", "published alice TR_a". */
static void
on_participant (GstLiveKitRoomModel * m, GstLiveKitParticipantInfo * p,
    GPtrArray * log, const gchar * what)
{
  g_ptr_array_add (log, g_strdup_printf ("%s %s", what, p->identity));
}

static void
on_joined (GstLiveKitRoomModel * m, GstLiveKitParticipantInfo * p,
    GPtrArray * log)
{
  on_participant (m, p, log, "joined");
}

static void
on_left (GstLiveKitRoomModel * m, GstLiveKitParticipantInfo * p,
    GPtrArray * log)
{
  on_participant (m, p, log, "left");
}

static void
on_published (GstLiveKitRoomModel * m, const gchar * identity,
    GstLiveKitTrackInfo * t, GPtrArray * log)
{
  g_ptr_array_add (log, g_strdup_printf ("published %s %s", identity,
          t->sid));
}

static void
on_unpublished (GstLiveKitRoomModel * m, const gchar * identity,
    GstLiveKitTrackInfo * t, GPtrArray * log)
{
  g_ptr_array_add (log, g_strdup_printf ("unpublished %s %s", identity,
          t->sid));
}

static void
on_encryption (GstLiveKitRoomModel * m, const gchar * identity,
    gboolean encrypted, GPtrArray * log)
{
  g_ptr_array_add (log, g_strdup_printf ("encrypted %s %d", identity,
          encrypted));
}

static GstLiveKitRoomModel *
model_with_log (GstLiveKitPadNaming naming, GPtrArray ** log)
{
  GstLiveKitRoomModel *m = gst_livekit_room_model_new (naming);

  *log = g_ptr_array_new_with_free_func (g_free);
  g_signal_connect (m, "participant-joined", G_CALLBACK (on_joined), *log);
  g_signal_connect (m, "participant-left", G_CALLBACK (on_left), *log);
  g_signal_connect (m, "track-published", G_CALLBACK (on_published), *log);
  g_signal_connect (m, "track-unpublished", G_CALLBACK (on_unpublished),
      *log);
  g_signal_connect (m, "encryption-changed", G_CALLBACK (on_encryption),
      *log);
  return m;
}

/* Asserts the log holds exactly the lines given, in order, and empties it. */
static void
expect_log (GPtrArray * log, ...)
{
  const gchar *line;
  guint i = 0;
  va_list ap;

  va_start (ap, log);
  while ((line = va_arg (ap, const gchar *))) {
    fail_unless (i < log->len, "missing event \"%s\"", line);
    fail_unless_equals_string (g_ptr_array_index (log, i), line);
    i++;
  }
  va_end (ap);
  fail_unless (i == log->len, "unexpected event \"%s\"",
      i < log->len ? (gchar *) g_ptr_array_index (log, i) : "");
  g_ptr_array_set_size (log, 0);
}

static gchar *
owner_of (GstLiveKitRoomModel * m, const gchar * sid)
{
  GstLiveKitRoomTrack *t = gst_livekit_room_model_lookup_track (m, sid);
  gchar *identity = t ? g_strdup (t->identity) : NULL;
  gst_livekit_room_track_free (t);
  return identity;
}

GST_START_TEST (test_join_lists_others_not_ourselves)
{
  GPtrArray *log;
  GstLiveKitRoomModel *m = model_with_log (GST_LIVEKIT_PAD_NAMING_PARTICIPANT,
      &log);
  gchar *who;

  apply_join (m, join_with ("PA_me",
          participant ("PA_a", "alice", 1, ACTIVE, MIC ("TR_a1"), NULL),
          NULL));
  expect_log (log, "joined alice", "published alice TR_a1", "encrypted alice 1",
      NULL);
  who = gst_livekit_room_model_dup_local_identity (m);
  fail_unless_equals_string (who, "me");
  g_free (who);
  fail_if (gst_livekit_room_model_has_participant (m, "me"));
  /* Updates about ourselves change nothing. */
  apply (m, participant ("PA_me", "me", 5, ACTIVE, MIC ("TR_mine"), NULL));
  expect_log (log, NULL);
  fail_unless (gst_livekit_room_model_lookup_track (m, "TR_mine") == NULL);
  g_object_unref (m);
  g_ptr_array_unref (log);
}

GST_END_TEST;

/* ParticipantUpdate is a delta: naming one participant leaves the others
 * alone; a new track list replaces that participant's tracks. */
GST_START_TEST (test_updates_are_deltas)
{
  GPtrArray *log;
  GstLiveKitRoomModel *m = model_with_log (GST_LIVEKIT_PAD_NAMING_PARTICIPANT,
      &log);
  gchar *who;

  apply_join (m, join_with ("PA_me",
          participant ("PA_a", "alice", 1, ACTIVE, MIC ("TR_a1"), NULL),
          participant ("PA_b", "bob", 1, ACTIVE, NULL), NULL));
  g_ptr_array_set_size (log, 0);

  apply (m, participant ("PA_b", "bob", 2, ACTIVE, CAM ("TR_b1"), NULL));
  expect_log (log, "published bob TR_b1", "encrypted bob 1", NULL);
  fail_unless (gst_livekit_room_model_has_participant (m, "alice"));
  who = owner_of (m, "TR_a1");
  fail_unless_equals_string (who, "alice");
  g_free (who);

  /* alice unpublishes her mic and publishes a camera. */
  apply (m, participant ("PA_a", "alice", 2, ACTIVE, CAM ("TR_a2"), NULL));
  expect_log (log, "unpublished alice TR_a1", "published alice TR_a2", NULL);
  fail_unless (gst_livekit_room_model_lookup_track (m, "TR_a1") == NULL);

  /* A stale version changes nothing. */
  apply (m, participant ("PA_a", "alice", 1, ACTIVE, MIC ("TR_a1"), NULL));
  expect_log (log, NULL);
  fail_unless (gst_livekit_room_model_lookup_track (m, "TR_a1") == NULL);

  /* An unencrypted track changes alice's encryption status. */
  apply (m, participant ("PA_a", "alice", 3, ACTIVE, CAM ("TR_a2"),
          track ("TR_a3", GST_LIVEKIT_TRACK_TYPE_AUDIO,
              GST_LIVEKIT_TRACK_SOURCE_MICROPHONE,
              GST_LIVEKIT_ENCRYPTION_TYPE_NONE), NULL));
  expect_log (log, "published alice TR_a3", "encrypted alice 0", NULL);
  g_object_unref (m);
  g_ptr_array_unref (log);
}

GST_END_TEST;

GST_START_TEST (test_leave_and_rejoin)
{
  GPtrArray *log;
  GstLiveKitRoomModel *m = model_with_log (GST_LIVEKIT_PAD_NAMING_PARTICIPANT,
      &log);

  apply_join (m, join_with ("PA_me",
          participant ("PA_a", "alice", 1, ACTIVE, MIC ("TR_a1"), NULL),
          NULL));
  g_ptr_array_set_size (log, 0);

  /* alice reconnects as a new participant (new sid) before the server
   * tells of her old session's end: the old one left, the new one joined;
   * the late DISCONNECTED of the old sid is old news. */
  apply (m, participant ("PA_a2", "alice", 1, ACTIVE, MIC ("TR_a9"), NULL));
  expect_log (log, "unpublished alice TR_a1", "left alice", "joined alice",
      "published alice TR_a9", "encrypted alice 1", NULL);
  apply (m, participant ("PA_a", "alice", 2, GONE, NULL));
  expect_log (log, NULL);
  fail_unless (gst_livekit_room_model_has_participant (m, "alice"));

  /* DISCONNECTED removes her. */
  apply (m, participant ("PA_a2", "alice", 2, GONE, NULL));
  expect_log (log, "unpublished alice TR_a9", "left alice", NULL);
  fail_if (gst_livekit_room_model_has_participant (m, "alice"));
  fail_unless (gst_livekit_room_model_lookup_track (m, "TR_a9") == NULL);
  g_object_unref (m);
  g_ptr_array_unref (log);
}

GST_END_TEST;

/* A rejoin (new session, e.g. after a server restart): the new join is the
 * whole room. Participants in both stay (their tracks change), the ones
 * missing left, new ones joined. */
GST_START_TEST (test_session_rejoin)
{
  GPtrArray *log;
  GstLiveKitRoomModel *m = model_with_log (GST_LIVEKIT_PAD_NAMING_PARTICIPANT,
      &log);
  GHashTable *mids = g_hash_table_new (g_str_hash, g_str_equal);
  gchar *sid;

  apply_join (m, join_with ("PA_me",
          participant ("PA_a", "alice", 4, ACTIVE, MIC ("TR_a1"), NULL),
          participant ("PA_b", "bob", 4, ACTIVE, NULL), NULL));
  g_hash_table_insert (mids, "0", "TR_a1");
  gst_livekit_room_model_add_mids (m, mids);
  g_ptr_array_set_size (log, 0);

  /* The restarted server numbers versions from 1 again. */
  apply_join (m, join_with ("PA_me2",
          participant ("PA_a", "alice", 1, ACTIVE, MIC ("TR_x1"), NULL),
          participant ("PA_c", "carol", 1, ACTIVE, NULL), NULL));
  expect_log (log, "left bob", "unpublished alice TR_a1",
      "published alice TR_x1", "joined carol", NULL);
  /* The old subscriber connection's mids mean nothing now. */
  sid = gst_livekit_room_model_resolve_track (m, NULL, "0");
  fail_unless (sid == NULL);
  g_object_unref (m);
  g_ptr_array_unref (log);
  g_hash_table_unref (mids);
}

GST_END_TEST;

/* The track id of the msid wins over the mid (a reused m-line keeps its
 * mid for another track). */
GST_START_TEST (test_msid_parsing)
{
  GstLiveKitRoomModel *m = gst_livekit_room_model_new
      (GST_LIVEKIT_PAD_NAMING_PARTICIPANT);
  GHashTable *mids = g_hash_table_new (g_str_hash, g_str_equal);
  static const struct
  {
    const gchar *msid, *mid, *want;
  } cases[] = {
    {"PA_abc|TR_def TR_def", "1", "TR_def"},
    {"PA_abc|TR_def", NULL, "TR_def"},
    /* sync_streams: the stream id names a stream, the track id the track */
    {"PA_abc|camera TR_ghi", "1", "TR_ghi"},
    {"PA_abc|camera", "1", "TR_mid1"},
    {"", "1", "TR_mid1"},
    {NULL, "1", "TR_mid1"},
    {"garbage", "2", NULL},
    {NULL, NULL, NULL},
  };

  g_hash_table_insert (mids, "1", "TR_mid1");
  gst_livekit_room_model_add_mids (m, mids);
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    gchar *sid = gst_livekit_room_model_resolve_track (m, cases[i].msid,
        cases[i].mid);
    fail_unless (g_strcmp0 (sid, cases[i].want) == 0, "case %u: %s", i,
        sid ? sid : "(null)");
    g_free (sid);
  }
  g_hash_table_unref (mids);
  g_object_unref (m);
}

GST_END_TEST;

/* A transceiver webrtcbin left without a mid is named by its m-line
 * index: the latest offer's mids by index, replaced by each offer and
 * dropped with the session. */
GST_START_TEST (test_mline_mids)
{
  GstLiveKitRoomModel *m = gst_livekit_room_model_new
      (GST_LIVEKIT_PAD_NAMING_PARTICIPANT);
  const gchar *first[] = { "0", "1", NULL, "3" };
  const gchar *second[] = { "0", "1", "2", "3", "7" };
  gchar *mid;

  gst_livekit_room_model_set_mline_mids (m, first, G_N_ELEMENTS (first));
  mid = gst_livekit_room_model_dup_mline_mid (m, 3);
  fail_unless_equals_string (mid, "3");
  g_free (mid);
  fail_unless (gst_livekit_room_model_dup_mline_mid (m, 2) == NULL);
  fail_unless (gst_livekit_room_model_dup_mline_mid (m, 4) == NULL);
  fail_unless (gst_livekit_room_model_dup_mline_mid (m, G_MAXUINT) == NULL);

  gst_livekit_room_model_set_mline_mids (m, second, G_N_ELEMENTS (second));
  mid = gst_livekit_room_model_dup_mline_mid (m, 4);
  fail_unless_equals_string (mid, "7");
  g_free (mid);

  apply_join (m, join_with ("PA_me", NULL));
  fail_unless (gst_livekit_room_model_dup_mline_mid (m, 0) == NULL);
  g_object_unref (m);
}

GST_END_TEST;

static gchar *
claim (GstLiveKitRoomModel * m, const gchar * sid, gboolean * is_new)
{
  GstLiveKitRoomTrack *t = gst_livekit_room_model_lookup_track (m, sid);
  gchar *name;

  fail_unless (t != NULL, "%s unknown", sid);
  name = gst_livekit_room_model_claim_pad (m, t, is_new);
  gst_livekit_room_track_free (t);
  return name;
}

static void
expect_pad (GstLiveKitRoomModel * m, const gchar * sid, const gchar * want,
    gboolean want_new)
{
  gboolean is_new = !want_new;
  gchar *name = claim (m, sid, &is_new);
  fail_unless_equals_string (name, want);
  fail_unless (is_new == want_new, "%s: new %d", want, is_new);
  g_free (name);
}

/* Pads are named for people; a second track of a source gets _2; unknown
 * sources are numbered; names gst-launch cannot parse are made safe. */
GST_START_TEST (test_pad_names)
{
  GstLiveKitRoomModel *m = gst_livekit_room_model_new
      (GST_LIVEKIT_PAD_NAMING_PARTICIPANT);

  apply_join (m, join_with ("PA_me",
          participant ("PA_a", "alice", 1, ACTIVE, MIC ("TR_a1"), CAM ("TR_a2"),
              CAM ("TR_a3"), track ("TR_a4", GST_LIVEKIT_TRACK_TYPE_VIDEO,
                  GST_LIVEKIT_TRACK_SOURCE_SCREEN_SHARE,
                  GST_LIVEKIT_ENCRYPTION_TYPE_GCM),
              track ("TR_a5", GST_LIVEKIT_TRACK_TYPE_AUDIO,
                  GST_LIVEKIT_TRACK_SOURCE_SCREEN_SHARE_AUDIO,
                  GST_LIVEKIT_ENCRYPTION_TYPE_GCM),
              track ("TR_a6", GST_LIVEKIT_TRACK_TYPE_AUDIO,
                  GST_LIVEKIT_TRACK_SOURCE_UNKNOWN,
                  GST_LIVEKIT_ENCRYPTION_TYPE_GCM),
              track ("TR_a7", GST_LIVEKIT_TRACK_TYPE_AUDIO,
                  GST_LIVEKIT_TRACK_SOURCE_UNKNOWN,
                  GST_LIVEKIT_ENCRYPTION_TYPE_GCM), NULL),
          participant ("PA_b", "bob.smith@example.org", 1, ACTIVE,
              MIC ("TR_b1"), NULL),
          participant ("PA_c", "bob_smith_example_org", 1, ACTIVE,
              MIC ("TR_c1"), NULL),
          participant ("PA_z", "zoë x", 1, ACTIVE, MIC ("TR_z1"), NULL),
          NULL));

  expect_pad (m, "TR_a1", "alice_microphone", TRUE);
  expect_pad (m, "TR_a2", "alice_camera", TRUE);
  expect_pad (m, "TR_a3", "alice_camera_2", TRUE);
  expect_pad (m, "TR_a4", "alice_screen_share", TRUE);
  expect_pad (m, "TR_a5", "alice_screen_share_audio", TRUE);
  expect_pad (m, "TR_a6", "alice_audio_1", TRUE);
  expect_pad (m, "TR_a7", "alice_audio_2", TRUE);
  /* The same track asks again: the same pad. */
  expect_pad (m, "TR_a2", "alice_camera", FALSE);
  expect_pad (m, "TR_b1", "bob_smith_example_org_microphone", TRUE);
  /* Another identity that sanitises to the same name gets a suffix. */
  expect_pad (m, "TR_c1", "bob_smith_example_org_microphone_2", TRUE);
  expect_pad (m, "TR_z1", "zo__x_microphone", TRUE);
  g_object_unref (m);
}

GST_END_TEST;

/* A republished source (camera off/on) and a rejoin's new track sids take
 * the pad their participant's source had; a second camera waits for the
 * lower-numbered free name first. */
GST_START_TEST (test_pads_survive_republish_and_rejoin)
{
  GstLiveKitRoomModel *m = gst_livekit_room_model_new
      (GST_LIVEKIT_PAD_NAMING_PARTICIPANT);
  gchar *who;

  apply_join (m, join_with ("PA_me",
          participant ("PA_a", "alice", 1, ACTIVE, MIC ("TR_a1"), CAM ("TR_a2"),
              CAM ("TR_a3"), NULL), NULL));
  expect_pad (m, "TR_a1", "alice_microphone", TRUE);
  expect_pad (m, "TR_a2", "alice_camera", TRUE);
  expect_pad (m, "TR_a3", "alice_camera_2", TRUE);

  /* Camera off and on: a new track sid, the same pad. */
  gst_livekit_room_model_release_pad (m, "alice_camera");
  apply (m, participant ("PA_a", "alice", 2, ACTIVE, MIC ("TR_a1"),
          CAM ("TR_a3"), CAM ("TR_a8"), NULL));
  expect_pad (m, "TR_a8", "alice_camera", FALSE);

  /* A rejoin: every pad is released; the new session's tracks come back
   * onto them. */
  gst_livekit_room_model_release_pad (m, "alice_microphone");
  gst_livekit_room_model_release_pad (m, "alice_camera");
  gst_livekit_room_model_release_pad (m, "alice_camera_2");
  apply_join (m, join_with ("PA_me2",
          participant ("PA_a9", "alice", 1, ACTIVE, CAM ("TR_n2"),
              CAM ("TR_n3"), MIC ("TR_n1"), NULL), NULL));
  expect_pad (m, "TR_n2", "alice_camera", FALSE);
  expect_pad (m, "TR_n1", "alice_microphone", FALSE);
  expect_pad (m, "TR_n3", "alice_camera_2", FALSE);
  who = gst_livekit_room_model_dup_pad_identity (m, "alice_camera_2");
  fail_unless_equals_string (who, "alice");
  g_free (who);

  /* A forgotten pad's name is made anew for the next one. */
  gst_livekit_room_model_release_pad (m, "alice_camera_2");
  gst_livekit_room_model_forget_pad (m, "alice_camera_2");
  fail_unless (gst_livekit_room_model_dup_pad_identity (m,
          "alice_camera_2") == NULL);
  apply (m, participant ("PA_a9", "alice", 2, ACTIVE, CAM ("TR_n2"),
          CAM ("TR_n4"), MIC ("TR_n1"), NULL));
  expect_pad (m, "TR_n4", "alice_camera_2", TRUE);
  g_object_unref (m);
}

GST_END_TEST;

/* The old names: one pad per track sid, never reused. */
GST_START_TEST (test_track_sid_naming)
{
  GstLiveKitRoomModel *m = gst_livekit_room_model_new
      (GST_LIVEKIT_PAD_NAMING_TRACK_SID);

  apply_join (m, join_with ("PA_me",
          participant ("PA_a", "alice", 1, ACTIVE, MIC ("TR_a1"),
              CAM ("TR_a2"), NULL), NULL));
  expect_pad (m, "TR_a1", "audio_alice_TR_a1", TRUE);
  expect_pad (m, "TR_a2", "video_alice_TR_a2", TRUE);
  gst_livekit_room_model_release_pad (m, "video_alice_TR_a2");
  apply (m, participant ("PA_a", "alice", 2, ACTIVE, MIC ("TR_a1"),
          CAM ("TR_a3"), NULL));
  expect_pad (m, "TR_a3", "video_alice_TR_a3", TRUE);
  g_object_unref (m);
}

GST_END_TEST;

static Suite *
room_model_suite (void)
{
  Suite *s = suite_create ("livekit-room-model");
  TCase *tc = tcase_create ("model");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_join_lists_others_not_ourselves);
  tcase_add_test (tc, test_updates_are_deltas);
  tcase_add_test (tc, test_leave_and_rejoin);
  tcase_add_test (tc, test_session_rejoin);
  tcase_add_test (tc, test_msid_parsing);
  tcase_add_test (tc, test_mline_mids);
  tcase_add_test (tc, test_pad_names);
  tcase_add_test (tc, test_pads_survive_republish_and_rejoin);
  tcase_add_test (tc, test_track_sid_naming);
  return s;
}

GST_CHECK_MAIN (room_model);
