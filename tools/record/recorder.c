#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "recorder-private.h"
#include "manifest.h"
#include "status.h"

#include <string.h>
#include <unistd.h>
#include <glib-unix.h>
#include <gst/video/video.h>
#include <gst/livekit/livekit.h>
#include <gst/livekit/keyfile.h>
#include <gst/livekit/secure-memory.h>
#include <gst/livekit/signalling/token.h>

/* How long a participant's first frames wait for its other tracks' pads
 * before its file starts without them (Matroska takes no late tracks). The
 * server forwards a video track from its next key frame: a bin's VP9 pad
 * came 1.3-3.5 s after its audio's (run-record.sh). The queues hold 10 s. */
#define START_WAIT_MS 4000
/* How long the end waits for the muxers to finish their files. */
#define FINISH_TIMEOUT_S 15

static GstClockTime
running_time_now (GstElement * el)
{
  GstClock *clock = gst_element_get_clock (el);
  GstClockTime now;

  if (!clock)
    return GST_CLOCK_TIME_NONE;
  now = gst_clock_get_time (clock) - gst_element_get_base_time (el);
  gst_object_unref (clock);
  return now;
}

GstClockTime
rec_recorder_now (RecRecorder * rec)
{
  return running_time_now (GST_ELEMENT (rec->pipeline));
}

static const gchar *
caps_name_of (RecTrack * t)
{
  /* From the track announcement ("video/VP8"), as the pad's caps may come
   * only with the first frame. */
  static const struct
  {
    const gchar *mime, *caps;
  } map[] = {
    {"audio/opus", "audio/x-opus"}, {"audio/red", "audio/x-opus"},
    {"video/vp8", "video/x-vp8"}, {"video/vp9", "video/x-vp9"},
    {"video/h264", "video/x-h264"}, {"video/h265", "video/x-h265"},
    {"video/av1", "video/x-av1"},
  };
  GstCaps *caps = t->pad ? gst_pad_get_current_caps (t->pad) : NULL;
  static gchar buf[64];

  if (caps) {
    g_strlcpy (buf, gst_structure_get_name (gst_caps_get_structure (caps, 0)),
        sizeof (buf));
    gst_caps_unref (caps);
    return buf;
  }
  for (guint i = 0; t->codec && i < G_N_ELEMENTS (map); i++)
    if (g_ascii_strcasecmp (t->codec, map[i].mime) == 0)
      return map[i].caps;
  return NULL;
}

/* ------------------------------------------------------------ start files */

static void
on_writer_done (RecWriter * w, gpointer data)
{
  /* Nothing to do at once: the end polls rec_writer_is_done(). */
}

static gchar *
file_path_for (RecRecorder * rec, RecParticipant * p)
{
  GString *name = g_string_new (NULL);

  /* The identity is the file name: keep it a single harmless component. */
  for (const gchar * c = p->identity; *c; c++)
    g_string_append_c (name, (g_ascii_isalnum (*c) || strchr ("-_.@", *c))
        && !(c == p->identity && *c == '.') ? *c : '_');
  if (p->writers->len > 0)
    g_string_append_printf (name, ".%u", p->writers->len + 1);
  g_string_append (name, ".mkv");
  {
    gchar *path = g_build_filename (rec->opts->out_dir, name->str, NULL);
    g_string_free (name, TRUE);
    return path;
  }
}

/* With the lock: every track of @p that has no file yet goes into a new
 * one (the first is IDENTITY.mkv; tracks that come after it started get
 * IDENTITY.2.mkv ...). */
