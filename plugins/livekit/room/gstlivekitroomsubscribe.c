/* Subscribed tracks: for each RTP pad of the subscriber webrtcbin, find the
 * track and its sender (mid -> track sid from the server's offer, track sid
 * -> participant from the join and participant updates), stamp every packet
 * with a GstLiveKitFrameMeta naming the sender, depayload, decrypt GCM
 * tracks with that sender's keys, and expose the frames on a source pad. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstlivekitroomprivate.h"

#include <string.h>

#define GST_CAT_DEFAULT gst_livekit_room_bin_debug

typedef struct
{
  gchar *identity;
  gchar *track_sid;
  GPtrArray *elements;          /* owned by the bin; refs held here */
  GstPad *ghost;
} SubscribedTrack;

static GQuark track_quark;

static void
subscribed_track_free (SubscribedTrack * t)
{
  g_free (t->identity);
  g_free (t->track_sid);
  g_ptr_array_unref (t->elements);
  gst_clear_object (&t->ghost);
  g_free (t);
}

typedef struct
{
  const gchar *encoding;
  const gchar *depayloader;
  const gchar *caps;            /* what the decryptor needs, if not plain */
} DepayChoice;

static const DepayChoice depayloaders[] = {
  {"OPUS", "rtpopusdepay", NULL},
  {"VP8", "rtpvp8depay", NULL},
  {"VP9", "rtpvp9depay", NULL},
  /* The decryptor needs whole access units in byte-stream form, which is
   * what libwebrtc reassembles too (spec livekit-e2ee.md §14.7). */
  {"H264", "rtph264depay",
      "video/x-h264,stream-format=byte-stream,alignment=au"},
  {"H265", "rtph265depay",
      "video/x-h265,stream-format=byte-stream,alignment=au"},
};

static void
stamp_buffer (GstBuffer * buf, SubscribedTrack * t)
{
  GstLiveKitFrameMeta *meta = gst_buffer_get_livekit_frame_meta (buf);
  if (meta)
    gst_livekit_frame_meta_set_identity (meta, t->identity, t->track_sid);
  else
    gst_buffer_add_livekit_frame_meta (buf, t->identity, t->track_sid);
}

static gboolean
stamp_list_item (GstBuffer ** buf, guint idx, gpointer data)
{
  *buf = gst_buffer_make_writable (*buf);
  stamp_buffer (*buf, data);
  return TRUE;
}

/* The sender's identity rides on each packet; depayloaders carry the meta
 * over to the frames, where livekitdecrypt reads it. */
static GstPadProbeReturn
stamp_sender (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  if (info->type & GST_PAD_PROBE_TYPE_BUFFER) {
    GstBuffer *buf = gst_buffer_make_writable (GST_PAD_PROBE_INFO_BUFFER
        (info));
    stamp_buffer (buf, data);
    info->data = buf;
  } else if (info->type & GST_PAD_PROBE_TYPE_BUFFER_LIST) {
    GstBufferList *list =
        gst_buffer_list_make_writable (GST_PAD_PROBE_INFO_BUFFER_LIST (info));
    gst_buffer_list_foreach (list, stamp_list_item, data);
    info->data = list;
  }
  return GST_PAD_PROBE_OK;
}

/* In byte-stream mode rtph264depay/rtph265depay prepend the parameter sets
 * of their caps to the first access unit, which changes what was
 * authenticated: that frame would not decrypt. The sets are in the clear
 * prefix of every key frame anyway. */
static GstPadProbeReturn
strip_sprop (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  GstEvent *event = GST_PAD_PROBE_INFO_EVENT (info);
  GstCaps *caps;
  GstStructure *s;

  if (GST_EVENT_TYPE (event) != GST_EVENT_CAPS)
    return GST_PAD_PROBE_OK;
  gst_event_parse_caps (event, &caps);
  caps = gst_caps_copy (caps);
  s = gst_caps_get_structure (caps, 0);
  gst_structure_remove_fields (s, "sprop-parameter-sets", "sprop-vps",
      "sprop-sps", "sprop-pps", NULL);
  gst_event_unref (event);
  info->data = gst_event_new_caps (caps);
  gst_caps_unref (caps);
  return GST_PAD_PROBE_OK;
}

