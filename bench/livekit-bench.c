/* livekit-bench: throughput of gst-livekit-e2ee's frame encryption against
 * raw OpenSSL AES-128-GCM, measured in one process on the same data.
 *
 * Three implementations per (case, op):
 *   openssl  raw EVP AES-128-GCM, key schedule set up once; per frame: IV
 *            init + AAD (the clear prefix) + update + final + tag. This is
 *            the floor any AES-GCM frame cryptor on this machine can reach.
 *   frame    gst_livekit_frame_encrypt, or gst_livekit_frame_parse +
 *            gst_livekit_frame_decrypt, with one GstLiveKitAead per direction.
 *   cryptor  gst_livekit_cryptor_encrypt / _decrypt with a GstLiveKitKeyring
 *            (key lookup cache, IV generation, state and stats per frame).
 *
 * Memory traffic is kept alike: every implementation reads a pristine frame
 * and writes a separate output buffer. gst_livekit_frame_decrypt is
 * documented as in place; here the parse runs on the pristine ciphertext
 * (read-only for unescaped layouts) and the plaintext goes to a work buffer
 * holding the same clear prefix, which is exactly what the function does in
 * place minus the aliasing. When a ciphertext needs RBSP unescaping (parse
 * then writes), each iteration copies it first, as the cryptor does.
 *
 * Noise: each (case, op, impl) is timed in several samples of --sample-ms,
 * with the implementations interleaved round by round (rotating order), and
 * the best and median sample are reported. Ratios use the best samples; the
 * median of per-round paired ratios is given as a cross-check.
 *
 * Usage: livekit-bench [--json] [--sample-ms N] [--rounds N] [--quick]
 *                      [--only CODEC[-SIZE]]   e.g. --only h264, --only vp8-1024
 *                      [--iters N]   fixed N frames per impl and op, no
 *                                    timing: for valgrind --tool=callgrind
 */
#include <gst/gst.h>
#include <gst/livekit/livekit.h>

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef enum
{ IMPL_OPENSSL, IMPL_FRAME, IMPL_CRYPTOR, N_IMPLS } Impl;
static const char *impl_json[N_IMPLS] =
    { "openssl-evp", "gst-livekit-frame", "gst-livekit-cryptor" };

typedef enum
{ OP_ENCRYPT, OP_DECRYPT, N_OPS } Op;
static const char *op_names[N_OPS] = { "encrypt", "decrypt" };

typedef struct
{
  const char *codec_name;
  GstLiveKitCodec codec;
  size_t size;
  bool key_frame;

  /* Derived at setup. */
  size_t clear_len;             /* AAD length, same for all impls */
  bool nal_escaped;
  bool ct_needs_unescape;       /* frame ciphertext: parse would write */

  uint8_t *plain;               /* pristine plaintext */
  uint8_t *ct;                  /* pristine frame ciphertext (ours) */
  size_t ct_len;
  uint8_t *cct;                 /* pristine cryptor ciphertext */
  size_t cct_len;
  uint8_t *ref_ct;              /* raw GCM: ciphertext || tag (no prefix) */
  uint8_t ref_iv[12];

  uint8_t *out;                 /* encrypt output, out_cap bytes */
  size_t out_cap;
  uint8_t *work;                /* decrypt output, >= ct_len bytes */
} Case;

static Case cases[] = {
  {"opus", GST_LIVEKIT_CODEC_AUDIO, 100, false},
  {"vp8", GST_LIVEKIT_CODEC_VP8, 1024, false},
  {"vp8", GST_LIVEKIT_CODEC_VP8, 64 * 1024, false},
  {"vp8", GST_LIVEKIT_CODEC_VP8, 1024 * 1024, false},
  {"h264", GST_LIVEKIT_CODEC_H264, 64 * 1024, false},
};
#define N_CASES (sizeof cases / sizeof cases[0])

/* Global crypto state. */
static const uint8_t key[16] = {
  0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
  0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f
};

