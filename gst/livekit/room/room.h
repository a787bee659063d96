/* libgstlivekit's room model. */
#ifndef __GST_LIVEKIT_ROOM_H__
#define __GST_LIVEKIT_ROOM_H__

#include <gst/livekit/room/room-model.h>
#include <gst/livekit/room/livekit-room-enumtypes.h>

#endif
