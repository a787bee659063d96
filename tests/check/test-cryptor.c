/* GstLiveKitCryptor: state machine, failure tolerance, auto-ratchet, SIF,
 * per-participant keys and concurrency (spec livekit-e2ee.md §4, §9, §10). */
#include <gst/check/gstcheck.h>
#include <gst/livekit/livekit.h>

#include <string.h>

#define S(x) GST_LIVEKIT_ENCRYPTION_STATE_##x

/* A VP8 delta frame: 3 clear bytes. */
static const guint8 vp8_delta[] = {
  0x31, 0x02, 0x00, 0x40, 0x41, 0x42, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48,
};

typedef struct
{
  guint8 data[256];
  gsize len;
} Frame;

static GstLiveKitKeyring *
keyring_new (guint window, gint tolerance)
{
  GstLiveKitKeyring *kr = gst_livekit_keyring_new ();
  /* HKDF keeps these tests fast; PBKDF2 is covered by test-kdf. */
  g_object_set (kr, "key-derivation", GST_LIVEKIT_KEY_DERIVATION_HKDF,
      "ratchet-window-size", window, "failure-tolerance", tolerance, NULL);
  return kr;
}

static void
set_key (GstLiveKitKeyring * kr, const gchar * id, const gchar * key,
    guint index)
{
  fail_unless (gst_livekit_keyring_set_key (kr, id, (const guint8 *) key,
          strlen (key), index, NULL));
  gst_livekit_keyring_wait_precomputed (kr);
}

static Frame
encrypt (GstLiveKitCryptor * enc, guint key_index)
{
  Frame f;
  GstLiveKitCryptResult r;

  gst_livekit_cryptor_encrypt (enc, GST_LIVEKIT_CODEC_VP8, vp8_delta,
      sizeof vp8_delta, FALSE, 1234, key_index, f.data, sizeof f.data, &f.len,
      &r);
  fail_unless_equals_int (r.outcome, GST_LIVEKIT_FRAME_OUTCOME_ENCRYPTED);
  return f;
}

static GstLiveKitCryptResult
decrypt (GstLiveKitCryptor * dec, const Frame * f)
{
  guint8 out[256];
  gsize out_len;
  GstLiveKitCryptResult r;

  gst_livekit_cryptor_decrypt (dec, GST_LIVEKIT_CODEC_VP8, f->data, f->len,
      FALSE, out, &out_len, &r);
  if (r.outcome == GST_LIVEKIT_FRAME_OUTCOME_DECRYPTED) {
    fail_unless_equals_int (out_len, sizeof vp8_delta);
    fail_unless (memcmp (out, vp8_delta, out_len) == 0);
  } else if (r.outcome == GST_LIVEKIT_FRAME_OUTCOME_DROPPED) {
    fail_unless_equals_int (out_len, 0);
  }
  return r;
}

/* As a holding caller does: a HELD frame is tried again whenever the
 * keyring's worker moved, until it is decided (bounded). */
static GstLiveKitCryptResult
decrypt_holding (GstLiveKitKeyring * kr, GstLiveKitCryptor * dec,
    const Frame * f)
{
  gint64 end = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;
  guint8 out[256];
  gsize out_len;
  GstLiveKitCryptResult r;

  for (;;) {
    guint seen = gst_livekit_keyring_get_ratchet_progress (kr);
    gst_livekit_cryptor_decrypt_full (dec, GST_LIVEKIT_CODEC_VP8, f->data,
        f->len, FALSE, TRUE, out, &out_len, &r);
    if (r.outcome != GST_LIVEKIT_FRAME_OUTCOME_HELD)
      break;
    fail_unless (gst_livekit_keyring_wait_ratchet_progress (kr, seen, end));
  }
  if (r.outcome == GST_LIVEKIT_FRAME_OUTCOME_DECRYPTED) {
    fail_unless_equals_int (out_len, sizeof vp8_delta);
    fail_unless (memcmp (out, vp8_delta, out_len) == 0);
  }
  return r;
}

static void
assert_states (const GstLiveKitCryptResult * r, guint n, ...)
{
  va_list ap;
  fail_unless_equals_int (r->n_states, n);
  va_start (ap, n);
  for (guint i = 0; i < n; i++)
    fail_unless_equals_int (r->states[i], va_arg (ap, int));
  va_end (ap);
}

