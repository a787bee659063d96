/* libFuzzer harness for GstLiveKitCryptor decryption: key lookup, failure
 * counting, auto-ratchet, server-injected frames, statistics.
 *
 * Each input replays a sequence of frames into a fresh decrypting cryptor
 * on a receiver keyring in the same state every time. The keyrings live for
 * the whole process (one per ratchet window, as a window change re-derives
 * every key) and are reset to that state (keys set again, which also ends
 * a ratcheted-away key's grace) only after an input changed a slot
 * (auto-ratchet): building one per input cost a thread-pool hand-off and
 * libsodium's guarded allocations (~100 mprotect calls) every time, which
 * limited the harness to a few hundred inputs a second. The code under
 * test is the shipped one; only the harness's set-up is shared.
 *
 * Receiver key ring (shared ring): kid 0 and 1 = material M, kid 2 empty,
 * kid 3 = material O. Senders encrypt with M's ratchet chain steps 0..2 or
 * with O, so frames may need 0, 1 or 2 auto-ratchet steps, or fail.
 *
 * Input: byte 0 = flags, then records [op][len][len bytes]...
 *   flags bits 0-2  codec (mod 6)         bits 3-4  failure tolerance -1..2
 *         bits 5-6  ratchet window 0,1,2,4   bit 7  SIF trailer set; ring 4
 *                                                   slots instead of 16
 *   op bits 0-1  0 = decrypt the record bytes as they are
 *                1 = encrypt them (frame_encrypt, sender key by bits 4-5:
 *                    chain step 0/1/2 of M, or O), then decrypt
 *                2 = encrypt them with a sending cryptor (step 0 keys),
 *                    bit 4 set: flip one byte; then decrypt
 *                3 = append the SIF trailer, then decrypt
 *      bits 2-3  sender key index    bit 6  key_frame    bit 7  codec + 1
 */
#include <gst/gst.h>
#include "gst/livekit/cryptor.h"
#include "gst/livekit/keyring-private.h"
#include "gst/livekit/frame-crypt.h"
#include "gst/livekit/kdf.h"
#include "gst/livekit/sif.h"

#include "fuzz-common.h"

#define CHAIN_STEPS 3
#define WRONG 3                 /* sender variant: material O */

static const uint8_t material_m[] = "fuzz material M";
static const uint8_t material_o[] = "fuzz material O";
static const uint8_t sif_trailer[] = { 'L', 'K', 'R', 'O', 'C', 'K', 'S' };

/* AES keys of M's chain steps 0..2 and of O; sending contexts for them. */
static uint8_t sender_keys[CHAIN_STEPS + 1][GST_LIVEKIT_AES_KEY_SIZE];
static GstLiveKitAead *sender_aead[CHAIN_STEPS + 1];
static GstLiveKitKeyring *sender_keyring;
static GstLiveKitCryptor *sender_cryptor;
static int verbose;

int LLVMFuzzerInitialize (int *argc, char ***argv);
int LLVMFuzzerTestOneInput (const uint8_t * data, size_t size);

static void
derive_chain (void)
{
  const char *salt = GST_LIVEKIT_DEFAULT_RATCHET_SALT;
  uint8_t material[GST_LIVEKIT_RATCHET_SIZE], next[GST_LIVEKIT_RATCHET_SIZE];
  size_t material_len = sizeof material_m - 1;

  /* R(m) = HKDF(m, salt, 32); key(m) = R(m)[0..16]; next material R(m). */
  memcpy (material, material_m, material_len);
  for (int step = 0; step < CHAIN_STEPS; step++) {
    if (!gst_livekit_kdf_ratchet (GST_LIVEKIT_KEY_DERIVATION_HKDF, material,
            material_len, (const uint8_t *) salt, strlen (salt), next))
      abort ();
    memcpy (sender_keys[step], next, GST_LIVEKIT_AES_KEY_SIZE);
    memcpy (material, next, sizeof next);
    material_len = sizeof next;
  }
  if (!gst_livekit_kdf_ratchet (GST_LIVEKIT_KEY_DERIVATION_HKDF, material_o,
          sizeof material_o - 1, (const uint8_t *) salt, strlen (salt), next))
    abort ();
  memcpy (sender_keys[WRONG], next, GST_LIVEKIT_AES_KEY_SIZE);
  for (int i = 0; i <= CHAIN_STEPS; i++)
    if (!(sender_aead[i] = gst_livekit_aead_new (sender_keys[i], true)))
      abort ();
}

