/* The recorder's handling of the room bin's pads and messages, without a
 * server: what the bin hands it from a streaming thread must never crash
 * it, whatever is still unknown about the pad (issue 11: a SIGSEGV in
 * g_str_hash on an rtpjitterbuffer thread at join, from a pad whose
 * identity was NULL). */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <gst/check/gstcheck.h>
#include <glib/gstdio.h>
#include <string.h>

#include "recorder-private.h"
#include <gst/livekit/meta.h>

/* A pad like livekitroombin's: identity, kind and source properties, any
 * of them NULL. */
typedef struct
{
  GstPad parent;
  gchar *identity, *kind, *source;
} FakePad;

typedef struct
{
  GstPadClass parent_class;
} FakePadClass;

G_DEFINE_TYPE (FakePad, fake_pad, GST_TYPE_PAD);

enum
{
  PROP_0,
  PROP_IDENTITY,
  PROP_KIND,
  PROP_SOURCE,
};

static void
fake_pad_get_property (GObject * object, guint id, GValue * value,
    GParamSpec * pspec)
{
  FakePad *pad = (FakePad *) object;

  switch (id) {
    case PROP_IDENTITY:
      g_value_set_string (value, pad->identity);
      break;
    case PROP_KIND:
      g_value_set_string (value, pad->kind);
      break;
    case PROP_SOURCE:
      g_value_set_string (value, pad->source);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, id, pspec);
  }
}

static void
fake_pad_finalize (GObject * object)
{
  FakePad *pad = (FakePad *) object;

  g_free (pad->identity);
  g_free (pad->kind);
  g_free (pad->source);
  G_OBJECT_CLASS (fake_pad_parent_class)->finalize (object);
}

static void
fake_pad_class_init (FakePadClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);

  gobject_class->get_property = fake_pad_get_property;
  gobject_class->finalize = fake_pad_finalize;
  g_object_class_install_property (gobject_class, PROP_IDENTITY,
      g_param_spec_string ("identity", "", "", NULL, G_PARAM_READABLE));
  g_object_class_install_property (gobject_class, PROP_KIND,
      g_param_spec_string ("kind", "", "", NULL, G_PARAM_READABLE));
  g_object_class_install_property (gobject_class, PROP_SOURCE,
      g_param_spec_string ("source", "", "", NULL, G_PARAM_READABLE));
}

static void
fake_pad_init (FakePad * pad)
{
}

static GstPad *
fake_pad_new (const gchar * name, const gchar * identity, const gchar * kind,
    const gchar * source)
{
  FakePad *pad = g_object_new (fake_pad_get_type (), "name", name,
      "direction", GST_PAD_SRC, NULL);

  pad->identity = g_strdup (identity);
  pad->kind = g_strdup (kind);
  pad->source = g_strdup (source);
  return GST_PAD (pad);
}

static RecRecorder *
recorder_new (RecOptions * o, gchar ** dir)
{
  RecExitCode code = REC_EXIT_OK;
  GError *err = NULL;
  RecRecorder *rec;

  *dir = g_dir_make_tmp ("record-pads-XXXXXX", NULL);
  memset (o, 0, sizeof (*o));
  o->url = (gchar *) "ws://127.0.0.1:1";
  o->token = (gchar *) "not-a-token";
  o->identity = (gchar *) "recorder";
  o->out_dir = *dir;
  o->participant_keys = g_ptr_array_new ();
  o->ratchet_window_size = -1;
  o->quiet = TRUE;
  rec = rec_recorder_new (o, &code, &err);
  fail_unless (rec != NULL, "%s", err ? err->message : "?");
  return rec;
}

static void
recorder_free (RecRecorder * rec, RecOptions * o, gchar * dir)
{
  rec_recorder_free (rec);
  g_ptr_array_unref (o->participant_keys);
  g_rmdir (dir);
  g_free (dir);
}

/* The bin emits pad-added on a streaming thread, as the real one does. */
static gpointer
emit_pad_added (gpointer data)
{
  gpointer *args = data;

  g_signal_emit_by_name (args[0], "pad-added", args[1]);
  return NULL;
}

static void
add_pad_from_thread (RecRecorder * rec, GstPad * pad)
{
  gpointer args[2] = { rec->bin, pad };
  GThread *t = g_thread_new ("streaming", emit_pad_added, args);

  g_thread_join (t);
}