static void
start_file (RecRecorder * rec, RecParticipant * p)
{
  gchar *path;
  RecWriter *w;
  guint n = 0;

  for (guint i = 0; i < p->tracks->len; i++) {
    RecTrack *t = g_ptr_array_index (p->tracks, i);
    if (!t->writer && !t->ended)
      n++;
  }
  if (n == 0 || rec->stopping)
    return;
  path = file_path_for (rec, p);
  w = rec_writer_new (GST_BIN (rec->pipeline), path, on_writer_done, rec);
  g_free (path);
  if (rec->started_at)
    rec_writer_set_date (w, rec->started_at);
  for (guint i = 0; i < p->tracks->len; i++) {
    RecTrack *t = g_ptr_array_index (p->tracks, i);
    const gchar *caps_name;
    GstPad *src;
    GError *err = NULL;

    if (t->writer || t->ended)
      continue;
    caps_name = caps_name_of (t);
    src = gst_element_get_static_pad (t->queue, "src");
    if (rec->composite && caps_name) {
      GstElement *tee = gst_element_factory_make ("tee", NULL);
      GstPad *sink = gst_element_get_static_pad (tee, "sink");
      GstPad *a, *b;

      gst_bin_add (GST_BIN (rec->pipeline), tee);
      gst_pad_link (src, sink);
      gst_object_unref (sink);
      gst_object_unref (src);
      a = gst_element_request_pad_simple (tee, "src_%u");
      b = gst_element_request_pad_simple (tee, "src_%u");
      if (!rec_composite_add (rec->composite, b, caps_name, p->identity, &err)) {
        g_printerr ("gst-livekit-record: %s's %s is not in the composite: "
            "%s\n", p->identity, t->pad_name, err->message);
        g_clear_error (&err);
      }
      gst_object_unref (b);
      gst_element_sync_state_with_parent (tee);
      src = a;
    }
    if (!caps_name || !rec_writer_add_track (w, src, caps_name ? caps_name :
            "unknown", &err)) {
      g_printerr ("gst-livekit-record: %s of %s is not recorded: %s\n",
          t->pad_name, p->identity, err ? err->message : "unknown codec");
      g_clear_error (&err);
    } else {
      t->writer = w;
    }
    gst_object_unref (src);
  }
  rec_writer_start (w);
  g_ptr_array_add (p->writers, w);
  p->started = TRUE;
  /* Let the waiting frames go. */
  for (guint i = 0; i < p->tracks->len; i++) {
    RecTrack *t = g_ptr_array_index (p->tracks, i);
    if (t->writer == w && t->block_probe) {
      GstPad *src = gst_element_get_static_pad (t->queue, "src");
      gst_pad_remove_probe (src, t->block_probe);
      t->block_probe = 0;
      gst_object_unref (src);
    }
  }
  if (!rec->tty)
    g_printerr ("gst-livekit-record: recording %s to %s\n", p->identity,
        rec_writer_get_path (w));
}

typedef struct
{
  RecRecorder *rec;
  gchar *identity;
} StartData;

static void
start_data_free (gpointer p)
{
  StartData *d = p;
  g_free (d->identity);
  g_free (d);
}

static gboolean
start_now (gpointer data)
{
  StartData *d = data;
  RecRecorder *rec = d->rec;
  RecParticipant *p;

  g_mutex_lock (&rec->lock);
  p = g_hash_table_lookup (rec->participants, d->identity);
  if (p) {
    p->start_source = 0;
    start_file (rec, p);
  }
  g_mutex_unlock (&rec->lock);
  return G_SOURCE_REMOVE;
}

/* Whether every track @p announced has its pad here. */
static gboolean
all_tracks_here (RecRecorder * rec, RecParticipant * p)
{
  GHashTableIter iter;
  gpointer sid, who;

  g_hash_table_iter_init (&iter, rec->published);
  while (g_hash_table_iter_next (&iter, &sid, &who)) {
    if (g_strcmp0 (who, p->identity) != 0)
      continue;
    if (!rec_participant_find_track_sid (p, sid))
      return FALSE;
  }
  return TRUE;
}

/* With the lock, from any thread: a decrypted frame came for @p. Start at
 * once when all its tracks are here, else a little later. */
