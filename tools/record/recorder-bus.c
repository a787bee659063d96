/* What the room bin tells the recorder: tracks announced and subscribed,
 * E2EE states, connections, errors (and which exit code they mean). */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "recorder-private.h"

#include <string.h>

static RecParticipant *
participant (RecRecorder * rec, const gchar * identity)
{
  RecParticipant *p = g_hash_table_lookup (rec->participants, identity);

  if (!p) {
    p = rec_participant_new (identity);
    g_hash_table_insert (rec->participants, p->identity, p);
  }
  return p;
}

static gchar *
enum_nick (const GstStructure * s, const gchar * field)
{
  const GValue *v = gst_structure_get_value (s, field);
  GEnumClass *klass;
  GEnumValue *ev;
  gchar *nick;

  if (!v || !G_VALUE_HOLDS_ENUM (v))
    return NULL;
  klass = g_type_class_ref (G_VALUE_TYPE (v));
  ev = g_enum_get_value (klass, g_value_get_enum (v));
  nick = ev ? g_strdup (ev->value_nick) : NULL;
  g_type_class_unref (klass);
  return nick;
}

static void
on_track_subscribed (RecRecorder * rec, const GstStructure * s)
{
  const gchar *identity = gst_structure_get_string (s, "identity");
  const gchar *sid = gst_structure_get_string (s, "track-sid");
  const gchar *pad = gst_structure_get_string (s, "pad");
  const gchar *mime = gst_structure_get_string (s, "mime-type");
  RecParticipant *p;

  if (!identity || !sid || !pad)
    return;
  g_hash_table_replace (rec->subscribed, g_strdup (sid), g_strdup (pad));
  p = participant (rec, identity);
  for (guint i = 0; i < p->tracks->len; i++) {
    RecTrack *t = g_ptr_array_index (p->tracks, i);
    if (g_strcmp0 (t->pad_name, pad) != 0 || t->ended)
      continue;
    if (!rec_participant_find_track_sid (p, sid))
      g_ptr_array_add (t->track_sids, g_strdup (sid));
    if (mime && !t->codec)
      t->codec = g_strdup (mime);
  }
}

static void
on_e2ee_state (RecRecorder * rec, const GstStructure * s)
{
  const gchar *identity = gst_structure_get_string (s, "participant-identity");
  const gchar *sid = gst_structure_get_string (s, "track-sid");
  const gchar *dir = gst_structure_get_string (s, "direction");
  gchar *state = enum_nick (s, "state");
  RecParticipant *p;
  RecTrack *t;

  if (!identity || g_strcmp0 (dir, "decrypt") != 0 || !state) {
    g_free (state);
    return;
  }
  p = participant (rec, identity);
  g_free (p->state);
  p->state = g_strdup (state);
  t = sid ? rec_participant_find_track_sid (p, sid) : NULL;
  if (t) {
    g_free (t->state);
    t->state = g_strdup (state);
  }
  g_free (state);
}

/* The exit code an error of the bin means (docs/record.md). */
static RecExitCode
classify (GstMessage * msg, const GError * err)
{
  const GstStructure *details = NULL;
  const gchar *kind;

  gst_message_parse_error_details (msg, &details);
  kind = details ? gst_structure_get_string (details, "livekit-join-error") :
      NULL;
  if (kind) {
    if (g_str_equal (kind, "unauthorized") || g_str_equal (kind, "bad-request"))
      return REC_EXIT_TOKEN;
    if (g_str_equal (kind, "invalid-url") || g_str_equal (kind, "unreachable")
        || g_str_equal (kind, "not-found") || g_str_equal (kind, "protocol")
        || g_str_equal (kind, "timeout") || g_str_equal (kind, "closed"))
      return REC_EXIT_URL;
    return REC_EXIT_FAILURE;
  }
  if (err->domain == GST_CORE_ERROR
      && err->code == GST_CORE_ERROR_MISSING_PLUGIN)
    return REC_EXIT_MISSING_PLUGIN;
  if (err->domain == GST_RESOURCE_ERROR && err->code == GST_RESOURCE_ERROR_READ)
    return REC_EXIT_ROOM_LOST;  /* lost the room, removed from it */
  if (err->domain == GST_RESOURCE_ERROR && (err->code ==
          GST_RESOURCE_ERROR_OPEN_WRITE || err->code ==
          GST_RESOURCE_ERROR_WRITE
          || err->code == GST_RESOURCE_ERROR_NO_SPACE_LEFT))
    return REC_EXIT_OUTPUT;
  return REC_EXIT_FAILURE;
}