static EVP_CIPHER_CTX *ref_enc, *ref_dec;
static GstLiveKitAead *aead_enc, *aead_dec;
static GstLiveKitKeyring *keyring;
static GstLiveKitCryptor *cryptor_enc, *cryptor_dec;
static uint32_t iv_frame;
static volatile size_t sink;

/* IVs as a sender makes them (spec §7): SSRC | RTP timestamp | timestamp -
 * counter, with a random-looking SSRC and timestamp base and 30 fps video
 * timestamps. Realistic IVs matter for H.264: a trailer containing 00 00 0x
 * (x <= 3) forces RBSP escaping, which e.g. a timestamp starting at 0 would
 * do on every frame. */
static void
next_iv (uint8_t iv[12])
{
  uint32_t n = iv_frame++;
  gst_livekit_frame_make_iv (0x8a3b1c2d, 0x6d2f41a7 + 3000 * n, 0x5ee1 + n,
      iv);
}
static void
die (const char *what)
{
  fprintf (stderr, "livekit-bench: %s\n", what);
  exit (1);
}

static double
now_s (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* xorshift64*: reproducible pseudo-random frame bodies. */
static uint64_t rng_state = 0x9e3779b97f4a7c15ull;
static void
fill_random (uint8_t * p, size_t n)
{
  for (size_t i = 0; i < n; i++) {
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    p[i] = (uint8_t) ((rng_state * 0x2545f4914f6cdd1dull) >> 56);
  }
}

static void *
xmalloc (size_t n)
{
  void *p = malloc (n);
  if (!p)
    die ("out of memory");
  return p;
}

/* ---- raw OpenSSL reference ------------------------------------------- */

static void
ref_seal (const uint8_t iv[12], const uint8_t * aad, size_t aad_len,
    const uint8_t * in, size_t len, uint8_t * out, uint8_t tag[16])
{
  int n;
  if (EVP_EncryptInit_ex (ref_enc, NULL, NULL, NULL, iv) != 1
      || EVP_EncryptUpdate (ref_enc, NULL, &n, aad, (int) aad_len) != 1
      || EVP_EncryptUpdate (ref_enc, out, &n, in, (int) len) != 1
      || EVP_EncryptFinal_ex (ref_enc, out + len, &n) != 1
      || EVP_CIPHER_CTX_ctrl (ref_enc, EVP_CTRL_GCM_GET_TAG, 16, tag) != 1)
    die ("openssl seal failed");
}

static bool
ref_open (const uint8_t iv[12], const uint8_t * aad, size_t aad_len,
    const uint8_t * in, size_t len, const uint8_t tag[16], uint8_t * out)
{
  int n;
  if (EVP_DecryptInit_ex (ref_dec, NULL, NULL, NULL, iv) != 1
      || EVP_DecryptUpdate (ref_dec, NULL, &n, aad, (int) aad_len) != 1
      || EVP_DecryptUpdate (ref_dec, out, &n, in, (int) len) != 1
      || EVP_CIPHER_CTX_ctrl (ref_dec, EVP_CTRL_GCM_SET_TAG, 16,
          (void *) tag) != 1)
    return false;
  return EVP_DecryptFinal_ex (ref_dec, out + len, &n) == 1;
}

/* ---- the measured loops ---------------------------------------------- */

static void
run_openssl_encrypt (Case * c, unsigned iters)
{
  size_t body = c->size - c->clear_len;
  uint8_t iv[12];

  for (unsigned i = 0; i < iters; i++) {
    next_iv (iv);
    ref_seal (iv, c->plain, c->clear_len, c->plain + c->clear_len, body,
        c->out + c->clear_len, c->out + c->clear_len + body);
  }
  sink += c->out[c->clear_len];
}

static void
run_openssl_decrypt (Case * c, unsigned iters)
{
  size_t body = c->size - c->clear_len;

  for (unsigned i = 0; i < iters; i++) {
    if (!ref_open (c->ref_iv, c->plain, c->clear_len, c->ref_ct, body,
            c->ref_ct + body, c->work + c->clear_len))
      die ("openssl open failed");
  }
  sink += c->work[c->clear_len];
}

static void
run_frame_encrypt (Case * c, unsigned iters)
{
  uint8_t iv[12];
  size_t out_len = 0;

  for (unsigned i = 0; i < iters; i++) {
    next_iv (iv);
    if (gst_livekit_frame_encrypt (aead_enc, c->codec, c->plain, c->size,
            c->key_frame, iv, 0, c->out, c->out_cap,
            &out_len) != GST_LIVEKIT_FRAME_OK)
      die ("gst_livekit_frame_encrypt failed");
  }
  sink += out_len;
}

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
    if (gst_livekit_frame_parse (c->codec, src, c->ct_len, c->key_frame,
            GST_LIVEKIT_DEFAULT_KEY_RING_SIZE, &parsed) != GST_LIVEKIT_FRAME_OK
        || gst_livekit_frame_decrypt (aead_dec, c->work, &parsed,
            &out_len) != GST_LIVEKIT_FRAME_OK)
      die ("gst_livekit_frame_parse/decrypt failed");
  }
  sink += out_len;
}

