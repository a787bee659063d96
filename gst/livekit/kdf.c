/* PBKDF2-HMAC-SHA256 / HKDF-SHA256 with LiveKit's parameters (spec §2.1). */
#include "kdf.h"

#include "exit-guard.h"

#include <limits.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

/* LiveKit's HKDF info: 128 zero bytes (JS, native PR #224, Go). */
static const uint8_t hkdf_info[128];

static bool
hkdf_sha256 (const uint8_t * ikm, size_t ikm_len, const uint8_t * salt,
    size_t salt_len, uint8_t * out, size_t out_len)
{
  EVP_KDF *kdf = EVP_KDF_fetch (NULL, "HKDF", NULL);
  EVP_KDF_CTX *ctx = kdf ? EVP_KDF_CTX_new (kdf) : NULL;
  OSSL_PARAM params[5], *p = params;
  bool ok;

  EVP_KDF_free (kdf);
  if (!ctx)
    return false;
  *p++ = OSSL_PARAM_construct_utf8_string (OSSL_KDF_PARAM_DIGEST, "SHA256", 0);
  *p++ = OSSL_PARAM_construct_octet_string (OSSL_KDF_PARAM_KEY, (void *) ikm,
      ikm_len);
  *p++ = OSSL_PARAM_construct_octet_string (OSSL_KDF_PARAM_SALT, (void *) salt,
      salt_len);
  *p++ = OSSL_PARAM_construct_octet_string (OSSL_KDF_PARAM_INFO,
      (void *) hkdf_info, sizeof hkdf_info);
  *p = OSSL_PARAM_construct_end ();
  ok = EVP_KDF_derive (ctx, out, out_len, params) == 1;
  EVP_KDF_CTX_free (ctx);
  return ok;
}

static bool
run_kdf (GstLiveKitKeyDerivation kdf, const uint8_t * material,
    size_t material_len, const uint8_t * salt, size_t salt_len,
    uint8_t * out, size_t out_len)
{
  switch (kdf) {
    case GST_LIVEKIT_KEY_DERIVATION_PBKDF2:
      return PKCS5_PBKDF2_HMAC ((const char *) material, (int) material_len,
          salt, (int) salt_len, GST_LIVEKIT_PBKDF2_ITERATIONS, EVP_sha256 (),
          (int) out_len, out) == 1;
    case GST_LIVEKIT_KEY_DERIVATION_HKDF:
      return hkdf_sha256 (material, material_len, salt, salt_len, out,
          out_len);
  }
  return false;
}

/* Test hook (keyring-private.h): proves no KDF runs on a streaming thread. */
static __thread guint64 runs_on_this_thread;

guint64 gst_livekit_kdf_runs_on_this_thread (void);

guint64
gst_livekit_kdf_runs_on_this_thread (void)
{
  return runs_on_this_thread;
}

bool
gst_livekit_kdf (GstLiveKitKeyDerivation kdf, const uint8_t * material,
    size_t material_len, const uint8_t * salt, size_t salt_len,
    uint8_t * out, size_t out_len)
{
  bool ok;

  if (material_len == 0 || material_len > INT_MAX || salt_len > INT_MAX
      || out_len > INT_MAX)
    return false;
  /* KDFs run on keyring workers: never once OpenSSL is being torn down. */
  if (!gst_livekit_exit_guard_enter ())
    return false;
  ok = run_kdf (kdf, material, material_len, salt, salt_len, out, out_len);
  gst_livekit_exit_guard_leave ();
  runs_on_this_thread++;
  return ok;
}

bool
gst_livekit_kdf_ratchet (GstLiveKitKeyDerivation kdf,
    const uint8_t * material, size_t material_len, const uint8_t * salt,
    size_t salt_len, uint8_t next[GST_LIVEKIT_RATCHET_SIZE])
{
  return gst_livekit_kdf (kdf, material, material_len, salt, salt_len, next,
      GST_LIVEKIT_RATCHET_SIZE);
}