static gchar *
track_sid_for_pad (GstLiveKitRoomBin * self, GstPad * pad)
{
  GstWebRTCRTPTransceiver *trans = NULL;
  gchar *mid = NULL, *sid = NULL;

  g_object_get (pad, "transceiver", &trans, NULL);
  if (trans) {
    g_object_get (trans, "mid", &mid, NULL);
    gst_object_unref (trans);
  }
  g_mutex_lock (&self->lock);
  if (mid)
    sid = g_strdup (g_hash_table_lookup (self->mid_to_track, mid));
  g_mutex_unlock (&self->lock);

  /* Fallback: the msid "PA_participant|TR_track" of the server's SDP. */
  if (!sid && g_object_class_find_property (G_OBJECT_GET_CLASS (pad), "msid")) {
    gchar *msid = NULL;
    g_object_get (pad, "msid", &msid, NULL);
    if (msid && strchr (msid, '|'))
      sid = g_strdup (strchr (msid, '|') + 1);
    g_free (msid);
  }
  g_free (mid);
  return sid;
}

static gchar *
sif_trailer_hex (GstLiveKitRoomBin * self)
{
  gsize len = 0;
  const guint8 *d;
  GString *s;

  if (!self->join || !self->join->sif_trailer)
    return NULL;
  d = g_bytes_get_data (self->join->sif_trailer, &len);
  s = g_string_sized_new (len * 2);
  for (gsize i = 0; i < len; i++)
    g_string_append_printf (s, "%02x", d[i]);
  return g_string_free (s, FALSE);
}

static GstElement *
add_element (GstLiveKitRoomBin * self, SubscribedTrack * t,
    const gchar * factory)
{
  GstElement *e = gst_element_factory_make (factory, NULL);
  if (!e)
    return NULL;
  gst_bin_add (GST_BIN (self), e);
  g_ptr_array_add (t->elements, gst_object_ref (e));
  return e;
}

/* Unsupported media still needs a peer: an unlinked webrtcbin pad returns
 * not-linked, which takes the whole receive transport down. */
static void
discard_track (GstLiveKitRoomBin * self, GstPad * pad)
{
  GstElement *sink = gst_element_factory_make ("fakesink", NULL);
  GstPad *sinkpad;

  g_object_set (sink, "sync", FALSE, "async", FALSE, NULL);
  gst_bin_add (GST_BIN (self), sink);
  sinkpad = gst_element_get_static_pad (sink, "sink");
  gst_pad_link (pad, sinkpad);
  gst_object_unref (sinkpad);
  gst_element_sync_state_with_parent (sink);
}

static void build_track (GstLiveKitRoomBin * self, GstPad * pad,
    GstCaps * caps);

static GstPadProbeReturn
on_track_caps (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  GstEvent *event = GST_PAD_PROBE_INFO_EVENT (info);
  GstCaps *caps;

  if (GST_EVENT_TYPE (event) != GST_EVENT_CAPS)
    return GST_PAD_PROBE_OK;
  gst_event_parse_caps (event, &caps);
  build_track (GST_LIVEKIT_ROOM_BIN (data), pad, caps);
  return GST_PAD_PROBE_REMOVE;
}

void
gst_livekit_room_on_subscriber_pad (GstElement * webrtc, GstPad * pad,
    GstLiveKitRoomBin * self)
{
  GstCaps *caps;

  if (GST_PAD_DIRECTION (pad) != GST_PAD_SRC)
    return;
  if (!track_quark)
    track_quark = g_quark_from_static_string ("livekit-subscribed-track");
  caps = gst_pad_get_current_caps (pad);
  if (caps && gst_caps_is_fixed (caps)) {
    build_track (self, pad, caps);
  } else {
    /* The caps come with the first data: build the chain then. */
    gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM,
        on_track_caps, self, NULL);
  }
  gst_clear_caps (&caps);
}