static void
run_cryptor_encrypt (Case * c, unsigned iters)
{
  GstLiveKitCryptResult r;
  gsize out_len = 0;

  for (unsigned i = 0; i < iters; i++) {
    gst_livekit_cryptor_encrypt (cryptor_enc, c->codec, c->plain, c->size,
        c->key_frame, 0x6d2f41a7 + 3000 * i, 0, c->out, c->out_cap, &out_len, &r);
    if (r.outcome != GST_LIVEKIT_FRAME_OUTCOME_ENCRYPTED)
      die ("gst_livekit_cryptor_encrypt failed");
  }
  sink += out_len;
}

static void
run_cryptor_decrypt (Case * c, unsigned iters)
{
  GstLiveKitCryptResult r;
  gsize out_len = 0;

  for (unsigned i = 0; i < iters; i++) {
    gst_livekit_cryptor_decrypt (cryptor_dec, c->codec, c->cct, c->cct_len,
        c->key_frame, c->work, &out_len, &r);
    if (r.outcome != GST_LIVEKIT_FRAME_OUTCOME_DECRYPTED)
      die ("gst_livekit_cryptor_decrypt failed");
  }
  sink += out_len;
}

typedef void (*RunFn) (Case * c, unsigned iters);
static const RunFn runners[N_IMPLS][N_OPS] = {
  {run_openssl_encrypt, run_openssl_decrypt},
  {run_frame_encrypt, run_frame_decrypt},
  {run_cryptor_encrypt, run_cryptor_decrypt},
};

/* ---- setup and checks ------------------------------------------------ */

static void
make_plaintext (Case * c)
{
  c->plain = xmalloc (c->size);
  fill_random (c->plain, c->size);
  switch (c->codec) {
    case GST_LIVEKIT_CODEC_AUDIO:
      c->plain[0] = 0xfc;       /* Opus TOC: CELT FB 20 ms, 1 frame */
      break;
    case GST_LIVEKIT_CODEC_VP8:
      c->plain[0] = 0x31;       /* frame tag, P = 1: delta frame */
      break;
    case GST_LIVEKIT_CODEC_H264:{
      /* Access unit: AUD, then one non-IDR slice filling the rest. */
      static const uint8_t head[] = { 0, 0, 0, 1, 0x09, 0xf0, 0, 0, 0, 1,
        0x41, 0x9a
      };
      memcpy (c->plain, head, sizeof head);
      /* Keep the slice free of start codes and emulation-prevention
       * patterns, as an encoder's output is. */
      for (size_t i = sizeof head; i + 2 < c->size; i++)
        if (c->plain[i] == 0 && c->plain[i + 1] == 0 && c->plain[i + 2] <= 3)
          c->plain[i + 2] = 0x80;
      break;
    }
    default:
      break;
  }
}

