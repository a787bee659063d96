/* LiveKit key derivation (spec livekit-e2ee.md §2-§3). */
#ifndef __GST_LIVEKIT_KDF_H__
#define __GST_LIVEKIT_KDF_H__

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define GST_LIVEKIT_DEFAULT_RATCHET_SALT "LKFrameEncryptionKey"
#define GST_LIVEKIT_PBKDF2_ITERATIONS 100000
/* One KDF output: the next material of a ratchet step; its first 16 bytes
 * are also the AES key of the input material (spec §2.3 structural fact). */
#define GST_LIVEKIT_RATCHET_SIZE 32

/**
 * GstLiveKitKeyDerivation:
 * @GST_LIVEKIT_KEY_DERIVATION_PBKDF2: PBKDF2-HMAC-SHA256, 100 000 iterations
 *   (LiveKit's default; JS string keys; every native SDK)
 * @GST_LIVEKIT_KEY_DERIVATION_HKDF: HKDF-SHA256 with 128 zero bytes of info
 *   (JS ArrayBuffer keys; native SDKs since 2026)
 */
typedef enum /*< underscore_name=gst_livekit_key_derivation >*/
{
  GST_LIVEKIT_KEY_DERIVATION_PBKDF2,
  GST_LIVEKIT_KEY_DERIVATION_HKDF,
} GstLiveKitKeyDerivation;

/* KDF(material, salt) -> @out_len bytes. Slow for PBKDF2 (~tens of ms): never
 * call it on a streaming thread. */
bool gst_livekit_kdf (GstLiveKitKeyDerivation kdf, const uint8_t * material,
    size_t material_len, const uint8_t * salt, size_t salt_len,
    uint8_t * out, size_t out_len);

/* One ratchet step: next material (32 bytes) = KDF(material, salt, 32). */
bool gst_livekit_kdf_ratchet (GstLiveKitKeyDerivation kdf,
    const uint8_t * material, size_t material_len, const uint8_t * salt,
    size_t salt_len, uint8_t next[GST_LIVEKIT_RATCHET_SIZE]);

#ifdef __cplusplus
}
#endif
#endif /* __GST_LIVEKIT_KDF_H__ */