GST_START_TEST (test_round_trip_and_states)
{
  GstLiveKitKeyring *kr = keyring_new (0, -1);
  GstLiveKitCryptor *enc = gst_livekit_cryptor_new (kr, TRUE, NULL);
  GstLiveKitCryptor *dec = gst_livekit_cryptor_new (kr, FALSE, NULL);
  GstLiveKitCryptResult r;
  GstLiveKitCryptorStats st;
  Frame f;

  set_key (kr, NULL, "key", 0);
  f = encrypt (enc, 0);
  fail_unless_equals_int (f.len, sizeof vp8_delta + 30);
  r = decrypt (dec, &f);
  fail_unless_equals_int (r.outcome, GST_LIVEKIT_FRAME_OUTCOME_DECRYPTED);
  assert_states (&r, 1, S (OK));
  /* On change only: the next frame reports nothing. */
  r = decrypt (dec, &f);
  assert_states (&r, 0);
  fail_if (r.recovered);

  gst_livekit_cryptor_get_stats (dec, &st);
  fail_unless_equals_int (st.frames_in, 2);
  fail_unless_equals_int (st.frames_out, 2);
  fail_unless_equals_int (st.state, S (OK));
  gst_livekit_cryptor_free (enc);
  gst_livekit_cryptor_free (dec);
  gst_object_unref (kr);
}

GST_END_TEST;

GST_START_TEST (test_missing_key_then_recovery)
{
  GstLiveKitKeyring *tx = keyring_new (0, -1), *rx = keyring_new (0, -1);
  GstLiveKitCryptor *enc = gst_livekit_cryptor_new (tx, TRUE, NULL);
  GstLiveKitCryptor *dec = gst_livekit_cryptor_new (rx, FALSE, NULL);
  GstLiveKitCryptResult r;
  GstLiveKitCryptorStats st;
  Frame f;

  /* Encrypt side without a key: MISSING_KEY, nothing comes out. */
  gst_livekit_cryptor_encrypt (enc, GST_LIVEKIT_CODEC_VP8, vp8_delta,
      sizeof vp8_delta, FALSE, 0, 0, f.data, sizeof f.data, &f.len, &r);
  fail_unless_equals_int (r.reason, GST_LIVEKIT_DROP_REASON_MISSING_KEY);
  assert_states (&r, 1, S (MISSING_KEY));

  set_key (tx, NULL, "key", 5);
  f = encrypt (enc, 5);
  r = decrypt (dec, &f);
  fail_unless_equals_int (r.reason, GST_LIVEKIT_DROP_REASON_MISSING_KEY);
  fail_unless_equals_int (r.key_index, 5);
  assert_states (&r, 1, S (MISSING_KEY));

  set_key (rx, NULL, "key", 5);
  r = decrypt (dec, &f);
  fail_unless_equals_int (r.outcome, GST_LIVEKIT_FRAME_OUTCOME_DECRYPTED);
  assert_states (&r, 1, S (OK));
  fail_unless (r.recovered);

  /* A key index beyond the ring: MISSING_KEY too (native rule). */
  f.data[f.len - 1] = 16;
  r = decrypt (dec, &f);
  fail_unless_equals_int (r.reason, GST_LIVEKIT_DROP_REASON_MISSING_KEY);

  gst_livekit_cryptor_get_stats (dec, &st);
  fail_unless_equals_int (st.drops[GST_LIVEKIT_DROP_REASON_MISSING_KEY], 2);
  gst_livekit_cryptor_free (enc);
  gst_livekit_cryptor_free (dec);
  gst_object_unref (tx);
  gst_object_unref (rx);
}

GST_END_TEST;

GST_START_TEST (test_wrong_key_and_tolerance)
{
  GstLiveKitKeyring *tx = keyring_new (0, -1), *rx = keyring_new (0, 2);
  GstLiveKitCryptor *enc = gst_livekit_cryptor_new (tx, TRUE, NULL);
  GstLiveKitCryptor *dec = gst_livekit_cryptor_new (rx, FALSE, NULL);
  GstLiveKitCryptResult r;
  Frame f;

  set_key (tx, NULL, "right", 0);
  set_key (rx, NULL, "wrong", 0);
  f = encrypt (enc, 0);
  /* Tolerance 2: three tries fail, then the index is given up; the third
   * failure says so, once (issue 9 item 8). */
  r = decrypt (dec, &f);
  fail_unless_equals_int (r.reason, GST_LIVEKIT_DROP_REASON_DECRYPT_FAILED);
  assert_states (&r, 1, S (DECRYPTION_FAILED));
  fail_if (r.key_given_up);
  r = decrypt (dec, &f);
  assert_states (&r, 0);
  fail_if (r.key_given_up);
  r = decrypt (dec, &f);
  fail_unless_equals_int (r.reason, GST_LIVEKIT_DROP_REASON_DECRYPT_FAILED);
  fail_unless (r.key_given_up);
  r = decrypt (dec, &f);
  fail_unless_equals_int (r.reason, GST_LIVEKIT_DROP_REASON_KEY_INVALID);
  assert_states (&r, 0);
  fail_if (r.key_given_up);

  /* A new key at that index revalidates it. */
  set_key (rx, NULL, "right", 0);
  r = decrypt (dec, &f);
  fail_unless_equals_int (r.outcome, GST_LIVEKIT_FRAME_OUTCOME_DECRYPTED);
  assert_states (&r, 1, S (OK));
  fail_unless (r.recovered);
  gst_livekit_cryptor_free (enc);
  gst_livekit_cryptor_free (dec);
  gst_object_unref (tx);
  gst_object_unref (rx);
}