static void
setup_case (Case * c)
{
  GstLiveKitFrameLayout layout;
  GstLiveKitEncryptedFrame parsed;
  GstLiveKitCryptResult r;
  uint8_t *tmp;
  size_t body, out_len;

  make_plaintext (c);
  gst_livekit_frame_layout (c->codec, c->plain, c->size, c->key_frame,
      &layout);
  c->clear_len = layout.clear_len;
  c->nal_escaped = layout.nal_escaped;
  body = c->size - c->clear_len;

  c->out_cap = gst_livekit_frame_encrypted_size_max (c->size);
  c->out = xmalloc (c->out_cap);
  next_iv (c->ref_iv);

  /* Our frame, fixed IV. */
  if (gst_livekit_frame_encrypt (aead_enc, c->codec, c->plain, c->size,
          c->key_frame, c->ref_iv, 0, c->out, c->out_cap,
          &out_len) != GST_LIVEKIT_FRAME_OK)
    die ("setup: frame encrypt failed");
  c->ct_len = out_len;
  c->ct = xmalloc (c->ct_len);
  memcpy (c->ct, c->out, c->ct_len);
  c->ct_needs_unescape = c->nal_escaped
      && gst_livekit_rbsp_needs_unescape (c->ct + c->clear_len,
      c->ct_len - c->clear_len);
  c->work = xmalloc (c->ct_len > c->size ? c->ct_len : c->size);

  /* Raw reference ciphertext with the same IV and AAD. For unescaped
   * layouts it must equal our frame's body byte for byte. */
  c->ref_ct = xmalloc (body + 16);
  ref_seal (c->ref_iv, c->plain, c->clear_len, c->plain + c->clear_len, body,
      c->ref_ct, c->ref_ct + body);
  if (!c->nal_escaped && (c->ct_len != c->size + GST_LIVEKIT_FRAME_OVERHEAD
          || memcmp (c->ct + c->clear_len, c->ref_ct, body + 16) != 0))
    die ("setup: our ciphertext differs from raw OpenSSL");
  if (!ref_open (c->ref_iv, c->plain, c->clear_len, c->ref_ct, body,
          c->ref_ct + body, c->work + c->clear_len)
      || memcmp (c->work + c->clear_len, c->plain + c->clear_len, body) != 0)
    die ("setup: raw OpenSSL round trip failed");

  /* Our decrypt, both in the benchmark's form and in place. */
  memcpy (c->work, c->plain, c->clear_len);
  tmp = xmalloc (c->ct_len);
  memcpy (tmp, c->ct, c->ct_len);
  if (gst_livekit_frame_parse (c->codec, tmp, c->ct_len, c->key_frame,
          GST_LIVEKIT_DEFAULT_KEY_RING_SIZE, &parsed) != GST_LIVEKIT_FRAME_OK
      || gst_livekit_frame_decrypt (aead_dec, tmp, &parsed,
          &out_len) != GST_LIVEKIT_FRAME_OK || out_len != c->size
      || memcmp (tmp, c->plain, c->size) != 0)
    die ("setup: in-place frame round trip failed");
  free (tmp);
  run_frame_decrypt (c, 1);
  if (memcmp (c->work, c->plain, c->size) != 0)
    die ("setup: benchmark-form frame decrypt differs");

  /* Cryptor frame. */
  c->cct = xmalloc (c->out_cap);
  gst_livekit_cryptor_encrypt (cryptor_enc, c->codec, c->plain, c->size,
      c->key_frame, 0x6d2f41a7, 0, c->cct, c->out_cap, &out_len, &r);
  if (r.outcome != GST_LIVEKIT_FRAME_OUTCOME_ENCRYPTED)
    die ("setup: cryptor encrypt failed");
  c->cct_len = out_len;
  gst_livekit_cryptor_decrypt (cryptor_dec, c->codec, c->cct, c->cct_len,
      c->key_frame, c->work, &out_len, &r);
  if (r.outcome != GST_LIVEKIT_FRAME_OUTCOME_DECRYPTED || out_len != c->size
      || memcmp (c->work, c->plain, c->size) != 0)
    die ("setup: cryptor round trip failed");
  memcpy (c->work, c->plain, c->clear_len);
}