static void
set_keys (GstLiveKitKeyring * k)
{
  if (!gst_livekit_keyring_set_shared_key (k, material_m,
          sizeof material_m - 1, 0, NULL)
      || !gst_livekit_keyring_set_shared_key (k, material_m,
          sizeof material_m - 1, 1, NULL)
      || !gst_livekit_keyring_set_shared_key (k, material_o,
          sizeof material_o - 1, 3, NULL))
    abort ();
  gst_livekit_keyring_wait_precomputed (k);
}

static GstLiveKitKeyring *
new_keyring (guint window, gint tolerance, guint ring_size)
{
  GstLiveKitKeyring *k = gst_livekit_keyring_new ();

  g_object_set (k, "key-derivation", GST_LIVEKIT_KEY_DERIVATION_HKDF,
      "ratchet-window-size", window, "failure-tolerance", tolerance,
      "key-ring-size", ring_size, NULL);
  set_keys (k);
  return k;
}

/* A receiver keyring and the key sets its slots 0..3 held when set. */
typedef struct
{
  GstLiveKitKeyring *keyring;
  guint64 ids[4];
} Receiver;

static Receiver receivers[4];   /* by ratchet window */

static guint64
slot_id (GstLiveKitKeyring * k, guint kid)
{
  GstLiveKitKeySet *ks = gst_livekit_keyring_lookup (k, NULL, kid);
  guint64 id = ks ? ks->id : 0;

  if (ks)
    gst_livekit_key_set_unref (ks);
  return id;
}

/* The receiver keyring for @window with kid 0, 1 = M, 2 empty, 3 = O, and
 * this input's tolerance and ring size. */
static GstLiveKitKeyring *
receiver_keyring (guint window_index, guint window, gint tolerance,
    guint ring_size)
{
  Receiver *r = &receivers[window_index];
  gint t;
  guint size;
  gboolean clean = TRUE;

  if (!r->keyring) {
    r->keyring = new_keyring (window, tolerance, ring_size);
    clean = FALSE;
  }
  g_object_get (r->keyring, "failure-tolerance", &t, "key-ring-size", &size,
      NULL);
  if (t != tolerance)
    g_object_set (r->keyring, "failure-tolerance", tolerance, NULL);
  if (size != ring_size)
    g_object_set (r->keyring, "key-ring-size", ring_size, NULL);
  for (guint kid = 0; kid < 4 && clean; kid++)
    clean = slot_id (r->keyring, kid) == r->ids[kid];
  if (!clean) {
    set_keys (r->keyring);
    for (guint kid = 0; kid < 4; kid++)
      r->ids[kid] = slot_id (r->keyring, kid);
  }
  return r->keyring;
}

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  const char *v = getenv ("FUZZ_VERBOSE");

  verbose = v && *v && *v != '0';
  /* Quiet: the keyring logs at INFO on every key change. */
  g_setenv ("GST_DEBUG", "*:0", TRUE);
  g_setenv ("GST_REGISTRY_DISABLE", "yes", TRUE);
  gst_init (NULL, NULL);
  /* The keyrings borrow a thread from GLib's shared pool for their
   * ratchet derivation. Keep idle threads alive: no thread start/exit
   * per job, and none exiting (tearing down its GLib and OpenSSL
   * thread-local state) while LeakSanitizer scans at process exit. */
  g_thread_pool_set_max_idle_time (0);
  g_thread_pool_set_max_unused_threads (-1);
  derive_chain ();
  sender_keyring = new_keyring (0, -1, 16);
  sender_cryptor = gst_livekit_cryptor_new (sender_keyring, TRUE, NULL);
  gst_livekit_cryptor_set_ssrc (sender_cryptor, 0x00000001);
  return 0;
}

