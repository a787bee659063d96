/* The source pads of livekitroombin: ghost pads that say whom they carry,
 * so an application knows at pad-added what it got. */
#ifndef __GST_LIVEKIT_ROOM_PAD_H__
#define __GST_LIVEKIT_ROOM_PAD_H__

#include <gst/gst.h>

G_BEGIN_DECLS

#define GST_TYPE_LIVEKIT_ROOM_PAD (gst_livekit_room_pad_get_type ())
G_DECLARE_FINAL_TYPE (GstLiveKitRoomPad, gst_livekit_room_pad, GST,
    LIVEKIT_ROOM_PAD, GstGhostPad);

/* @source: TrackSource in lower case, NULL when unknown; @kind "audio" or
 * "video". */
GstPad *gst_livekit_room_pad_new (const gchar * name, GstPadTemplate * templ,
    GstPad * target, const gchar * identity, const gchar * source,
    const gchar * kind);
/* The track feeding the pad now (NULL while idle). */
void gst_livekit_room_pad_set_track_sid (GstLiveKitRoomPad * pad,
    const gchar * track_sid);

G_END_DECLS
#endif