static void
setup_global (void)
{
  GError *err = NULL;
  static const char material[] = "bench-shared-key";

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

  keyring = gst_livekit_keyring_new ();
  if (!gst_livekit_keyring_set_shared_key (keyring, (const guint8 *) material,
          strlen (material), 0, &err))
    die (err->message);
  /* Ratchet candidates are precomputed on a thread: let it finish so it does
   * not steal a core from the measurements. */
  gst_livekit_keyring_wait_precomputed (keyring);
  cryptor_enc = gst_livekit_cryptor_new (keyring, TRUE, NULL);
  cryptor_dec = gst_livekit_cryptor_new (keyring, FALSE, NULL);
  if (!cryptor_enc || !cryptor_dec)
    die ("gst_livekit_cryptor_new failed");
  gst_livekit_cryptor_set_ssrc (cryptor_enc, 0x01020304);
}

/* ---- measurement ----------------------------------------------------- */

typedef struct
{
  double *fps;                  /* one per round */
  double best, median;
} Result;

static int
cmp_double (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return x < y ? -1 : x > y;
}

static double
median_of (const double *v, int n)
{
  double *s = xmalloc (n * sizeof *s), m;
  memcpy (s, v, n * sizeof *s);
  qsort (s, n, sizeof *s, cmp_double);
  m = n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
  free (s);
  return m;
}

/* Iterations that take about @target seconds. */
static unsigned
calibrate (RunFn fn, Case * c, double target)
{
  unsigned iters = 1;
  for (;;) {
    double t0 = now_s (), dt;
    fn (c, iters);
    dt = now_s () - t0;
    if (dt >= target / 4 || iters >= (1u << 30)) {
      double want = iters * target / (dt > 0 ? dt : 1e-9);
      return want < 1 ? 1 : want > 4e9 ? 4000000000u : (unsigned) want;
    }
    iters *= dt < target / 64 ? 16 : 2;
  }
}

static void
measure_case_op (Case * c, Op op, int rounds, double sample_s,
    Result res[N_IMPLS])
{
  unsigned iters[N_IMPLS];

  for (int i = 0; i < N_IMPLS; i++) {
    runners[i][op] (c, 1);      /* warm-up: page in buffers */
    iters[i] = calibrate (runners[i][op], c, sample_s);
    res[i].fps = xmalloc (rounds * sizeof (double));
  }
  for (int r = 0; r < rounds; r++) {
    for (int k = 0; k < N_IMPLS; k++) {
      int i = (k + r) % N_IMPLS;        /* rotate who goes first */
      double t0 = now_s (), dt;
      runners[i][op] (c, iters[i]);
      dt = now_s () - t0;
      res[i].fps[r] = iters[i] / dt;
    }
  }
  for (int i = 0; i < N_IMPLS; i++) {
    res[i].best = res[i].fps[0];
    for (int r = 1; r < rounds; r++)
      if (res[i].fps[r] > res[i].best)
        res[i].best = res[i].fps[r];
    res[i].median = median_of (res[i].fps, rounds);
  }
}

static void
print_json (Case * c, Op op, Impl i, Result * res, Result * ref, int rounds)
{
  double paired[64];
  int n = rounds < 64 ? rounds : 64;

  printf ("{\"impl\":\"%s\",\"op\":\"%s\",\"size\":%zu,\"codec\":\"%s\","
      "\"frames_per_s\":%.0f,\"median_frames_per_s\":%.0f,"
      "\"ns_per_frame\":%.1f,\"mbytes_per_s\":%.1f,\"rounds\":%d",
      impl_json[i], op_names[op], c->size, c->codec_name, res->best,
      res->median, 1e9 / res->best, res->best * c->size / 1e6, rounds);
  if (i != IMPL_OPENSSL) {
    for (int r = 0; r < n; r++)
      paired[r] = res->fps[r] / ref->fps[r];
    printf (",\"ratio_vs_openssl\":%.3f,\"paired_ratio_median\":%.3f",
        res->best / ref->best, median_of (paired, n));
  }
  if (c->codec == GST_LIVEKIT_CODEC_H264 && op == OP_DECRYPT
      && i == IMPL_FRAME)
    printf (",\"copy_per_frame\":%s", c->ct_needs_unescape ? "true" : "false");
  printf ("}\n");
}

