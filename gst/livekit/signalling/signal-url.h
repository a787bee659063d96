/* The v0 signalling URLs (spec livekit-signalling.md §1.1). Not installed. */
#ifndef __GST_LIVEKIT_SIGNAL_URL_H__
#define __GST_LIVEKIT_SIGNAL_URL_H__

#include <glib.h>

G_BEGIN_DECLS

/* What we claim in the query: protocol 17 like current SDKs; sdk=cpp
 * because "go" would change server behaviour (spec §1.1). */
#define GST_LIVEKIT_SIGNAL_PROTOCOL 17
#define GST_LIVEKIT_SIGNAL_SDK "cpp"

typedef enum
{
  GST_LIVEKIT_SIGNAL_URL_RTC,   /* ws(s)://host/rtc */
  GST_LIVEKIT_SIGNAL_URL_VALIDATE,      /* http(s)://host/rtc/validate */
} GstLiveKitSignalUrlKind;

gchar *gst_livekit_signal_url_build (const gchar * url, const gchar * token,
    gboolean auto_subscribe, GstLiveKitSignalUrlKind kind, GError ** error);

G_END_DECLS
#endif /* __GST_LIVEKIT_SIGNAL_URL_H__ */
