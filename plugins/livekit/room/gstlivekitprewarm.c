/* The DTLS certificate, off the join's critical path.
 *
 * GStreamer's dtlsdec makes one RSA-2048 certificate per process, in the
 * instance init of the first dtlsdec that has no "pem" (gst-plugins-bad
 * 1.22 ext/dtls/gstdtlsdec.c: get_agent_by_pem (NULL), under g_once), and
 * every later dtlsdec shares it. webrtcbin creates its first dtlsdec only
 * when it sets the server's offer, so the 0.2-1.2 s of key generation fell
 * between the offer and the answer of the first join. A dtlsdec made on a
 * background thread when the bin goes to READY generates the certificate
 * while the WebSocket connects; webrtcbin's dtlsdec then reuses it, or
 * waits in that g_once for the generation already under way. */
#include "gstlivekitprewarm.h"

#include <gst/gst.h>
#include <gst/livekit/exit-guard.h>

GST_DEBUG_CATEGORY_STATIC (dtls_prewarm_debug);
#define GST_CAT_DEFAULT dtls_prewarm_debug

static gpointer
prewarm_thread (gpointer data)
{
  GstElement *dec;

  /* RSA key generation is OpenSSL: not while the process exits. */
  if (!gst_livekit_exit_guard_enter ())
    return NULL;
  dec = gst_element_factory_make ("dtlsdec", NULL);
  gst_livekit_exit_guard_leave ();
  if (dec) {
    GST_DEBUG ("DTLS certificate ready");
    gst_object_unref (gst_object_ref_sink (dec));
  } else {
    /* webrtcbin needs dtlsdec too: it will say what is missing. */
    GST_DEBUG ("no dtlsdec element");
  }
  return NULL;
}

static GMutex prewarm_lock;
static GThread *prewarm;        /* until someone waits for it */

gboolean
gst_livekit_prewarm_enabled (void)
{
  static gsize done = 0;
  static gboolean enabled;

  if (g_once_init_enter (&done)) {
    enabled = g_strcmp0 (g_getenv ("GST_LIVEKIT_JOIN_PREWARM"), "0") != 0;
    g_once_init_leave (&done, 1);
  }
  return enabled;
}

void
gst_livekit_prewarm_dtls (void)
{
  static gsize started = 0;

  if (g_once_init_enter (&started)) {
    GThread *thread = NULL;

    GST_DEBUG_CATEGORY_INIT (dtls_prewarm_debug, "livekitprewarm", 0,
        "what a join does ahead");
    if (gst_livekit_prewarm_enabled ())
      thread = g_thread_try_new ("livekit-dtls", prewarm_thread, NULL, NULL);
    g_mutex_lock (&prewarm_lock);
    prewarm = thread;
    g_mutex_unlock (&prewarm_lock);
    g_once_init_leave (&started, 1);
  }
}

void
gst_livekit_prewarm_wait (void)
{
  GThread *thread;

  g_mutex_lock (&prewarm_lock);
  thread = prewarm;
  prewarm = NULL;
  g_mutex_unlock (&prewarm_lock);
  if (thread)
    g_thread_join (thread);
}
