/* Internal to livekitroombin: the subscriber's answers stay on one
 * transport. */
#ifndef __GST_LIVEKIT_SDP_BUNDLE_H__
#define __GST_LIVEKIT_SDP_BUNDLE_H__

#include <gst/sdp/sdp.h>

G_BEGIN_DECLS

/* Gives every m-line of @answer the ICE credentials of its BUNDLE group's
 * first m-line, and a rejected one (port 0) also that m-line's fingerprint
 * and setup, with no direction but inactive and no SSRC, msid or candidate
 * lines. Returns how many m-lines it changed. */
guint gst_livekit_sdp_answer_mend_bundle (GstSDPMessage * answer);

G_END_DECLS
#endif
