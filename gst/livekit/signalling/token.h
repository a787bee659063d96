/* LiveKit access tokens (HS256 JWT), spec livekit-signalling.md §1.3. */
#ifndef __GST_LIVEKIT_TOKEN_H__
#define __GST_LIVEKIT_TOKEN_H__

#include <glib.h>

G_BEGIN_DECLS

/* LiveKit's SDKs default to six hours. */
#define GST_LIVEKIT_ACCESS_TOKEN_DEFAULT_TTL (6 * 3600)

gchar *gst_livekit_access_token_new (const gchar * api_key,
    const gchar * api_secret, const gchar * identity, const gchar * name,
    const gchar * room, guint ttl_seconds, gboolean can_publish,
    gboolean can_subscribe, gboolean can_publish_data);

/* Same, at a given Unix time in seconds (reproducible tokens for tests, or
 * deliberately expired ones). */
gchar *gst_livekit_access_token_new_at (const gchar * api_key,
    const gchar * api_secret, const gchar * identity, const gchar * name,
    const gchar * room, guint ttl_seconds, gboolean can_publish,
    gboolean can_subscribe, gboolean can_publish_data, gint64 now);

/* Subscribe-only and hidden from other participants (a recorder). */
gchar *gst_livekit_access_token_new_hidden_subscriber (const gchar * api_key,
    const gchar * api_secret, const gchar * identity, const gchar * room,
    guint ttl_seconds);

/* base64url without padding (RFC 7515 §2), as JWTs use it. */
gchar *gst_livekit_base64url_encode (const guint8 * data, gsize len);

G_END_DECLS
#endif /* __GST_LIVEKIT_TOKEN_H__ */
