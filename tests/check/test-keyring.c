/* GstLiveKitKeyring: options, key rings, export, ratchet, precomputation,
 * signals (spec livekit-e2ee.md §3, §5). */
#include <gst/check/gstcheck.h>
#include <gst/livekit/livekit.h>
#include "../../gst/livekit/keyring-private.h"

#include <string.h>

#define SALT GST_LIVEKIT_DEFAULT_RATCHET_SALT

static gchar *
bytes_hex (GBytes * b)
{
  gsize n;
  const guint8 *d = g_bytes_get_data (b, &n);
  GString *s = g_string_new (NULL);
  for (gsize i = 0; i < n; i++)
    g_string_append_printf (s, "%02x", d[i]);
  return g_string_free (s, FALSE);
}

static void
set_key (GstLiveKitKeyring * kr, const gchar * id, const gchar * pass,
    guint index)
{
  GError *err = NULL;
  fail_unless (gst_livekit_keyring_set_key (kr, id, (const guint8 *) pass,
          strlen (pass), index, &err));
  g_assert_no_error (err);
}

GST_START_TEST (test_defaults)
{
  GstLiveKitKeyring *kr = gst_livekit_keyring_new ();
  gchar *salt;
  guint window, ring;
  gint tolerance;
  GstLiveKitKeyDerivation kdf;

  g_object_get (kr, "ratchet-salt", &salt, "ratchet-window-size", &window,
      "failure-tolerance", &tolerance, "key-ring-size", &ring,
      "key-derivation", &kdf, NULL);
  fail_unless_equals_string (salt, "LKFrameEncryptionKey");
  fail_unless_equals_int (window, 16);
  fail_unless_equals_int (tolerance, -1);
  fail_unless_equals_int (ring, 16);
  fail_unless_equals_int (kdf, GST_LIVEKIT_KEY_DERIVATION_PBKDF2);
  fail_if (g_object_is_floating (kr));
  g_free (salt);
  gst_object_unref (kr);
}

GST_END_TEST;

GST_START_TEST (test_export_returns_material)
{
  GstLiveKitKeyring *kr = gst_livekit_keyring_new ();
  GBytes *b;
  GError *err = NULL;

  g_object_set (kr, "ratchet-window-size", 0, NULL);
  set_key (kr, NULL, "password", 0);
  b = gst_livekit_keyring_export_shared_key (kr, 0);
  fail_unless (g_bytes_get_size (b) == 8);
  fail_unless (memcmp (g_bytes_get_data (b, NULL), "password", 8) == 0);
  g_bytes_unref (b);
  fail_unless (gst_livekit_keyring_export_shared_key (kr, 1) == NULL);
  fail_if (gst_livekit_keyring_set_shared_key (kr, (const guint8 *) "", 0, 0,
          &err));
  fail_unless (g_error_matches (err, GST_LIVEKIT_KEYRING_ERROR,
          GST_LIVEKIT_KEYRING_ERROR_EMPTY_KEY));
  g_clear_error (&err);
  gst_object_unref (kr);
}

GST_END_TEST;

GST_START_TEST (test_manual_ratchet)
{
  GstLiveKitKeyring *kr = gst_livekit_keyring_new ();
  GBytes *b, *e;
  gchar *hex;

  g_object_set (kr, "ratchet-window-size", 0, NULL);
  set_key (kr, "alice", "password", 3);
  b = gst_livekit_keyring_ratchet_key (kr, "alice", 3, NULL);
  hex = bytes_hex (b);
  /* Spec §2.3: the 32-byte ratchet output of "password". */
  fail_unless_equals_string (hex,
      "421890b1557504a8ea1a90c253b419e4e1a3a43283f7115909d6fce6926e5e5f");
  g_free (hex);
  e = gst_livekit_keyring_export_key (kr, "alice", 3);
  fail_unless (g_bytes_equal (b, e));
  fail_unless_equals_int (gst_livekit_keyring_get_current_key_index (kr,
          "alice"), 3);
  /* No key: an error, not a crash. */
  fail_unless (gst_livekit_keyring_ratchet_key (kr, "bob", 3, NULL) == NULL);
  g_bytes_unref (b);
  g_bytes_unref (e);
  gst_object_unref (kr);
}

GST_END_TEST;

