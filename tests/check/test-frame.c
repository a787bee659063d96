/* Frame format known-answer and edge-case tests (spec livekit-e2ee.md
 * §6-§9, §15). */
#include <gst/check/gstcheck.h>
#include <gst/livekit/livekit.h>
#include "../../gst/livekit/sif.h"

#include <string.h>

static guint8 *
unhex (const gchar * hex, gsize * len)
{
  gsize n = strlen (hex) / 2;
  guint8 *out = g_malloc (n ? n : 1);
  fail_unless (gst_livekit_hex_decode (hex, out, n, len));
  return out;
}

static gchar *
to_hex (const guint8 * d, gsize n)
{
  GString *s = g_string_new (NULL);
  for (gsize i = 0; i < n; i++)
    g_string_append_printf (s, "%02x", d[i]);
  return g_string_free (s, FALSE);
}

static GstLiveKitAead *
aead_for_passphrase (const gchar * pass, gboolean encrypt)
{
  guint8 key[16];
  const gchar *salt = GST_LIVEKIT_DEFAULT_RATCHET_SALT;
  fail_unless (gst_livekit_kdf (GST_LIVEKIT_KEY_DERIVATION_PBKDF2,
          (const guint8 *) pass, strlen (pass), (const guint8 *) salt,
          strlen (salt), key, sizeof key));
  return gst_livekit_aead_new (key, encrypt);
}

/* Decrypts @frame_hex in place and compares with @plain_hex. */
static void
assert_decrypts (GstLiveKitAead * aead, GstLiveKitCodec codec,
    const gchar * frame_hex, gboolean key_frame, const gchar * plain_hex)
{
  GstLiveKitEncryptedFrame parsed;
  gsize len, out_len;
  guint8 *frame = unhex (frame_hex, &len);
  gchar *hex;

  fail_unless_equals_int (gst_livekit_frame_parse (codec, frame, len,
          key_frame, 16, &parsed), GST_LIVEKIT_FRAME_OK);
  fail_unless_equals_int (gst_livekit_frame_decrypt (aead, frame, &parsed,
          &out_len), GST_LIVEKIT_FRAME_OK);
  hex = to_hex (frame, out_len);
  fail_unless_equals_string (hex, plain_hex);
  g_free (hex);
  g_free (frame);
}

/* Frames produced by LiveKit's JS FrameCryptor test (spec §15.1). JS had
 * no codec for them: NAL auto-detection finds no start code and falls back to
 * the VP8 rule by frame type ('key': 10 bytes), which is our H.264 path with
 * key_frame set. (Our VP8 path reads the frame tag, which says delta here.) */
GST_START_TEST (test_js_frames_decrypt)
{
  GstLiveKitAead *aead = aead_for_passphrase ("key1", FALSE);

  assert_decrypts (aead, GST_LIVEKIT_CODEC_H264,
      "0102030405060708090afe605b6fbb841f0ccf8811dde974ae063225d64777c4"
      "ffffffff00000000ffffc7330c01", TRUE,
      "0102030405060708090a0b0c0d0e0f10");
  assert_decrypts (aead, GST_LIVEKIT_CODEC_H264,
      "6302030405060708090a9a6cd1effd21486f0d7d0a651cd18da200eebdfe429c"
      "ffffffff00000000ffff60f70c01", TRUE,
      "6302030405060708090a0b0c0d0e0f10");
  gst_livekit_aead_free (aead);
}

GST_END_TEST;

