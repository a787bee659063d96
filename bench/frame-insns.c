/* frame-insns: fixed work for an instruction counter, one block per
 * (frame, op, implementation), each block between two calls of
 * frame_insns_begin() and frame_insns_end().
 *
 * bench/arm64-insns.sh runs it under qemu-user with one guest instruction
 * per translation block and an execution log (-singlestep -d exec,nochain):
 * the number of log lines between frame_insns_begin() and frame_insns_end()
 * is the number of instructions the block executed. The same idea works
 * under any tracer that names the marker functions.
 *
 * Implementations, on the same frames and buffers:
 *   frame    gst_livekit_frame_encrypt, or gst_livekit_frame_parse +
 *            gst_livekit_frame_decrypt (one GstLiveKitAead per direction),
 *            as bench/livekit-bench.c measures them
 *   openssl  raw EVP AES-128-GCM of the same body and AAD, key schedule set
 *            up once: the reference
 *   memcpy   one copy of the frame: the cheapest thing a filter can do
 * Only the frame functions and OpenSSL: no gst_init (its registry scan alone
 * is ~665 M instructions under qemu), no keyring, no KDF.
 *
 * Every block repeats one frame with one fixed IV, so each iteration does
 * exactly the same work. For H.264, "h264-esc" is a frame whose encrypted
 * body needs RBSP escaping (encrypt) and unescaping (decrypt); the plain
 * "h264" frames need neither, as about 98.5% of 64 KB frames.
 *
 * Output on stdout, in block order: "block LABEL SIZE ITERS". The first
 * block, "empty", is nothing at all: the markers' own cost.
 * Usage: frame-insns [--scale K]   (frames per block x K; default 4 up to
 *                                   1 KB, 1 above)
 */
#include <gst/livekit/frame-crypt.h>

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* GST_LIVEKIT_DEFAULT_KEY_RING_SIZE (keyring.h, which needs GLib). */
#define KEY_RING_SIZE 16

typedef struct
{
  const char *name;
  GstLiveKitCodec codec;
  size_t size;
  bool escaped;                 /* h264-esc: IV chosen to need escaping */

  size_t clear_len;
  uint8_t iv[GST_LIVEKIT_IV_SIZE];
  uint8_t *plain, *out, *ct, *ref_ct, *work;
  size_t out_cap, ct_len;
  bool ct_needs_unescape;
} Case;

static Case cases[] = {
  {.name = "opus",.codec = GST_LIVEKIT_CODEC_AUDIO,.size = 100},
  {.name = "vp8",.codec = GST_LIVEKIT_CODEC_VP8,.size = 1024},
  {.name = "vp8",.codec = GST_LIVEKIT_CODEC_VP8,.size = 8 * 1024},
  {.name = "vp8",.codec = GST_LIVEKIT_CODEC_VP8,.size = 64 * 1024},
  {.name = "h264",.codec = GST_LIVEKIT_CODEC_H264,.size = 8 * 1024},
  {.name = "h264",.codec = GST_LIVEKIT_CODEC_H264,.size = 64 * 1024},
  {.name = "h264-esc",.codec = GST_LIVEKIT_CODEC_H264,.size = 64 * 1024,
      .escaped = true},
};
#define N_CASES (sizeof cases / sizeof cases[0])

static const uint8_t key[16] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12,
  13, 14, 15
};

static EVP_CIPHER_CTX *ref_enc, *ref_dec;
static GstLiveKitAead *aead_enc, *aead_dec;
static volatile size_t sink;

/* The markers: their names appear in the trace, once per call (at -O2
 * each is a single `ret`; arm64-insns.sh copes with more). */
__attribute__((noinline, used))
     void frame_insns_begin (void)
{
  __asm__ volatile ("":::"memory");
}

__attribute__((noinline, used))
     void frame_insns_end (void)
{
  __asm__ volatile ("":::"memory");
}

static void
die (const char *what)
{
  fprintf (stderr, "frame-insns: %s\n", what);
  exit (1);
}

static void *
xmalloc (size_t n)
{
  void *p = malloc (n);
  if (!p)
    die ("out of memory");
  return p;
}

/* xorshift64*: reproducible bodies, 8 bytes a step (setup is traced too). */
static uint64_t rng_state = 0x9e3779b97f4a7c15ull;
static void
fill_random (uint8_t * p, size_t n)
{
  for (size_t i = 0; i < n; i += 8) {
    uint64_t v;
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    v = rng_state * 0x2545f4914f6cdd1dull;
    memcpy (p + i, &v, n - i < 8 ? n - i : 8);
  }
}

static void
ref_seal (Case * c, uint8_t * out)
{
  size_t body = c->size - c->clear_len;
  int n;
  if (EVP_EncryptInit_ex (ref_enc, NULL, NULL, NULL, c->iv) != 1
      || EVP_EncryptUpdate (ref_enc, NULL, &n, c->plain,
          (int) c->clear_len) != 1
      || EVP_EncryptUpdate (ref_enc, out, &n, c->plain + c->clear_len,
          (int) body) != 1
      || EVP_EncryptFinal_ex (ref_enc, out + body, &n) != 1
      || EVP_CIPHER_CTX_ctrl (ref_enc, EVP_CTRL_GCM_GET_TAG, 16,
          out + body) != 1)
    die ("openssl seal failed");
}

