/* libFuzzer harness for the pure frame code (gst/livekit/frame*.c, aead.c,
 * sif.c): parse + decrypt of untrusted frames, the Annex B / RBSP helpers,
 * and an encrypt -> parse -> decrypt round trip of the input as plaintext.
 *
 * Input: byte 0 = flags, the rest = the frame / plaintext.
 *   bits 0-2  codec (mod 6) for the parse + decrypt of the input
 *   bit  3    key_frame
 *   bits 4-5  key index of the round trip (0..3; the ring has 4 slots)
 *   bit  6    round trip IV = the first 12 payload bytes (the plaintext is
 *             then the rest); otherwise a zero-rich IV that forces escaping
 *   bit  7    also flip one byte of each encrypted frame and check that it
 *             no longer decrypts
 *
 * The key is PBKDF2("key1"), so the seeds of spec §15 decrypt.
 *
 * Layout drift: an encrypted frame that reads with another layout than the
 * one it was sealed with (so no receiver can decrypt it) is a known finding
 * (H.264/H.265 frames without a slice whose ciphertext or IV holds a start
 * code; frames shorter than their clear prefix; a NAL in the last 3 bytes,
 * which the JS scan skips). By default the first case of each kind is
 * printed with its input, the rest only counted (total at exit), and the
 * round trip of that frame is skipped. FUZZ_LAYOUT_DRIFT=abort makes every
 * drift a crash. FUZZ_VERBOSE=1 prints what each input did. */
#include "gst/livekit/frame.h"
#include "gst/livekit/frame-crypt.h"
#include "gst/livekit/sif.h"

#include "fuzz-common.h"

#define RING_SIZE 4

static GstLiveKitAead *enc_aead, *dec_aead;
static int verbose, ignore_drift;

static const uint8_t zero_rich_iv[GST_LIVEKIT_IV_SIZE] = {
  0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 2,
};

static unsigned long drift_count, refused_count;
static bool drift_seen[6][3];
static const char *drift_causes[3] = {
  "the frame is shorter than its clear prefix",
  "a NAL in the last 3 bytes, which the scan skips, is seen once bytes follow",
  "a start code in the ciphertext / IV / trailer (depends on the IV)",
};

static void
print_drift_count (void)
{
  static bool printed;
  unsigned kinds = 0;

  if (printed)
    return;
  printed = true;
  for (size_t i = 0; i < sizeof drift_seen; i++)
    kinds += ((bool *) drift_seen)[i];
  if (drift_count)
    fprintf (stderr, "fuzz_frame_decrypt: layout drift in %lu round trips "
        "(%u kinds)\n", drift_count, kinds);
  if (refused_count)
    fprintf (stderr, "fuzz_frame_decrypt: %lu frames refused as "
        "layout-unstable\n", refused_count);
}

int LLVMFuzzerInitialize (int *argc, char ***argv);
int LLVMFuzzerTestOneInput (const uint8_t * data, size_t size);

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  const char *v = getenv ("FUZZ_VERBOSE");
  const char *d = getenv ("FUZZ_LAYOUT_DRIFT");

  verbose = v && *v && *v != '0';
  ignore_drift = !(d && strcmp (d, "abort") == 0);
  atexit (print_drift_count);
  enc_aead = gst_livekit_aead_new (fuzz_key, true);
  dec_aead = gst_livekit_aead_new (fuzz_key, false);
  if (!enc_aead || !dec_aead)
    abort ();
  return 0;
}

static const char *
codec_name (GstLiveKitCodec c)
{
  static const char *names[] = { "audio", "vp8", "vp9", "h264", "h265",
    "av1"
  };
  return names[c];
}