static void
build_track (GstLiveKitRoomBin * self, GstPad * pad, GstCaps * caps)
{
  const GstStructure *structure = gst_caps_get_structure (caps, 0);
  const gchar *encoding = gst_structure_get_string (structure,
      "encoding-name");
  const gchar *media = gst_structure_get_string (structure, "media");
  const DepayChoice *choice = NULL;
  GstLiveKitEncryptionType encryption = GST_LIVEKIT_ENCRYPTION_TYPE_GCM;
  GstLiveKitTrackType type;
  SubscribedTrack *t;
  GstElement *last, *e;
  GstPad *sink, *src;
  gchar *name, *sif;
  gboolean known;

  for (guint i = 0; encoding && i < G_N_ELEMENTS (depayloaders); i++)
    if (g_ascii_strcasecmp (encoding, depayloaders[i].encoding) == 0)
      choice = &depayloaders[i];
  type = media && g_str_has_prefix (media, "audio") ?
      GST_LIVEKIT_TRACK_TYPE_AUDIO : GST_LIVEKIT_TRACK_TYPE_VIDEO;
  if (!choice) {
    GST_ELEMENT_WARNING (self, STREAM, CODEC_NOT_FOUND,
        ("cannot receive %s: unsupported codec", encoding), ("%"
            GST_PTR_FORMAT, caps));
    discard_track (self, pad);
    return;
  }

  t = g_new0 (SubscribedTrack, 1);
  t->elements = g_ptr_array_new_with_free_func (gst_object_unref);
  t->track_sid = track_sid_for_pad (self, pad);
  known = gst_livekit_room_lookup_track (self, t->track_sid, &t->identity,
      &encryption, &type);
  if (!known)
    /* Fail closed: an unknown track is decrypted (with the shared ring),
     * never handed on as it came. */
    GST_ELEMENT_WARNING (self, STREAM, DECRYPT,
        ("track %s of an unknown participant: decrypting with the shared "
            "key", t->track_sid ? t->track_sid : "(no sid)"), (NULL));

  last = add_element (self, t, choice->depayloader);
  if (choice->caps) {
    GstPad *depay_sink = gst_element_get_static_pad (last, "sink");
    gst_pad_add_probe (depay_sink, GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM,
        strip_sprop, NULL, NULL);
    gst_object_unref (depay_sink);
    GstCaps *filter = gst_caps_from_string (choice->caps);
    e = add_element (self, t, "capsfilter");
    g_object_set (e, "caps", filter, NULL);
    gst_caps_unref (filter);
    gst_element_link (last, e);
    last = e;
  }
  if (encryption != GST_LIVEKIT_ENCRYPTION_TYPE_NONE) {
    e = add_element (self, t, "livekitdecrypt");
    gst_livekit_room_watch_cryptor (self, e);
    sif = sif_trailer_hex (self);
    g_object_set (e, "participant-identity", t->identity, "sif-trailer", sif,
        NULL);
    g_free (sif);
    gst_element_link (last, e);
    last = e;
  }

  name = g_strdup_printf ("%s_%s_%s", type == GST_LIVEKIT_TRACK_TYPE_AUDIO ?
      "audio" : "video", t->identity ? t->identity : "unknown",
      t->track_sid ? t->track_sid : GST_PAD_NAME (pad));
  src = gst_element_get_static_pad (last, "src");
  t->ghost = gst_object_ref (gst_ghost_pad_new (name, src));
  gst_object_unref (src);
  g_free (name);

  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER |
      GST_PAD_PROBE_TYPE_BUFFER_LIST, stamp_sender, t, NULL);
  g_object_set_qdata_full (G_OBJECT (pad), track_quark, t,
      (GDestroyNotify) subscribed_track_free);

  for (guint i = 0; i < t->elements->len; i++)
    gst_element_sync_state_with_parent (g_ptr_array_index (t->elements, i));
  sink = gst_element_get_static_pad (g_ptr_array_index (t->elements, 0),
      "sink");
  gst_pad_link (pad, sink);
  gst_object_unref (sink);

  gst_pad_set_active (t->ghost, TRUE);
  gst_element_add_pad (GST_ELEMENT (self), t->ghost);
  gst_livekit_room_post (self, gst_structure_new ("livekit-track-subscribed",
          "identity", G_TYPE_STRING, t->identity,
          "track-sid", G_TYPE_STRING, t->track_sid,
          "pad", G_TYPE_STRING, GST_PAD_NAME (t->ghost),
          "encryption", G_TYPE_STRING,
          encryption == GST_LIVEKIT_ENCRYPTION_TYPE_NONE ? "none" : "gcm",
          NULL));
  if (encryption == GST_LIVEKIT_ENCRYPTION_TYPE_NONE)
    GST_INFO_OBJECT (self, "track %s of %s is not encrypted: passed through",
        t->track_sid, t->identity);
}

