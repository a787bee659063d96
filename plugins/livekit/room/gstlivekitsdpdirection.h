/* Internal to livekitroombin: the subscriber's transceivers keep their
 * direction across reused m-lines. */
#ifndef __GST_LIVEKIT_SDP_DIRECTION_H__
#define __GST_LIVEKIT_SDP_DIRECTION_H__

#include <gst/sdp/sdp.h>

G_BEGIN_DECLS

/* Turns every audio or video m-line of @offer (the server's, about to be
 * given to webrtcbin) that sends nothing (recvonly, inactive) sendonly.
 * Returns how many it turned. */
guint gst_livekit_sdp_offer_keep_receiving (GstSDPMessage * offer);

/* Makes the m-lines of @answer (what goes to the server) on which @offer
 * (the server's, as it sent it) sends nothing inactive, as RFC 3264 §6.1
 * allows for an answerer that only receives. Returns how many it changed. */
guint gst_livekit_sdp_answer_restore_inactive (GstSDPMessage * answer,
    const GstSDPMessage * offer);

G_END_DECLS
#endif