/* Untrusted frame: parse a copy, decrypt when it parses. */
static void
check_parse_decrypt (GstLiveKitCodec codec, const uint8_t * in, size_t n,
    bool key_frame)
{
  GstLiveKitEncryptedFrame parsed;
  GstLiveKitFrameError err;
  uint8_t *frame = fuzz_dup (in, n);
  size_t out_len = (size_t) - 1;

  memset (&parsed, 0xa5, sizeof parsed);
  err = gst_livekit_frame_parse (codec, frame, n, key_frame, RING_SIZE,
      &parsed);
  FUZZ_CHECK (gst_livekit_frame_error_to_string (err) != NULL, "error %d", err);
  if (err != GST_LIVEKIT_FRAME_OK) {
    if (verbose)
      fprintf (stderr, "parse %s: %s\n", codec_name (codec),
          gst_livekit_frame_error_to_string (err));
    free (frame);
    return;
  }

  FUZZ_CHECK (parsed.len <= n, "len %zu > %zu", parsed.len, n);
  FUZZ_CHECK (parsed.layout.clear_len <= parsed.len, "clear %zu len %zu",
      parsed.layout.clear_len, parsed.len);
  FUZZ_CHECK (parsed.ciphertext == frame + parsed.layout.clear_len, "ct ptr");
  FUZZ_CHECK (parsed.ciphertext_len >= GST_LIVEKIT_TAG_SIZE, "ct len %zu",
      parsed.ciphertext_len);
  FUZZ_CHECK (parsed.layout.clear_len + parsed.ciphertext_len +
      GST_LIVEKIT_TRAILER_SIZE == parsed.len, "split %zu + %zu + 14 != %zu",
      parsed.layout.clear_len, parsed.ciphertext_len, parsed.len);
  FUZZ_CHECK (parsed.iv == frame + parsed.len - GST_LIVEKIT_TRAILER_SIZE,
      "iv ptr");
  FUZZ_CHECK (parsed.iv[GST_LIVEKIT_IV_SIZE] == GST_LIVEKIT_IV_SIZE,
      "iv length byte %u", parsed.iv[GST_LIVEKIT_IV_SIZE]);
  FUZZ_CHECK (parsed.key_index < RING_SIZE, "key index %u", parsed.key_index);
  FUZZ_CHECK (parsed.iv[GST_LIVEKIT_IV_SIZE + 1] == parsed.key_index,
      "key index byte");
  FUZZ_CHECK (!parsed.layout.nal_escaped || codec == GST_LIVEKIT_CODEC_H264
      || codec == GST_LIVEKIT_CODEC_H265, "escaped %s", codec_name (codec));

  err = gst_livekit_frame_decrypt (dec_aead, frame, &parsed, &out_len);
  if (err == GST_LIVEKIT_FRAME_OK) {
    FUZZ_CHECK (out_len == parsed.layout.clear_len + parsed.ciphertext_len -
        GST_LIVEKIT_TAG_SIZE, "out_len %zu", out_len);
    FUZZ_CHECK (out_len <= n, "out_len %zu > %zu", out_len, n);
  } else {
    FUZZ_CHECK (err == GST_LIVEKIT_FRAME_ERROR_TAG_MISMATCH, "decrypt %s",
        gst_livekit_frame_error_to_string (err));
  }
  if (verbose) {
    fprintf (stderr, "parse %s: ok clear=%zu escaped=%d kid=%u -> %s\n",
        codec_name (codec), parsed.layout.clear_len, parsed.layout.nal_escaped,
        parsed.key_index, gst_livekit_frame_error_to_string (err));
    if (err == GST_LIVEKIT_FRAME_OK)
      fuzz_dump_hex ("  plaintext", frame, out_len);
  }
  free (frame);
}

static void
check_layout (const uint8_t * in, size_t n, bool key_frame)
{
  for (int c = GST_LIVEKIT_CODEC_AUDIO; c <= GST_LIVEKIT_CODEC_AV1; c++) {
    GstLiveKitFrameLayout l;
    gst_livekit_frame_layout ((GstLiveKitCodec) c, in, n, key_frame, &l);
    FUZZ_CHECK (l.clear_len <= n, "%s clear %zu > %zu", codec_name (c),
        l.clear_len, n);
    FUZZ_CHECK (!l.nal_escaped || c == GST_LIVEKIT_CODEC_H264
        || c == GST_LIVEKIT_CODEC_H265, "escaped %s", codec_name (c));
  }
}

/* True if @d has 00 00 00, 00 00 01 or 00 00 02: what escaping removes. */
static bool
has_emulation (const uint8_t * d, size_t n)
{
  for (size_t i = 0; i + 2 < n; i++)
    if (d[i] == 0 && d[i + 1] == 0 && d[i + 2] < 3)
      return true;
  return false;
}

