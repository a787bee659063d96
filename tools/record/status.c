#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "status.h"

#include <stdio.h>
#include <string.h>

typedef struct
{
  guint participants, files, tracks;
  guint64 bytes;
  GString *problems;
} Totals;

static void
count (RecRecorder * rec, Totals * t)
{
  GHashTableIter iter;
  gpointer value;

  memset (t, 0, sizeof (*t));
  t->problems = g_string_new (NULL);
  g_mutex_lock (&rec->lock);
  g_hash_table_iter_init (&iter, rec->participants);
  while (g_hash_table_iter_next (&iter, NULL, &value)) {
    RecParticipant *p = value;

    if (!p->left)
      t->participants++;
    t->files += p->writers->len;
    for (guint i = 0; i < p->writers->len; i++)
      t->bytes += rec_writer_get_bytes (g_ptr_array_index (p->writers, i));
    for (guint i = 0; i < p->tracks->len; i++)
      t->tracks += ((RecTrack *) g_ptr_array_index (p->tracks, i))->writer !=
          NULL;
    if (!p->left && p->state && g_strcmp0 (p->state, "ok") != 0)
      g_string_append_printf (t->problems, "  %s: %s", p->identity, p->state);
  }
  g_mutex_unlock (&rec->lock);
}

void
rec_status_print (RecRecorder * rec)
{
  Totals t;
  GstClockTime now = rec_recorder_now (rec);
  guint s = GST_CLOCK_TIME_IS_VALID (now) ? (guint) (now / GST_SECOND) : 0;

  count (rec, &t);
  printf ("\r\033[K%02u:%02u:%02u %s  %u participant%s  %u track%s  %.1f MB"
      "%s", s / 3600, s / 60 % 60, s % 60, rec->connected ? "live" :
      "rejoining", t.participants, t.participants == 1 ? "" : "s", t.tracks,
      t.tracks == 1 ? "" : "s", t.bytes / 1e6, t.problems->str);
  fflush (stdout);
  g_string_free (t.problems, TRUE);
}

void
rec_status_end (RecRecorder * rec)
{
  printf ("\n");
  fflush (stdout);
}

void
rec_status_summary (RecRecorder * rec, const gchar * manifest)
{
  Totals t;

  count (rec, &t);
  g_printerr ("gst-livekit-record: %u file%s (%.1f MB), %u track%s; "
      "manifest %s\n", t.files, t.files == 1 ? "" : "s", t.bytes / 1e6,
      t.tracks, t.tracks == 1 ? "" : "s", manifest);
  g_string_free (t.problems, TRUE);
}