GST_START_TEST (test_ring_sizes_and_index_wrap)
{
  GstLiveKitKeyring *kr = gst_livekit_keyring_new ();

  g_object_set (kr, "ratchet-window-size", 0, "key-derivation",
      GST_LIVEKIT_KEY_DERIVATION_HKDF, NULL);
  /* Index 17 in a ring of 16 lands in slot 1 (JS and native). */
  set_key (kr, NULL, "k", 17);
  fail_unless (gst_livekit_keyring_has_key (kr, NULL, 1));
  fail_if (gst_livekit_keyring_has_key (kr, NULL, 17));
  fail_unless_equals_int (gst_livekit_keyring_get_current_key_index (kr,
          NULL), 1);

  g_object_set (kr, "key-ring-size", 256, NULL);
  set_key (kr, NULL, "k", 255);
  fail_unless (gst_livekit_keyring_has_key (kr, NULL, 255));

  g_object_set (kr, "key-ring-size", 1, NULL);
  fail_if (gst_livekit_keyring_has_key (kr, NULL, 255));
  fail_if (gst_livekit_keyring_has_key (kr, NULL, 1));
  set_key (kr, NULL, "k", 5);
  fail_unless (gst_livekit_keyring_has_key (kr, NULL, 0));
  gst_object_unref (kr);
}

GST_END_TEST;

GST_START_TEST (test_identity_rings)
{
  GstLiveKitKeyring *kr = gst_livekit_keyring_new ();

  g_object_set (kr, "ratchet-window-size", 0, "key-derivation",
      GST_LIVEKIT_KEY_DERIVATION_HKDF, NULL);
  set_key (kr, NULL, "shared", 0);
  set_key (kr, "alice", "alice-key", 1);
  /* Without a ring of its own, a participant uses the shared ring. */
  fail_unless (gst_livekit_keyring_has_key (kr, "bob", 0));
  /* With one, only its own: no fallback to the shared key at index 0. */
  fail_unless (gst_livekit_keyring_has_key (kr, "alice", 1));
  fail_if (gst_livekit_keyring_has_key (kr, "alice", 0));
  fail_unless (gst_livekit_keyring_export_key (kr, "bob", 0) == NULL);
  gst_livekit_keyring_clear (kr);
  fail_if (gst_livekit_keyring_has_key (kr, "alice", 1));
  fail_if (gst_livekit_keyring_has_key (kr, NULL, 0));
  gst_object_unref (kr);
}

GST_END_TEST;

static guint64
stat (GstLiveKitKeyring * kr, const gchar * field)
{
  GstStructure *st;
  guint64 v = G_MAXUINT64;

  g_object_get (kr, "stats", &st, NULL);
  fail_unless (gst_structure_get_uint64 (st, field, &v));
  gst_structure_free (st);
  return v;
}

/* A well-formed VP8 frame at key index 0 that no key opens. */
static const guint8 unopenable[] = {
  0x31, 0x02, 0x00, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff, 0x00, 0x11, 0x22,
  0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee,
  0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c,
  12, 0,
};

/* A key costs one KDF: nothing runs in the background after a key set. */
GST_START_TEST (test_key_set_costs_one_kdf)
{
  GstLiveKitKeyring *kr = gst_livekit_keyring_new ();

  set_key (kr, NULL, "password", 0);
  set_key (kr, "alice", "alice's", 1);
  gst_livekit_keyring_wait_precomputed (kr);
  fail_unless_equals_uint64 (stat (kr, "kdf-runs"), 2);
  fail_unless_equals_uint64 (stat (kr, "ratchet-steps-derived"), 0);
  gst_object_unref (kr);
}

GST_END_TEST;

/* Steps derived on demand equal the manual ratchet chain; a manual ratchet
 * then reuses them without a KDF. */