static void
assert_encrypts (GstLiveKitCodec codec, const gchar * plain_hex,
    gboolean key_frame, guint32 ssrc, guint32 ts, guint32 counter,
    guint8 key_index, const gchar * expect_hex)
{
  GstLiveKitAead *aead = aead_for_passphrase ("key1", TRUE);
  guint8 iv[GST_LIVEKIT_IV_SIZE];
  gsize len, out_len, cap;
  guint8 *plain = unhex (plain_hex, &len), *out;
  gchar *hex;

  cap = gst_livekit_frame_encrypted_size_max (len);
  out = g_malloc (cap);
  gst_livekit_frame_make_iv (ssrc, ts, counter, iv);
  fail_unless_equals_int (gst_livekit_frame_encrypt (aead, codec, plain, len,
          key_frame, iv, key_index, out, cap, &out_len), GST_LIVEKIT_FRAME_OK);
  hex = to_hex (out, out_len);
  fail_unless_equals_string (hex, expect_hex);
  g_free (hex);
  g_free (out);
  g_free (plain);
  gst_livekit_aead_free (aead);
}

/* Spec §15.3 vectors; LiveKit's JS worker reproduces them byte for byte
 * (tests/interop/lkworker-selftest.test.mjs). */
GST_START_TEST (test_encrypt_vectors)
{
  assert_encrypts (GST_LIVEKIT_CODEC_AUDIO,
      "f80102030405060708090a0b0c0d0e0f10111213", FALSE, 0x11223344, 0x1000,
      5, 0,
      "f827688f66bf8236e92d0c2f77be4b86bb9b644b1fd429f1d15285487af423863b67"
      "1f7f112233440000100000000ffb0c00");
  assert_encrypts (GST_LIVEKIT_CODEC_VP8,
      "310200404142434445464748494a4b4c4d4e4f", FALSE, 0xdeadbeef, 90000,
      1000, 2,
      "310200c5313e6127e4b0200c7a1f08f3634b50cf35fed68ad3123951508b9b065d1a"
      "49deadbeef00015f9000015ba80c02");
  /* H.264 with an IV that needs escaping. */
  assert_encrypts (GST_LIVEKIT_CODEC_H264,
      "000000016742c01f0fd91f888884000003000400000300c83c60c920000000016887"
      "cb83cb2000000001658884000000010203000000ff", TRUE, 1, 2, 0, 0,
      "000000016742c01f0fd91f888884000003000400000300c83c60c920000000016887"
      "cb83cb200000000165886486e622fbee64191dca818808dca11800f2a2816230e857"
      "4692090000030001000003000200000300020c00");
}

GST_END_TEST;

GST_START_TEST (test_h264_vector_decrypts)
{
  GstLiveKitAead *aead = aead_for_passphrase ("key1", FALSE);
  assert_decrypts (aead, GST_LIVEKIT_CODEC_H264,
      "000000016742c01f0fd91f888884000003000400000300c83c60c920000000016887"
      "cb83cb200000000165886486e622fbee64191dca818808dca11800f2a2816230e857"
      "4692090000030001000003000200000300020c00", TRUE,
      "000000016742c01f0fd91f888884000003000400000300c83c60c920000000016887"
      "cb83cb2000000001658884000000010203000000ff");
  gst_livekit_aead_free (aead);
}

GST_END_TEST;

static GstLiveKitFrameLayout
layout_of (GstLiveKitCodec codec, const gchar * hex, gboolean key_frame)
{
  GstLiveKitFrameLayout layout;
  gsize len;
  guint8 *d = unhex (hex, &len);
  gst_livekit_frame_layout (codec, d, len, key_frame, &layout);
  g_free (d);
  return layout;
}