static bool
ref_open (Case * c, uint8_t * out)
{
  size_t body = c->size - c->clear_len;
  int n;
  if (EVP_DecryptInit_ex (ref_dec, NULL, NULL, NULL, c->iv) != 1
      || EVP_DecryptUpdate (ref_dec, NULL, &n, c->plain,
          (int) c->clear_len) != 1
      || EVP_DecryptUpdate (ref_dec, out, &n, c->ref_ct, (int) body) != 1
      || EVP_CIPHER_CTX_ctrl (ref_dec, EVP_CTRL_GCM_SET_TAG, 16,
          c->ref_ct + body) != 1)
    return false;
  return EVP_DecryptFinal_ex (ref_dec, out + body, &n) == 1;
}

/* ---- the measured loops ---------------------------------------------- */

static void
run_frame_encrypt (Case * c, unsigned iters)
{
  size_t out_len = 0;
  for (unsigned i = 0; i < iters; i++)
    if (gst_livekit_frame_encrypt (aead_enc, c->codec, c->plain, c->size,
            false, c->iv, 0, c->out, c->out_cap, &out_len)
        != GST_LIVEKIT_FRAME_OK)
      die ("gst_livekit_frame_encrypt failed");
  sink += out_len;
}

/* Parses the pristine ciphertext and decrypts into a work buffer holding
 * the clear prefix: in-place decryption without re-copying the input. A
 * ciphertext that needs unescaping is copied first, since parsing then
 * writes (as the cryptor does for every frame). */
static void
run_frame_decrypt (Case * c, unsigned iters)
{
  GstLiveKitEncryptedFrame parsed;
  size_t out_len = 0;
  for (unsigned i = 0; i < iters; i++) {
    uint8_t *src = c->ct;
    if (c->ct_needs_unescape) {
      memcpy (c->work, c->ct, c->ct_len);
      src = c->work;
    }
    if (gst_livekit_frame_parse (c->codec, src, c->ct_len, false,
            KEY_RING_SIZE, &parsed) != GST_LIVEKIT_FRAME_OK
        || gst_livekit_frame_decrypt (aead_dec, c->work, &parsed,
            &out_len) != GST_LIVEKIT_FRAME_OK)
      die ("gst_livekit_frame_parse/decrypt failed");
  }
  sink += out_len;
}

static void
run_openssl_encrypt (Case * c, unsigned iters)
{
  for (unsigned i = 0; i < iters; i++)
    ref_seal (c, c->out + c->clear_len);
  sink += c->out[c->clear_len];
}

static void
run_openssl_decrypt (Case * c, unsigned iters)
{
  for (unsigned i = 0; i < iters; i++)
    if (!ref_open (c, c->work + c->clear_len))
      die ("openssl open failed");
  sink += c->work[c->clear_len];
}

static void
run_memcpy (Case * c, unsigned iters)
{
  for (unsigned i = 0; i < iters; i++)
    memcpy (c->out, c->plain, c->size);
  sink += c->out[c->size - 1];
}

/* ---- setup ----------------------------------------------------------- */

static void
make_plaintext (Case * c)
{
  c->plain = xmalloc (c->size);
  fill_random (c->plain, c->size);
  if (c->codec == GST_LIVEKIT_CODEC_AUDIO) {
    c->plain[0] = 0xfc;         /* Opus TOC: CELT FB 20 ms, 1 frame */
  } else if (c->codec == GST_LIVEKIT_CODEC_VP8) {
    c->plain[0] = 0x31;         /* frame tag, P = 1: delta frame */
  } else {
    /* Access unit: AUD, then one non-IDR slice filling the rest, free of
     * start codes and emulation-prevention patterns as encoder output is. */
    static const uint8_t head[] = { 0, 0, 0, 1, 0x09, 0xf0, 0, 0, 0, 1,
      0x41, 0x9a
    };
    memcpy (c->plain, head, sizeof head);
    for (size_t i = sizeof head; i + 2 < c->size; i++)
      if (c->plain[i] == 0 && c->plain[i + 1] == 0 && c->plain[i + 2] <= 3)
        c->plain[i + 2] = 0x80;
  }
}

