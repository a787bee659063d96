/* Base class of livekitencrypt and livekitdecrypt: keyring acquisition, the
 * key options, per-participant cryptors, stats and state reporting. */
#ifndef __GST_LIVEKIT_CRYPTO_BASE_H__
#define __GST_LIVEKIT_CRYPTO_BASE_H__

#include <gst/gst.h>
#include <gst/base/gstbasetransform.h>
#include <gst/livekit/livekit.h>

G_BEGIN_DECLS

#define GST_TYPE_LIVEKIT_CRYPTO_BASE (gst_livekit_crypto_base_get_type ())
G_DECLARE_DERIVABLE_TYPE (GstLiveKitCryptoBase, gst_livekit_crypto_base, GST,
    LIVEKIT_CRYPTO_BASE, GstBaseTransform)

struct _GstLiveKitCryptoBaseClass
{
  GstBaseTransformClass parent_class;
  gboolean encrypt;
  /* Called with a new cryptor before first use (e.g. to set the SSRC). */
  void (*setup_cryptor) (GstLiveKitCryptoBase * self,
      GstLiveKitCryptor * cryptor);
};

#define GST_LIVEKIT_CRYPTO_CAPS \
  "audio/x-opus; video/x-vp8; video/x-vp9; " \
  "video/x-h264, stream-format = (string) byte-stream, " \
  "alignment = (string) au; " \
  "video/x-h265, stream-format = (string) byte-stream, " \
  "alignment = (string) au"

GstLiveKitCodec gst_livekit_crypto_base_get_codec (GstLiveKitCryptoBase * self);
/* The cryptor for @identity (NULL: the element's participant-identity). */
GstLiveKitCryptor *gst_livekit_crypto_base_get_cryptor (GstLiveKitCryptoBase *
    self, const gchar * identity);
GstLiveKitKeyring *gst_livekit_crypto_base_get_keyring (GstLiveKitCryptoBase *
    self);
gint gst_livekit_crypto_base_get_key_index (GstLiveKitCryptoBase * self);
gchar *gst_livekit_crypto_base_dup_identity (GstLiveKitCryptoBase * self);
/* For a property whose value failed a check: @problem says why ("has an
 * odd number of hex digits"), NULL when the value is fine. Before the
 * element starts the problem is remembered and fails the start with an
 * element error naming @property; while it runs it is a warning. Returns
 * TRUE when the value may be used. */
gboolean gst_livekit_crypto_base_check_setting (GstLiveKitCryptoBase * self,
    const gchar * property, const gchar * problem);

/* Posts/emits state changes and rate-limited warnings for @result. Call
 * with no lock held. */
void gst_livekit_crypto_base_report (GstLiveKitCryptoBase * self,
    GstLiveKitCryptor * cryptor, const gchar * track_sid,
    const GstLiveKitCryptResult * result);

/* Streaming thread: tells downstream (GAP, rate-limited) that nothing
 * comes for the span of a dropped frame; frame_passed() after a frame
 * went out. */
void gst_livekit_crypto_base_announce_drop (GstLiveKitCryptoBase * self,
    GstBuffer * dropped);
void gst_livekit_crypto_base_frame_passed (GstLiveKitCryptoBase * self);

G_END_DECLS
#endif