/* Receiver-side model of which key each kid holds: M's chain step, or -1
 * for O, or -2 for none. */
typedef struct
{
  int step[4];
  /* The step an auto-ratchet replaced (-3: none): it keeps decrypting for
   * the keyring's grace period of 1 s, longer than one input runs. */
  int previous[4];
  guint window;
  guint ring_size;
  gboolean sif;
  guint decrypts;
} Model;

static int
sender_key_id (int variant)
{
  return variant == WRONG ? -1 : variant;
}

/* Decrypts @frame with @c and checks the result against what the model
 * allows. @plain (NULL for untrusted input) is what a decrypt must give;
 * @sender_key is the model id of the key that sealed it. */
static void
run_decrypt (GstLiveKitCryptor * c, GstLiveKitKeyring * k, Model * m,
    GstLiveKitCodec codec, const uint8_t * frame, size_t len,
    gboolean key_frame, const uint8_t * plain, size_t plain_len,
    guint kid, int sender_key, gboolean tampered, gboolean stable)
{
  GstLiveKitCryptResult r;
  uint8_t *out = fuzz_alloc (len);
  gsize out_len = (gsize) - 1;

  /* As livekitdecrypt: a frame waiting for ratchet steps is held until the
   * keyring's worker derived them; then no job is left running, so the
   * next input does not depend on timing. */
  for (;;) {
    guint seen = gst_livekit_keyring_get_ratchet_progress (k);
    gst_livekit_cryptor_decrypt_full (c, codec, frame, len, key_frame, TRUE,
        out, &out_len, &r);
    if (r.outcome != GST_LIVEKIT_FRAME_OUTCOME_HELD)
      break;
    FUZZ_CHECK (out_len == 0, "held with %zu bytes", (size_t) out_len);
    gst_livekit_keyring_wait_ratchet_progress (k, seen, G_MAXINT64);
  }
  gst_livekit_keyring_wait_precomputed (k);
  m->decrypts++;
  FUZZ_CHECK (r.n_states <= 2, "n_states %u", r.n_states);
  FUZZ_CHECK (out_len <= len, "out_len %zu > len %zu", (size_t) out_len, len);
  FUZZ_CHECK (r.outcome != GST_LIVEKIT_FRAME_OUTCOME_ENCRYPTED, "encrypted?");
  FUZZ_CHECK ((r.outcome == GST_LIVEKIT_FRAME_OUTCOME_DROPPED) ==
      (r.reason != GST_LIVEKIT_DROP_REASON_NONE), "outcome %d reason %d",
      r.outcome, r.reason);
  FUZZ_CHECK (r.outcome != GST_LIVEKIT_FRAME_OUTCOME_DROPPED || out_len == 0,
      "dropped with %zu bytes", (size_t) out_len);
  FUZZ_CHECK (gst_livekit_drop_reason_to_string (r.reason) != NULL, "reason");
  for (guint i = 0; i < r.n_states; i++)
    FUZZ_CHECK (gst_livekit_encryption_state_to_string (r.states[i]) != NULL,
        "state");
  if (verbose)
    fprintf (stderr, "  decrypt %zu bytes kid %u: outcome %d reason %s%s\n",
        len, r.key_index, r.outcome,
        gst_livekit_drop_reason_to_string (r.reason),
        r.ratcheted ? " (ratcheted)" : "");

  if (r.outcome == GST_LIVEKIT_FRAME_OUTCOME_PASSTHROUGH) {
    /* Only empty frames and known server-injected frames pass. */
    if (len > 0) {
      FUZZ_CHECK (m->sif && len >= sizeof sif_trailer
          && memcmp (frame + len - sizeof sif_trailer, sif_trailer,
              sizeof sif_trailer) == 0, "passthrough without SIF trailer");
      FUZZ_CHECK (out_len == len - sizeof sif_trailer
          && memcmp (out, frame, out_len) == 0
          && gst_livekit_sif_is_known_payload (out, out_len),
          "SIF passthrough payload");
    }
  }

  if (r.outcome == GST_LIVEKIT_FRAME_OUTCOME_DECRYPTED) {
    int rk;
    FUZZ_CHECK (r.key_index < 4 && r.key_index < m->ring_size, "kid %u",
        r.key_index);
    rk = m->step[r.key_index];
    FUZZ_CHECK (rk != -2, "decrypted with an empty slot %u", r.key_index);
    if (r.ratcheted) {
      /* Moved kid forward along M's chain. */
      FUZZ_CHECK (rk >= 0, "ratcheted O");
    }
    if (plain) {
      FUZZ_CHECK (!tampered, "a tampered frame decrypted");
      FUZZ_CHECK (r.key_index == kid, "kid %u != %u", r.key_index, kid);
      if (r.ratcheted)
        FUZZ_CHECK (rk >= 0 && sender_key > rk
            && (guint) (sender_key - rk) <= m->window, "ratcheted from step "
            "%d to a frame sealed with %d (window %u)", rk, sender_key,
            m->window);
      else
        FUZZ_CHECK (sender_key == rk || sender_key == m->previous[r.key_index],
            "decrypted with key %d, sealed with %d", rk, sender_key);
      FUZZ_CHECK (out_len == plain_len && memcmp (out, plain, plain_len) == 0,
          "decrypted plaintext differs (%zu vs %zu bytes)", (size_t) out_len,
          plain_len);
      if (r.ratcheted) {
        m->previous[r.key_index] = m->step[r.key_index];
        m->step[r.key_index] = sender_key;
      }
    } else if (r.ratcheted) {
      /* Untrusted bytes cannot authenticate under a candidate key. */
      FUZZ_CHECK (0, "random bytes auto-ratcheted kid %u", r.key_index);
    }
  } else if (plain && !tampered && stable && kid < m->ring_size
      && m->step[kid] == sender_key && sender_key != -2) {
    /* The right key: only a given-up key index may refuse it (or, by a
     * 2^-56 chance, a payload ending in the SIF trailer). */
    FUZZ_CHECK (r.outcome == GST_LIVEKIT_FRAME_OUTCOME_DROPPED
        && (r.reason == GST_LIVEKIT_DROP_REASON_KEY_INVALID
            || r.reason == GST_LIVEKIT_DROP_REASON_UNKNOWN_SIF),
        "right key, outcome %d reason %s", r.outcome,
        gst_livekit_drop_reason_to_string (r.reason));
  }
  free (out);
}

