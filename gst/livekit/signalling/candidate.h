/* ICE candidates as LiveKit's TrickleRequest carries them: the JSON of a
 * W3C RTCIceCandidateInit (spec livekit-signalling.md §2.3). */
#ifndef __GST_LIVEKIT_CANDIDATE_H__
#define __GST_LIVEKIT_CANDIDATE_H__

#include <glib.h>

G_BEGIN_DECLS

#define GST_LIVEKIT_CANDIDATE_ERROR (gst_livekit_candidate_error_quark ())
typedef enum
{
  GST_LIVEKIT_CANDIDATE_ERROR_INVALID,
} GstLiveKitCandidateError;

GQuark gst_livekit_candidate_error_quark (void);

gchar *gst_livekit_candidate_to_json (const gchar * candidate,
    const gchar * sdp_mid, guint sdp_mline_index);

gboolean gst_livekit_candidate_from_json (const gchar * json,
    gchar ** candidate, gchar ** sdp_mid, guint * sdp_mline_index,
    GError ** error);

G_END_DECLS
#endif /* __GST_LIVEKIT_CANDIDATE_H__ */
