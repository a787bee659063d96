#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "model.h"

RecParticipant *
rec_participant_new (const gchar * identity)
{
  RecParticipant *p = g_new0 (RecParticipant, 1);

  p->identity = g_strdup (identity);
  p->tracks = g_ptr_array_new_with_free_func ((GDestroyNotify) rec_track_free);
  p->writers = g_ptr_array_new ();
  p->first_frame_at = GST_CLOCK_TIME_NONE;
  return p;
}

void
rec_participant_free (RecParticipant * p)
{
  g_free (p->identity);
  g_ptr_array_unref (p->tracks);
  g_ptr_array_unref (p->writers);
  g_free (p->state);
  g_free (p);
}

RecTrack *
rec_track_new (const gchar * pad_name, const gchar * kind, const gchar * source)
{
  RecTrack *t = g_new0 (RecTrack, 1);

  t->pad_name = g_strdup (pad_name);
  t->kind = g_strdup (kind);
  t->source = g_strdup (source);
  t->track_sids = g_ptr_array_new_with_free_func (g_free);
  t->first = t->last = GST_CLOCK_TIME_NONE;
  gst_segment_init (&t->segment, GST_FORMAT_TIME);
  return t;
}

void
rec_track_free (RecTrack * t)
{
  g_free (t->pad_name);
  g_free (t->kind);
  g_free (t->source);
  g_free (t->codec);
  g_ptr_array_unref (t->track_sids);
  gst_clear_object (&t->pad);
  g_clear_pointer (&t->drops_by_sid, g_hash_table_unref);
  g_free (t->state);
  g_free (t);
}

RecTrack *
rec_participant_find_track (RecParticipant * p, GstPad * pad)
{
  for (guint i = 0; i < p->tracks->len; i++) {
    RecTrack *t = g_ptr_array_index (p->tracks, i);
    if (t->pad == pad)
      return t;
  }
  return NULL;
}

RecTrack *
rec_participant_find_track_sid (RecParticipant * p, const gchar * sid)
{
  for (guint i = 0; i < p->tracks->len; i++) {
    RecTrack *t = g_ptr_array_index (p->tracks, i);
    for (guint j = 0; j < t->track_sids->len; j++)
      if (g_strcmp0 (g_ptr_array_index (t->track_sids, j), sid) == 0)
        return t;
  }
  return NULL;
}
