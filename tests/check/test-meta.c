/* GstLiveKitFrameMeta: its strings are interned, so adding, copying and
 * freeing metas allocates nothing and is safe from many threads at once
 * (GLib 2.74's GRefString interning was not: it corrupted the heap). */
#include <gst/check/gstcheck.h>
#include <gst/livekit/livekit.h>

#define N_THREADS 4
#define N_ROUNDS 20000
#define N_NAMES 32

static gpointer
churn_metas (gpointer data)
{
  guint seed = GPOINTER_TO_UINT (data);
  gboolean ok = TRUE;

  for (guint i = 0; i < N_ROUNDS && ok; i++) {
    gchar identity[32], sid[32];
    GstBuffer *buf = gst_buffer_new (), *copy;
    GstLiveKitFrameMeta *m, *c;

    /* Equal strings at other addresses, in every thread: first sightings
     * of a name race with lookups of it. */
    g_snprintf (identity, sizeof identity, "participant-%u",
        (i + seed) % N_NAMES);
    g_snprintf (sid, sizeof sid, "TR_%u", (i * 7 + seed) % N_NAMES);
    m = gst_buffer_add_livekit_frame_meta (buf, identity, sid);
    copy = gst_buffer_copy (buf);
    c = gst_buffer_get_livekit_frame_meta (copy);
    ok = c && c->participant_identity == m->participant_identity
        && c->track_sid == m->track_sid
        && m->participant_identity == g_intern_string (identity)
        && g_str_equal (c->track_sid, sid);
    /* Re-stamping a meta with its own strings is free; new ones intern. */
    gst_livekit_frame_meta_set_identity (c, c->participant_identity, NULL);
    ok = ok && c->track_sid == NULL && m->track_sid != NULL;
    gst_buffer_unref (copy);
    gst_buffer_unref (buf);
  }
  return GINT_TO_POINTER (ok);
}

GST_START_TEST (test_meta_strings_from_many_threads)
{
  GThread *threads[N_THREADS];

  for (guint t = 0; t < N_THREADS; t++)
    threads[t] = g_thread_new ("meta", churn_metas, GUINT_TO_POINTER (t));
  for (guint t = 0; t < N_THREADS; t++)
    fail_unless (g_thread_join (threads[t]) != NULL,
        "thread %u saw a meta whose strings were not shared", t);
}

GST_END_TEST;

GST_START_TEST (test_meta_null_strings)
{
  GstBuffer *buf = gst_buffer_new (), *copy;
  GstLiveKitFrameMeta *m = gst_buffer_add_livekit_frame_meta (buf, NULL, NULL);

  fail_unless (m->participant_identity == NULL && m->track_sid == NULL);
  copy = gst_buffer_copy (buf);
  m = gst_buffer_get_livekit_frame_meta (copy);
  fail_unless (m && m->participant_identity == NULL && m->track_sid == NULL);
  gst_buffer_unref (copy);
  gst_buffer_unref (buf);
}

GST_END_TEST;

static Suite *
meta_suite (void)
{
  Suite *s = suite_create ("livekit-meta");
  TCase *tc = tcase_create ("meta");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_meta_strings_from_many_threads);
  tcase_add_test (tc, test_meta_null_strings);
  return s;
}

GST_CHECK_MAIN (meta);
