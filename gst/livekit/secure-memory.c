/* Guarded key memory (libsodium): mlock'ed, surrounded by guard pages,
 * zeroed when freed. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "secure-memory.h"

#include <string.h>
#include <sodium.h>

gpointer
gst_livekit_secure_alloc (gsize len)
{
  gpointer mem = sodium_malloc (len ? len : 1);

  /* Out of address space or mlock limits: like g_malloc, not recoverable. */
  if (!mem)
    g_error ("guarded allocation of %" G_GSIZE_FORMAT " bytes failed", len);
  return mem;
}

gpointer
gst_livekit_secure_dup (gconstpointer data, gsize len)
{
  gpointer copy = gst_livekit_secure_alloc (len);

  if (len)
    memcpy (copy, data, len);
  return copy;
}

void
gst_livekit_secure_free (gpointer data)
{
  /* sodium_free zeroes before unmapping. */
  if (data)
    sodium_free (data);
}

void
gst_livekit_zero_free (gpointer data, gsize len)
{
  if (!data)
    return;
  sodium_memzero (data, len);
  g_free (data);
}
