/* Key files: the safe way to hand a key to a command line. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "keyfile.h"
#include "secure-memory.h"

#include <string.h>
#include <sodium.h>

guint8 *
gst_livekit_key_file_read (const gchar * path, gsize * len, GError ** error)
{
  gchar *contents = NULL;
  gsize size = 0, n;
  guint8 *key = NULL;

  if (!g_file_get_contents (path, &contents, &size, error))
    return NULL;
  /* What `echo secret > file` adds is not part of the key. */
  n = size;
  while (n > 0 && (contents[n - 1] == '\n' || contents[n - 1] == '\r'))
    n--;
  if (n == 0 || n > GST_LIVEKIT_MAX_KEY_FILE_SIZE) {
    g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
        "\"%s\" is empty or larger than %d bytes", path,
        GST_LIVEKIT_MAX_KEY_FILE_SIZE);
  } else {
    key = gst_livekit_secure_dup (contents, n);
    *len = n;
  }
  sodium_memzero (contents, size);
  g_free (contents);
  return key;
}
