/* The exit guard.
 *
 * exit() runs OpenSSL's cleanup (an atexit handler that OpenSSL registers
 * when it is first initialised) while other threads keep running. A
 * keyring worker still inside PBKDF2 then takes freed locks and crashes
 * (issue 9: SIGSEGV in pthread_rwlock_rdlock from EVP_KDF_fetch). So the
 * OpenSSL calls that may run on our threads are bracketed by enter/leave,
 * and a shutdown handler closes the gate and waits for the calls in
 * flight. It runs before OpenSSL frees anything on both paths:
 * - exit(): OpenSSL registers no cleanup of its own when we initialise it
 *   first (OPENSSL_INIT_NO_ATEXIT); otherwise ours, registered after it,
 *   runs first (atexit handlers run last-registered first);
 * - an explicit OPENSSL_cleanup() by the application: OPENSSL_atexit()
 *   handlers run at its start.
 * Calls refused after that fail like any other KDF failure (fail closed). */
#include "exit-guard.h"

#include <stdlib.h>
#include <openssl/crypto.h>

static GMutex guard_lock;
static GCond guard_idle;
static guint in_flight;
static gboolean closed;

static void
shutdown_handler (void)
{
  g_mutex_lock (&guard_lock);
  closed = TRUE;
  while (in_flight > 0)
    g_cond_wait (&guard_idle, &guard_lock);
  g_mutex_unlock (&guard_lock);
}

gboolean
gst_livekit_exit_guard_install (void)
{
  static gsize done = 0;
  static gboolean ok = FALSE;

  if (g_once_init_enter (&done)) {
    /* OpenSSL is asked not to clean up at exit: threads that ran OpenSSL
     * code (our elements' streaming threads, DTLS, GLib's pooled threads)
     * can still be ending while exit() runs, and each one's OpenSSL
     * thread-local destructor takes locks that the cleanup frees (SIGSEGV
     * in CRYPTO_THREAD_read_lock from __nptl_deallocate_tsd, in
     * test-roombin-livekit's forked tests). This holds only if we are the
     * first to initialise OpenSSL in the process; if not, OpenSSL's own
     * atexit handler exists already and ours, registered after it, runs
     * first. */
    ok = OPENSSL_init_crypto (OPENSSL_INIT_NO_ATEXIT, NULL) == 1
        && OPENSSL_atexit (shutdown_handler) == 1
        && atexit (shutdown_handler) == 0;
    g_once_init_leave (&done, 1);
  }
  return ok;
}

gboolean
gst_livekit_exit_guard_enter (void)
{
  gboolean ok;

  /* Whoever calls first, the handler is in place before any call. */
  if (!gst_livekit_exit_guard_install ())
    return FALSE;
  g_mutex_lock (&guard_lock);
  ok = !closed;
  if (ok)
    in_flight++;
  g_mutex_unlock (&guard_lock);
  return ok;
}

void
gst_livekit_exit_guard_leave (void)
{
  g_mutex_lock (&guard_lock);
  if (--in_flight == 0)
    g_cond_broadcast (&guard_idle);
  g_mutex_unlock (&guard_lock);
}

gboolean
gst_livekit_exit_guard_closed (void)
{
  gboolean c;

  g_mutex_lock (&guard_lock);
  c = closed;
  g_mutex_unlock (&guard_lock);
  return c;
}