void
rec_recorder_maybe_start (RecRecorder * rec, RecParticipant * p)
{
  gboolean pending = FALSE;
  StartData *d;

  for (guint i = 0; i < p->tracks->len; i++) {
    RecTrack *t = g_ptr_array_index (p->tracks, i);
    pending |= !t->writer && !t->ended && t->frames > 0;
  }
  if (!pending || p->start_source)
    return;
  d = g_new0 (StartData, 1);
  d->rec = rec;
  d->identity = g_strdup (p->identity);
  p->start_source = g_timeout_add_full (G_PRIORITY_DEFAULT,
      p->started || all_tracks_here (rec, p) ? 0 : START_WAIT_MS, start_now,
      d, start_data_free);
}

/* ------------------------------------------------------------ pads */

/* Whether @buf is the sender's own media. livekitdecrypt passes the blank
 * frames LiveKit's SFU injects (an 8x8 VP8 key frame, Opus silence; spec
 * §9.1) unencrypted, as the SDKs do: they are the server's, not the
 * participant's, and would start a file for a sender whose frames never
 * decrypt (seen: intruder.mkv, 0.2 s of them after a rejoin) or begin a
 * file's video with an 8x8 picture. The recorder never turns E2EE off, so
 * nothing else passes a decryptor unchanged but empty frames. */
static gboolean
rec_frame_is_senders (GstBuffer * buf)
{
  GstLiveKitFrameMeta *meta = gst_buffer_get_livekit_frame_meta (buf);

  return !meta || meta->outcome != GST_LIVEKIT_FRAME_OUTCOME_PASSTHROUGH;
}

static GstPadProbeReturn
on_pad_data (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  RecRecorder *rec = data;
  RecParticipant *p;
  RecTrack *t = NULL;
  gchar *identity = NULL;
  GstPadProbeReturn ret = GST_PAD_PROBE_OK;
  gboolean want_keyframe = FALSE;

  g_object_get (pad, "identity", &identity, NULL);
  g_mutex_lock (&rec->lock);
  p = identity ? g_hash_table_lookup (rec->participants, identity) : NULL;
  if (p)
    t = rec_participant_find_track (p, pad);
  if (!t)
    goto out;

  if (info->type & GST_PAD_PROBE_TYPE_BUFFER) {
    GstBuffer *buf = GST_PAD_PROBE_INFO_BUFFER (info);
    GstClockTime rt = gst_segment_to_running_time (&t->segment,
        GST_FORMAT_TIME, GST_BUFFER_PTS (buf));

    if (!rec_frame_is_senders (buf)) {
      ret = GST_PAD_PROBE_DROP;
      goto out;
    }
    if (t->waiting_keyframe) {
      if (GST_BUFFER_FLAG_IS_SET (buf, GST_BUFFER_FLAG_DELTA_UNIT)) {
        /* A file (or a decoder) cannot start on a delta frame: ask the
         * sender for a key frame, tell the muxer nothing comes for now. */
        want_keyframe = t->frames % 30 == 0;
        t->frames++;
        ret = GST_PAD_PROBE_DROP;
        if (!p->decrypting) {
          p->decrypting = TRUE;
          p->first_frame_at = rt;
        }
        goto out;
      }
      t->waiting_keyframe = FALSE;
    }
    t->frames++;
    t->bytes += gst_buffer_get_size (buf);
    if (GST_CLOCK_TIME_IS_VALID (rt)) {
      if (!GST_CLOCK_TIME_IS_VALID (t->first))
        t->first = rt;
      t->last = rt + (GST_BUFFER_DURATION_IS_VALID (buf) ?
          GST_BUFFER_DURATION (buf) : 0);
    }
    if (!p->decrypting) {
      p->decrypting = TRUE;
      p->first_frame_at = rt;
    }
    if (!t->writer)
      rec_recorder_maybe_start (rec, p);
  } else if (info->type & GST_PAD_PROBE_TYPE_QUERY_DOWNSTREAM) {
    /* The queue holds serialized queries until its frames went out, which
     * for a track whose file has not started means never: the bin's
     * thread would wait. Nobody downstream has anything to say yet. */
    if (!t->writer && GST_QUERY_IS_SERIALIZED (GST_PAD_PROBE_INFO_QUERY (info)))
      ret = GST_PAD_PROBE_DROP;
  } else if (info->type & GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM) {
    GstEvent *ev = GST_PAD_PROBE_INFO_EVENT (info);

    switch (GST_EVENT_TYPE (ev)) {
      case GST_EVENT_SEGMENT:{
        const GstSegment *seg;
        gst_event_parse_segment (ev, &seg);
        gst_segment_copy_into (seg, &t->segment);
        break;
      }
      case GST_EVENT_GAP:
        /* Before its file starts nothing of a track goes anywhere. */
        if (!t->writer)
          ret = GST_PAD_PROBE_DROP;
        break;
      case GST_EVENT_EOS:
        t->ended = TRUE;
        break;
      default:
        break;
    }
  }
out:
  g_mutex_unlock (&rec->lock);
  g_free (identity);
  if (want_keyframe)
    gst_pad_send_event (pad,
        gst_video_event_new_upstream_force_key_unit (GST_CLOCK_TIME_NONE,
            TRUE, 0));
  return ret;
}

