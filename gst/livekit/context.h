/* Sharing one keyring between elements through a GstContext. */
#ifndef __GST_LIVEKIT_CONTEXT_H__
#define __GST_LIVEKIT_CONTEXT_H__

#include <gst/gst.h>
#include <gst/livekit/keyring.h>

G_BEGIN_DECLS

#define GST_LIVEKIT_KEYRING_CONTEXT_TYPE "livekit.e2ee.keyring"

/* A persistent context carrying @keyring; set it on a pipeline or bin and
 * every LiveKit element inside uses that keyring. */
GstContext *gst_livekit_context_new_keyring (GstLiveKitKeyring * keyring);
/* Returns: (transfer full) (nullable): the keyring of a keyring context. */
GstLiveKitKeyring *gst_livekit_context_get_keyring (GstContext * context);

/* Element helpers, modelled on GStreamer's VA helpers. */
gboolean gst_livekit_keyring_handle_set_context (GstElement * element,
    GstContext * context, GstLiveKitKeyring ** keyring);
gboolean gst_livekit_keyring_handle_context_query (GstElement * element,
    GstQuery * query, GstLiveKitKeyring * keyring);
/* Keeps *keyring if set; else asks peers (query) and the application (need-
 * context message). Returns whether a shared keyring was found. */
gboolean gst_livekit_keyring_find_shared (GstElement * element,
    GstLiveKitKeyring ** keyring);

G_END_DECLS
#endif