/* Whether the encrypted frame reads with the plaintext's layout. */
static gboolean
layout_stable (GstLiveKitCodec codec, const uint8_t * pt, size_t n,
    const uint8_t * enc, size_t enc_len, gboolean key_frame)
{
  GstLiveKitFrameLayout want, got;
  size_t h;

  gst_livekit_frame_layout (codec, pt, n, key_frame, &want);
  gst_livekit_frame_layout (codec, enc, enc_len, key_frame, &got);
  h = want.nal_escaped ? gst_livekit_annexb_normalized_size (pt,
      want.clear_len) : want.clear_len;
  return got.clear_len == h && got.nal_escaped == want.nal_escaped;
}

/* Plaintext as the receiver gets it back: the clear prefix normalised. */
static uint8_t *
expected_plain (GstLiveKitCodec codec, const uint8_t * pt, size_t n,
    gboolean key_frame, size_t *out_len)
{
  GstLiveKitFrameLayout l;
  uint8_t *p;
  size_t h;

  gst_livekit_frame_layout (codec, pt, n, key_frame, &l);
  h = l.nal_escaped ? gst_livekit_annexb_normalized_size (pt, l.clear_len) :
      l.clear_len;
  p = fuzz_alloc (h + n - l.clear_len);
  if (l.nal_escaped)
    gst_livekit_annexb_normalize (pt, l.clear_len, p);
  else
    memcpy (p, pt, l.clear_len);
  memcpy (p + h, pt + l.clear_len, n - l.clear_len);
  *out_len = h + n - l.clear_len;
  return p;
}

