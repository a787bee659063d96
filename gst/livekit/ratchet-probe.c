/* Ratchet probes: the worker tries each step it derives on the frame that
 * asked for it, so it stops at the first step that decrypts. */
#include "ratchet-probe.h"

#include "frame-crypt.h"

struct _GstLiveKitRatchetProbe
{
  GstLiveKitCodec codec;
  gboolean key_frame;
  guint ring_size;
  guint8 *frame;
  gsize len;
  guint8 *scratch;
};

GstLiveKitRatchetProbe *
gst_livekit_ratchet_probe_new (GstLiveKitCodec codec, const guint8 * frame,
    gsize len, gboolean key_frame, guint ring_size)
{
  GstLiveKitRatchetProbe *p = g_new0 (GstLiveKitRatchetProbe, 1);

  p->codec = codec;
  p->key_frame = key_frame;
  p->ring_size = ring_size;
  p->frame = g_memdup2 (frame, len);
  p->len = len;
  p->scratch = g_malloc (len ? len : 1);
  return p;
}

void
gst_livekit_ratchet_probe_free (GstLiveKitRatchetProbe * p)
{
  if (!p)
    return;
  g_free (p->frame);
  g_free (p->scratch);
  g_free (p);
}

gboolean
gst_livekit_ratchet_probe_opens (GstLiveKitRatchetProbe * p,
    const guint8 * aes_key)
{
  GstLiveKitEncryptedFrame parsed;
  GstLiveKitAead *aead;
  gsize out_len;
  gboolean ok;

  if (gst_livekit_frame_parse_copy (p->codec, p->frame, p->len, p->key_frame,
          p->ring_size, p->scratch, &parsed) != GST_LIVEKIT_FRAME_OK)
    return FALSE;
  aead = gst_livekit_aead_new (aes_key, FALSE);
  if (!aead)
    return FALSE;
  ok = gst_livekit_frame_decrypt (aead, p->scratch, &parsed, &out_len) ==
      GST_LIVEKIT_FRAME_OK;
  gst_livekit_aead_free (aead);
  return ok;
}