GST_START_TEST (test_pad_of_unknown_participant)
{
  RecOptions o;
  gchar *dir;
  RecRecorder *rec = recorder_new (&o, &dir);
  GstPad *unknown = fake_pad_new ("unknown_video_1", NULL, "video", NULL);
  GstPad *alice = fake_pad_new ("alice_camera", "alice", "video", "camera");
  RecParticipant *p;

  gst_object_ref_sink (unknown);
  gst_object_ref_sink (alice);
  add_pad_from_thread (rec, unknown);
  fail_unless_equals_int (g_hash_table_size (rec->participants), 0);
  add_pad_from_thread (rec, alice);
  p = g_hash_table_lookup (rec->participants, "alice");
  fail_unless (p != NULL);
  fail_unless (rec_participant_find_track (p, alice) != NULL);
  recorder_free (rec, &o, dir);
  gst_object_unref (unknown);
  gst_object_unref (alice);
}

GST_END_TEST;

static GstBuffer *
frame_with_outcome (GstLiveKitFrameOutcome outcome, gboolean delta)
{
  GstBuffer *buf = gst_buffer_new_allocate (NULL, 31, NULL);
  GstLiveKitFrameMeta *meta = gst_buffer_add_livekit_frame_meta (buf,
      "alice", NULL);

  meta->outcome = outcome;
  GST_BUFFER_PTS (buf) = 0;
  if (delta)
    GST_BUFFER_FLAG_SET (buf, GST_BUFFER_FLAG_DELTA_UNIT);
  return buf;
}

/* The blank frames LiveKit's SFU injects pass livekitdecrypt unencrypted:
 * they are not the sender's, start no file and count for nothing (a file
 * was written for a sender with a wrong key from 0.2 s of them). */
GST_START_TEST (test_server_frames_start_nothing)
{
  RecOptions o;
  gchar *dir;
  RecRecorder *rec = recorder_new (&o, &dir);
  GstPad *alice = fake_pad_new ("alice_camera", "alice", "video", "camera");
  GstSegment seg;
  RecParticipant *p;
  RecTrack *t;

  gst_object_ref_sink (alice);
  add_pad_from_thread (rec, alice);
  p = g_hash_table_lookup (rec->participants, "alice");
  t = rec_participant_find_track (p, alice);
  fail_unless (t != NULL);
  /* The frames go into the track's queue (its output waits for a file). */
  gst_element_set_state (t->queue, GST_STATE_PAUSED);
  gst_pad_set_active (alice, TRUE);
  gst_pad_push_event (alice, gst_event_new_stream_start ("alice"));
  gst_segment_init (&seg, GST_FORMAT_TIME);
  gst_pad_push_event (alice, gst_event_new_segment (&seg));
  /* Key frames, as the SFU's blank VP8 frame is. */
  for (gint i = 0; i < 3; i++)
    gst_pad_push (alice, frame_with_outcome
        (GST_LIVEKIT_FRAME_OUTCOME_PASSTHROUGH, FALSE));
  fail_unless_equals_int (t->frames, 0);
  fail_unless (t->waiting_keyframe);
  fail_if (p->decrypting);
  /* A decrypted delta frame is the sender's: counted, though it waits for
   * a key frame to start the file. */
  gst_pad_push (alice, frame_with_outcome (GST_LIVEKIT_FRAME_OUTCOME_DECRYPTED,
          TRUE));
  fail_unless_equals_int (t->frames, 1);
  fail_unless (p->decrypting);
  fail_unless (t->writer == NULL);
  gst_pad_set_active (alice, FALSE);
  gst_element_set_state (t->queue, GST_STATE_NULL);
  recorder_free (rec, &o, dir);
  gst_object_unref (alice);
}

GST_END_TEST;

/* Bus messages with fields missing (a sender the bin could not name). */
GST_START_TEST (test_messages_without_identity)
{
  RecOptions o;
  gchar *dir;
  RecRecorder *rec = recorder_new (&o, &dir);
  const gchar *names[] = { "livekit-participant-left",
    "livekit-track-subscribed", "livekit-track-published",
    "livekit-e2ee-state", "livekit-track-unpublished",
  };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++) {
    GstMessage *msg = gst_message_new_element (GST_OBJECT (rec->bin),
        gst_structure_new (names[i], "track-sid", G_TYPE_STRING, "TR_x",
            "pad", G_TYPE_STRING, "unknown_video_1", NULL));
    rec_recorder_on_bus (NULL, msg, rec);
    gst_message_unref (msg);
  }
  fail_unless_equals_int (g_hash_table_size (rec->participants), 0);
  recorder_free (rec, &o, dir);
}