int
LLVMFuzzerTestOneInput (const uint8_t * data, size_t size)
{
  static const gint tolerances[] = { -1, 0, 1, 2 };
  static const guint windows[] = { 0, 1, 2, 4 };
  GstLiveKitKeyring *keyring;
  GstLiveKitCryptor *c;
  GstLiveKitCryptorStats stats;
  GstLiveKitCodec base_codec;
  Model m = { {0, 0, -2, -1}, {-3, -3, -3, -3}, 0, 16, FALSE, 0 };
  uint8_t flags;
  size_t pos = 1, records = 0;
  guint64 drops = 0;

  if (size < 1)
    return 0;
  flags = data[0];
  base_codec = (GstLiveKitCodec) ((flags & 7) % 6);
  m.window = windows[(flags >> 5) & 3];
  m.sif = (flags >> 7) & 1;
  m.ring_size = m.sif ? 4 : 16;

  keyring = receiver_keyring ((flags >> 5) & 3, m.window,
      tolerances[(flags >> 3) & 3], m.ring_size);
  c = gst_livekit_cryptor_new (keyring, FALSE, NULL);
  if (m.sif)
    gst_livekit_cryptor_set_sif_trailer (c, sif_trailer, sizeof sif_trailer);

  while (pos + 2 <= size && records < 64) {
    uint8_t op = data[pos], kind = op & 3;
    guint kid = (op >> 2) & 3;
    int variant = (op >> 4) & 3;
    gboolean key_frame = (op >> 6) & 1;
    GstLiveKitCodec codec = (GstLiveKitCodec) ((base_codec + (op >> 7)) % 6);
    size_t len = data[pos + 1];
    const uint8_t *rec = data + pos + 2;
    uint8_t *frame, *plain = NULL;
    size_t frame_len = 0, plain_len = 0, cap;

    if (len > size - pos - 2)
      len = size - pos - 2;
    pos += 2 + len;
    records++;

    switch (kind) {
      case 0:
        frame = fuzz_dup (rec, len);
        run_decrypt (c, keyring, &m, codec, frame, len, key_frame, NULL, 0,
            kid, -2, FALSE, FALSE);
        free (frame);
        break;
      case 1:{
        static const uint8_t fixed_iv[GST_LIVEKIT_IV_SIZE] = {
          0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0
        };
        const uint8_t *iv = fixed_iv;
        GstLiveKitFrameError err;
        if (len > GST_LIVEKIT_IV_SIZE) {
          iv = rec;
          rec += GST_LIVEKIT_IV_SIZE;
          len -= GST_LIVEKIT_IV_SIZE;
        }
        if (len == 0)
          break;
        cap = gst_livekit_frame_encrypted_size_max (len);
        frame = fuzz_alloc (cap);
        err = gst_livekit_frame_encrypt (sender_aead[variant], codec, rec, len,
            key_frame, iv, (uint8_t) kid, frame, cap, &frame_len);
        /* An encryptor that refuses frames whose layout would drift
         * (proposed error "layout-unstable"): nothing to decrypt. */
        if (err != GST_LIVEKIT_FRAME_OK
            && strcmp (gst_livekit_frame_error_to_string (err),
                "layout-unstable") == 0) {
          free (frame);
          break;
        }
        FUZZ_CHECK (err == GST_LIVEKIT_FRAME_OK, "encrypt: %s",
            gst_livekit_frame_error_to_string (err));
        plain = expected_plain (codec, rec, len, key_frame, &plain_len);
        run_decrypt (c, keyring, &m, codec, frame, frame_len, key_frame, plain,
            plain_len, kid, sender_key_id (variant), FALSE,
            layout_stable (codec, rec, len, frame, frame_len, key_frame));
        free (plain);
        free (frame);
        break;
      }
      case 2:{
        GstLiveKitCryptResult r;
        gsize out_len = 0;
        gboolean tamper = (op >> 4) & 1, stable;
        cap = gst_livekit_frame_encrypted_size_max (len);
        frame = fuzz_alloc (cap);
        gst_livekit_cryptor_encrypt (sender_cryptor, codec, rec, len,
            key_frame, (guint32) records * 3000, kid, frame, cap, &out_len, &r);
        frame_len = out_len;
        if (len == 0) {
          FUZZ_CHECK (r.outcome == GST_LIVEKIT_FRAME_OUTCOME_PASSTHROUGH,
              "empty frame not passed through");
        } else if (kid == 2) {
          FUZZ_CHECK (r.outcome == GST_LIVEKIT_FRAME_OUTCOME_DROPPED
              && r.reason == GST_LIVEKIT_DROP_REASON_MISSING_KEY,
              "encrypt with an empty slot");
        } else if (r.outcome == GST_LIVEKIT_FRAME_OUTCOME_DROPPED) {
          /* A sender that refuses frames whose layout would drift. */
          FUZZ_CHECK (r.reason == GST_LIVEKIT_DROP_REASON_ENCRYPT_FAILED,
              "encrypt dropped: %s",
              gst_livekit_drop_reason_to_string (r.reason));
        } else {
          FUZZ_CHECK (r.outcome == GST_LIVEKIT_FRAME_OUTCOME_ENCRYPTED,
              "encrypt outcome %d", r.outcome);
          FUZZ_CHECK (frame_len <= cap, "encrypted %zu > %zu", frame_len, cap);
          plain = expected_plain (codec, rec, len, key_frame, &plain_len);
          stable = layout_stable (codec, rec, len, frame, frame_len, key_frame);
          if (tamper && frame_len > 1)
            frame[rec[0] % (frame_len - 1)] ^= 1u << (records % 8);
          run_decrypt (c, keyring, &m, codec, frame, frame_len, key_frame,
              plain, plain_len, kid, kid == 3 ? -1 : 0, tamper
              && frame_len > 1, stable);
          free (plain);
        }
        free (frame);
        break;
      }
      case 3:
        frame = fuzz_alloc (len + sizeof sif_trailer);
        memcpy (frame, rec, len);
        memcpy (frame + len, sif_trailer, sizeof sif_trailer);
        run_decrypt (c, keyring, &m, codec, frame, len + sizeof sif_trailer,
            key_frame, NULL, 0, kid, -2, FALSE, FALSE);
        free (frame);
        break;
    }
  }

  gst_livekit_cryptor_get_stats (c, &stats);
  for (guint i = 0; i < GST_LIVEKIT_N_DROP_REASONS; i++)
    drops += stats.drops[i];
  FUZZ_CHECK (stats.frames_in == m.decrypts, "frames_in %" G_GUINT64_FORMAT
      " != %u", stats.frames_in, m.decrypts);
  FUZZ_CHECK (stats.frames_out + drops == stats.frames_in, "stats: %"
      G_GUINT64_FORMAT " out + %" G_GUINT64_FORMAT " dropped != %"
      G_GUINT64_FORMAT " in", stats.frames_out, drops, stats.frames_in);
  gst_livekit_cryptor_free (c);
  return 0;
}