static GstPadProbeReturn
hold (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  return GST_PAD_PROBE_OK;      /* blocked until the file starts */
}

static void
on_pad_added (GstElement * bin, GstPad * pad, RecRecorder * rec)
{
  gchar *identity = NULL, *kind = NULL, *source = NULL;
  RecParticipant *p;
  RecTrack *t;
  GstPad *sink, *src;

  if (GST_PAD_DIRECTION (pad) != GST_PAD_SRC ||
      !g_object_class_find_property (G_OBJECT_GET_CLASS (pad), "identity"))
    return;
  g_object_get (pad, "identity", &identity, "kind", &kind, "source", &source,
      NULL);
  /* A track the bin could not attribute to anyone (its announcement never
   * came) has no file to go to; the bin drops what an unlinked pad gets.
   * This runs on a streaming thread: a NULL key would crash the lookup. */
  if (!identity) {
    g_printerr ("gst-livekit-record: %s comes from an unknown participant: "
        "not recorded\n", GST_PAD_NAME (pad));
    g_free (kind);
    g_free (source);
    return;
  }
  g_mutex_lock (&rec->lock);
  p = g_hash_table_lookup (rec->participants, identity);
  if (!p) {
    p = rec_participant_new (identity);
    g_hash_table_insert (rec->participants, p->identity, p);
  }
  p->left = FALSE;
  t = rec_track_new (GST_PAD_NAME (pad), kind, source);
  t->pad = gst_object_ref (pad);
  t->waiting_keyframe = g_strcmp0 (kind, "video") == 0;
  /* The track sid may have been announced before the pad. */
  {
    GHashTableIter iter;
    gpointer sid, name;
    g_hash_table_iter_init (&iter, rec->subscribed);
    while (g_hash_table_iter_next (&iter, &sid, &name))
      if (g_str_equal (name, GST_PAD_NAME (pad)))
        g_ptr_array_add (t->track_sids, g_strdup (sid));
  }
  /* The bin's thread never waits for us: the queue holds the first frames
   * while the file is being set up. */
  t->queue = gst_element_factory_make ("queue", NULL);
  g_object_set (t->queue, "max-size-buffers", 0, "max-size-bytes", 0,
      "max-size-time", (guint64) 10 * GST_SECOND, NULL);
  gst_bin_add (GST_BIN (rec->pipeline), t->queue);
  src = gst_element_get_static_pad (t->queue, "src");
  t->block_probe = gst_pad_add_probe (src, GST_PAD_PROBE_TYPE_BLOCK_DOWNSTREAM,
      hold, NULL, NULL);
  gst_object_unref (src);
  gst_element_sync_state_with_parent (t->queue);
  g_ptr_array_add (p->tracks, t);
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER |
      GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM | GST_PAD_PROBE_TYPE_QUERY_DOWNSTREAM,
      on_pad_data, rec, NULL);
  sink = gst_element_get_static_pad (t->queue, "sink");
  gst_pad_link (pad, sink);
  gst_object_unref (sink);
  g_mutex_unlock (&rec->lock);
  g_free (identity);
  g_free (kind);
  g_free (source);
}

