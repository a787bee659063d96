/* Internal to livekitroombin: the codecs of the subscriber's answers. */
#ifndef __GST_LIVEKIT_SDP_CODECS_H__
#define __GST_LIVEKIT_SDP_CODECS_H__

#include <gst/sdp/sdp.h>

G_BEGIN_DECLS

/* Lists in each video m-line of @answer every codec of the same m-line of
 * @offer whose encoding name is in @encodings (NULL-terminated), in the
 * offer's order, with the offer's payload types, rtpmap and fmtp; their
 * retransmission formats if the answer has any; the rtcp-fb the answer
 * gives its own codec, where the offer has them; and the offer's fmtp for
 * the formats the answer had. Returns how many formats it added. */
guint gst_livekit_sdp_answer_add_codecs (const GstSDPMessage * offer,
    GstSDPMessage * answer, const gchar * const *encodings);

G_END_DECLS
#endif
