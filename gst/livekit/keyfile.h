/* Reading a key file (shared-key-file, the recorder's --key-file). */
#ifndef __GST_LIVEKIT_KEY_FILE_H__
#define __GST_LIVEKIT_KEY_FILE_H__

#include <glib.h>

G_BEGIN_DECLS

#define GST_LIVEKIT_MAX_KEY_FILE_SIZE 4096

/* The file's bytes less trailing newlines, in guarded memory (free with
 * gst_livekit_secure_free()). NULL with @error set when the file cannot be
 * read, is not a regular file (checked before reading: a device or FIFO
 * fails at once), is empty or larger than GST_LIVEKIT_MAX_KEY_FILE_SIZE. */
guint8 *gst_livekit_key_file_read (const gchar * path, gsize * len,
    GError ** error);

G_END_DECLS
#endif
