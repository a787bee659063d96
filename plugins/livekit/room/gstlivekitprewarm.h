/* What a join can do ahead: the process's DTLS certificate, made before
 * the first peer connection needs it. */
#ifndef __GST_LIVEKIT_PREWARM_H__
#define __GST_LIVEKIT_PREWARM_H__

#include <glib.h>

G_BEGIN_DECLS

/* FALSE with GST_LIVEKIT_JOIN_PREWARM=0 in the environment: the join
 * benchmark's "before", with none of the join's speed-ups (certificate
 * made when webrtcbin first needs it, key derived before connecting,
 * jitterbuffers without fast start). */
gboolean gst_livekit_prewarm_enabled (void);

/* Once per process, when enabled: makes GStreamer's generated DTLS
 * certificate on a background thread. */
void gst_livekit_prewarm_dtls (void);

/* Waits until that certificate is made, if it is still being made. A bin
 * calls it on its way to NULL: an application that then exits does not
 * exit under an RSA key generation (the process's exit tears OpenSSL down
 * under it, and GStreamer's dtls elements do not guard against that). */
void gst_livekit_prewarm_wait (void);

G_END_DECLS
#endif