/* ------------------------------------------------------------ keys */

static gboolean
set_keys (RecRecorder * rec, RecOptions * o, RecExitCode * code,
    GError ** error)
{
  GObjectClass *klass = G_OBJECT_GET_CLASS (rec->keyring);

  /* Key options first: keys are derived when they are set. */
  if (o->key_derivation) {
    GParamSpec *ps = g_object_class_find_property (klass, "key-derivation");
    GEnumClass *e = g_type_class_ref (ps->value_type);
    GEnumValue *v = g_enum_get_value_by_nick (e, o->key_derivation);

    if (!v) {
      g_type_class_unref (e);
      *code = REC_EXIT_USAGE;
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
          "--key-derivation '%s' is not pbkdf2 or hkdf", o->key_derivation);
      return FALSE;
    }
    g_object_set (rec->keyring, "key-derivation", v->value, NULL);
    g_type_class_unref (e);
  }
  if (o->ratchet_salt)
    g_object_set (rec->keyring, "ratchet-salt", o->ratchet_salt, NULL);
  if (o->ratchet_window_size >= 0)
    g_object_set (rec->keyring, "ratchet-window-size",
        (guint) o->ratchet_window_size, NULL);

  if (o->key_file) {
    gsize len;
    guint8 *key = gst_livekit_key_file_read (o->key_file, &len, error);
    gboolean ok;

    if (!key) {
      *code = REC_EXIT_KEY_FILE;
      g_prefix_error (error, "--key-file: ");
      return FALSE;
    }
    ok = gst_livekit_keyring_set_shared_key (rec->keyring, key, len, 0, error);
    gst_livekit_secure_free (key);
    if (!ok) {
      *code = REC_EXIT_KEY_FILE;
      return FALSE;
    }
  }
  rec->keys = rec_key_watch_new (rec->keyring, o->key_dir);
  for (guint i = 0; i < o->participant_keys->len; i++) {
    RecKeySpec *k = g_ptr_array_index (o->participant_keys, i);
    if (!rec_key_watch_add (rec->keys, k->identity, k->path, error)) {
      *code = REC_EXIT_KEY_FILE;
      g_prefix_error (error, "--participant-key: ");
      return FALSE;
    }
  }
  rec_key_watch_poll (rec->keys);
  return TRUE;
}

/* ------------------------------------------------------------ lifetime */

RecRecorder *
rec_recorder_new (RecOptions * o, RecExitCode * code, GError ** error)
{
  RecRecorder *rec = g_new0 (RecRecorder, 1);
  gchar *token;

  rec->opts = o;
  g_mutex_init (&rec->lock);
  rec->participants = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
      (GDestroyNotify) rec_participant_free);
  rec->published = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
      g_free);
  rec->subscribed = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
      g_free);
  rec->loop = g_main_loop_new (NULL, FALSE);
  rec->tty = !o->quiet && isatty (STDOUT_FILENO);
  rec->room_name = g_strdup (o->room);

  rec->pipeline = GST_PIPELINE (gst_pipeline_new ("recorder"));
  rec->bin = gst_element_factory_make ("livekitroombin", "room");
  if (!rec->bin) {
    *code = REC_EXIT_MISSING_PLUGIN;
    g_set_error (error, GST_CORE_ERROR, GST_CORE_ERROR_MISSING_PLUGIN,
        "the livekitroombin element is missing (GST_PLUGIN_PATH?)");
    rec_recorder_free (rec);
    return NULL;
  }
  gst_bin_add (GST_BIN (rec->pipeline), rec->bin);
  rec->keyring = gst_livekit_keyring_new ();
  g_object_set (rec->bin, "keyring", rec->keyring, "url", o->url, NULL);
  if (!set_keys (rec, o, code, error)) {
    rec_recorder_free (rec);
    return NULL;
  }
  /* A hidden subscriber: other participants do not see the recorder. */
  token = o->token ? g_strdup (o->token) :
      gst_livekit_access_token_new_hidden_subscriber (o->api_key,
      o->api_secret, o->identity, o->room, 0);
  g_object_set (rec->bin, "token", token, "identity", o->identity, NULL);
  memset (token, 0, strlen (token));
  g_free (token);

  if (o->composite) {
    rec->composite = rec_composite_new (GST_BIN (rec->pipeline), o->composite,
        o->composite_width, o->composite_height, o->composite_fps, error);
    if (!rec->composite) {
      *code = REC_EXIT_MISSING_PLUGIN;
      rec_recorder_free (rec);
      return NULL;
    }
  }
  g_signal_connect (rec->bin, "pad-added", G_CALLBACK (on_pad_added), rec);
  return rec;
}