GST_END_TEST;

/* Only frames that fail authentication count against a key, as in
 * LiveKit: frames malformed before any key is tried (too short, IV length
 * byte not 12, key index beyond the ring, unknown server-injected frame)
 * never give a valid key up, however many there are (issue 9 item 8). */
GST_START_TEST (test_malformed_frames_do_not_count)
{
  GstLiveKitKeyring *kr = keyring_new (0, 0);
  GstLiveKitCryptor *enc = gst_livekit_cryptor_new (kr, TRUE, NULL);
  GstLiveKitCryptor *dec = gst_livekit_cryptor_new (kr, FALSE, NULL);
  static const guint8 sif[] = { 'L', 'K', 'R', 'O', 'O', 'M' };
  GstLiveKitCryptResult r;
  Frame good, bad_iv, bad_index, too_short, unknown_sif;

  set_key (kr, NULL, "key", 0);
  gst_livekit_cryptor_set_sif_trailer (dec, sif, sizeof sif);
  good = encrypt (enc, 0);
  bad_iv = good;
  bad_iv.data[bad_iv.len - 2] = 11;
  bad_index = good;
  bad_index.data[bad_index.len - 1] = 200;
  too_short = good;
  too_short.len = 5;
  memcpy (unknown_sif.data, "garbage", 7);
  memcpy (unknown_sif.data + 7, sif, sizeof sif);
  unknown_sif.len = 7 + sizeof sif;
  for (guint i = 0; i < 20; i++) {
    r = decrypt (dec, &bad_iv);
    fail_unless_equals_int (r.reason, GST_LIVEKIT_DROP_REASON_BAD_IV_LENGTH);
    r = decrypt (dec, &bad_index);
    fail_unless_equals_int (r.reason, GST_LIVEKIT_DROP_REASON_MISSING_KEY);
    r = decrypt (dec, &too_short);
    fail_unless_equals_int (r.reason, GST_LIVEKIT_DROP_REASON_TOO_SHORT);
    r = decrypt (dec, &unknown_sif);
    fail_unless_equals_int (r.reason, GST_LIVEKIT_DROP_REASON_UNKNOWN_SIF);
    fail_if (r.key_given_up);
  }
  /* Tolerance 0: the key still decrypts... */
  r = decrypt (dec, &good);
  fail_unless_equals_int (r.outcome, GST_LIVEKIT_FRAME_OUTCOME_DECRYPTED);
  /* ...and one frame that fails authentication gives it up. */
  good.data[5] ^= 0x01;
  r = decrypt (dec, &good);
  fail_unless (r.key_given_up);
  r = decrypt (dec, &good);
  fail_unless_equals_int (r.reason, GST_LIVEKIT_DROP_REASON_KEY_INVALID);
  gst_livekit_cryptor_free (enc);
  gst_livekit_cryptor_free (dec);
  gst_object_unref (kr);
}

GST_END_TEST;

/* Failures count consecutively per key index (JS): a success resets, so
 * two failures at a time never exceed a tolerance of 2. */
GST_START_TEST (test_failure_count_resets_on_success)
{
  GstLiveKitKeyring *kr = keyring_new (0, 2);
  GstLiveKitCryptor *enc = gst_livekit_cryptor_new (kr, TRUE, NULL);
  GstLiveKitCryptor *dec = gst_livekit_cryptor_new (kr, FALSE, NULL);
  GstLiveKitCryptResult r;
  Frame good, bad;

  set_key (kr, NULL, "key", 0);
  good = encrypt (enc, 0);
  bad = good;
  bad.data[5] ^= 0x01;
  for (guint round = 0; round < 3; round++) {
    r = decrypt (dec, &bad);
    fail_unless_equals_int (r.reason, GST_LIVEKIT_DROP_REASON_DECRYPT_FAILED);
    r = decrypt (dec, &bad);
    fail_unless_equals_int (r.reason, GST_LIVEKIT_DROP_REASON_DECRYPT_FAILED);
    r = decrypt (dec, &good);
    fail_unless_equals_int (r.outcome, GST_LIVEKIT_FRAME_OUTCOME_DECRYPTED);
  }
  gst_livekit_cryptor_free (enc);
  gst_livekit_cryptor_free (dec);
  gst_object_unref (kr);
}

