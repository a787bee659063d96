/* Key files: the safe way to hand a key to a command line. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "keyfile.h"
#include "secure-memory.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <glib/gstdio.h>

/* Room for what `echo secret > file` adds (CR LF) to a key of the maximum
 * size. */
#define MAX_FILE_SIZE (GST_LIVEKIT_MAX_KEY_FILE_SIZE + 2)
#define TOO_LARGE "is larger than " G_STRINGIFY (GST_LIVEKIT_MAX_KEY_FILE_SIZE) \
    " bytes"

static gboolean
fail (GError ** error, gint code, const gchar * path, const gchar * why)
{
  g_set_error (error, G_FILE_ERROR, code, "\"%s\" %s", path, why);
  return FALSE;
}

/* Reads all of @fd (at most @cap bytes) into @buf. The file is checked to
 * be regular and small before this: a device or a FIFO never gets here. */
static gboolean
read_all (gint fd, const gchar * path, guint8 * buf, gsize cap, gsize * size,
    GError ** error)
{
  gsize n = 0;

  for (;;) {
    gssize r = read (fd, buf + n, cap - n);

    if (r < 0 && errno == EINTR)
      continue;
    if (r < 0) {
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (errno),
          "\"%s\" could not be read: %s", path, g_strerror (errno));
      return FALSE;
    }
    if (r == 0)
      break;
    n += r;
    /* Grew since fstat: no bigger than we checked. */
    if (n == cap)
      return fail (error, G_FILE_ERROR_INVAL, path, "changed while read");
  }
  *size = n;
  return TRUE;
}

guint8 *
gst_livekit_key_file_read (const gchar * path, gsize * len, GError ** error)
{
  struct stat st;
  guint8 *buf = NULL, *key = NULL;
  gsize size = 0, n, cap;
  gint fd;

  /* O_NONBLOCK: opening a FIFO must not wait for a writer. */
  fd = g_open (path, O_RDONLY | O_NONBLOCK | O_CLOEXEC, 0);
  if (fd < 0) {
    g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (errno),
        "\"%s\" could not be opened: %s", path, g_strerror (errno));
    return NULL;
  }
  /* What the file is and how big, before reading a byte: /dev/zero would
   * never end, a FIFO would block start-up. */
  if (fstat (fd, &st) != 0) {
    g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (errno),
        "\"%s\" could not be examined: %s", path, g_strerror (errno));
    goto out;
  }
  if (!S_ISREG (st.st_mode)) {
    fail (error, G_FILE_ERROR_INVAL, path, "is not a regular file");
    goto out;
  }
  if (st.st_size > MAX_FILE_SIZE) {
    fail (error, G_FILE_ERROR_INVAL, path, TOO_LARGE);
    goto out;
  }

  /* One byte more than the size seen, to notice a file that grew. */
  cap = (gsize) st.st_size + 1;
  buf = gst_livekit_secure_alloc (cap);
  if (!read_all (fd, path, buf, cap, &size, error))
    goto out;
  n = size;
  while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
    n--;
  if (n == 0)
    fail (error, G_FILE_ERROR_INVAL, path, "is empty");
  else if (n > GST_LIVEKIT_MAX_KEY_FILE_SIZE)
    fail (error, G_FILE_ERROR_INVAL, path, TOO_LARGE);
  else {
    key = gst_livekit_secure_dup (buf, n);
    *len = n;
  }

out:
  /* Guarded memory is zeroed when freed. */
  gst_livekit_secure_free (buf);
  close (fd);
  return key;
}