static gboolean
all_done (RecRecorder * rec)
{
  GHashTableIter iter;
  gpointer value;
  gboolean done = TRUE;

  g_mutex_lock (&rec->lock);
  g_hash_table_iter_init (&iter, rec->participants);
  while (g_hash_table_iter_next (&iter, NULL, &value)) {
    RecParticipant *p = value;
    for (guint i = 0; i < p->writers->len; i++)
      done &= rec_writer_is_done (g_ptr_array_index (p->writers, i));
  }
  g_mutex_unlock (&rec->lock);
  if (rec->composite)
    done &= rec_composite_is_done (rec->composite);
  return done;
}

/* A camera that is off (or gone, while the bin waits for it to come back)
 * must not hold the participant's audio in the muxer. */
static void
fill_gaps (RecRecorder * rec)
{
  gint64 now = g_get_monotonic_time ();
  GHashTableIter iter;
  gpointer value;

  g_mutex_lock (&rec->lock);
  g_hash_table_iter_init (&iter, rec->participants);
  while (g_hash_table_iter_next (&iter, NULL, &value)) {
    RecParticipant *p = value;
    for (guint i = 0; i < p->writers->len; i++)
      rec_writer_fill_gaps (g_ptr_array_index (p->writers, i), now);
  }
  g_mutex_unlock (&rec->lock);
}

static gboolean
on_tick (gpointer data)
{
  RecRecorder *rec = data;

  rec_key_watch_poll (rec->keys);
  if (!rec->stopping)
    fill_gaps (rec);
  if (rec->stopping) {
    if (all_done (rec) || g_get_monotonic_time () > rec->stop_deadline) {
      if (!all_done (rec))
        g_printerr ("gst-livekit-record: not every file finished within "
            "%d s\n", FINISH_TIMEOUT_S);
      g_main_loop_quit (rec->loop);
    }
  }
  return G_SOURCE_CONTINUE;
}

static gboolean
on_status (gpointer data)
{
  RecRecorder *rec = data;

  rec_recorder_poll_cryptors (rec);
  if (rec->tty)
    rec_status_print (rec);
  return G_SOURCE_CONTINUE;
}

void
rec_recorder_stop (RecRecorder * rec, const gchar * reason, RecExitCode code)
{
  if (rec->stopping) {
    if (code != REC_EXIT_OK && rec->exit_code == REC_EXIT_OK)
      rec->exit_code = code;
    return;
  }
  rec->stopping = TRUE;
  rec->stop_reason = g_strdup (reason);
  rec->exit_code = code;
  rec->stop_deadline = g_get_monotonic_time () + FINISH_TIMEOUT_S *
      G_USEC_PER_SEC;
  rec_recorder_poll_cryptors (rec);
  /* EOS into every muxer: the bin ends each of its source pads. */
  gst_element_send_event (rec->bin, gst_event_new_eos ());
  if (rec->composite)
    rec_composite_stop (rec->composite);
}

static gboolean
on_signal (gpointer data)
{
  RecRecorder *rec = data;

  if (rec->stopping) {
    g_printerr ("gst-livekit-record: second signal, stopping now\n");
    g_main_loop_quit (rec->loop);
  } else {
    rec_recorder_stop (rec, "signal", REC_EXIT_OK);
  }
  return G_SOURCE_CONTINUE;
}

