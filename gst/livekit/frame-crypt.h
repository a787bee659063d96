/* Whole-frame encryption and decryption in LiveKit's format: the frame
 * layout (frame.h) combined with AES-GCM (aead.h). No allocation. */
#ifndef __GST_LIVEKIT_FRAME_CRYPT_H__
#define __GST_LIVEKIT_FRAME_CRYPT_H__

#include "aead.h"
#include "frame.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Encrypts @in into @out (capacity @out_cap, at least
 * gst_livekit_frame_encrypted_size_bound (codec, len)). @in must not be
 * empty: empty frames pass through unencrypted (spec §8).
 *
 * Returns GST_LIVEKIT_FRAME_ERROR_LAYOUT_UNSTABLE when a receiver would read
 * a different clear prefix from the encrypted frame than the one used (a
 * frame shorter than its prefix; an H.264/H.265 frame without a slice whose
 * unescaped ciphertext or IV happens to form a start code): such a frame
 * could never decrypt. Another IV may help; a short frame never will. */
GstLiveKitFrameError gst_livekit_frame_encrypt (GstLiveKitAead * aead,
    GstLiveKitCodec codec, const uint8_t * in, size_t len, bool key_frame,
    const uint8_t iv[GST_LIVEKIT_IV_SIZE], uint8_t key_index,
    uint8_t * out, size_t out_cap, size_t *out_len);

/* Decrypts a frame parsed by gst_livekit_frame_parse() in place: the
 * plaintext replaces the ciphertext after the clear prefix. On a tag mismatch
 * the body is garbage; re-copy and re-parse the frame to try another key. */
GstLiveKitFrameError gst_livekit_frame_decrypt (GstLiveKitAead * aead,
    uint8_t * frame, const GstLiveKitEncryptedFrame * parsed,
    size_t *out_len);

#ifdef __cplusplus
}
#endif
#endif /* __GST_LIVEKIT_FRAME_CRYPT_H__ */