GST_START_TEST (test_derived_steps_follow_the_chain)
{
  GstLiveKitKeyring *kr = gst_livekit_keyring_new ();
  GstLiveKitKeySet *ks;
  guint8 material[32], next[32];
  gsize mlen = 8;

  g_object_set (kr, "ratchet-window-size", 4, NULL);
  set_key (kr, NULL, "password", 0);
  ks = gst_livekit_keyring_lookup (kr, NULL, 0);
  fail_unless (gst_livekit_keyring_request_ratchet (kr, ks, 0,
          GST_LIVEKIT_CODEC_VP8, unopenable, sizeof unopenable, FALSE, 16));
  gst_livekit_keyring_wait_precomputed (kr);
  /* Nothing opens the frame: the whole window, then no more. */
  fail_unless_equals_int (gst_livekit_key_set_ready_candidates (ks), 4);
  fail_unless_equals_uint64 (stat (kr, "ratchet-steps-derived"), 4);
  fail_if (gst_livekit_keyring_request_ratchet (kr, ks, 4,
          GST_LIVEKIT_CODEC_VP8, unopenable, sizeof unopenable, FALSE, 16));

  memcpy (material, "password", 8);
  for (guint i = 0; i < 4; i++) {
    fail_unless (gst_livekit_kdf_ratchet (GST_LIVEKIT_KEY_DERIVATION_PBKDF2,
            material, mlen, (const guint8 *) SALT, strlen (SALT), next));
    fail_unless (memcmp (ks->candidates[i].material, next, 32) == 0);
    memcpy (material, next, 32);
    mlen = 32;
    fail_unless (gst_livekit_kdf_ratchet (GST_LIVEKIT_KEY_DERIVATION_PBKDF2,
            material, mlen, (const guint8 *) SALT, strlen (SALT), next));
    fail_unless (memcmp (ks->candidates[i].next, next, 32) == 0);
  }
  gst_livekit_key_set_unref (ks);

  g_bytes_unref (gst_livekit_keyring_ratchet_shared_key (kr, 0, NULL));
  fail_unless_equals_uint64 (stat (kr, "kdf-runs"), 1 + 4);
  ks = gst_livekit_keyring_lookup (kr, NULL, 0);
  fail_unless_equals_int (gst_livekit_key_set_ready_candidates (ks), 3);
  gst_livekit_key_set_unref (ks);
  gst_object_unref (kr);
}

GST_END_TEST;

GST_START_TEST (test_window_zero_derives_nothing)
{
  GstLiveKitKeyring *kr = gst_livekit_keyring_new ();
  GstLiveKitKeySet *ks;

  g_object_set (kr, "ratchet-window-size", 0, "key-derivation",
      GST_LIVEKIT_KEY_DERIVATION_HKDF, NULL);
  set_key (kr, NULL, "x", 0);
  ks = gst_livekit_keyring_lookup (kr, NULL, 0);
  fail_if (gst_livekit_keyring_request_ratchet (kr, ks, 0,
          GST_LIVEKIT_CODEC_VP8, unopenable, sizeof unopenable, FALSE, 16));
  gst_livekit_keyring_wait_precomputed (kr);
  fail_unless_equals_int (gst_livekit_key_set_ready_candidates (ks), 0);
  gst_livekit_key_set_unref (ks);
  gst_object_unref (kr);
}

GST_END_TEST;

GST_START_TEST (test_salt_change_rederives)
{
  GstLiveKitKeyring *kr = gst_livekit_keyring_new ();
  GstLiveKitKeySet *a, *b;

  g_object_set (kr, "ratchet-window-size", 0, NULL);
  set_key (kr, NULL, "password", 0);
  a = gst_livekit_keyring_lookup (kr, NULL, 0);
  g_object_set (kr, "ratchet-salt", "another salt", NULL);
  b = gst_livekit_keyring_lookup (kr, NULL, 0);
  fail_unless (memcmp (a->aes_key, b->aes_key, 16) != 0);
  fail_unless (memcmp (a->material, b->material, 8) == 0);
  gst_livekit_key_set_unref (a);
  gst_livekit_key_set_unref (b);
  gst_object_unref (kr);
}

GST_END_TEST;

static void
on_key_event (GstLiveKitKeyring * kr, const gchar * identity, guint index,
    GString * log)
{
  g_string_append_printf (log, "%s:%u;", identity ? identity : "-", index);
}

