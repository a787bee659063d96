#ifndef __GST_LIVEKIT_ROOM_BIN_H__
#define __GST_LIVEKIT_ROOM_BIN_H__

#include <gst/gst.h>

G_BEGIN_DECLS

#define GST_TYPE_LIVEKIT_ROOM_BIN (gst_livekit_room_bin_get_type ())
G_DECLARE_FINAL_TYPE (GstLiveKitRoomBin, gst_livekit_room_bin, GST,
    LIVEKIT_ROOM_BIN, GstBin)

GST_ELEMENT_REGISTER_DECLARE (livekitroombin);

G_END_DECLS
#endif
