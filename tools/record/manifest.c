#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "manifest.h"

#include <json-glib/json-glib.h>
#include <glib/gstdio.h>

static void
add_time (JsonBuilder * b, const gchar * name, GstClockTime t)
{
  json_builder_set_member_name (b, name);
  if (GST_CLOCK_TIME_IS_VALID (t))
    json_builder_add_double_value (b, (gdouble) t / GST_SECOND);
  else
    json_builder_add_null_value (b);
}

static void
add_string (JsonBuilder * b, const gchar * name, const gchar * value)
{
  json_builder_set_member_name (b, name);
  if (value)
    json_builder_add_string_value (b, value);
  else
    json_builder_add_null_value (b);
}

static void
add_int (JsonBuilder * b, const gchar * name, gint64 value)
{
  json_builder_set_member_name (b, name);
  json_builder_add_int_value (b, value);
}

static gchar *
base_name (RecWriter * w)
{
  return w ? g_path_get_basename (rec_writer_get_path (w)) : NULL;
}

static void
add_track (JsonBuilder * b, RecTrack * t)
{
  gchar *file = base_name (t->writer);

  json_builder_begin_object (b);
  add_string (b, "pad", t->pad_name);
  add_string (b, "kind", t->kind);
  add_string (b, "source", t->source);
  add_string (b, "codec", t->codec);
  add_string (b, "track_sid", t->track_sids->len ?
      g_ptr_array_index (t->track_sids, t->track_sids->len - 1) : NULL);
  json_builder_set_member_name (b, "track_sids");
  json_builder_begin_array (b);
  for (guint i = 0; i < t->track_sids->len; i++)
    json_builder_add_string_value (b, g_ptr_array_index (t->track_sids, i));
  json_builder_end_array (b);
  add_time (b, "start", t->writer ? t->first : GST_CLOCK_TIME_NONE);
  add_time (b, "end", t->writer ? t->last : GST_CLOCK_TIME_NONE);
  add_int (b, "frames_decrypted", (gint64) t->frames);
  add_int (b, "frames_dropped", (gint64) t->dropped);
  add_string (b, "e2ee_state", t->state);
  add_string (b, "file", file);
  json_builder_end_object (b);
  g_free (file);
}

/* Why a participant has no media file. */
static const gchar *
why_no_file (RecParticipant * p)
{
  if (p->state && !g_str_equal (p->state, "ok")
      && !g_str_equal (p->state, "new"))
    return p->state;            /* decryption-failed, missing-key, ... */
  if (p->decrypting)
    return "no-key-frame";
  return p->tracks->len ? "no-frames" : "no-tracks";
}

static void
add_participant (JsonBuilder * b, RecParticipant * p)
{
  GstClockTime start = GST_CLOCK_TIME_NONE, end = GST_CLOCK_TIME_NONE;

  for (guint i = 0; i < p->tracks->len; i++) {
    RecTrack *t = g_ptr_array_index (p->tracks, i);
    if (!t->writer)
      continue;
    if (GST_CLOCK_TIME_IS_VALID (t->first) && (!GST_CLOCK_TIME_IS_VALID (start)
            || t->first < start))
      start = t->first;
    if (GST_CLOCK_TIME_IS_VALID (t->last) && (!GST_CLOCK_TIME_IS_VALID (end)
            || t->last > end))
      end = t->last;
  }
  json_builder_begin_object (b);
  add_string (b, "identity", p->identity);
  add_string (b, "e2ee_state", p->state);
  json_builder_set_member_name (b, "files");
  json_builder_begin_array (b);
  for (guint i = 0; i < p->writers->len; i++) {
    gchar *f = base_name (g_ptr_array_index (p->writers, i));
    json_builder_add_string_value (b, f);
    g_free (f);
  }
  json_builder_end_array (b);
  add_string (b, "no_file_reason", p->writers->len ? NULL : why_no_file (p));
  add_time (b, "start", start);
  add_time (b, "end", end);
  json_builder_set_member_name (b, "left");
  json_builder_add_boolean_value (b, p->left);
  json_builder_set_member_name (b, "tracks");
  json_builder_begin_array (b);
  for (guint i = 0; i < p->tracks->len; i++)
    add_track (b, g_ptr_array_index (p->tracks, i));
  json_builder_end_array (b);
  json_builder_end_object (b);
}

static gint
by_identity (gconstpointer a, gconstpointer b)
{
  return g_strcmp0 ((*(RecParticipant **) a)->identity,
      (*(RecParticipant **) b)->identity);
}

gboolean
rec_manifest_write (RecRecorder * rec, const gchar * path, GError ** error)
{
  JsonBuilder *b = json_builder_new ();
  JsonGenerator *gen;
  JsonNode *root;
  GPtrArray *sorted = g_ptr_array_new ();
  GHashTableIter iter;
  gpointer value;
  gchar *started, *tmp;
  gboolean ok;

  g_mutex_lock (&rec->lock);
  g_hash_table_iter_init (&iter, rec->participants);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    g_ptr_array_add (sorted, value);
  g_ptr_array_sort (sorted, by_identity);

  started = rec->started_at ? g_date_time_format_iso8601 (rec->started_at) :
      NULL;
  json_builder_begin_object (b);
  add_string (b, "room", rec->room_name);
  add_string (b, "url", rec->opts->url);
  add_string (b, "start_time", started);
  add_int (b, "start_time_unix_ms", rec->started_at ?
      g_date_time_to_unix (rec->started_at) * 1000 +
      g_date_time_get_microsecond (rec->started_at) / 1000 : 0);
  add_int (b, "rejoins", rec->connects > 1 ? rec->connects - 1 : 0);
  add_int (b, "reconnect_attempts", rec->reconnects);
  add_string (b, "stop_reason", rec->stop_reason);
  add_string (b, "error", rec->error_message);
  add_string (b, "timeline", "offsets in seconds from the recording's start; "
      "the files' timestamps are on the same timeline");
  json_builder_set_member_name (b, "composite");
  if (rec->composite) {
    json_builder_begin_object (b);
    add_string (b, "file", rec_composite_get_path (rec->composite));
    json_builder_end_object (b);
  } else {
    json_builder_add_null_value (b);
  }
  json_builder_set_member_name (b, "participants");
  json_builder_begin_array (b);
  for (guint i = 0; i < sorted->len; i++)
    add_participant (b, g_ptr_array_index (sorted, i));
  json_builder_end_array (b);
  json_builder_end_object (b);
  g_mutex_unlock (&rec->lock);

  root = json_builder_get_root (b);
  gen = json_generator_new ();
  json_generator_set_pretty (gen, TRUE);
  json_generator_set_root (gen, root);
  /* Written whole or not at all. */
  tmp = g_strconcat (path, ".tmp", NULL);
  ok = json_generator_to_file (gen, tmp, error) && g_rename (tmp, path) == 0;
  if (!ok && error && !*error)
    g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_FAILED,
        "cannot write %s", path);
  g_free (tmp);
  g_object_unref (gen);
  json_node_unref (root);
  g_object_unref (b);
  g_ptr_array_unref (sorted);
  g_free (started);
  return ok;
}
