/* Key derivation known-answer tests: spec livekit-e2ee.md §2.3 and §15.2. */
#include <gst/check/gstcheck.h>
#include <gst/livekit/livekit.h>

#include <string.h>

#define SALT GST_LIVEKIT_DEFAULT_RATCHET_SALT

static gchar *
to_hex (const guint8 * d, gsize n)
{
  GString *s = g_string_new (NULL);
  for (gsize i = 0; i < n; i++)
    g_string_append_printf (s, "%02x", d[i]);
  return g_string_free (s, FALSE);
}

static void
assert_kdf (GstLiveKitKeyDerivation kdf, const guint8 * m, gsize m_len,
    const guint8 * salt, gsize salt_len, gsize out_len, const gchar * expect)
{
  guint8 out[64];
  gchar *hex;

  fail_unless (gst_livekit_kdf (kdf, m, m_len, salt, salt_len, out, out_len));
  hex = to_hex (out, out_len);
  fail_unless_equals_string (hex, expect);
  g_free (hex);
}

/* The AES key of @m after @n ratchet steps. */
static gchar *
key_after_ratchets (GstLiveKitKeyDerivation kdf, const guint8 * m, gsize len,
    guint n)
{
  guint8 material[64], key[16];
  gsize mlen = len;

  memcpy (material, m, len);
  for (guint i = 0; i < n; i++) {
    guint8 next[GST_LIVEKIT_RATCHET_SIZE];
    fail_unless (gst_livekit_kdf_ratchet (kdf, material, mlen,
            (const guint8 *) SALT, strlen (SALT), next));
    memcpy (material, next, sizeof next);
    mlen = sizeof next;
  }
  fail_unless (gst_livekit_kdf (kdf, material, mlen, (const guint8 *) SALT,
          strlen (SALT), key, sizeof key));
  return to_hex (key, sizeof key);
}

GST_START_TEST (test_pbkdf2_password)
{
  const guint8 *pw = (const guint8 *) "password";
  gchar *k;

  assert_kdf (GST_LIVEKIT_KEY_DERIVATION_PBKDF2, pw, 8, (const guint8 *) SALT,
      strlen (SALT), 16, "421890b1557504a8ea1a90c253b419e4");
  assert_kdf (GST_LIVEKIT_KEY_DERIVATION_PBKDF2, pw, 8, (const guint8 *) SALT,
      strlen (SALT), 32,
      "421890b1557504a8ea1a90c253b419e4e1a3a43283f7115909d6fce6926e5e5f");
  k = key_after_ratchets (GST_LIVEKIT_KEY_DERIVATION_PBKDF2, pw, 8, 1);
  fail_unless_equals_string (k, "9f3af7c94abca41d79f8c61e8dcff292");
  g_free (k);
  k = key_after_ratchets (GST_LIVEKIT_KEY_DERIVATION_PBKDF2, pw, 8, 2);
  fail_unless_equals_string (k, "9e826ab0aea73a248719c524104ed9af");
  g_free (k);
}

GST_END_TEST;

GST_START_TEST (test_pbkdf2_native_vector)
{
  guint8 m[16], salt[8];
  for (guint i = 0; i < 16; i++)
    m[i] = i;
  for (guint i = 0; i < 8; i++)
    salt[i] = i;
  assert_kdf (GST_LIVEKIT_KEY_DERIVATION_PBKDF2, m, 16, salt, 8, 16,
      "a658cd52efbacadfecdfe0a0dc574ec3");
  assert_kdf (GST_LIVEKIT_KEY_DERIVATION_PBKDF2, (const guint8 *) "key1", 4,
      (const guint8 *) SALT, strlen (SALT), 16,
      "7adabac1db9abf018ef98fdc737f4f2f");
}

GST_END_TEST;

GST_START_TEST (test_hkdf)
{
  guint8 m[32];
  gchar *k;

  for (guint i = 0; i < 32; i++)
    m[i] = i;
  assert_kdf (GST_LIVEKIT_KEY_DERIVATION_HKDF, m, 32, (const guint8 *) SALT,
      strlen (SALT), 16, "6d0dd7b3d6f4efde47ab9a9e15abde76");
  assert_kdf (GST_LIVEKIT_KEY_DERIVATION_HKDF, m, 32, (const guint8 *) SALT,
      strlen (SALT), 32,
      "6d0dd7b3d6f4efde47ab9a9e15abde7635c45a13bddf5da15eed01f40178d328");
  k = key_after_ratchets (GST_LIVEKIT_KEY_DERIVATION_HKDF, m, 32, 1);
  fail_unless_equals_string (k, "bd83f159cff92bfaf55d2d2409c21221");
  g_free (k);
}

GST_END_TEST;

GST_START_TEST (test_empty_material_refused)
{
  guint8 out[16];
  fail_if (gst_livekit_kdf (GST_LIVEKIT_KEY_DERIVATION_PBKDF2,
          (const guint8 *) "", 0, (const guint8 *) SALT, strlen (SALT), out,
          16));
  fail_if (gst_livekit_kdf (GST_LIVEKIT_KEY_DERIVATION_HKDF,
          (const guint8 *) "", 0, (const guint8 *) SALT, strlen (SALT), out,
          16));
}

GST_END_TEST;

/* JS ParticipantKeyHandler snapshot (spec §15.2): "password", IV of zeros,
 * empty AAD, plaintext 00..10; ratchet once after each encryption. */
GST_START_TEST (test_js_ratchet_snapshot)
{
  static const gchar *expect[] = {
    "2ae25e3198124f0137befa508f1386dac837576675d982300b423f667390755ce8",
    NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
    "3a63109794838a5ee65f265189a24e3df3cfff6d30f8d98785f8384a2971996cca",
  };
  guint8 material[32], key[16], iv[12] = { 0 }, plain[17], out[33];
  gsize mlen = 8;

  memcpy (material, "password", 8);
  for (guint i = 0; i < sizeof plain; i++)
    plain[i] = i;
  for (guint round = 0; round < 10; round++) {
    guint8 next[32];

    /* Only the rounds with a known answer need their key (a PBKDF2 each:
     * ~0.5 s under qemu); the ratchet chain runs every round. */
    if (expect[round]) {
      GstLiveKitAead *aead;
      gchar *hex;

      fail_unless (gst_livekit_kdf (GST_LIVEKIT_KEY_DERIVATION_PBKDF2,
              material, mlen, (const guint8 *) SALT, strlen (SALT), key, 16));
      aead = gst_livekit_aead_new (key, TRUE);
      fail_unless (gst_livekit_aead_seal (aead, iv, NULL, 0, plain,
              sizeof plain, out));
      gst_livekit_aead_free (aead);
      hex = to_hex (out, sizeof out);
      fail_unless_equals_string (hex, expect[round]);
      g_free (hex);
    }
    fail_unless (gst_livekit_kdf_ratchet (GST_LIVEKIT_KEY_DERIVATION_PBKDF2,
            material, mlen, (const guint8 *) SALT, strlen (SALT), next));
    memcpy (material, next, 32);
    mlen = 32;
  }
}

GST_END_TEST;

static Suite *
kdf_suite (void)
{
  Suite *s = suite_create ("livekit-kdf");
  TCase *tc = tcase_create ("kdf");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_pbkdf2_password);
  tcase_add_test (tc, test_pbkdf2_native_vector);
  tcase_add_test (tc, test_hkdf);
  tcase_add_test (tc, test_empty_material_refused);
  tcase_add_test (tc, test_js_ratchet_snapshot);
  return s;
}

GST_CHECK_MAIN (kdf);
