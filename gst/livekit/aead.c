/* AES-128-GCM (LiveKit uses 128-bit keys, spec §1) on OpenSSL EVP.
 *
 * The context keeps the expanded key; each frame only re-initialises the IV,
 * which saves the key schedule on the hot path. EVP_CIPHER_CTX_free cleanses
 * the key schedule. */
#include "aead.h"

#include <limits.h>
#include <stdlib.h>
#include <openssl/evp.h>

struct _GstLiveKitAead
{
  EVP_CIPHER_CTX *ctx;
  bool encrypt;
};

GstLiveKitAead *
gst_livekit_aead_new (const uint8_t key[GST_LIVEKIT_AES_KEY_SIZE], bool encrypt)
{
  GstLiveKitAead *aead = calloc (1, sizeof *aead);

  if (!aead)
    return NULL;
  aead->encrypt = encrypt;
  aead->ctx = EVP_CIPHER_CTX_new ();
  if (!aead->ctx
      || EVP_CipherInit_ex (aead->ctx, EVP_aes_128_gcm (), NULL, NULL, NULL,
          encrypt) != 1
      || EVP_CIPHER_CTX_ctrl (aead->ctx, EVP_CTRL_GCM_SET_IVLEN, 12, NULL) != 1
      || EVP_CipherInit_ex (aead->ctx, NULL, NULL, key, NULL, encrypt) != 1) {
    gst_livekit_aead_free (aead);
    return NULL;
  }
  return aead;
}

void
gst_livekit_aead_free (GstLiveKitAead * aead)
{
  if (!aead)
    return;
  EVP_CIPHER_CTX_free (aead->ctx);
  free (aead);
}

bool
gst_livekit_aead_seal (GstLiveKitAead * aead, const uint8_t iv[12],
    const uint8_t * aad, size_t aad_len, const uint8_t * in, size_t len,
    uint8_t * out)
{
  int n = 0;

  if (!aead->encrypt || len > INT_MAX || aad_len > INT_MAX)
    return false;
  if (EVP_EncryptInit_ex (aead->ctx, NULL, NULL, NULL, iv) != 1)
    return false;
  if (aad_len && EVP_EncryptUpdate (aead->ctx, NULL, &n, aad, (int) aad_len) != 1)
    return false;
  if (len && EVP_EncryptUpdate (aead->ctx, out, &n, in, (int) len) != 1)
    return false;
  if (EVP_EncryptFinal_ex (aead->ctx, out + len, &n) != 1)
    return false;
  return EVP_CIPHER_CTX_ctrl (aead->ctx, EVP_CTRL_GCM_GET_TAG, 16,
      out + len) == 1;
}

bool
gst_livekit_aead_open (GstLiveKitAead * aead, const uint8_t iv[12],
    const uint8_t * aad, size_t aad_len, const uint8_t * in, size_t len,
    uint8_t * out)
{
  uint8_t tag[16];
  size_t ct_len;
  int n = 0;

  if (aead->encrypt || len < 16 || len > INT_MAX || aad_len > INT_MAX)
    return false;
  ct_len = len - 16;
  /* Copy the tag first: out may alias in and overwrite it. */
  for (int i = 0; i < 16; i++)
    tag[i] = in[ct_len + i];
  if (EVP_DecryptInit_ex (aead->ctx, NULL, NULL, NULL, iv) != 1)
    return false;
  if (aad_len && EVP_DecryptUpdate (aead->ctx, NULL, &n, aad, (int) aad_len) != 1)
    return false;
  if (ct_len && EVP_DecryptUpdate (aead->ctx, out, &n, in, (int) ct_len) != 1)
    return false;
  if (EVP_CIPHER_CTX_ctrl (aead->ctx, EVP_CTRL_GCM_SET_TAG, 16, tag) != 1)
    return false;
  return EVP_DecryptFinal_ex (aead->ctx, out + ct_len, &n) == 1;
}