GST_END_TEST;

/* Sender ratchets @steps times; a receiver with @window follows or not. */
static void
check_auto_ratchet (guint steps, guint window, gboolean expect_ok)
{
  GstLiveKitKeyring *tx = keyring_new (0, -1), *rx = keyring_new (window, -1);
  GstLiveKitCryptor *enc = gst_livekit_cryptor_new (tx, TRUE, "alice");
  GstLiveKitCryptor *dec = gst_livekit_cryptor_new (rx, FALSE, "alice");
  GstLiveKitCryptResult r;
  GBytes *sent = NULL, *now;
  Frame f;

  set_key (tx, "alice", "key", 1);
  set_key (rx, "alice", "key", 1);
  for (guint i = 0; i < steps; i++) {
    g_clear_pointer (&sent, g_bytes_unref);
    sent = gst_livekit_keyring_ratchet_key (tx, "alice", 1, NULL);
  }
  f = encrypt (enc, 1);
  r = decrypt_holding (rx, dec, &f);
  if (expect_ok) {
    fail_unless_equals_int (r.outcome, GST_LIVEKIT_FRAME_OUTCOME_DECRYPTED);
    fail_unless (r.ratcheted);
    assert_states (&r, 2, S (KEY_RATCHETED), S (OK));
    /* Committed: the receiver now holds the sender's material. */
    now = gst_livekit_keyring_export_key (rx, "alice", 1);
    fail_unless (g_bytes_equal (now, sent));
    g_bytes_unref (now);
    r = decrypt (dec, &f);
    fail_unless_equals_int (r.outcome, GST_LIVEKIT_FRAME_OUTCOME_DECRYPTED);
    fail_if (r.ratcheted);
  } else {
    fail_unless_equals_int (r.reason, GST_LIVEKIT_DROP_REASON_DECRYPT_FAILED);
    /* Nothing committed on failure. */
    now = gst_livekit_keyring_export_key (rx, "alice", 1);
    fail_unless_equals_int (g_bytes_get_size (now), 3);
    g_bytes_unref (now);
  }
  g_clear_pointer (&sent, g_bytes_unref);
  gst_livekit_cryptor_free (enc);
  gst_livekit_cryptor_free (dec);
  gst_object_unref (tx);
  gst_object_unref (rx);
}

GST_START_TEST (test_auto_ratchet_window_edges)
{
  check_auto_ratchet (1, 16, TRUE);
  check_auto_ratchet (3, 16, TRUE);
  check_auto_ratchet (4, 4, TRUE);
  check_auto_ratchet (5, 4, FALSE);
  check_auto_ratchet (1, 0, FALSE);
}

GST_END_TEST;

GST_START_TEST (test_auto_ratchet_pbkdf2)
{
  GstLiveKitKeyring *tx = gst_livekit_keyring_new ();
  GstLiveKitKeyring *rx = gst_livekit_keyring_new ();
  GstLiveKitCryptor *enc = gst_livekit_cryptor_new (tx, TRUE, NULL);
  GstLiveKitCryptor *dec = gst_livekit_cryptor_new (rx, FALSE, NULL);
  GstLiveKitCryptResult r;
  Frame f;

  g_object_set (rx, "ratchet-window-size", 3, NULL);
  g_object_set (tx, "ratchet-window-size", 0, NULL);
  set_key (tx, NULL, "password", 0);
  set_key (rx, NULL, "password", 0);
  for (guint i = 0; i < 2; i++)
    g_bytes_unref (gst_livekit_keyring_ratchet_shared_key (tx, 0, NULL));
  f = encrypt (enc, 0);
  /* Without holding the frame is dropped, and the steps come all the same. */
  r = decrypt (dec, &f);
  fail_unless_equals_int (r.reason, GST_LIVEKIT_DROP_REASON_DECRYPT_FAILED);
  gst_livekit_keyring_wait_precomputed (rx);
  r = decrypt (dec, &f);
  fail_unless (r.ratcheted);
  gst_livekit_cryptor_free (enc);
  gst_livekit_cryptor_free (dec);
  gst_object_unref (tx);
  gst_object_unref (rx);
}

GST_END_TEST;

static guint64
ratchet_steps (GstLiveKitKeyring * kr)
{
  GstStructure *st;
  guint64 v = 0;

  g_object_get (kr, "stats", &st, NULL);
  gst_structure_get_uint64 (st, "ratchet-steps-derived", &v);
  gst_structure_free (st);
  return v;
}

/* The worker derives one step at a time and stops at the first step that
 * opens the frame, not at the window; a frame that only needs steps still
 * being derived is HELD (nothing counted, no state) until then. */