GST_START_TEST (test_clear_prefix_rules)
{
  GstLiveKitFrameLayout l;

  l = layout_of (GST_LIVEKIT_CODEC_AUDIO, "fc0102", FALSE);
  fail_unless (l.clear_len == 1 && !l.nal_escaped);
  /* VP8: key frame from the frame tag's P bit, not from the caller. */
  l = layout_of (GST_LIVEKIT_CODEC_VP8, "1002009d012a08000800112233", FALSE);
  fail_unless_equals_int (l.clear_len, 10);
  l = layout_of (GST_LIVEKIT_CODEC_VP8, "31020000112233445566", TRUE);
  fail_unless_equals_int (l.clear_len, 3);
  l = layout_of (GST_LIVEKIT_CODEC_VP9, "8249834200", TRUE);
  fail_unless_equals_int (l.clear_len, 0);
  l = layout_of (GST_LIVEKIT_CODEC_AV1, "0a0b0c", TRUE);
  fail_unless_equals_int (l.clear_len, 0);
  /* H.264: up to the first slice + 2, 3-byte start codes included. */
  l = layout_of (GST_LIVEKIT_CODEC_H264,
      "0000000167aabb00000168cc000001658899aabbccdd", TRUE);
  fail_unless (l.clear_len == 17 && l.nal_escaped);
  l = layout_of (GST_LIVEKIT_CODEC_H264, "00000001419a112233445566", FALSE);
  fail_unless (l.clear_len == 6 && l.nal_escaped);
  /* H.265: IDR_W_RADL (type 19, header 26 01). */
  l = layout_of (GST_LIVEKIT_CODEC_H265,
      "0000000140010c000000014201010000000126010af0112233", TRUE);
  fail_unless (l.clear_len == 20 && l.nal_escaped);
  /* No slice, or leading data: JS's VP8-rule fallback, unescaped. */
  l = layout_of (GST_LIVEKIT_CODEC_H264, "0000000167aabbccddeeff0011223344",
      TRUE);
  fail_unless (l.clear_len == 10 && !l.nal_escaped);
  l = layout_of (GST_LIVEKIT_CODEC_H264, "ff00000165889911223344", FALSE);
  fail_unless (l.clear_len == 3 && !l.nal_escaped);
  /* Shorter than its prefix: everything stays clear. */
  l = layout_of (GST_LIVEKIT_CODEC_VP8, "1002", TRUE);
  fail_unless_equals_int (l.clear_len, 2);
}

GST_END_TEST;

static void
assert_escape (const gchar * in_hex, const gchar * expect_hex)
{
  gsize len, n;
  guint8 *in = unhex (in_hex, &len);
  guint8 *out = g_malloc (len * 2 + 1);
  gchar *hex;

  n = gst_livekit_rbsp_escape (in, len, out);
  hex = to_hex (out, n);
  fail_unless_equals_string (hex, expect_hex);
  g_free (hex);
  fail_unless_equals_int (gst_livekit_rbsp_unescape_in_place (out, n), len);
  fail_unless (memcmp (out, in, len) == 0);
  g_free (in);
  g_free (out);
}

GST_START_TEST (test_rbsp)
{
  assert_escape ("000001", "00000301");
  assert_escape ("00000000", "0000030000");
  assert_escape ("000004", "000004");
  assert_escape ("0000000000000000", "0000030000030000030000");
  assert_escape ("ff0000030000", "ff000003030000");
  fail_unless (gst_livekit_rbsp_needs_unescape ((const guint8 *)
          "\x00\x00\x03\x01", 4));
  /* JS only looks below len - 3. */
  fail_if (gst_livekit_rbsp_needs_unescape ((const guint8 *) "\x00\x00\x03",
          3));
}

GST_END_TEST;

/* JS parseRbsp, byte by byte: the definition the bulk version must match. */
static gsize
unescape_bytewise (const guint8 * in, gsize len, guint8 * out)
{
  gsize o = 0, i = 0;

  while (i < len) {
    if (len - i >= 3 && in[i] == 0 && in[i + 1] == 0 && in[i + 2] == 3) {
      out[o++] = 0;
      out[o++] = 0;
      i += 3;
    } else {
      out[o++] = in[i++];
    }
  }
  return o;
}

/* Zero-heavy random inputs of every short length and some long ones
 * (runs longer than the 256-byte scan blocks, patterns at the edges). */