static void
check_rbsp (const uint8_t * in, size_t n)
{
  size_t cap = n + n / 2 + 1, esc_len, unesc_len;
  uint8_t *esc = fuzz_alloc (cap);
  uint8_t *copy = fuzz_dup (in, n);

  esc_len = gst_livekit_rbsp_escape (in, n, esc);
  FUZZ_CHECK (esc_len >= n && esc_len <= cap, "escape %zu -> %zu", n, esc_len);
  FUZZ_CHECK (!has_emulation (esc, esc_len), "escaped output still has a "
      "start code emulation");
  /* Unescaping must give the input back. */
  unesc_len = gst_livekit_rbsp_unescape_in_place (esc, esc_len);
  FUZZ_CHECK (unesc_len == n && memcmp (esc, in, n) == 0,
      "unescape(escape(x)) != x (%zu -> %zu -> %zu)", n, esc_len, unesc_len);

  /* Unescaping arbitrary data: shrinks, never grows. */
  (void) gst_livekit_rbsp_needs_unescape (copy, n);
  unesc_len = gst_livekit_rbsp_unescape_in_place (copy, n);
  FUZZ_CHECK (unesc_len <= n, "unescape grew %zu -> %zu", n, unesc_len);
  free (esc);
  free (copy);
}

static void
check_annexb (const uint8_t * in, size_t n)
{
  size_t size = gst_livekit_annexb_normalized_size (in, n), size2, got;
  uint8_t *out = fuzz_alloc (size), *out2;

  FUZZ_CHECK (size >= n && size <= n + n / 3, "normalized size %zu for %zu",
      size, n);
  got = gst_livekit_annexb_normalize (in, n, out);
  FUZZ_CHECK (got == size, "normalize wrote %zu, size said %zu", got, size);
  /* Idempotent: the output has no short start code left. */
  size2 = gst_livekit_annexb_normalized_size (out, got);
  FUZZ_CHECK (size2 == got, "normalize not idempotent: %zu -> %zu", got,
      size2);
  out2 = fuzz_alloc (size2);
  FUZZ_CHECK (gst_livekit_annexb_normalize (out, got, out2) == got
      && memcmp (out, out2, got) == 0, "normalize(normalize(x)) differs");
  free (out2);
  free (out);
}

static void
check_sif (const uint8_t * in, size_t n)
{
  (void) gst_livekit_sif_is_known_payload (in, n);
  /* The last byte tells a trailer length out of the tail. */
  if (n > 0) {
    size_t tl = in[n - 1] % 16;
    if (tl < n) {
      bool has = gst_livekit_sif_has_trailer (in, n - 1, in + n - 1 - tl, tl);
      FUZZ_CHECK (has == (tl > 0), "sif trailer of itself: %d", has);
      if (has)
        (void) gst_livekit_sif_is_known_payload (in, n - 1 - tl);
    }
  }
}

/* Which of the known causes explains a drift (index into drift_causes). */
static int
drift_cause (GstLiveKitCodec codec, const uint8_t * pt, size_t n,
    bool key_frame, const GstLiveKitFrameLayout * want)
{
  GstLiveKitFrameLayout longer;
  uint8_t *ext;

  if (want->clear_len == n)
    return 0;
  ext = fuzz_alloc (n + 3);
  memcpy (ext, pt, n);
  memset (ext + n, 0xff, 3);
  gst_livekit_frame_layout (codec, ext, n + 3, key_frame, &longer);
  free (ext);
  if (longer.clear_len != want->clear_len
      || longer.nal_escaped != want->nal_escaped)
    return 1;
  return 2;
}

static void
report_drift (GstLiveKitCodec codec, const uint8_t * pt, size_t n,
    bool key_frame, const uint8_t * iv, uint8_t key_index,
    const GstLiveKitFrameLayout * want, size_t want_clear,
    const GstLiveKitFrameLayout * got, const uint8_t * enc, size_t enc_len)
{
  int cause = drift_cause (codec, pt, n, key_frame, want);
  bool *seen = &drift_seen[codec][cause];

  drift_count++;
  if (ignore_drift && *seen && !verbose)
    return;
  fprintf (stderr, "%s: codec %s key_frame %d key_index %u: the plaintext "
      "(%zu bytes) layout is clear=%zu (normalised %zu) escaped=%d, the "
      "encrypted frame reads clear=%zu escaped=%d. Cause: %s\n",
      ignore_drift ? "layout drift" : "LAYOUT DRIFT", codec_name (codec),
      key_frame, key_index, n, want->clear_len, want_clear, want->nal_escaped,
      got->clear_len, got->nal_escaped, drift_causes[cause]);
  fuzz_dump_hex ("plaintext", pt, n);
  fuzz_dump_hex ("iv", iv, GST_LIVEKIT_IV_SIZE);
  fuzz_dump_hex ("encrypted", enc, enc_len);
  *seen = true;
  if (!ignore_drift)
    abort ();
}