GST_END_TEST;

static GstPadProbeReturn
drop_eos (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  return GST_EVENT_TYPE (GST_PAD_PROBE_INFO_EVENT (info)) == GST_EVENT_EOS ?
      GST_PAD_PROBE_DROP : GST_PAD_PROBE_OK;
}

/* The bytes the writer wrote once they stopped growing (bounded). */
static guint64
settled_bytes (RecWriter * w, guint64 at_least)
{
  guint64 last = G_MAXUINT64, now = 0;

  for (guint i = 0; i < 100; i++) {
    g_usleep (100 * G_TIME_SPAN_MILLISECOND);
    now = rec_writer_get_bytes (w);
    if (now == last && now >= at_least)
      break;
    last = now;
  }
  return now;
}

/* A video track that brings nothing after its first frame (a camera off)
 * must not hold the other tracks' data in matroskamux: before the gaps,
 * 5 s of Opus wait behind it; after rec_writer_fill_gaps() they are
 * written. */
GST_START_TEST (test_idle_video_does_not_hold_audio)
{
  GstElement *pipe = gst_parse_launch ("audiotestsrc num-buffers=250 "
      "samplesperbuffer=960 ! audio/x-raw,rate=48000 ! opusenc name=a "
      "videotestsrc num-buffers=1 ! video/x-raw,width=160,height=120,"
      "framerate=15/1 ! vp8enc name=v", NULL);
  gchar *dir = g_dir_make_tmp ("record-gap-XXXXXX", NULL);
  gchar *path = g_build_filename (dir, "p.mkv", NULL);
  RecWriter *w;
  GstElement *a, *v;
  GstPad *asrc, *vsrc;
  guint64 held, after;

  fail_unless (pipe != NULL);
  w = rec_writer_new (GST_BIN (pipe), path, NULL, NULL);
  a = gst_bin_get_by_name (GST_BIN (pipe), "a");
  v = gst_bin_get_by_name (GST_BIN (pipe), "v");
  asrc = gst_element_get_static_pad (a, "src");
  vsrc = gst_element_get_static_pad (v, "src");
  /* The camera stays: its stream never ends. */
  gst_pad_add_probe (vsrc, GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM, drop_eos,
      NULL, NULL);
  fail_unless (rec_writer_add_track (w, asrc, "audio/x-opus", NULL));
  fail_unless (rec_writer_add_track (w, vsrc, "video/x-vp8", NULL));
  fail_unless (gst_element_set_state (pipe, GST_STATE_PLAYING) !=
      GST_STATE_CHANGE_FAILURE);
  held = settled_bytes (w, 1);
  /* 5 s of 48 kb/s Opus would be ~30 kB. */
  fail_unless (held < 15000, "%" G_GUINT64_FORMAT " bytes written", held);
  /* As if 5 s passed since the frame: the gap is at >= 4.5 s. */
  rec_writer_fill_gaps (w, g_get_monotonic_time () + 5 * G_USEC_PER_SEC);
  after = settled_bytes (w, held + 15000);
  fail_unless (after >= held + 15000, "held %" G_GUINT64_FORMAT
      ", after the gap %" G_GUINT64_FORMAT, held, after);
  gst_element_set_state (pipe, GST_STATE_NULL);
  rec_writer_free (w);
  gst_object_unref (asrc);
  gst_object_unref (vsrc);
  gst_object_unref (a);
  gst_object_unref (v);
  gst_object_unref (pipe);
  g_unlink (path);
  g_rmdir (dir);
  g_free (path);
  g_free (dir);
}

GST_END_TEST;

static Suite *
record_pads_suite (void)
{
  Suite *s = suite_create ("record-pads");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_pad_of_unknown_participant);
  tcase_add_test (tc, test_server_frames_start_nothing);
  tcase_add_test (tc, test_messages_without_identity);
  tcase_add_test (tc, test_idle_video_does_not_hold_audio);
  return s;
}

GST_CHECK_MAIN (record_pads);