GST_START_TEST (test_catch_up_stops_at_first_opening_step)
{
  GstLiveKitKeyring *tx = keyring_new (0, -1), *rx = keyring_new (16, -1);
  GstLiveKitCryptor *enc = gst_livekit_cryptor_new (tx, TRUE, NULL);
  GstLiveKitCryptor *dec = gst_livekit_cryptor_new (rx, FALSE, NULL);
  GstLiveKitCryptorStats st;
  GstLiveKitCryptResult r;
  guint8 out[256];
  gsize out_len;
  Frame f;

  set_key (tx, NULL, "key", 0);
  set_key (rx, NULL, "key", 0);
  for (guint i = 0; i < 3; i++)
    g_bytes_unref (gst_livekit_keyring_ratchet_shared_key (tx, 0, NULL));
  f = encrypt (enc, 0);
  gst_livekit_cryptor_decrypt_full (dec, GST_LIVEKIT_CODEC_VP8, f.data, f.len,
      FALSE, TRUE, out, &out_len, &r);
  fail_unless_equals_int (r.outcome, GST_LIVEKIT_FRAME_OUTCOME_HELD);
  fail_unless_equals_int (r.n_states, 0);
  gst_livekit_cryptor_get_stats (dec, &st);
  fail_unless_equals_uint64 (st.frames_in, 0);
  r = decrypt_holding (rx, dec, &f);
  fail_unless_equals_int (r.outcome, GST_LIVEKIT_FRAME_OUTCOME_DECRYPTED);
  assert_states (&r, 2, S (KEY_RATCHETED), S (OK));
  gst_livekit_keyring_wait_precomputed (rx);
  fail_unless_equals_uint64 (ratchet_steps (rx), 3);
  gst_livekit_cryptor_get_stats (dec, &st);
  fail_unless_equals_uint64 (st.frames_in, 1);
  fail_unless_equals_uint64 (st.drops[GST_LIVEKIT_DROP_REASON_DECRYPT_FAILED],
      0);
  gst_livekit_cryptor_free (enc);
  gst_livekit_cryptor_free (dec);
  gst_object_unref (tx);
  gst_object_unref (rx);
}

GST_END_TEST;

/* Encrypting never derives a ratchet step, whatever the keys do. */
GST_START_TEST (test_encrypt_only_derives_no_steps)
{
  GstLiveKitKeyring *tx = gst_livekit_keyring_new ();
  GstLiveKitCryptor *enc = gst_livekit_cryptor_new (tx, TRUE, NULL);
  GstStructure *st;
  guint64 runs = 0;

  /* PBKDF2 and the default window of 16, as LiveKit's defaults. */
  fail_unless (gst_livekit_keyring_set_shared_key (tx, (const guint8 *) "a",
          1, 0, NULL));
  for (guint i = 0; i < 50; i++)
    encrypt (enc, 0);
  fail_unless (gst_livekit_keyring_set_shared_key (tx, (const guint8 *) "b",
          1, 1, NULL));
  for (guint i = 0; i < 50; i++)
    encrypt (enc, 1);
  gst_livekit_keyring_wait_precomputed (tx);
  g_object_get (tx, "stats", &st, NULL);
  gst_structure_get_uint64 (st, "kdf-runs", &runs);
  gst_structure_free (st);
  fail_unless_equals_uint64 (ratchet_steps (tx), 0);
  fail_unless_equals_uint64 (runs, 2);
  gst_livekit_cryptor_free (enc);
  gst_object_unref (tx);
}

GST_END_TEST;

/* Sender ratchets; one track's frame makes the receiver follow; frames of
 * another track of the same sender still in flight under the old key
 * decrypt during the grace period. An application set_key ends it. */