static void
setup_case (Case * c)
{
  GstLiveKitFrameLayout layout;
  size_t body, out_len = 0;

  make_plaintext (c);
  gst_livekit_frame_layout (c->codec, c->plain, c->size, false, &layout);
  c->clear_len = layout.clear_len;
  body = c->size - c->clear_len;
  c->out_cap = gst_livekit_frame_encrypted_size_bound (c->codec, c->size);
  c->out = xmalloc (c->out_cap);
  c->work = xmalloc (c->out_cap);
  c->ct = xmalloc (c->out_cap);
  c->ref_ct = xmalloc (body + 16);

  /* An IV as a sender makes it (spec §7), with non-zero bases. For
   * h264-esc the SSRC makes the IV in the escaped trailer hold 00 00 01:
   * escaping then has to move the whole body, as when the ciphertext
   * happens to hold such a pattern (about 1.5% of 64 KB frames) but with
   * no search (an encryption of 64 KB is millions of instructions under
   * OPENSSL_armcap=1). The other frames must need no escaping. */
  gst_livekit_frame_make_iv (c->escaped ? 0x0000018a : 0x8a3b1c2d,
      0x6d2f41a7, 0x5ee1, c->iv);
  if (gst_livekit_frame_encrypt (aead_enc, c->codec, c->plain, c->size,
          false, c->iv, 0, c->out, c->out_cap, &out_len)
      != GST_LIVEKIT_FRAME_OK)
    die ("setup: frame encrypt failed");
  if (layout.nal_escaped
      && (out_len > c->size + GST_LIVEKIT_FRAME_OVERHEAD) != c->escaped)
    die ("setup: unexpected escaping");
  c->ct_len = out_len;
  memcpy (c->ct, c->out, out_len);
  c->ct_needs_unescape = layout.nal_escaped
      && gst_livekit_rbsp_needs_unescape (c->ct + c->clear_len,
      c->ct_len - c->clear_len);
  if (c->ct_needs_unescape != c->escaped)
    die ("setup: unexpected unescaping");

  /* The reference: the same body and AAD; byte for byte our frame's body
   * when nothing is escaped. */
  ref_seal (c, c->ref_ct);
  if (!c->escaped && memcmp (c->ref_ct, c->ct + c->clear_len, body + 16))
    die ("setup: our ciphertext differs from raw OpenSSL");
  if (!ref_open (c, c->work + c->clear_len)
      || memcmp (c->work + c->clear_len, c->plain + c->clear_len, body))
    die ("setup: OpenSSL round trip failed");

  memcpy (c->work, c->plain, c->clear_len);
  run_frame_decrypt (c, 1);
  if (memcmp (c->work, c->plain, c->size) != 0)
    die ("setup: frame round trip failed");
}

static void
setup_global (void)
{
  ref_enc = EVP_CIPHER_CTX_new ();
  ref_dec = EVP_CIPHER_CTX_new ();
  if (!ref_enc || !ref_dec
      || EVP_EncryptInit_ex (ref_enc, EVP_aes_128_gcm (), NULL, NULL, NULL) != 1
      || EVP_CIPHER_CTX_ctrl (ref_enc, EVP_CTRL_GCM_SET_IVLEN, 12, NULL) != 1
      || EVP_EncryptInit_ex (ref_enc, NULL, NULL, key, NULL) != 1
      || EVP_DecryptInit_ex (ref_dec, EVP_aes_128_gcm (), NULL, NULL, NULL) != 1
      || EVP_CIPHER_CTX_ctrl (ref_dec, EVP_CTRL_GCM_SET_IVLEN, 12, NULL) != 1
      || EVP_DecryptInit_ex (ref_dec, NULL, NULL, key, NULL) != 1)
    die ("openssl setup failed");
  aead_enc = gst_livekit_aead_new (key, true);
  aead_dec = gst_livekit_aead_new (key, false);
  if (!aead_enc || !aead_dec)
    die ("gst_livekit_aead_new failed");
}

typedef void (*RunFn) (Case * c, unsigned iters);

static void
block (const char *label, Case * c, RunFn fn, unsigned iters)
{
  printf ("block %s %zu %u\n", label, c ? c->size : 0, iters);
  if (c)
    fn (c, 1);                  /* warm-up: lazy binding, first touches */
  frame_insns_begin ();
  if (c)
    fn (c, iters);
  frame_insns_end ();
}

int
main (int argc, char **argv)
{
  unsigned scale = 1;
  static const struct
  {
    const char *name;
    RunFn fn;
  } impls[] = {
    {"frame-encrypt", run_frame_encrypt},
    {"openssl-encrypt", run_openssl_encrypt},
    {"frame-decrypt", run_frame_decrypt},
    {"openssl-decrypt", run_openssl_decrypt},
    {"memcpy", run_memcpy},
  };

  if (argc == 3 && !strcmp (argv[1], "--scale") && atoi (argv[2]) > 0)
    scale = (unsigned) atoi (argv[2]);
  else if (argc != 1) {
    fprintf (stderr, "usage: %s [--scale K]\n", argv[0]);
    return 2;
  }

  setup_global ();
  for (size_t k = 0; k < N_CASES; k++)
    setup_case (&cases[k]);

  block ("empty", NULL, NULL, 1);
  for (size_t k = 0; k < N_CASES; k++) {
    Case *c = &cases[k];
    /* Every iteration does the same work: enough of them that the loop's
     * few instructions vanish next to a frame. */
    unsigned iters = scale * (c->size <= 1024 ? 4 : 1);
    for (size_t i = 0; i < sizeof impls / sizeof impls[0]; i++) {
      char label[64];
      snprintf (label, sizeof label, "%s:%s", c->name, impls[i].name);
      block (label, c, impls[i].fn, iters);
    }
  }
  fflush (stdout);
  (void) sink;
  return 0;
}
