/* The codecs of the subscriber's answers. webrtcbin 1.22 answers each
 * m-line with one codec (gst_sdp_media_set_media_from_caps takes the
 * first structure), and livekit-server (pion's MediaEngine) takes the
 * codecs of the first video m-line of the first answer with one as the
 * video codecs of the whole peer connection: every later video m-line is
 * offered with those only, and a track in any other codec is refused
 * ("codec is not supported by remote"). So every video m-line of an
 * answer lists every codec the bin can receive.
 *
 * webrtcbin 1.22 also leaves the offer's profile-level-id out of the
 * H.264 fmtp it answers, and pion matches H.264 codecs by it: that codec
 * would not be negotiated, the server's next offers would move the track
 * to another payload type, and webrtcbin rejects such a re-offered m-line
 * (it must intersect with its last answer). So the answer's own formats
 * take the offer's fmtp. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstlivekitsdpcodecs.h"

#include <string.h>

/* The rest of an "a=KEY:PT rest" attribute, or NULL. */
static const gchar *
pt_value (const GstSDPAttribute * a, const gchar * key, const gchar * pt)
{
  gsize n = strlen (pt);

  if (!a->value || g_strcmp0 (a->key, key) != 0
      || strncmp (a->value, pt, n) != 0 || a->value[n] != ' ')
    return NULL;
  return a->value + n + 1;
}

static const gchar *
media_pt_value (const GstSDPMedia * media, const gchar * key, const gchar * pt)
{
  for (guint i = 0; i < gst_sdp_media_attributes_len (media); i++) {
    const gchar *v = pt_value (gst_sdp_media_get_attribute (media, i), key, pt);
    if (v)
      return v;
  }
  return NULL;
}

static gboolean
is_encoding (const GstSDPMedia * media, const gchar * pt, const gchar * name)
{
  const gchar *map = media_pt_value (media, "rtpmap", pt);
  gsize n = strlen (name);

  return map && g_ascii_strncasecmp (map, name, n) == 0 && map[n] == '/';
}

static gboolean
is_wanted (const GstSDPMedia * media, const gchar * pt,
    const gchar * const *encodings)
{
  for (guint i = 0; encodings[i]; i++)
    if (is_encoding (media, pt, encodings[i]))
      return TRUE;
  return FALSE;
}

/* The payload type the retransmission format @pt repairs, or NULL. */
static gchar *
rtx_apt (const GstSDPMedia * media, const gchar * pt)
{
  const gchar *fmtp, *apt;

  if (!is_encoding (media, pt, "rtx"))
    return NULL;
  fmtp = media_pt_value (media, "fmtp", pt);
  apt = fmtp ? strstr (fmtp, "apt=") : NULL;
  if (!apt)
    return NULL;
  apt += 4;
  return g_strndup (apt, strspn (apt, "0123456789"));
}

static gboolean
has_format (const GstSDPMedia * media, const gchar * pt)
{
  for (guint i = 0; i < gst_sdp_media_formats_len (media); i++)
    if (g_str_equal (gst_sdp_media_get_format (media, i), pt))
      return TRUE;
  return FALSE;
}

static gboolean
is_codec_attribute (const GstSDPAttribute * a)
{
  return g_strcmp0 (a->key, "rtpmap") == 0 || g_strcmp0 (a->key, "fmtp") == 0
      || g_strcmp0 (a->key, "rtcp-fb") == 0;
}

/* gst_sdp_media_insert_attribute, also at the end; takes @attr. */
static void
insert_attribute (GstSDPMedia * media, guint at, GstSDPAttribute * attr)
{
  gst_sdp_media_insert_attribute (media,
      at < gst_sdp_media_attributes_len (media) ? (gint) at : -1, attr);
}

/* Copies the offer's rtpmap and fmtp of @pt, and those of its rtcp-fb that
 * are in @feedback, after the answer's last codec attribute. */
static void
copy_format (const GstSDPMedia * offer, GstSDPMedia * answer,
    const gchar * pt, GPtrArray * feedback)
{
  gint at = -1;

  for (guint i = 0; i < gst_sdp_media_attributes_len (answer); i++)
    if (is_codec_attribute (gst_sdp_media_get_attribute (answer, i)))
      at = i;
  at = at < 0 ? (gint) gst_sdp_media_attributes_len (answer) : at + 1;

  for (guint i = 0; i < gst_sdp_media_attributes_len (offer); i++) {
    const GstSDPAttribute *a = gst_sdp_media_get_attribute (offer, i);
    const gchar *fb = pt_value (a, "rtcp-fb", pt);
    GstSDPAttribute copy;

    if (!pt_value (a, "rtpmap", pt) && !pt_value (a, "fmtp", pt)
        && !(fb && g_ptr_array_find_with_equal_func (feedback, fb,
                g_str_equal, NULL)))
      continue;
    gst_sdp_attribute_set (&copy, a->key, a->value);
    insert_attribute (answer, at++, &copy);
  }
}

