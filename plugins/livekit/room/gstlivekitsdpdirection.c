/* livekit-server reuses a subscriber m-line for the next track (pion's
 * transceiver reuse, for clients of protocol 4 and up): the m-line is
 * offered sendrecv (track A), recvonly once A ended (pion's transceiver has
 * no sender left), then sendrecv again (track B). webrtcbin 1.22 answers
 * the recvonly offer inactive, and then refuses to change its transceiver
 * back: it takes a change of direction to inactive only
 * (_update_transceiver_from_sdp_media: "transceiver direction changes are
 * not implemented"). From track B on, every answer was refused, a few times
 * per recording. So webrtcbin never sees an m-line that sends nothing: it
 * gets sendonly with no SSRC and keeps its transceiver receiving (nothing
 * comes), and the server still gets the inactive answer. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstlivekitsdpdirection.h"

static const gchar *const directions[] = { "sendrecv", "sendonly",
  "recvonly", "inactive", NULL
};

/* The index of @media's direction attribute, or -1 (then it is sendrecv). */
static gint
direction_index (const GstSDPMedia * media)
{
  for (guint i = 0; i < gst_sdp_media_attributes_len (media); i++)
    if (g_strv_contains (directions, gst_sdp_media_get_attribute (media,
                i)->key))
      return i;
  return -1;
}

/* An offered audio or video m-line that sends us nothing. */
static gboolean
sends_nothing (const GstSDPMedia * media)
{
  const gchar *kind = gst_sdp_media_get_media (media);
  gint idx = direction_index (media);
  const gchar *direction;

  if (gst_sdp_media_get_port (media) == 0 || idx < 0
      || (g_strcmp0 (kind, "audio") != 0 && g_strcmp0 (kind, "video") != 0))
    return FALSE;
  direction = gst_sdp_media_get_attribute (media, idx)->key;
  return g_str_equal (direction, "recvonly")
      || g_str_equal (direction, "inactive");
}

/* Sets @media's direction to @direction; TRUE if that changed it. */
static gboolean
set_direction (GstSDPMedia * media, const gchar * direction)
{
  gint idx = direction_index (media);
  GstSDPAttribute attr;

  if (idx >= 0 && g_strcmp0 (gst_sdp_media_get_attribute (media, idx)->key,
          direction) == 0)
    return FALSE;
  /* "", not NULL: GstSDP's caps code reads every value. */
  if (idx < 0) {
    gst_sdp_media_add_attribute (media, direction, "");
    return TRUE;
  }
  gst_sdp_attribute_set (&attr, direction, "");
  gst_sdp_media_replace_attribute (media, idx, &attr);
  return TRUE;
}

guint
gst_livekit_sdp_offer_keep_receiving (GstSDPMessage * offer)
{
  guint turned = 0;

  for (guint i = 0; i < gst_sdp_message_medias_len (offer); i++) {
    GstSDPMedia *media = (GstSDPMedia *) gst_sdp_message_get_media (offer, i);
    if (sends_nothing (media) && set_direction (media, "sendonly"))
      turned++;
  }
  return turned;
}

guint
gst_livekit_sdp_answer_restore_inactive (GstSDPMessage * answer,
    const GstSDPMessage * offer)
{
  guint changed = 0;

  for (guint i = 0; i < gst_sdp_message_medias_len (answer)
      && i < gst_sdp_message_medias_len (offer); i++) {
    GstSDPMedia *media = (GstSDPMedia *) gst_sdp_message_get_media (answer, i);
    if (gst_sdp_media_get_port (media) != 0
        && sends_nothing (gst_sdp_message_get_media (offer, i))
        && set_direction (media, "inactive"))
      changed++;
  }
  return changed;
}