GST_START_TEST (test_rbsp_unescape_random)
{
  static const guint8 alphabet[] = { 0, 0, 0, 3, 3, 1, 0xff };
  GRand *rand = g_rand_new_with_seed (12);
  guint8 *in = g_malloc (4096), *want = g_malloc (4096), *got =
      g_malloc (4096);

  for (guint round = 0; round < 4000; round++) {
    gsize len = round < 3000 ? round % 40 :
        (gsize) g_rand_int_range (rand, 0, 2048);
    gboolean sparse = round % 3 == 0;
    gsize n_want, n_got;

    for (gsize i = 0; i < len; i++)
      in[i] = sparse && g_rand_int_range (rand, 0, 300) != 0 ?
          (guint8) g_rand_int_range (rand, 1, 256) :
          alphabet[g_rand_int_range (rand, 0, sizeof alphabet)];
    n_want = unescape_bytewise (in, len, want);
    memcpy (got, in, len);
    n_got = gst_livekit_rbsp_unescape_in_place (got, len);
    fail_unless_equals_int (n_got, n_want);
    fail_unless (memcmp (got, want, n_want) == 0, "round %u, %u bytes",
        round, (guint) len);
  }
  g_free (in);
  g_free (want);
  g_free (got);
  g_rand_free (rand);
}

GST_END_TEST;

GST_START_TEST (test_annexb_normalize)
{
  gsize len, n;
  guint8 *in = unhex ("00000167aa0000000168bb00000165cc", &len);
  guint8 out[64];
  gchar *hex;

  fail_unless_equals_int (gst_livekit_annexb_normalized_size (in, len),
      len + 2);
  n = gst_livekit_annexb_normalize (in, len, out);
  hex = to_hex (out, n);
  fail_unless_equals_string (hex, "0000000167aa0000000168bb0000000165cc");
  g_free (hex);
  g_free (in);
}

GST_END_TEST;

static GstLiveKitFrameError
parse_hex (GstLiveKitCodec codec, const gchar * hex, guint ring_size)
{
  GstLiveKitEncryptedFrame parsed;
  gsize len;
  guint8 *d = unhex (hex, &len);
  GstLiveKitFrameError err = gst_livekit_frame_parse (codec, d, len, TRUE,
      ring_size, &parsed);
  g_free (d);
  return err;
}

GST_START_TEST (test_parse_rejects_malformed)
{
  const gchar *good =
      "0102030405060708090afe605b6fbb841f0ccf8811dde974ae063225d64777c4"
      "ffffffff00000000ffffc7330c01";

  fail_unless_equals_int (parse_hex (GST_LIVEKIT_CODEC_VP8, good, 16),
      GST_LIVEKIT_FRAME_OK);
  /* The shortest well-formed body: empty plaintext, tag and trailer. */
  fail_unless_equals_int (parse_hex (GST_LIVEKIT_CODEC_VP8,
          "0002030405060708090a00000000000000000000000000000000"
          "ffffffff00000000ffffc7330c01", 16), GST_LIVEKIT_FRAME_OK);
  fail_unless_equals_int (parse_hex (GST_LIVEKIT_CODEC_VP8, good, 1),
      GST_LIVEKIT_FRAME_ERROR_KEY_INDEX_OUT_OF_RANGE);
  fail_unless_equals_int (parse_hex (GST_LIVEKIT_CODEC_VP8,
          "0102030405060708090afe605b6fbb841f0ccf8811dde974ae063225d64777c4"
          "ffffffff00000000ffffc7330d01", 16),
      GST_LIVEKIT_FRAME_ERROR_BAD_IV_LENGTH);
  /* A VP8 key frame (10 clear bytes) + 29: one short of tag + trailer. */
  fail_unless_equals_int (parse_hex (GST_LIVEKIT_CODEC_VP8,
          "0002030405060708090a000000000000000000000000000000"
          "ffffffff00000000ffffc7330c01", 16),
      GST_LIVEKIT_FRAME_ERROR_TOO_SHORT);
  fail_unless_equals_int (parse_hex (GST_LIVEKIT_CODEC_AUDIO, "fc", 16),
      GST_LIVEKIT_FRAME_ERROR_TOO_SHORT);
}

GST_END_TEST;

