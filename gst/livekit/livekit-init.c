#include "livekit-init.h"

#include "exit-guard.h"

#include <sodium.h>

gboolean
gst_livekit_init (void)
{
  static gsize done = 0;
  static gboolean ok = FALSE;

  if (g_once_init_enter (&done)) {
    /* sodium_init() picks the CSPRNG and must run before any other sodium
     * call; it returns 1 when already initialised. */
    ok = sodium_init () >= 0;
    /* Before any keyring worker exists: see exit-guard.c. */
    ok = gst_livekit_exit_guard_install () && ok;
    g_once_init_leave (&done, 1);
  }
  return ok;
}
