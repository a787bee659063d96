/* Keeps OpenSSL calls made on our threads out of the process's exit.
 * Internal to libgstlivekit. */
#ifndef __GST_LIVEKIT_EXIT_GUARD_H__
#define __GST_LIVEKIT_EXIT_GUARD_H__

#include <glib.h>

G_BEGIN_DECLS

/* Initialises OpenSSL, then registers the shutdown handler (once). */
gboolean gst_livekit_exit_guard_install (void);

/* Before a call into OpenSSL that may run on a thread of ours: FALSE once
 * the process is exiting (or the application ran OPENSSL_cleanup()); then
 * do not call OpenSSL. Pair every TRUE with gst_livekit_exit_guard_leave(). */
gboolean gst_livekit_exit_guard_enter (void);
void gst_livekit_exit_guard_leave (void);

/* TRUE once the shutdown handler ran. */
gboolean gst_livekit_exit_guard_closed (void);

G_END_DECLS
#endif
