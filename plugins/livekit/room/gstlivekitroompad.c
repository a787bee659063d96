/* A source pad of livekitroombin. Its properties name the participant and
 * source it stands for (fixed for the pad's life) and the track that feeds
 * it now (changes on a rejoin or a republish). */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstlivekitroompad.h"

struct _GstLiveKitRoomPad
{
  GstGhostPad parent;

  gchar *identity, *source, *kind;
  gchar *track_sid;             /* object lock */
};

enum
{
  PROP_0,
  PROP_IDENTITY,
  PROP_SOURCE,
  PROP_KIND,
  PROP_TRACK_SID,
};

G_DEFINE_TYPE (GstLiveKitRoomPad, gst_livekit_room_pad, GST_TYPE_GHOST_PAD);

GstPad *
gst_livekit_room_pad_new (const gchar * name, GstPadTemplate * templ,
    GstPad * target, const gchar * identity, const gchar * source,
    const gchar * kind)
{
  GstLiveKitRoomPad *pad = g_object_new (GST_TYPE_LIVEKIT_ROOM_PAD, "name",
      name, "direction", GST_PAD_SRC, "template", templ, NULL);

  pad->identity = g_strdup (identity);
  pad->source = g_strdup (source);
  pad->kind = g_strdup (kind);
  gst_ghost_pad_set_target (GST_GHOST_PAD (pad), target);
  return GST_PAD (pad);
}

void
gst_livekit_room_pad_set_track_sid (GstLiveKitRoomPad * pad,
    const gchar * track_sid)
{
  GST_OBJECT_LOCK (pad);
  g_free (pad->track_sid);
  pad->track_sid = g_strdup (track_sid);
  GST_OBJECT_UNLOCK (pad);
}

static void
gst_livekit_room_pad_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec)
{
  GstLiveKitRoomPad *pad = GST_LIVEKIT_ROOM_PAD (object);

  switch (prop_id) {
    case PROP_IDENTITY:
      g_value_set_string (value, pad->identity);
      break;
    case PROP_SOURCE:
      g_value_set_string (value, pad->source);
      break;
    case PROP_KIND:
      g_value_set_string (value, pad->kind);
      break;
    case PROP_TRACK_SID:
      GST_OBJECT_LOCK (pad);
      g_value_set_string (value, pad->track_sid);
      GST_OBJECT_UNLOCK (pad);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
}

static void
gst_livekit_room_pad_finalize (GObject * object)
{
  GstLiveKitRoomPad *pad = GST_LIVEKIT_ROOM_PAD (object);

  g_free (pad->identity);
  g_free (pad->source);
  g_free (pad->kind);
  g_free (pad->track_sid);
  G_OBJECT_CLASS (gst_livekit_room_pad_parent_class)->finalize (object);
}

static void
gst_livekit_room_pad_init (GstLiveKitRoomPad * pad)
{
}

static void
gst_livekit_room_pad_class_init (GstLiveKitRoomPadClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GParamFlags ro = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS;

  gobject_class->get_property = gst_livekit_room_pad_get_property;
  gobject_class->finalize = gst_livekit_room_pad_finalize;

  g_object_class_install_property (gobject_class, PROP_IDENTITY,
      g_param_spec_string ("identity", "Identity",
          "The participant whose media the pad carries", NULL, ro));
  g_object_class_install_property (gobject_class, PROP_SOURCE,
      g_param_spec_string ("source", "Source",
          "LiveKit TrackSource in lower case (microphone, camera, "
          "screen_share, screen_share_audio); NULL when unknown", NULL, ro));
  g_object_class_install_property (gobject_class, PROP_KIND,
      g_param_spec_string ("kind", "Kind", "\"audio\" or \"video\"", NULL,
          ro));
  g_object_class_install_property (gobject_class, PROP_TRACK_SID,
      g_param_spec_string ("track-sid", "Track sid",
          "The track feeding the pad now; NULL while it waits for its source "
          "to come back", NULL, ro));
}
