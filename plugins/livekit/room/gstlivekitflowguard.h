/* Internal to livekitroombin: not registered as a plugin feature. */
#ifndef __GST_LIVEKIT_FLOW_GUARD_H__
#define __GST_LIVEKIT_FLOW_GUARD_H__

#include <gst/gst.h>

G_BEGIN_DECLS

#define GST_TYPE_LIVEKIT_FLOW_GUARD (gst_livekit_flow_guard_get_type ())
G_DECLARE_FINAL_TYPE (GstLiveKitFlowGuard, gst_livekit_flow_guard, GST,
    LIVEKIT_FLOW_GUARD, GstElement);

GstElement *gst_livekit_flow_guard_new (void);

G_END_DECLS
#endif
