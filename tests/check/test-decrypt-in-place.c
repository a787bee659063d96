/* livekitdecrypt decrypts a frame in its own memory when no one else can see
 * it, and never touches memory it shares with someone else. */
#include "check-harness.h"

static GstLiveKitKeyring *
keyring_new (guint window)
{
  return lk_test_keyring_new (GST_LIVEKIT_KEY_DERIVATION_HKDF, window, "k0");
}

/* A VP8 delta frame of @size bytes. */
static GstBuffer *
vp8_frame (gsize size, guint8 fill)
{
  return lk_test_vp8_frame (FALSE, fill, size);
}

/* Writable frames up to 8 KB come out in the memory they came in; larger
 * ones in a new buffer. */
GST_START_TEST (test_writable_frame_decrypted_in_place)
{
  static const gsize sizes[] = { 20, 1000, 8192, 16384, 65000, 200000 };
  GstLiveKitKeyring *tx = keyring_new (0), *rx = keyring_new (0);
  GstHarness *enc = lk_test_harness_new ("livekitencrypt", NULL, tx);
  GstHarness *dec = lk_test_harness_new ("livekitdecrypt", NULL, rx);

  for (guint i = 0; i < G_N_ELEMENTS (sizes); i++) {
    GstBuffer *plain = vp8_frame (sizes[i], (guint8) i);
    GstBuffer *ct = gst_harness_push_and_pull (enc, gst_buffer_ref (plain));
    GstMemory *mem = gst_buffer_peek_memory (ct, 0);
    GstBuffer *pt;

    fail_unless (gst_buffer_is_writable (ct));
    pt = gst_harness_push_and_pull (dec, ct);
    fail_unless (lk_test_same_bytes (pt, plain), "size %" G_GSIZE_FORMAT,
        sizes[i]);
    fail_unless ((gst_buffer_peek_memory (pt, 0) == mem) == (sizes[i] <=
            8192), "a %" G_GSIZE_FORMAT " B frame: in place or not, wrongly",
        sizes[i]);
    gst_buffer_unref (pt);
    gst_buffer_unref (plain);
  }
  gst_harness_teardown (enc);
  gst_harness_teardown (dec);
  gst_object_unref (tx);
  gst_object_unref (rx);
}

GST_END_TEST;

/* A frame someone else holds (a tee branch, a queue's copy) keeps its
 * ciphertext; the plaintext goes to a new buffer. */
GST_START_TEST (test_shared_frame_left_untouched)
{
  GstLiveKitKeyring *tx = keyring_new (0), *rx = keyring_new (0);
  GstHarness *enc = lk_test_harness_new ("livekitencrypt", NULL, tx);
  GstHarness *dec = lk_test_harness_new ("livekitdecrypt", NULL, rx);
  GstBuffer *plain = vp8_frame (500, 7), *ct, *ct_copy, *shared, *pt;

  ct = gst_harness_push_and_pull (enc, gst_buffer_ref (plain));
  ct_copy = gst_buffer_copy_deep (ct);

  /* Another reference to the buffer. */
  pt = gst_harness_push_and_pull (dec, gst_buffer_ref (ct));
  fail_unless (lk_test_same_bytes (pt, plain));
  fail_unless (lk_test_same_bytes (ct, ct_copy),
      "a shared buffer was overwritten");
  gst_buffer_unref (pt);

  /* Another buffer sharing the memory. */
  shared = gst_buffer_copy (ct);
  pt = gst_harness_push_and_pull (dec, shared);
  fail_unless (lk_test_same_bytes (pt, plain));
  fail_unless (lk_test_same_bytes (ct, ct_copy),
      "shared memory was overwritten");
  gst_buffer_unref (pt);

  gst_buffer_unref (ct);
  gst_buffer_unref (ct_copy);
  gst_buffer_unref (plain);
  gst_harness_teardown (enc);
  gst_harness_teardown (dec);
  gst_object_unref (tx);
  gst_object_unref (rx);
}

GST_END_TEST;

/* A frame tried in place that must wait for ratchet steps (the sender
 * ratcheted) is held with its ciphertext intact, and opens later. */
GST_START_TEST (test_in_place_attempt_then_ratchet)
{
  GstLiveKitKeyring *tx = keyring_new (0), *rx = keyring_new (4);
  GstHarness *enc = lk_test_harness_new ("livekitencrypt", NULL, tx);
  GstHarness *dec = lk_test_harness_new ("livekitdecrypt", NULL, rx);
  GstBuffer *plain = vp8_frame (3000, 9), *ct, *pt;

  g_bytes_unref (gst_livekit_keyring_ratchet_shared_key (tx, 0, NULL));
  g_bytes_unref (gst_livekit_keyring_ratchet_shared_key (tx, 0, NULL));
  ct = gst_harness_push_and_pull (enc, gst_buffer_ref (plain));
  fail_unless (gst_buffer_is_writable (ct));
  pt = gst_harness_push_and_pull (dec, ct);
  fail_unless (pt != NULL && lk_test_same_bytes (pt, plain));
  gst_buffer_unref (pt);
  gst_buffer_unref (plain);
  gst_harness_teardown (enc);
  gst_harness_teardown (dec);
  gst_object_unref (tx);
  gst_object_unref (rx);
}

GST_END_TEST;

static Suite *
decrypt_in_place_suite (void)
{
  Suite *s = suite_create ("livekit-decrypt-in-place");
  TCase *tc = tcase_create ("in-place");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_writable_frame_decrypted_in_place);
  tcase_add_test (tc, test_shared_frame_left_untouched);
  tcase_add_test (tc, test_in_place_attempt_then_ratchet);
  return s;
}

GST_CHECK_MAIN (decrypt_in_place);