GST_START_TEST (test_signals)
{
  GstLiveKitKeyring *kr = gst_livekit_keyring_new ();
  GString *set_log = g_string_new (NULL), *ratchet_log = g_string_new (NULL);
  GBytes *key = g_bytes_new_static ("secret", 6), *out = NULL;
  gboolean ok = FALSE;

  g_object_set (kr, "ratchet-window-size", 0, "key-derivation",
      GST_LIVEKIT_KEY_DERIVATION_HKDF, NULL);
  g_signal_connect (kr, "key-set", G_CALLBACK (on_key_event), set_log);
  g_signal_connect (kr, "key-ratcheted", G_CALLBACK (on_key_event),
      ratchet_log);

  /* Action signals, as a language binding would call them. */
  g_signal_emit_by_name (kr, "set-shared-key", key, 2, &ok);
  fail_unless (ok);
  g_signal_emit_by_name (kr, "set-key", "carol", key, 4, &ok);
  fail_unless (ok);
  g_signal_emit_by_name (kr, "export-key", "carol", 4, &out);
  fail_unless (g_bytes_equal (out, key));
  g_bytes_unref (out);
  g_signal_emit_by_name (kr, "ratchet-key", "carol", 4, &out);
  fail_unless_equals_int (g_bytes_get_size (out), 32);
  g_bytes_unref (out);
  g_signal_emit_by_name (kr, "ratchet-shared-key", 2, &out);
  g_bytes_unref (out);
  g_signal_emit_by_name (kr, "export-shared-key", 9, &out);
  fail_unless (out == NULL);

  fail_unless_equals_string (set_log->str, "-:2;carol:4;");
  fail_unless_equals_string (ratchet_log->str, "carol:4;-:2;");
  g_string_free (set_log, TRUE);
  g_string_free (ratchet_log, TRUE);
  g_bytes_unref (key);
  gst_object_unref (kr);
}

GST_END_TEST;

/* Data packets: encrypted under the ring's current key, each with its own
 * IV; only that key opens them. */
GST_START_TEST (test_data_encrypt_decrypt)
{
  GstLiveKitKeyring *kr = gst_livekit_keyring_new ();
  GBytes *plain = g_bytes_new_static ("hello room", 10);
  GBytes *iv1 = NULL, *iv2 = NULL, *ct1, *ct2, *back;
  guint index = 99;

  /* No key: nothing, rather than plaintext. */
  fail_unless (gst_livekit_keyring_encrypt_data (kr, NULL, plain, &index,
          &iv1) == NULL);
  set_key (kr, NULL, "shared one", 0);
  set_key (kr, "alice", "alice's", 3);
  ct1 = gst_livekit_keyring_encrypt_data (kr, "alice", plain, &index, &iv1);
  fail_unless (ct1 != NULL);
  fail_unless_equals_int (index, 3);
  fail_unless_equals_int (g_bytes_get_size (ct1), 10 + 16);
  fail_unless_equals_int (g_bytes_get_size (iv1), 12);
  ct2 = gst_livekit_keyring_encrypt_data (kr, "alice", plain, &index, &iv2);
  fail_if (g_bytes_equal (iv1, iv2));
  fail_if (g_bytes_equal (ct1, ct2));

  back = gst_livekit_keyring_decrypt_data (kr, "alice", 3, iv1, ct1);
  fail_unless (back && g_bytes_equal (back, plain));
  g_bytes_unref (back);
  /* The shared key, another index, another IV: no. */
  fail_unless (gst_livekit_keyring_decrypt_data (kr, NULL, 0, iv1,
          ct1) == NULL);
  fail_unless (gst_livekit_keyring_decrypt_data (kr, "alice", 0, iv1,
          ct1) == NULL);
  fail_unless (gst_livekit_keyring_decrypt_data (kr, "alice", 3, iv2,
          ct1) == NULL);

  g_bytes_unref (iv1);
  g_bytes_unref (iv2);
  g_bytes_unref (ct1);
  g_bytes_unref (ct2);
  g_bytes_unref (plain);
  gst_object_unref (kr);
}

GST_END_TEST;

static Suite *
keyring_suite (void)
{
  Suite *s = suite_create ("livekit-keyring");
  TCase *tc = tcase_create ("keyring");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_defaults);
  tcase_add_test (tc, test_export_returns_material);
  tcase_add_test (tc, test_manual_ratchet);
  tcase_add_test (tc, test_ring_sizes_and_index_wrap);
  tcase_add_test (tc, test_identity_rings);
  tcase_add_test (tc, test_key_set_costs_one_kdf);
  tcase_add_test (tc, test_derived_steps_follow_the_chain);
  tcase_add_test (tc, test_window_zero_derives_nothing);
  tcase_add_test (tc, test_salt_change_rederives);
  tcase_add_test (tc, test_signals);
  tcase_add_test (tc, test_data_encrypt_decrypt);
  return s;
}

GST_CHECK_MAIN (keyring);
