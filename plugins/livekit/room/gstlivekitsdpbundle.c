/* When webrtcbin 1.22 cannot answer an m-line (a re-offer whose codecs do
 * not intersect with its last answer's), it rejects it with a copy of the
 * offer's m-line: the server's ICE credentials, and the offer's
 * fingerprint or none. It refuses that answer itself ("No fingerprint
 * lines in sdp for media N"), and builds every later answer on it, so
 * every later one has that m-line's ICE credentials differ from the
 * bundle's and is refused too ("different ice-ufrag values in bundle"):
 * after one rejected m-line the subscriber took no more answers. Mended,
 * the rejection costs that m-line's track only. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstlivekitsdpbundle.h"

#include <string.h>

/* Sets the first a=@key of @media to @value, or adds it; TRUE if that
 * changed the m-line. */
static gboolean
set_attribute (GstSDPMedia * media, const gchar * key, const gchar * value)
{
  GstSDPAttribute attr;

  for (guint i = 0; i < gst_sdp_media_attributes_len (media); i++) {
    const GstSDPAttribute *a = gst_sdp_media_get_attribute (media, i);
    if (g_strcmp0 (a->key, key) != 0)
      continue;
    if (g_strcmp0 (a->value, value) == 0)
      return FALSE;
    gst_sdp_attribute_set (&attr, key, value);
    gst_sdp_media_replace_attribute (media, i, &attr);
    return TRUE;
  }
  gst_sdp_media_add_attribute (media, key, value);
  return TRUE;
}

static gboolean
is_dropped_from_rejected (const gchar * key)
{
  static const gchar *const keys[] = { "ssrc", "ssrc-group", "msid",
    "candidate", "end-of-candidates", "sendrecv", "sendonly", "recvonly",
    NULL
  };

  return g_strv_contains (keys, key);
}

/* A rejected m-line: the bundle's transport, inactive, nothing to send. */
static gboolean
mend_rejected (GstSDPMedia * media, const GstSDPMedia * bundle)
{
  static const gchar *const transport[] = { "ice-ufrag", "ice-pwd",
    "fingerprint", "setup"
  };
  gboolean changed = FALSE;

  for (guint i = 0; i < gst_sdp_media_attributes_len (media);) {
    if (is_dropped_from_rejected (gst_sdp_media_get_attribute (media,
                i)->key)) {
      gst_sdp_media_remove_attribute (media, i);
      changed = TRUE;
    } else {
      i++;
    }
  }
  if (!gst_sdp_media_get_attribute_val (media, "inactive")) {
    gst_sdp_media_add_attribute (media, "inactive", "");
    changed = TRUE;
  }
  for (guint k = 0; k < G_N_ELEMENTS (transport); k++) {
    const gchar *value = gst_sdp_media_get_attribute_val (bundle, transport[k]);
    if (value)
      changed |= set_attribute (media, transport[k], value);
  }
  return changed;
}

/* The first m-line of the BUNDLE group, or NULL. */
static const GstSDPMedia *
bundle_media (const GstSDPMessage * answer)
{
  const gchar *group = gst_sdp_message_get_attribute_val (answer, "group");
  const GstSDPMedia *found = NULL;
  gchar **mids;

  if (!group || !g_str_has_prefix (group, "BUNDLE "))
    return NULL;
  mids = g_strsplit (group + strlen ("BUNDLE "), " ", -1);
  for (guint i = 0; mids[0] && i < gst_sdp_message_medias_len (answer); i++) {
    const GstSDPMedia *media = gst_sdp_message_get_media (answer, i);
    if (gst_sdp_media_get_port (media) != 0
        && g_strcmp0 (gst_sdp_media_get_attribute_val (media, "mid"),
            mids[0]) == 0) {
      found = media;
      break;
    }
  }
  g_strfreev (mids);
  return found;
}

guint
gst_livekit_sdp_answer_mend_bundle (GstSDPMessage * answer)
{
  const GstSDPMedia *first = bundle_media (answer);
  GstSDPMedia *bundle;
  const gchar *ufrag, *pwd;
  guint mended = 0;

  if (!first || !gst_sdp_media_get_attribute_val (first, "ice-ufrag")
      || !gst_sdp_media_get_attribute_val (first, "ice-pwd"))
    return 0;
  /* A copy: the loop below changes the m-lines of @answer. */
  gst_sdp_media_copy (first, &bundle);
  ufrag = gst_sdp_media_get_attribute_val (bundle, "ice-ufrag");
  pwd = gst_sdp_media_get_attribute_val (bundle, "ice-pwd");
  for (guint i = 0; i < gst_sdp_message_medias_len (answer); i++) {
    GstSDPMedia *media = (GstSDPMedia *) gst_sdp_message_get_media (answer, i);
    gboolean changed;

    if (gst_sdp_media_get_port (media) == 0) {
      changed = mend_rejected (media, bundle);
    } else {
      changed = set_attribute (media, "ice-ufrag", ufrag);
      changed |= set_attribute (media, "ice-pwd", pwd);
    }
    mended += changed;
  }
  gst_sdp_media_free (bundle);
  return mended;
}
