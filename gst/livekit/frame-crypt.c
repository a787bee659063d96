/* Frame encryption in LiveKit's layout (spec §6):
 *   clear prefix | ciphertext | tag | IV | 0x0C | key index
 * with everything after the prefix RBSP-escaped for H.264/H.265. */
#include "frame-crypt.h"

#include <string.h>

GstLiveKitFrameError
gst_livekit_frame_encrypt (GstLiveKitAead * aead, GstLiveKitCodec codec,
    const uint8_t * in, size_t len, bool key_frame,
    const uint8_t iv[GST_LIVEKIT_IV_SIZE], uint8_t key_index,
    uint8_t * out, size_t out_cap, size_t *out_len)
{
  GstLiveKitFrameLayout layout;
  size_t header_len, plain_len, body_len;
  uint8_t *body;

  if (len == 0 || out_cap < gst_livekit_frame_encrypted_size_bound (codec, len))
    return GST_LIVEKIT_FRAME_ERROR_NO_SPACE;

  gst_livekit_frame_layout (codec, in, len, key_frame, &layout);
  plain_len = len - layout.clear_len;
  body_len = plain_len + GST_LIVEKIT_FRAME_OVERHEAD;

  /* The prefix goes out (and is authenticated) with 4-byte start codes,
   * the form libwebrtc receivers rebuild (JS does the same). */
  if (layout.nal_escaped)
    header_len = gst_livekit_annexb_normalize (in, layout.clear_len, out);
  else {
    memcpy (out, in, layout.clear_len);
    header_len = layout.clear_len;
  }

  /* Bodies are sealed in place. Escaped layouts rarely need an escape at
   * all (00 00 0x, x <= 3, is rare in ciphertext); when one does, the body
   * moves to the tail of @out and is escaped forward: the writer (at most
   * 1.5 bytes per byte read) never overtakes the reader given the capacity
   * bound. */
  body = out + header_len;
  if (!gst_livekit_aead_seal (aead, iv, out, header_len, in + layout.clear_len,
          plain_len, body))
    return GST_LIVEKIT_FRAME_ERROR_CIPHER;
  memcpy (body + plain_len + GST_LIVEKIT_TAG_SIZE, iv, GST_LIVEKIT_IV_SIZE);
  body[body_len - 2] = GST_LIVEKIT_IV_SIZE;
  body[body_len - 1] = key_index;

  if (layout.nal_escaped && gst_livekit_rbsp_needs_escape (body, body_len)) {
    uint8_t *tail = out + out_cap - body_len;
    memmove (tail, body, body_len);
    body_len = gst_livekit_rbsp_escape (tail, body_len, body);
  }

  /* Receivers compute the layout from the encrypted bytes: make sure they
   * will find the one we used (found by fuzzing, tests/fuzz). */
  if (codec == GST_LIVEKIT_CODEC_VP8 || codec == GST_LIVEKIT_CODEC_H264
      || codec == GST_LIVEKIT_CODEC_H265) {
    GstLiveKitFrameLayout check;
    gst_livekit_frame_layout (codec, out, header_len + body_len, key_frame,
        &check);
    if (check.clear_len != header_len
        || check.nal_escaped != layout.nal_escaped)
      return GST_LIVEKIT_FRAME_ERROR_LAYOUT_UNSTABLE;
  }
  *out_len = header_len + body_len;
  return GST_LIVEKIT_FRAME_OK;
}

GstLiveKitFrameError
gst_livekit_frame_decrypt (GstLiveKitAead * aead, uint8_t * frame,
    const GstLiveKitEncryptedFrame * parsed, size_t *out_len)
{
  size_t clear = parsed->layout.clear_len;

  if (!gst_livekit_aead_open (aead, parsed->iv, frame, clear,
          parsed->ciphertext, parsed->ciphertext_len, frame + clear))
    return GST_LIVEKIT_FRAME_ERROR_TAG_MISMATCH;
  *out_len = clear + parsed->ciphertext_len - GST_LIVEKIT_TAG_SIZE;
  return GST_LIVEKIT_FRAME_OK;
}