int
main (int argc, char **argv)
{
  bool json = false;
  /* 11 x 100 ms per implementation, case and op: many short samples give
   * the best-of a chance to land in a quiet moment on a shared VM. */
  int rounds = 11;
  double sample_s = 0.10;
  const char *only = NULL;
  unsigned fixed_iters = 0;

  for (int a = 1; a < argc; a++) {
    if (!strcmp (argv[a], "--json"))
      json = true;
    else if (!strcmp (argv[a], "--sample-ms") && a + 1 < argc)
      sample_s = atof (argv[++a]) / 1000.0;
    else if (!strcmp (argv[a], "--rounds") && a + 1 < argc)
      rounds = atoi (argv[++a]);
    else if (!strcmp (argv[a], "--iters") && a + 1 < argc)
      fixed_iters = (unsigned) atoi (argv[++a]);
    else if (!strcmp (argv[a], "--only") && a + 1 < argc)
      only = argv[++a];
    else if (!strcmp (argv[a], "--quick")) {
      rounds = 3;
      sample_s = 0.02;
    } else {
      fprintf (stderr, "usage: %s [--json] [--sample-ms N] [--rounds N] "
          "[--quick] [--only CODEC[-SIZE]] [--iters N]\n", argv[0]);
      return 2;
    }
  }
  if (rounds < 1 || rounds > 64 || sample_s <= 0)
    die ("bad --rounds (1..64) or --sample-ms");

  gst_init (NULL, NULL);
  setup_global ();
  for (size_t k = 0; k < N_CASES; k++)
    setup_case (&cases[k]);

  if (!json)
    printf ("%-5s %8s %-7s %14s %14s %14s %9s %9s %10s %10s\n", "codec",
        "size", "op", "openssl f/s", "frame f/s", "cryptor f/s",
        "frame/ossl", "crypt/ossl", "frame ns", "crypt ns");

  for (size_t k = 0; k < N_CASES; k++) {
    Case *c = &cases[k];
    char name[64];
    snprintf (name, sizeof name, "%s-%zu", c->codec_name, c->size);
    if (only && strncmp (name, only, strlen (only)) != 0)
      continue;
    for (int op = 0; op < N_OPS; op++) {
      Result res[N_IMPLS];
      if (fixed_iters) {
        for (int i = 0; i < N_IMPLS; i++)
          runners[i][op] (c, fixed_iters);
        continue;
      }
      measure_case_op (c, op, rounds, sample_s, res);
      if (json) {
        for (int i = 0; i < N_IMPLS; i++)
          print_json (c, op, i, &res[i], &res[IMPL_OPENSSL], rounds);
      } else {
        printf ("%-5s %8zu %-7s %14.0f %14.0f %14.0f %9.3f %9.3f %10.1f "
            "%10.1f\n", c->codec_name, c->size, op_names[op],
            res[IMPL_OPENSSL].best, res[IMPL_FRAME].best,
            res[IMPL_CRYPTOR].best,
            res[IMPL_FRAME].best / res[IMPL_OPENSSL].best,
            res[IMPL_CRYPTOR].best / res[IMPL_OPENSSL].best,
            1e9 / res[IMPL_FRAME].best, 1e9 / res[IMPL_CRYPTOR].best);
      }
      fflush (stdout);
      for (int i = 0; i < N_IMPLS; i++)
        free (res[i].fps);
    }
  }
  (void) sink;
  return 0;
}