static gboolean
on_duration (gpointer data)
{
  RecRecorder *rec = data;

  rec->timers[2] = 0;
  rec_recorder_stop (rec, "duration", REC_EXIT_OK);
  return G_SOURCE_REMOVE;
}

RecExitCode
rec_recorder_run (RecRecorder * rec)
{
  GstBus *bus = gst_pipeline_get_bus (rec->pipeline);
  guint sigint, sigterm;
  gchar *manifest;
  GError *err = NULL;

  gst_bus_set_sync_handler (bus, rec_recorder_on_bus_sync, rec, NULL);
  gst_bus_add_watch (bus, rec_recorder_on_bus, rec);
  gst_object_unref (bus);
  sigint = g_unix_signal_add (SIGINT, on_signal, rec);
  sigterm = g_unix_signal_add (SIGTERM, on_signal, rec);
  rec->started_at = g_date_time_new_now_utc ();
  if (gst_element_set_state (GST_ELEMENT (rec->pipeline), GST_STATE_PLAYING)
      == GST_STATE_CHANGE_FAILURE) {
    /* The bus has the reason (bad settings); let the watch see it. */
    rec_recorder_stop (rec, "error", REC_EXIT_FAILURE);
  }
  rec->timers[0] = g_timeout_add (200, on_tick, rec);
  rec->timers[1] = g_timeout_add (1000, on_status, rec);
  if (rec->opts->duration > 0)
    rec->timers[2] = g_timeout_add ((guint) (rec->opts->duration * 1000),
        on_duration, rec);
  g_main_loop_run (rec->loop);
  if (rec->tty)
    rec_status_end (rec);
  rec_recorder_poll_cryptors (rec);
  gst_element_set_state (GST_ELEMENT (rec->pipeline), GST_STATE_NULL);
  g_source_remove (sigint);
  g_source_remove (sigterm);

  manifest = g_build_filename (rec->opts->out_dir, "manifest.json", NULL);
  if (!rec_manifest_write (rec, manifest, &err)) {
    g_printerr ("gst-livekit-record: %s\n", err->message);
    g_clear_error (&err);
    if (rec->exit_code == REC_EXIT_OK)
      rec->exit_code = REC_EXIT_OUTPUT;
  }
  if (rec->exit_code == REC_EXIT_OK)
    rec->exit_code = rec->composite_exit_code;
  if (rec->error_message)
    g_printerr ("gst-livekit-record: %s\n", rec->error_message);
  rec_status_summary (rec, manifest);
  g_free (manifest);
  return rec->exit_code;
}

void
rec_recorder_free (RecRecorder * rec)
{
  for (guint i = 0; i < G_N_ELEMENTS (rec->timers); i++)
    if (rec->timers[i])
      g_source_remove (rec->timers[i]);
  if (rec->pipeline) {
    gst_element_set_state (GST_ELEMENT (rec->pipeline), GST_STATE_NULL);
    gst_object_unref (rec->pipeline);
  }
  if (rec->participants) {
    GHashTableIter iter;
    gpointer value;
    g_hash_table_iter_init (&iter, rec->participants);
    while (g_hash_table_iter_next (&iter, NULL, &value)) {
      RecParticipant *p = value;
      for (guint i = 0; i < p->writers->len; i++)
        rec_writer_free (g_ptr_array_index (p->writers, i));
    }
    g_hash_table_unref (rec->participants);
  }
  g_clear_pointer (&rec->published, g_hash_table_unref);
  g_clear_pointer (&rec->subscribed, g_hash_table_unref);
  g_clear_pointer (&rec->composite, rec_composite_free);
  g_clear_pointer (&rec->keys, rec_key_watch_free);
  gst_clear_object (&rec->keyring);
  g_clear_pointer (&rec->loop, g_main_loop_unref);
  g_clear_pointer (&rec->started_at, g_date_time_unref);
  g_free (rec->room_name);
  g_free (rec->stop_reason);
  g_free (rec->error_message);
  g_mutex_clear (&rec->lock);
  g_free (rec);
}