/* encrypt -> parse -> decrypt gives the plaintext back, with the clear
 * prefix in its normalised (4-byte start code) form for NAL layouts. */
static void
check_round_trip (GstLiveKitCodec codec, const uint8_t * pt, size_t n,
    bool key_frame, const uint8_t * iv, uint8_t key_index, bool tamper,
    uint8_t tamper_seed)
{
  GstLiveKitFrameLayout want, got;
  GstLiveKitEncryptedFrame parsed;
  GstLiveKitFrameError err;
  /* The room encrypt asks for is the codec's bound (frame-crypt.c). */
  size_t cap = gst_livekit_frame_encrypted_size_bound (codec, n), enc_len = 0;
  size_t prefix_len, dec_len = 0;
  uint8_t *enc, *prefix, *frame;

  FUZZ_CHECK (cap <= gst_livekit_frame_encrypted_size_max (n),
      "codec bound %zu above the any-codec bound %zu", cap,
      gst_livekit_frame_encrypted_size_max (n));

  gst_livekit_frame_layout (codec, pt, n, key_frame, &want);
  prefix = fuzz_alloc (want.nal_escaped ?
      gst_livekit_annexb_normalized_size (pt, want.clear_len) : want.clear_len);
  if (want.nal_escaped)
    prefix_len = gst_livekit_annexb_normalize (pt, want.clear_len, prefix);
  else {
    memcpy (prefix, pt, want.clear_len);
    prefix_len = want.clear_len;
  }

  /* Too small a buffer is refused, not overrun. */
  enc = fuzz_alloc (cap - 1);
  FUZZ_CHECK (gst_livekit_frame_encrypt (enc_aead, codec, pt, n, key_frame, iv,
          key_index, enc, cap - 1, &enc_len) == GST_LIVEKIT_FRAME_ERROR_NO_SPACE,
      "encrypt into cap-1");
  free (enc);

  enc = fuzz_alloc (cap);
  err = gst_livekit_frame_encrypt (enc_aead, codec, pt, n, key_frame, iv,
      key_index, enc, cap, &enc_len);
  /* An encryptor that checks its output's layout may refuse the frame
   * (proposed error "layout-unstable"; the caller retries with another IV):
   * fine, as long as it does not emit a drifting frame. */
  if (err != GST_LIVEKIT_FRAME_OK
      && strcmp (gst_livekit_frame_error_to_string (err), "layout-unstable")
      == 0) {
    refused_count++;
    goto out;
  }
  FUZZ_CHECK (err == GST_LIVEKIT_FRAME_OK, "encrypt: %s",
      gst_livekit_frame_error_to_string (err));
  FUZZ_CHECK (enc_len <= cap, "encrypted %zu > max %zu", enc_len, cap);
  FUZZ_CHECK (enc_len >= prefix_len + (n - want.clear_len) +
      GST_LIVEKIT_FRAME_OVERHEAD, "encrypted too short: %zu", enc_len);
  FUZZ_CHECK (memcmp (enc, prefix, prefix_len) == 0, "clear prefix differs");
  if (want.nal_escaped)
    FUZZ_CHECK (!has_emulation (enc + prefix_len, enc_len - prefix_len),
        "start code emulation in the escaped body");

  gst_livekit_frame_layout (codec, enc, enc_len, key_frame, &got);
  if (got.clear_len != prefix_len || got.nal_escaped != want.nal_escaped) {
    report_drift (codec, pt, n, key_frame, iv, key_index, &want, prefix_len,
        &got, enc, enc_len);
    goto out;
  }

  frame = fuzz_dup (enc, enc_len);
  err = gst_livekit_frame_parse (codec, frame, enc_len, key_frame, RING_SIZE,
      &parsed);
  FUZZ_CHECK (err == GST_LIVEKIT_FRAME_OK, "parse of own frame (%s): %s",
      codec_name (codec), gst_livekit_frame_error_to_string (err));
  FUZZ_CHECK (parsed.key_index == key_index, "key index %u != %u",
      parsed.key_index, key_index);
  FUZZ_CHECK (memcmp (parsed.iv, iv, GST_LIVEKIT_IV_SIZE) == 0, "iv differs");
  err = gst_livekit_frame_decrypt (dec_aead, frame, &parsed, &dec_len);
  FUZZ_CHECK (err == GST_LIVEKIT_FRAME_OK, "decrypt of own frame (%s): %s",
      codec_name (codec), gst_livekit_frame_error_to_string (err));
  FUZZ_CHECK (dec_len == prefix_len + n - want.clear_len,
      "decrypted %zu bytes, want %zu", dec_len, prefix_len + n - want.clear_len);
  FUZZ_CHECK (memcmp (frame, prefix, prefix_len) == 0, "decrypted prefix");
  FUZZ_CHECK (memcmp (frame + prefix_len, pt + want.clear_len,
          n - want.clear_len) == 0, "decrypted body differs");
  free (frame);

  /* One flipped byte (not the unauthenticated key index, which may name
   * another slot holding the same key here) must not decrypt. */
  if (tamper && enc_len > 1) {
    size_t pos = (size_t) tamper_seed * 2654435761u % (enc_len - 1);
    frame = fuzz_dup (enc, enc_len);
    frame[pos] ^= (uint8_t) (1u << (tamper_seed % 8));
    err = gst_livekit_frame_parse (codec, frame, enc_len, key_frame, RING_SIZE,
        &parsed);
    if (err == GST_LIVEKIT_FRAME_OK) {
      err = gst_livekit_frame_decrypt (dec_aead, frame, &parsed, &dec_len);
      if (err == GST_LIVEKIT_FRAME_OK) {
        fprintf (stderr, "tampered frame decrypted: byte %zu\n", pos);
        fuzz_dump_hex ("original", enc, enc_len);
        FUZZ_CHECK (0, "a flipped byte still authenticates (%s)",
            codec_name (codec));
      }
    }
    free (frame);
  }
out:
  free (enc);
  free (prefix);
}