void
gst_livekit_room_on_subscriber_pad_removed (GstElement * webrtc, GstPad * pad,
    GstLiveKitRoomBin * self)
{
  SubscribedTrack *t = track_quark ? g_object_get_qdata (G_OBJECT (pad),
      track_quark) : NULL;

  if (!t)
    return;
  gst_livekit_room_post (self, gst_structure_new ("livekit-track-unsubscribed",
          "identity", G_TYPE_STRING, t->identity,
          "track-sid", G_TYPE_STRING, t->track_sid, NULL));
  gst_element_remove_pad (GST_ELEMENT (self), t->ghost);
  for (guint i = 0; i < t->elements->len; i++) {
    GstElement *e = g_ptr_array_index (t->elements, i);
    gst_element_set_state (e, GST_STATE_NULL);
    gst_bin_remove (GST_BIN (self), e);
  }
  g_object_set_qdata (G_OBJECT (pad), track_quark, NULL);
}

void
gst_livekit_room_drop_subscriptions (GstLiveKitRoomBin * self,
    GstElement * webrtc)
{
  GList *pads = NULL;
  GstIterator *it = gst_element_iterate_src_pads (webrtc);
  GValue item = G_VALUE_INIT;

  while (gst_iterator_next (it, &item) == GST_ITERATOR_OK) {
    pads = g_list_prepend (pads, g_value_dup_object (&item));
    g_value_reset (&item);
  }
  g_value_unset (&item);
  gst_iterator_free (it);
  for (GList * l = pads; l; l = l->next)
    gst_livekit_room_on_subscriber_pad_removed (webrtc, l->data, self);
  g_list_free_full (pads, gst_object_unref);
}

/* Rank of payload type @pt of @media for a track of @codec: 0 best. */
static guint
format_rank (const GstSDPMedia * media, const gchar * pt, const gchar * codec)
{
  gchar *rtpmap = g_strconcat (pt, " ", NULL);
  gboolean same_codec = FALSE, single_nal = FALSE;

  for (guint i = 0; i < gst_sdp_media_attributes_len (media); i++) {
    const GstSDPAttribute *a = gst_sdp_media_get_attribute (media, i);
    if (!a->value || !g_str_has_prefix (a->value, rtpmap))
      continue;
    if (g_str_equal (a->key, "rtpmap"))
      same_codec = g_ascii_strncasecmp (a->value + strlen (rtpmap), codec,
          strlen (codec)) == 0 && a->value[strlen (rtpmap) + strlen (codec)]
          == '/';
    else if (g_str_equal (a->key, "fmtp"))
      single_nal = strstr (a->value, "packetization-mode=1") == NULL
          && g_ascii_strcasecmp (codec, "H264") == 0;
  }
  g_free (rtpmap);
  return same_codec ? (single_nal ? 1 : 0) : 2;
}

/* webrtcbin 1.22 answers a new m-line with the first codec of the offer
 * only (gst_sdp_media_set_media_from_caps), and the server lists VP8
 * first: a VP9/H.264/H.265 track would not be sent to us ("codec is not
 * supported by remote"). The codec of the track each m-line carries (from
 * its TrackInfo) goes first; H.264 in non-interleaved mode first of all. */
void
gst_livekit_room_prefer_track_codecs (GstLiveKitRoomBin * self,
    GstSDPMessage * offer)
{
  g_mutex_lock (&self->lock);
  for (guint m = 0; m < gst_sdp_message_medias_len (offer); m++) {
    GstSDPMedia *media = (GstSDPMedia *) gst_sdp_message_get_media (offer, m);
    const gchar *mid = gst_sdp_media_get_attribute_val (media, "mid");
    const gchar *sid = mid ? g_hash_table_lookup (self->mid_to_track, mid) :
        NULL;
    RoomTrack *t = sid ? g_hash_table_lookup (self->tracks, sid) : NULL;
    const gchar *slash = t && t->info->mime_type ?
        strchr (t->info->mime_type, '/') : NULL;
    GPtrArray *formats;

    if (!slash)
      continue;
    formats = g_ptr_array_new_with_free_func (g_free);
    for (guint rank = 0; rank <= 2; rank++)
      for (guint f = 0; f < gst_sdp_media_formats_len (media); f++) {
        const gchar *pt = gst_sdp_media_get_format (media, f);
        if (format_rank (media, pt, slash + 1) == rank)
          g_ptr_array_add (formats, g_strdup (pt));
      }
    while (gst_sdp_media_formats_len (media) > 0)
      gst_sdp_media_remove_format (media, 0);
    for (guint f = 0; f < formats->len; f++)
      gst_sdp_media_add_format (media, g_ptr_array_index (formats, f));
    GST_DEBUG_OBJECT (self, "m-line %u (%s): %s first", m, mid,
        t->info->mime_type);
    g_ptr_array_unref (formats);
  }
  g_mutex_unlock (&self->lock);
}