/* Gives the answer's format @pt the offer's fmtp, if the offer has one. */
static void
restore_fmtp (const GstSDPMedia * offer, GstSDPMedia * answer,
    const gchar * pt)
{
  const gchar *fmtp = media_pt_value (offer, "fmtp", pt);
  gchar *value;
  GstSDPAttribute attr;

  if (!fmtp)
    return;
  value = g_strdup_printf ("%s %s", pt, fmtp);
  gst_sdp_attribute_set (&attr, "fmtp", value);
  g_free (value);
  for (guint i = 0; i < gst_sdp_media_attributes_len (answer); i++)
    if (pt_value (gst_sdp_media_get_attribute (answer, i), "fmtp", pt)) {
      gst_sdp_media_replace_attribute (answer, i, &attr);
      return;
    }
  /* None: after the format's rtpmap. */
  for (guint i = 0; i < gst_sdp_media_attributes_len (answer); i++)
    if (pt_value (gst_sdp_media_get_attribute (answer, i), "rtpmap", pt)) {
      insert_attribute (answer, i + 1, &attr);
      return;
    }
  gst_sdp_media_add_attribute (answer, attr.key, attr.value);
  gst_sdp_attribute_clear (&attr);
}

static guint
complete_media (const GstSDPMedia * offer, GstSDPMedia * answer,
    const gchar * const *encodings)
{
  const gchar *own = gst_sdp_media_get_format (answer, 0);
  GHashTable *chosen = g_hash_table_new (g_str_hash, g_str_equal);
  GPtrArray *feedback = g_ptr_array_new_with_free_func (g_free);
  GPtrArray *formats = g_ptr_array_new_with_free_func (g_free);
  gboolean rtx = FALSE;
  guint added = 0;

  for (guint i = 0; i < gst_sdp_media_formats_len (answer); i++) {
    gchar *apt = rtx_apt (answer, gst_sdp_media_get_format (answer, i));
    rtx |= apt != NULL;
    g_free (apt);
  }
  for (guint i = 0; i < gst_sdp_media_attributes_len (answer); i++) {
    const gchar *fb = pt_value (gst_sdp_media_get_attribute (answer, i),
        "rtcp-fb", own);
    if (fb)
      g_ptr_array_add (feedback, g_strdup (fb));
  }

  /* The codecs, then their retransmission formats. */
  for (guint i = 0; i < gst_sdp_media_formats_len (offer); i++) {
    const gchar *pt = gst_sdp_media_get_format (offer, i);
    if (has_format (answer, pt) || is_wanted (offer, pt, encodings))
      g_hash_table_add (chosen, (gpointer) pt);
  }
  for (guint i = 0; rtx && i < gst_sdp_media_formats_len (offer); i++) {
    const gchar *pt = gst_sdp_media_get_format (offer, i);
    gchar *apt = rtx_apt (offer, pt);
    if (apt && g_hash_table_contains (chosen, apt))
      g_hash_table_add (chosen, (gpointer) pt);
    g_free (apt);
  }

  /* In the offer's order, which has the track's own codec first. */
  for (guint i = 0; i < gst_sdp_media_formats_len (offer); i++) {
    const gchar *pt = gst_sdp_media_get_format (offer, i);
    if (!g_hash_table_contains (chosen, pt))
      continue;
    g_ptr_array_add (formats, g_strdup (pt));
    if (has_format (answer, pt)) {
      restore_fmtp (offer, answer, pt);
    } else {
      copy_format (offer, answer, pt, feedback);
      added++;
    }
  }
  for (guint i = 0; i < gst_sdp_media_formats_len (answer); i++) {
    const gchar *pt = gst_sdp_media_get_format (answer, i);
    if (!has_format (offer, pt))
      g_ptr_array_add (formats, g_strdup (pt));
  }

  while (gst_sdp_media_formats_len (answer) > 0)
    gst_sdp_media_remove_format (answer, 0);
  for (guint i = 0; i < formats->len; i++)
    gst_sdp_media_add_format (answer, g_ptr_array_index (formats, i));

  g_ptr_array_unref (formats);
  g_ptr_array_unref (feedback);
  g_hash_table_unref (chosen);
  return added;
}

guint
gst_livekit_sdp_answer_add_codecs (const GstSDPMessage * offer,
    GstSDPMessage * answer, const gchar * const *encodings)
{
  guint added = 0;

  for (guint m = 0; m < gst_sdp_message_medias_len (answer)
      && m < gst_sdp_message_medias_len (offer); m++) {
    GstSDPMedia *a = (GstSDPMedia *) gst_sdp_message_get_media (answer, m);
    const GstSDPMedia *o = gst_sdp_message_get_media (offer, m);

    /* Rejected m-lines stay rejected; JSEP keeps the offer's m-line order,
     * the mid makes sure. */
    if (g_strcmp0 (gst_sdp_media_get_media (a), "video") != 0
        || gst_sdp_media_get_port (a) == 0
        || gst_sdp_media_formats_len (a) == 0
        || g_strcmp0 (gst_sdp_media_get_attribute_val (a, "mid"),
            gst_sdp_media_get_attribute_val (o, "mid")) != 0)
      continue;
    added += complete_media (o, a, encodings);
  }
  return added;
}