GST_START_TEST (test_tampered_frame_fails)
{
  GstLiveKitAead *aead = aead_for_passphrase ("key1", FALSE);
  GstLiveKitEncryptedFrame parsed;
  gsize len, out_len;
  /* §15.1 frame A with one header (AAD) byte changed. */
  guint8 *frame =
      unhex ("0102030405060708090bfe605b6fbb841f0ccf8811dde974ae063225d64777c4"
      "ffffffff00000000ffffc7330c01", &len);

  fail_unless_equals_int (gst_livekit_frame_parse (GST_LIVEKIT_CODEC_VP8,
          frame, len, TRUE, 16, &parsed), GST_LIVEKIT_FRAME_OK);
  fail_unless_equals_int (gst_livekit_frame_decrypt (aead, frame, &parsed,
          &out_len), GST_LIVEKIT_FRAME_ERROR_TAG_MISMATCH);
  g_free (frame);
  gst_livekit_aead_free (aead);
}

GST_END_TEST;

GST_START_TEST (test_iv_layout)
{
  guint8 iv[12];
  gchar *hex;

  gst_livekit_frame_make_iv (0xffffffff, 0, 0x38cd, iv);
  hex = to_hex (iv, 12);
  fail_unless_equals_string (hex, "ffffffff00000000ffffc733");
  g_free (hex);
}

GST_END_TEST;

GST_START_TEST (test_sif_payloads)
{
  guint8 opus[80] = { 0xf8, 0xff, 0xfe };
  guint8 red[81] = { 0x6f, 0xf8, 0xff, 0xfe };
  guint8 pcmu[160];
  gsize len;
  guint8 *vp8 = unhex ("1002009d012a0800080000470885858885848802020"
      "00c0d6000feffab5080", &len);
  guint8 *h264 = unhex ("000000016742c01f0fd91f888884000003000400000300c83c"
      "60c920000000016887cb83cb2000000001658884" "0af2628000a7be", &len);

  memset (pcmu, 0xff, sizeof pcmu);
  fail_unless (gst_livekit_sif_is_known_payload (opus, sizeof opus));
  fail_unless (gst_livekit_sif_is_known_payload (red, sizeof red));
  fail_unless (gst_livekit_sif_is_known_payload (pcmu, sizeof pcmu));
  fail_unless (gst_livekit_sif_is_known_payload (vp8, 31));
  fail_unless (gst_livekit_sif_is_known_payload (h264, len));
  /* The IDR alone, with its start code; but not a bare NAL. */
  fail_unless (gst_livekit_sif_is_known_payload (h264 + len - 14, 14));
  fail_if (gst_livekit_sif_is_known_payload (h264 + len - 10, 10));
  opus[10] = 1;
  fail_if (gst_livekit_sif_is_known_payload (opus, sizeof opus));
  fail_unless (gst_livekit_sif_has_trailer ((const guint8 *) "abcLK", 5,
          (const guint8 *) "LK", 2));
  fail_if (gst_livekit_sif_has_trailer ((const guint8 *) "abcLK", 5,
          (const guint8 *) "LK", 0));
  g_free (vp8);
  g_free (h264);
}

GST_END_TEST;

GST_START_TEST (test_hex_decode)
{
  guint8 out[4];
  gsize n = 99;

  fail_unless (gst_livekit_hex_decode ("00fFa9", out, sizeof out, &n));
  fail_unless (n == 3 && out[0] == 0 && out[1] == 0xff && out[2] == 0xa9);
  n = 99;
  fail_if (gst_livekit_hex_decode ("0g", out, sizeof out, &n));
  fail_if (gst_livekit_hex_decode ("abc", out, sizeof out, &n));
  fail_if (gst_livekit_hex_decode ("0011223344", out, sizeof out, &n));
  fail_unless (gst_livekit_hex_problem ("00fFa9") == NULL);
  fail_unless (gst_livekit_hex_problem ("") == NULL);
  fail_unless (strstr (gst_livekit_hex_problem ("abc"), "odd number"));
  fail_unless (strstr (gst_livekit_hex_problem ("zz11"), "not hex digits"));
  fail_unless (strstr (gst_livekit_hex_problem ("zzz"), "not hex digits"));
  fail_unless_equals_int (n, 99);
}