GST_START_TEST (test_ratcheted_away_key_grace)
{
  GstLiveKitKeyring *tx = keyring_new (0, -1), *rx = keyring_new (4, -1);
  GstLiveKitCryptor *enc = gst_livekit_cryptor_new (tx, TRUE, "alice");
  GstLiveKitCryptor *video = gst_livekit_cryptor_new (rx, FALSE, "alice");
  GstLiveKitCryptor *audio = gst_livekit_cryptor_new (rx, FALSE, "alice");
  GstLiveKitCryptResult r;
  Frame old, new_;

  set_key (tx, "alice", "key", 0);
  set_key (rx, "alice", "key", 0);
  old = encrypt (enc, 0);
  g_bytes_unref (gst_livekit_keyring_ratchet_key (tx, "alice", 0, NULL));
  new_ = encrypt (enc, 0);
  r = decrypt_holding (rx, video, &new_);
  fail_unless (r.ratcheted);
  r = decrypt (audio, &old);
  fail_unless_equals_int (r.outcome, GST_LIVEKIT_FRAME_OUTCOME_DECRYPTED);
  assert_states (&r, 1, S (OK));
  /* The new key is still the one in use. */
  r = decrypt (audio, &new_);
  fail_unless_equals_int (r.outcome, GST_LIVEKIT_FRAME_OUTCOME_DECRYPTED);
  fail_if (r.ratcheted);

  /* A manual ratchet on the receiver keeps the old key too. */
  g_bytes_unref (gst_livekit_keyring_ratchet_key (rx, "alice", 0, NULL));
  r = decrypt (audio, &new_);
  fail_unless_equals_int (r.outcome, GST_LIVEKIT_FRAME_OUTCOME_DECRYPTED);

  /* A key set by the application ends the grace. */
  set_key (rx, "alice", "another", 0);
  r = decrypt (audio, &new_);
  fail_unless_equals_int (r.reason, GST_LIVEKIT_DROP_REASON_DECRYPT_FAILED);
  gst_livekit_cryptor_free (enc);
  gst_livekit_cryptor_free (video);
  gst_livekit_cryptor_free (audio);
  gst_object_unref (tx);
  gst_object_unref (rx);
}

GST_END_TEST;

/* The grace lasts one second. */
GST_START_TEST (test_grace_expires)
{
  GstLiveKitKeyring *tx = keyring_new (0, -1), *rx = keyring_new (0, -1);
  GstLiveKitCryptor *enc = gst_livekit_cryptor_new (tx, TRUE, NULL);
  GstLiveKitCryptor *dec = gst_livekit_cryptor_new (rx, FALSE, NULL);
  GstLiveKitCryptResult r;
  Frame old;

  set_key (tx, NULL, "key", 0);
  set_key (rx, NULL, "key", 0);
  old = encrypt (enc, 0);
  g_bytes_unref (gst_livekit_keyring_ratchet_shared_key (rx, 0, NULL));
  r = decrypt (dec, &old);
  fail_unless_equals_int (r.outcome, GST_LIVEKIT_FRAME_OUTCOME_DECRYPTED);
  g_usleep (1100 * 1000);
  r = decrypt (dec, &old);
  fail_unless_equals_int (r.reason, GST_LIVEKIT_DROP_REASON_DECRYPT_FAILED);
  gst_livekit_cryptor_free (enc);
  gst_livekit_cryptor_free (dec);
  gst_object_unref (tx);
  gst_object_unref (rx);
}

GST_END_TEST;

GST_START_TEST (test_per_participant_keys)
{
  GstLiveKitKeyring *tx = keyring_new (0, -1), *rx = keyring_new (0, -1);
  GstLiveKitCryptor *enc_a = gst_livekit_cryptor_new (tx, TRUE, "alice");
  GstLiveKitCryptor *enc_b = gst_livekit_cryptor_new (tx, TRUE, "bob");
  GstLiveKitCryptor *dec_a = gst_livekit_cryptor_new (rx, FALSE, "alice");
  GstLiveKitCryptor *dec_b = gst_livekit_cryptor_new (rx, FALSE, "bob");
  GstLiveKitCryptResult r;
  Frame fa, fb;

  set_key (tx, "alice", "alice-key", 0);
  set_key (tx, "bob", "bob-key", 0);
  set_key (rx, "alice", "alice-key", 0);
  set_key (rx, "bob", "bob-key", 0);
  fa = encrypt (enc_a, 0);
  fb = encrypt (enc_b, 0);
  r = decrypt (dec_a, &fa);
  fail_unless_equals_int (r.outcome, GST_LIVEKIT_FRAME_OUTCOME_DECRYPTED);
  r = decrypt (dec_b, &fb);
  fail_unless_equals_int (r.outcome, GST_LIVEKIT_FRAME_OUTCOME_DECRYPTED);
  /* Alice's frame with Bob's key fails: each sender has its own ring. */
  r = decrypt (dec_b, &fa);
  fail_unless_equals_int (r.reason, GST_LIVEKIT_DROP_REASON_DECRYPT_FAILED);
  gst_livekit_cryptor_free (enc_a);
  gst_livekit_cryptor_free (enc_b);
  gst_livekit_cryptor_free (dec_a);
  gst_livekit_cryptor_free (dec_b);
  gst_object_unref (tx);
  gst_object_unref (rx);
}

GST_END_TEST;

