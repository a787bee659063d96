/* Key bytes outside the keyring: libsodium guarded memory, zeroed on
 * release (the keyring keeps its own keys the same way). */
#ifndef __GST_LIVEKIT_SECURE_MEMORY_H__
#define __GST_LIVEKIT_SECURE_MEMORY_H__

#include <glib.h>

G_BEGIN_DECLS

/* Guarded, mlock'ed memory of @len bytes (at least one); never NULL. */
gpointer gst_livekit_secure_alloc (gsize len);
gpointer gst_livekit_secure_dup (gconstpointer data, gsize len);
/* Zeroes and unmaps; NULL is a no-op. */
void gst_livekit_secure_free (gpointer data);
/* Zeroes and g_free()s a GLib allocation that held a secret. */
void gst_livekit_zero_free (gpointer data, gsize len);

G_END_DECLS
#endif
