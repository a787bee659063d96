#ifndef __GST_LIVEKIT_INIT_H__
#define __GST_LIVEKIT_INIT_H__

#include <glib.h>

G_BEGIN_DECLS

/* Initialises libgstlivekit's dependencies (libsodium, OpenSSL and the
 * exit guard that keeps our threads out of OpenSSL's cleanup). Idempotent and
 * thread-safe; every entry point that needs it calls it. */
gboolean gst_livekit_init (void);

G_END_DECLS
#endif
