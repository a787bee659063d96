/* A copy of a frame that failed to decrypt, kept so the keyring's worker
 * can tell which ratchet step opens it. Internal to libgstlivekit. */
#ifndef __GST_LIVEKIT_RATCHET_PROBE_H__
#define __GST_LIVEKIT_RATCHET_PROBE_H__

#include <glib.h>
#include "frame.h"

G_BEGIN_DECLS

typedef struct _GstLiveKitRatchetProbe GstLiveKitRatchetProbe;

GstLiveKitRatchetProbe *gst_livekit_ratchet_probe_new (GstLiveKitCodec codec,
    const guint8 * frame, gsize len, gboolean key_frame, guint ring_size);
void gst_livekit_ratchet_probe_free (GstLiveKitRatchetProbe * probe);

/* Whether the frame authenticates under @aes_key. Runs OpenSSL: call it
 * inside the exit guard. */
gboolean gst_livekit_ratchet_probe_opens (GstLiveKitRatchetProbe * probe,
    const guint8 * aes_key);

G_END_DECLS
#endif
