/* IV uniqueness of one sender under one key (docs/keys.md, "IV bound"):
 * 10 M frames through gst_livekit_cryptor_encrypt, then a restart (a new
 * cryptor, as a restarted pipeline makes) with the same SSRC and the same
 * RTP timestamps, and no IV may repeat. The IVs are read back from the
 * frames' trailers, kept as 64-bit words (the SSRC word is checked apart),
 * sorted and compared: about 100 MB and a few seconds. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <gst/check/gstcheck.h>
#include <gst/livekit/livekit.h>

#include <stdlib.h>
#include <string.h>

#define SSRC 0x5eed1e55u
#define FIRST_RUN (10 * 1000 * 1000)
#define RESTART_RUN (2 * 1000 * 1000)

static int
cmp_u64 (const void *a, const void *b)
{
  guint64 x = *(const guint64 *) a, y = *(const guint64 *) b;
  return x < y ? -1 : x > y;
}

/* Timestamps as a 30 fps video sender's on the 90 kHz clock, three frames
 * per timestamp (as simulcast layers or a retried frame share one), and
 * starting just before the 32-bit wrap. */
static guint32
timestamp_of (guint i)
{
  return 0xffff0000u + (i / 3) * 3000u;
}

static gsize
run (GstLiveKitKeyring * keyring, guint n, guint64 * ivs)
{
  GstLiveKitCryptor *c = gst_livekit_cryptor_new (keyring, TRUE, NULL);
  static const guint8 frame[] = { 0xfc, 0x01, 0x02, 0x03 };
  guint8 out[64];

  gst_livekit_cryptor_set_ssrc (c, SSRC);
  for (guint i = 0; i < n; i++) {
    GstLiveKitCryptResult r;
    gsize len = 0;
    const guint8 *iv;

    gst_livekit_cryptor_encrypt (c, GST_LIVEKIT_CODEC_AUDIO, frame,
        sizeof frame, FALSE, timestamp_of (i), 0, out, sizeof out, &len, &r);
    if (r.outcome != GST_LIVEKIT_FRAME_OUTCOME_ENCRYPTED)
      fail ("frame %u: outcome %d (%s)", i, r.outcome,
          gst_livekit_drop_reason_to_string (r.reason));
    /* Trailer: ... IV (12) | IV length | key index. (No check macro on
     * the hot path: each one writes to libcheck's pipe.) */
    if (len < 14 || out[len - 2] != 12 || out[len - 1] != 0)
      fail ("frame %u: bad trailer", i);
    iv = out + len - 14;
    if (GST_READ_UINT32_BE (iv) != SSRC)
      fail ("frame %u: SSRC word %08x", i, GST_READ_UINT32_BE (iv));
    ivs[i] = GST_READ_UINT64_BE (iv + 4);
  }
  gst_livekit_cryptor_free (c);
  return n;
}

GST_START_TEST (test_iv_unique_across_restart)
{
  GstLiveKitKeyring *keyring = gst_livekit_keyring_new ();
  static const guint8 key[16] = "iv test key 0123";
  gsize n = FIRST_RUN + RESTART_RUN, repeats = 0;
  guint64 *ivs = g_new (guint64, n);

  g_object_set (keyring, "key-derivation", GST_LIVEKIT_KEY_DERIVATION_HKDF,
      NULL);
  fail_unless (gst_livekit_keyring_set_shared_key (keyring, key, sizeof key,
          0, NULL));
  run (keyring, FIRST_RUN, ivs);
  run (keyring, RESTART_RUN, ivs + FIRST_RUN);
  qsort (ivs, n, sizeof *ivs, cmp_u64);
  for (gsize i = 1; i < n; i++)
    repeats += ivs[i] == ivs[i - 1];
  fail_unless_equals_uint64 (repeats, 0);
  g_free (ivs);
  gst_object_unref (keyring);
}

GST_END_TEST;

static Suite *
iv_suite (void)
{
  Suite *s = suite_create ("livekit-iv");
  TCase *tc = tcase_create ("iv");

  tcase_set_timeout (tc, 120);
  tcase_add_test (tc, test_iv_unique_across_restart);
  suite_add_tcase (s, tc);
  return s;
}

GST_CHECK_MAIN (iv);