GST_START_TEST (test_malformed_frames)
{
  GstLiveKitKeyring *kr = keyring_new (0, -1);
  GstLiveKitCryptor *enc = gst_livekit_cryptor_new (kr, TRUE, NULL);
  GstLiveKitCryptor *dec = gst_livekit_cryptor_new (kr, FALSE, NULL);
  GstLiveKitCryptResult r;
  Frame f, t;

  set_key (kr, NULL, "key", 0);
  f = encrypt (enc, 0);
  t = f;
  t.data[t.len - 2] = 16;
  r = decrypt (dec, &t);
  fail_unless_equals_int (r.reason, GST_LIVEKIT_DROP_REASON_BAD_IV_LENGTH);
  assert_states (&r, 1, S (DECRYPTION_FAILED));
  for (gsize cut = 1; cut < f.len; cut++) {
    t = f;
    t.len = cut;
    r = decrypt (dec, &t);
    fail_unless_equals_int (r.outcome, GST_LIVEKIT_FRAME_OUTCOME_DROPPED);
  }
  /* Empty frames pass through (Opus DTX). */
  t.len = 0;
  r = decrypt (dec, &t);
  fail_unless_equals_int (r.outcome, GST_LIVEKIT_FRAME_OUTCOME_PASSTHROUGH);
  gst_livekit_cryptor_free (enc);
  gst_livekit_cryptor_free (dec);
  gst_object_unref (kr);
}

GST_END_TEST;

GST_START_TEST (test_server_injected_frames)
{
  GstLiveKitKeyring *kr = keyring_new (0, -1);
  GstLiveKitCryptor *dec = gst_livekit_cryptor_new (kr, FALSE, NULL);
  const gchar *trailer = "3xQmTrailerFromJoinResponse";
  GstLiveKitCryptResult r;
  guint8 out[256];
  gsize out_len;
  Frame f;

  /* No key needed for a known blank frame. */
  gst_livekit_cryptor_set_sif_trailer (dec, (const guint8 *) trailer,
      strlen (trailer));
  memset (f.data, 0, sizeof f.data);
  f.data[0] = 0xf8;
  f.data[1] = 0xff;
  f.data[2] = 0xfe;
  memcpy (f.data + 80, trailer, strlen (trailer));
  f.len = 80 + strlen (trailer);
  gst_livekit_cryptor_decrypt (dec, GST_LIVEKIT_CODEC_AUDIO, f.data, f.len,
      FALSE, out, &out_len, &r);
  fail_unless_equals_int (r.outcome, GST_LIVEKIT_FRAME_OUTCOME_PASSTHROUGH);
  fail_unless_equals_int (out_len, 80);

  f.data[40] = 1;
  gst_livekit_cryptor_decrypt (dec, GST_LIVEKIT_CODEC_AUDIO, f.data, f.len,
      FALSE, out, &out_len, &r);
  fail_unless_equals_int (r.reason, GST_LIVEKIT_DROP_REASON_UNKNOWN_SIF);
  assert_states (&r, 1, S (DECRYPTION_FAILED));
  gst_livekit_cryptor_free (dec);
  gst_object_unref (kr);
}

GST_END_TEST;

GST_START_TEST (test_iv_words)
{
  GstLiveKitKeyring *kr = keyring_new (0, -1);
  GstLiveKitCryptor *enc = gst_livekit_cryptor_new (kr, TRUE, NULL);
  Frame a, b;
  const guint8 *iva, *ivb;

  set_key (kr, NULL, "key", 0);
  gst_livekit_cryptor_set_ssrc (enc, 0x01020304);
  a = encrypt (enc, 0);
  b = encrypt (enc, 0);
  iva = a.data + a.len - 14;
  ivb = b.data + b.len - 14;
  fail_unless (memcmp (iva, "\x01\x02\x03\x04\x00\x00\x04\xd2", 8) == 0);
  fail_unless (memcmp (iva, ivb, 8) == 0);
  /* Same timestamp, next counter: the third word differs by one. */
  fail_unless (GST_READ_UINT32_BE (iva + 8) - GST_READ_UINT32_BE (ivb + 8) ==
      1);
  gst_livekit_cryptor_free (enc);
  gst_object_unref (kr);
}

GST_END_TEST;

/* A frame no receiver could parse back is refused: ENCRYPTION_FAILED, once;
 * the next good frame is OK again. */