/* The composite is one more output: when it fails (a full disk, a
 * decoder or muxer error) its inputs already drop what comes
 * (rec_recorder_on_bus_sync), and the participants' files go on; the
 * recording ends as it would have, with the composite's exit code. */
static void
on_composite_error (RecRecorder * rec, const GError * err, RecExitCode code)
{
  if (rec->composite_exit_code != REC_EXIT_OK)
    return;                     /* its first error says what happened */
  rec->composite_exit_code = code;
  if (!rec->error_message)
    rec->error_message = g_strdup_printf ("the composite %s: %s",
        rec_composite_get_path (rec->composite), err->message);
  g_printerr ("gst-livekit-record: the composite %s failed (%s); the "
      "participants' files go on\n", rec_composite_get_path (rec->composite),
      err->message);
}

static void
on_error (RecRecorder * rec, GstMessage * msg)
{
  GError *err = NULL;
  gchar *debug = NULL;
  RecExitCode code;

  gst_message_parse_error (msg, &err, &debug);
  code = classify (msg, err);
  if (rec->composite && rec_composite_owns (rec->composite,
          GST_MESSAGE_SRC (msg))) {
    on_composite_error (rec, err, code);
    g_clear_error (&err);
    g_free (debug);
    return;
  }
  if (!rec->error_message)
    rec->error_message = g_strdup (err->message);
  if (!rec->stopping && debug && g_getenv ("GST_LIVEKIT_RECORD_DEBUG"))
    g_printerr ("gst-livekit-record: %s: %s\n", GST_OBJECT_NAME (msg->src),
        debug);
  if (rec->stopping) {
    /* Already ending: an error now ends the wait for the files too. */
    if (rec->exit_code == REC_EXIT_OK)
      rec->exit_code = code;
    g_main_loop_quit (rec->loop);
  } else {
    rec_recorder_stop (rec, "error", code);
    /* Without a session no more frames come: finish what was written. */
  }
  g_clear_error (&err);
  g_free (debug);
}

/* In the thread that posts: an error of the composite stops its inputs
 * before its flow error reaches the tees of the participants' files. */
GstBusSyncReply
rec_recorder_on_bus_sync (GstBus * bus, GstMessage * msg, gpointer data)
{
  RecRecorder *rec = data;

  if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR && rec->composite &&
      rec_composite_owns (rec->composite, GST_MESSAGE_SRC (msg)))
    rec_composite_fail (rec->composite);
  return GST_BUS_PASS;
}

gboolean
rec_recorder_on_bus (GstBus * bus, GstMessage * msg, gpointer data)
{
  RecRecorder *rec = data;
  const GstStructure *s;
  const gchar *name;

  switch (GST_MESSAGE_TYPE (msg)) {
    case GST_MESSAGE_ERROR:
      on_error (rec, msg);
      return G_SOURCE_CONTINUE;
    case GST_MESSAGE_ELEMENT:
      break;
    default:
      return G_SOURCE_CONTINUE;
  }
  s = gst_message_get_structure (msg);
  name = s ? gst_structure_get_name (s) : "";
  g_mutex_lock (&rec->lock);
  if (g_str_equal (name, "livekit-connected")) {
    const gchar *room = gst_structure_get_string (s, "room");
    if (room && !rec->room_name)
      rec->room_name = g_strdup (room);
    rec->connects++;
    rec->connected = TRUE;
  } else if (g_str_equal (name, "livekit-disconnected")) {
    rec->connected = FALSE;
  } else if (g_str_equal (name, "livekit-reconnecting")) {
    rec->reconnects++;
  } else if (g_str_equal (name, "livekit-track-published")) {
    const gchar *sid = gst_structure_get_string (s, "track-sid");
    const gchar *identity = gst_structure_get_string (s, "identity");
    if (sid && identity)
      g_hash_table_replace (rec->published, g_strdup (sid),
          g_strdup (identity));
  } else if (g_str_equal (name, "livekit-track-unpublished")) {
    const gchar *sid = gst_structure_get_string (s, "track-sid");
    if (sid)
      g_hash_table_remove (rec->published, sid);
  } else if (g_str_equal (name, "livekit-track-subscribed")) {
    on_track_subscribed (rec, s);
  } else if (g_str_equal (name, "livekit-participant-left")) {
    const gchar *identity = gst_structure_get_string (s, "identity");
    RecParticipant *p = identity ?
        g_hash_table_lookup (rec->participants, identity) : NULL;
    if (p)
      p->left = TRUE;
  } else if (g_str_equal (name, "livekit-e2ee-state")) {
    on_e2ee_state (rec, s);
  }
  g_mutex_unlock (&rec->lock);
  return G_SOURCE_CONTINUE;
}