GST_END_TEST;

/* Frames a receiver could not parse back are refused, not sent (found by
 * fuzzing: the receiver derives the clear prefix from the encrypted bytes). */
GST_START_TEST (test_unstable_layout_refused)
{
  GstLiveKitAead *aead = aead_for_passphrase ("key1", TRUE);
  guint8 out[256], iv[12];
  gsize out_len = 0, len;
  guint8 *sps_only;
  const guint8 short_key[] = { 0x00, 0x42 };

  gst_livekit_frame_make_iv (0x11223344, 0x1000, 7, iv);
  /* A VP8 key frame shorter than its 10-byte prefix. */
  fail_unless_equals_int (gst_livekit_frame_encrypt (aead,
          GST_LIVEKIT_CODEC_VP8, short_key, sizeof short_key, TRUE, iv, 0, out,
          sizeof out, &out_len), GST_LIVEKIT_FRAME_ERROR_LAYOUT_UNSTABLE);
  /* SPS+PPS only (VP8-rule fallback, unescaped) with SSRC 1: the IV holds
   * 00 00 00 01 and a small timestamp reads as an H.265 slice header. */
  sps_only = unhex ("000000016742c01f0fd91f888884000003000400000300c83c60c920"
      "000000016887cb83cb20", &len);
  gst_livekit_frame_make_iv (1, 0x1000, 5, iv);
  fail_unless_equals_int (gst_livekit_frame_encrypt (aead,
          GST_LIVEKIT_CODEC_H264, sps_only, len, TRUE, iv, 0, out, sizeof out,
          &out_len), GST_LIVEKIT_FRAME_ERROR_LAYOUT_UNSTABLE);
  /* With an ordinary SSRC the same frame is fine. */
  gst_livekit_frame_make_iv (0x8badf00d, 0x12345678, 5, iv);
  fail_unless_equals_int (gst_livekit_frame_encrypt (aead,
          GST_LIVEKIT_CODEC_H264, sps_only, len, TRUE, iv, 0, out, sizeof out,
          &out_len), GST_LIVEKIT_FRAME_OK);
  g_free (sps_only);
  gst_livekit_aead_free (aead);
}

GST_END_TEST;

/* A frame of @codec built to stress the bound: start codes (short ones gain
 * a byte), zero runs (escaping), random bytes. */
static gsize
stress_frame (GRand * rand, GstLiveKitCodec codec, guint8 * buf, gsize cap)
{
  gsize len = 0, want = g_rand_int_range (rand, 1, (gint) cap - 8);

  if (codec == GST_LIVEKIT_CODEC_H264 || codec == GST_LIVEKIT_CODEC_H265) {
    static const guint8 aud[] = { 0, 0, 0, 1, 0x09, 0xf0 };
    memcpy (buf, aud, sizeof aud);
    len = sizeof aud;
  }
  while (len < want) {
    /* Slices are rarer than clear NALs: long clear prefixes. */
    gint pick = g_rand_int_range (rand, 0, 100);
    gboolean h265 = codec == GST_LIVEKIT_CODEC_H265;

    if (pick < 2) {             /* a short start code and a slice header */
      buf[len++] = 0;
      buf[len++] = 0;
      buf[len++] = 1;
      buf[len++] = h265 ? 0x02 : 0x41;
      buf[len++] = h265 ? 0x01 : 0x9a;
    } else if (pick < 30) {     /* a short start code of a clear NAL (SEI) */
      buf[len++] = 0;
      buf[len++] = 0;
      buf[len++] = 1;
      buf[len++] = h265 ? 0x4e : 0x06;
    } else if (pick < 50) {
      buf[len++] = 0;
    } else {
      buf[len++] = (guint8) g_rand_int (rand);
    }
  }
  return len;
}