GST_START_TEST (test_encryption_failed_state)
{
  GstLiveKitKeyring *kr = keyring_new (0, -1);
  GstLiveKitCryptor *enc = gst_livekit_cryptor_new (kr, TRUE, NULL);
  const guint8 short_key_frame[] = { 0x10, 0x02 };
  GstLiveKitCryptResult r;
  guint8 out[256];
  gsize out_len;
  GstLiveKitCryptorStats st;

  set_key (kr, NULL, "key", 0);
  encrypt (enc, 0);
  for (guint i = 0; i < 2; i++) {
    gst_livekit_cryptor_encrypt (enc, GST_LIVEKIT_CODEC_VP8, short_key_frame,
        sizeof short_key_frame, TRUE, 0, 0, out, sizeof out, &out_len, &r);
    fail_unless_equals_int (r.reason, GST_LIVEKIT_DROP_REASON_ENCRYPT_FAILED);
    /* Why, for the element's warning (issue 9 item 9). */
    fail_unless_equals_int (r.frame_error, GST_LIVEKIT_FRAME_ERROR_TOO_SHORT);
    fail_unless_equals_int (out_len, 0);
    if (i == 0)
      assert_states (&r, 1, S (ENCRYPTION_FAILED));
    else
      assert_states (&r, 0);
  }
  gst_livekit_cryptor_encrypt (enc, GST_LIVEKIT_CODEC_VP8, vp8_delta,
      sizeof vp8_delta, FALSE, 0, 0, out, sizeof out, &out_len, &r);
  assert_states (&r, 1, S (OK));
  gst_livekit_cryptor_get_stats (enc, &st);
  fail_unless_equals_int (st.drops[GST_LIVEKIT_DROP_REASON_ENCRYPT_FAILED], 2);
  gst_livekit_cryptor_free (enc);
  gst_object_unref (kr);
}

GST_END_TEST;

typedef struct
{
  GstLiveKitKeyring *keyring;
  gint stop;
} Rekeyer;

static gpointer
rekey_loop (gpointer data)
{
  Rekeyer *rk = data;
  guint i = 0;
  while (!g_atomic_int_get (&rk->stop)) {
    const gchar *key = (i++ % 2) ? "key" : "other";
    gst_livekit_keyring_set_key (rk->keyring, NULL, (const guint8 *) key,
        strlen (key), 0, NULL);
  }
  return NULL;
}

/* Keys change under a decrypting thread: every frame either decrypts to the
 * right bytes or is dropped as undecryptable; nothing else happens. */
GST_START_TEST (test_concurrent_set_key)
{
  GstLiveKitKeyring *tx = keyring_new (0, -1), *rx = keyring_new (0, -1);
  GstLiveKitCryptor *enc = gst_livekit_cryptor_new (tx, TRUE, NULL);
  GstLiveKitCryptor *dec = gst_livekit_cryptor_new (rx, FALSE, NULL);
  Rekeyer rk = { rx, 0 };
  guint decrypted = 0, failed = 0;
  GThread *thread;
  Frame f;

  set_key (tx, NULL, "key", 0);
  set_key (rx, NULL, "key", 0);
  f = encrypt (enc, 0);
  thread = g_thread_new ("rekey", rekey_loop, &rk);
  for (guint i = 0; i < 20000; i++) {
    GstLiveKitCryptResult r = decrypt (dec, &f);
    if (r.outcome == GST_LIVEKIT_FRAME_OUTCOME_DECRYPTED)
      decrypted++;
    else {
      fail_unless_equals_int (r.reason, GST_LIVEKIT_DROP_REASON_DECRYPT_FAILED);
      failed++;
    }
  }
  g_atomic_int_set (&rk.stop, 1);
  g_thread_join (thread);
  fail_unless (decrypted > 0);
  GST_INFO ("decrypted %u, failed %u", decrypted, failed);
  gst_livekit_cryptor_free (enc);
  gst_livekit_cryptor_free (dec);
  gst_object_unref (tx);
  gst_object_unref (rx);
}

GST_END_TEST;

static Suite *
cryptor_suite (void)
{
  Suite *s = suite_create ("livekit-cryptor");
  TCase *tc = tcase_create ("cryptor");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_round_trip_and_states);
  tcase_add_test (tc, test_missing_key_then_recovery);
  tcase_add_test (tc, test_wrong_key_and_tolerance);
  tcase_add_test (tc, test_malformed_frames_do_not_count);
  tcase_add_test (tc, test_failure_count_resets_on_success);
  tcase_add_test (tc, test_auto_ratchet_window_edges);
  tcase_add_test (tc, test_auto_ratchet_pbkdf2);
  tcase_add_test (tc, test_catch_up_stops_at_first_opening_step);
  tcase_add_test (tc, test_encrypt_only_derives_no_steps);
  tcase_add_test (tc, test_ratcheted_away_key_grace);
  tcase_add_test (tc, test_grace_expires);
  tcase_add_test (tc, test_per_participant_keys);
  tcase_add_test (tc, test_malformed_frames);
  tcase_add_test (tc, test_server_injected_frames);
  tcase_add_test (tc, test_iv_words);
  tcase_add_test (tc, test_encryption_failed_state);
  tcase_add_test (tc, test_concurrent_set_key);
  return s;
}

GST_CHECK_MAIN (cryptor);
