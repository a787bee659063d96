/* AES-128-GCM with a key schedule set up once per key (OpenSSL EVP). */
#ifndef __GST_LIVEKIT_AEAD_H__
#define __GST_LIVEKIT_AEAD_H__

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define GST_LIVEKIT_AES_KEY_SIZE 16

typedef struct _GstLiveKitAead GstLiveKitAead;

/* One direction, one key. Not thread-safe: one user at a time. */
GstLiveKitAead *gst_livekit_aead_new (const uint8_t key[GST_LIVEKIT_AES_KEY_SIZE],
    bool encrypt);
void gst_livekit_aead_free (GstLiveKitAead * aead);

/* out receives ciphertext || 16-byte tag (len + 16 bytes); may alias in. */
bool gst_livekit_aead_seal (GstLiveKitAead * aead, const uint8_t iv[12],
    const uint8_t * aad, size_t aad_len, const uint8_t * in, size_t len,
    uint8_t * out);

/* in is ciphertext || tag (len >= 16); out receives len - 16 bytes and may
 * alias in. Returns false on a tag mismatch (out then holds garbage). */
bool gst_livekit_aead_open (GstLiveKitAead * aead, const uint8_t iv[12],
    const uint8_t * aad, size_t aad_len, const uint8_t * in, size_t len,
    uint8_t * out);

#ifdef __cplusplus
}
#endif
#endif /* __GST_LIVEKIT_AEAD_H__ */