/* Every codec's output fits in its own bound, exactly sized, and is the
 * output a roomy buffer gets. */
GST_START_TEST (test_encrypt_within_codec_bound)
{
  static const GstLiveKitCodec codecs[] = { GST_LIVEKIT_CODEC_AUDIO,
    GST_LIVEKIT_CODEC_VP8, GST_LIVEKIT_CODEC_VP9, GST_LIVEKIT_CODEC_H264,
    GST_LIVEKIT_CODEC_H265, GST_LIVEKIT_CODEC_AV1
  };
  GstLiveKitAead *aead = aead_for_passphrase ("key1", TRUE);
  GRand *rand = g_rand_new_with_seed (8);
  guint8 in[700], roomy[4096], tight[4096], iv[GST_LIVEKIT_IV_SIZE];
  gsize unused;

  for (guint c = 0; c < G_N_ELEMENTS (codecs); c++) {
    for (guint i = 0; i < 3000; i++) {
      gsize len = stress_frame (rand, codecs[c], in, sizeof in);
      gsize bound = gst_livekit_frame_encrypted_size_bound (codecs[c], len);
      gsize roomy_len = 0, tight_len = 0;
      GstLiveKitFrameError a, b;

      fail_unless (bound + 16 <= sizeof tight);
      /* Zero words in the IV make the trailer need escaping too. */
      gst_livekit_frame_make_iv (i & 1 ? 0 : 0x10000, i & 2 ? 0 : i, i, iv);
      memset (tight, 0xa5, sizeof tight);
      a = gst_livekit_frame_encrypt (aead, codecs[c], in, len, i & 4, iv, 0,
          roomy, sizeof roomy, &roomy_len);
      b = gst_livekit_frame_encrypt (aead, codecs[c], in, len, i & 4, iv, 0,
          tight, bound, &tight_len);
      fail_unless_equals_int (a, b);
      if (a != GST_LIVEKIT_FRAME_OK)
        continue;
      fail_unless (tight_len == roomy_len && tight_len <= bound
          && memcmp (tight, roomy, tight_len) == 0, "codec %u frame %u",
          codecs[c], i);
      for (gsize j = bound; j < bound + 16; j++)
        fail_unless_equals_int (tight[j], 0xa5);
      if (codecs[c] != GST_LIVEKIT_CODEC_H264
          && codecs[c] != GST_LIVEKIT_CODEC_H265)
        fail_unless_equals_int (tight_len, len + GST_LIVEKIT_FRAME_OVERHEAD);
    }
    /* Too small by one byte is refused. */
    fail_unless_equals_int (gst_livekit_frame_encrypt (aead, codecs[c], in,
            100, FALSE, iv, 0, tight,
            gst_livekit_frame_encrypted_size_bound (codecs[c], 100) - 1,
            &unused), GST_LIVEKIT_FRAME_ERROR_NO_SPACE);
  }
  g_rand_free (rand);
  gst_livekit_aead_free (aead);
}

GST_END_TEST;

static Suite *
frame_suite (void)
{
  Suite *s = suite_create ("livekit-frame");
  TCase *tc = tcase_create ("frame");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_js_frames_decrypt);
  tcase_add_test (tc, test_encrypt_vectors);
  tcase_add_test (tc, test_h264_vector_decrypts);
  tcase_add_test (tc, test_clear_prefix_rules);
  tcase_add_test (tc, test_rbsp);
  tcase_add_test (tc, test_rbsp_unescape_random);
  tcase_add_test (tc, test_annexb_normalize);
  tcase_add_test (tc, test_parse_rejects_malformed);
  tcase_add_test (tc, test_tampered_frame_fails);
  tcase_add_test (tc, test_iv_layout);
  tcase_add_test (tc, test_sif_payloads);
  tcase_add_test (tc, test_hex_decode);
  tcase_add_test (tc, test_unstable_layout_refused);
  tcase_add_test (tc, test_encrypt_within_codec_bound);
  return s;
}

GST_CHECK_MAIN (frame);
