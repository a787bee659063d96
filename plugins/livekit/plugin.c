/* The livekit GStreamer plugin: registers the LiveKit E2EE elements. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <gst/gst.h>
#include <gst/livekit/livekit.h>

#include "crypto/gstlivekitencrypt.h"
#include "crypto/gstlivekitdecrypt.h"
#include "rtp/gstlivekitrtpvp8pay.h"
#include "rtp/gstlivekitrtpvp9pay.h"
#include "rtp/gstlivekitrtph264pay.h"
#include "rtp/gstlivekitrtph265pay.h"
#include "room/gstlivekitroombin.h"

static gboolean
plugin_init (GstPlugin * plugin)
{
  if (!gst_livekit_init ())
    return FALSE;
  /* Documented by gst-inspect through the elements that use them. */
  gst_type_mark_as_plugin_api (GST_TYPE_LIVEKIT_KEYRING, 0);
  gst_type_mark_as_plugin_api (GST_TYPE_LIVEKIT_KEY_DERIVATION, 0);
  gst_type_mark_as_plugin_api (GST_TYPE_LIVEKIT_ENCRYPTION_STATE, 0);
  return GST_ELEMENT_REGISTER (livekitencrypt, plugin)
      && GST_ELEMENT_REGISTER (livekitdecrypt, plugin)
      && GST_ELEMENT_REGISTER (livekitrtpvp8pay, plugin)
      && GST_ELEMENT_REGISTER (livekitrtpvp9pay, plugin)
      && GST_ELEMENT_REGISTER (livekitrtph264pay, plugin)
      && GST_ELEMENT_REGISTER (livekitrtph265pay, plugin)
      && GST_ELEMENT_REGISTER (livekitroombin, plugin);
}

GST_PLUGIN_DEFINE (GST_VERSION_MAJOR, GST_VERSION_MINOR, livekit,
    "LiveKit end-to-end encryption", plugin_init, VERSION, GST_LICENSE,
    GST_PACKAGE_NAME, GST_PACKAGE_ORIGIN)