int
LLVMFuzzerTestOneInput (const uint8_t * data, size_t size)
{
  GstLiveKitCodec codec;
  bool key_frame, tamper;
  uint8_t flags, key_index;
  const uint8_t *payload, *pt, *iv;
  size_t n, pt_len;

  if (size < 1)
    return 0;
  flags = data[0];
  codec = (GstLiveKitCodec) ((flags & 7) % 6);
  key_frame = (flags >> 3) & 1;
  key_index = (flags >> 4) & 3;
  tamper = (flags >> 7) & 1;
  payload = data + 1;
  n = size - 1;

  check_parse_decrypt (codec, payload, n, key_frame);
  check_layout (payload, n, key_frame);
  check_rbsp (payload, n);
  check_annexb (payload, n);
  check_sif (payload, n);

  if ((flags >> 6) & 1 && n >= GST_LIVEKIT_IV_SIZE) {
    iv = payload;
    pt = payload + GST_LIVEKIT_IV_SIZE;
    pt_len = n - GST_LIVEKIT_IV_SIZE;
  } else {
    iv = zero_rich_iv;
    pt = payload;
    pt_len = n;
  }
  if (pt_len > 0) {
    /* An exact-size copy: encrypt must not read past the plaintext. */
    uint8_t *copy = fuzz_dup (pt, pt_len);
    for (int c = GST_LIVEKIT_CODEC_AUDIO; c <= GST_LIVEKIT_CODEC_AV1; c++)
      check_round_trip ((GstLiveKitCodec) c, copy, pt_len, key_frame, iv,
          key_index, tamper, (uint8_t) (size + data[size - 1]));
    free (copy);
  } else {
    size_t out_len = 0;
    uint8_t out[64];
    FUZZ_CHECK (gst_livekit_frame_encrypt (enc_aead, codec, payload, 0,
            key_frame, zero_rich_iv, 0, out, sizeof out, &out_len) ==
        GST_LIVEKIT_FRAME_ERROR_NO_SPACE, "empty frame must be refused");
  }
  return 0;
}