/* Frames the decryptors dropped, from their stats (per track sid, as a
 * rejoin or a republished track brings a new decryptor). */
void
rec_recorder_poll_cryptors (RecRecorder * rec)
{
  GValue list = G_VALUE_INIT;

  if (!rec->bin)
    return;
  g_value_init (&list, GST_TYPE_ARRAY);
  g_object_get_property (G_OBJECT (rec->bin), "frame-cryptors", &list);
  g_mutex_lock (&rec->lock);
  for (guint i = 0; i < gst_value_array_get_size (&list); i++) {
    const GstStructure *c =
        gst_value_get_structure (gst_value_array_get_value (&list, i));
    const gchar *identity =
        gst_structure_get_string (c, "participant-identity");
    const gchar *sid = gst_structure_get_string (c, "track-sid");
    const gchar *el = gst_structure_get_string (c, "element");
    RecParticipant *p;
    RecTrack *t;
    GstElement *dec;
    GstStructure *stats = NULL;
    const GValue *parts;
    guint64 dropped = 0;

    if (g_strcmp0 (gst_structure_get_string (c, "direction"), "decrypt") != 0
        || !identity || !sid || !el)
      continue;
    p = g_hash_table_lookup (rec->participants, identity);
    t = p ? rec_participant_find_track_sid (p, sid) : NULL;
    if (!t)
      continue;
    dec = gst_bin_get_by_name (GST_BIN (rec->bin), el);
    if (!dec)
      continue;
    g_object_get (dec, "stats", &stats, NULL);
    gst_object_unref (dec);
    parts = stats ? gst_structure_get_value (stats, "participants") : NULL;
    for (guint j = 0; parts && j < gst_value_array_get_size (parts); j++) {
      const GstStructure *ps =
          gst_value_get_structure (gst_value_array_get_value (parts, j));
      const GstStructure *drops = NULL;
      const GValue *dv = gst_structure_get_value (ps, "drops");

      if (dv && GST_VALUE_HOLDS_STRUCTURE (dv))
        drops = gst_value_get_structure (dv);
      for (gint k = 0; drops && k < gst_structure_n_fields (drops); k++) {
        guint64 n = 0;
        gst_structure_get_uint64 (drops, gst_structure_nth_field_name (drops,
                k), &n);
        dropped += n;
      }
    }
    if (stats)
      gst_structure_free (stats);
    if (!t->drops_by_sid)
      t->drops_by_sid = g_hash_table_new_full (g_str_hash, g_str_equal,
          g_free, NULL);
    g_hash_table_replace (t->drops_by_sid, g_strdup (sid),
        GSIZE_TO_POINTER ((gsize) dropped));
    t->dropped = 0;
    {
      GHashTableIter iter;
      gpointer v;
      g_hash_table_iter_init (&iter, t->drops_by_sid);
      while (g_hash_table_iter_next (&iter, NULL, &v))
        t->dropped += GPOINTER_TO_SIZE (v);
    }
  }
  g_mutex_unlock (&rec->lock);
  g_value_unset (&list);
}
