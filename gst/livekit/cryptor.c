/* Frame cryptor state per participant and direction (spec livekit-e2ee.md
 * §4, §7, §9, §10).
 *
 * Semantics chosen where LiveKit's implementations differ:
 * - failure counting is per key index and consecutive (a success resets it),
 *   as in JS; native counts per key handler and only key changes reset it;
 * - auto-ratchet follows up to ratchet-window-size steps in one frame, as
 *   native does (JS follows one step per frame), and commits the ratcheted
 *   key only after a frame decrypted with it. The steps are derived by the
 *   keyring's worker when a frame asks; callers that can wait hold that
 *   frame (HELD) rather than drop it, as JS awaits and native blocks;
 * - a key ratcheted away still decrypts during the keyring's grace period
 *   (frames in flight under it), which neither SDK does;
 * - DECRYPTION_FAILED is reported on the first frame that fails after
 *   another state, whatever the failure tolerance (native stays silent with
 *   tolerance -1); the tolerance only decides when a key index is given up;
 * - server-injected frames: only the known blank payloads pass, as native
 *   2026 does; anything else carrying the trailer is dropped.
 */
#include "cryptor.h"

#include "frame-crypt.h"
#include "keyring-private.h"
#include "livekit-init.h"
#include "sif.h"

#include <string.h>
#include <sodium.h>

typedef struct
{
  GstLiveKitKeySet *key_set;
  GstLiveKitAead *aead;
  /* The key ratcheted away at this index, during its grace period. */
  gboolean previous_looked_up;
  GstLiveKitKeySet *previous;
  GstLiveKitAead *previous_aead;
  gint64 previous_until;
} CachedKey;

struct _GstLiveKitCryptor
{
  GstLiveKitKeyring *keyring;
  gboolean encrypt;
  gchar *identity;

  /* The keyring's settings and key sets, valid while its epoch is
   * unchanged: one atomic load per frame, the keyring's lock only on the
   * frame that sees a new epoch. */
  guint epoch;
  guint ring_size;
  guint window;
  gint failure_tolerance;
  guint current_index;
  CachedKey keys[GST_LIVEKIT_MAX_KEY_RING_SIZE];

  /* Encrypt: IV = SSRC | timestamp | timestamp - counter. The counter is 32
   * bits wide (JS wraps at 0xFFFF), so an IV repeats only after 2^32 frames
   * of one cryptor; we stop before that. */
  guint32 ssrc;
  guint32 counter;
  guint64 ivs_used;

  /* Decrypt: consecutive failures per key index, counted against the key
   * set they happened with; a new key set at that index starts afresh. */
  guint failures[GST_LIVEKIT_MAX_KEY_RING_SIZE];
  guint64 failures_key_set[GST_LIVEKIT_MAX_KEY_RING_SIZE];
  guint8 *sif_trailer;
  gsize sif_trailer_len;

  GMutex stats_lock;
  GstLiveKitCryptorStats stats;
};

#define MAX_IVS ((guint64) 1 << 32)
#define MAX_ENCRYPT_ATTEMPTS 4

const gchar *
gst_livekit_drop_reason_to_string (GstLiveKitDropReason reason)
{
  static const gchar *names[GST_LIVEKIT_N_DROP_REASONS] = {
    "none", "too-short", "bad-iv-length", "missing-key", "key-invalid",
    "decrypt-failed", "unknown-sif", "encrypt-failed", "iv-exhausted",
  };
  return (guint) reason < G_N_ELEMENTS (names) ? names[reason] : "unknown";
}

const gchar *
gst_livekit_encryption_state_to_string (GstLiveKitEncryptionState state)
{
  static const gchar *names[] = {
    "new", "ok", "encryption-failed", "decryption-failed", "missing-key",
    "key-ratcheted", "internal-error",
  };
  return (guint) state < G_N_ELEMENTS (names) ? names[state] : "unknown";
}

GstLiveKitCryptor *
gst_livekit_cryptor_new (GstLiveKitKeyring * keyring, gboolean encrypt,
    const gchar * identity)
{
  GstLiveKitCryptor *c;

  g_return_val_if_fail (GST_IS_LIVEKIT_KEYRING (keyring), NULL);
  if (!gst_livekit_init ())
    return NULL;

  c = g_new0 (GstLiveKitCryptor, 1);
  c->keyring = gst_object_ref (keyring);
  c->encrypt = encrypt;
  c->identity = g_strdup (identity);
  c->epoch = gst_livekit_keyring_get_epoch (keyring) - 1;
  /* CSPRNG seeds: the SSRC word and the counter's start. */
  c->ssrc = randombytes_random ();
  c->counter = randombytes_random ();
  g_mutex_init (&c->stats_lock);
  return c;
}

static void
drop_cached_keys (GstLiveKitCryptor * c)
{
  for (guint i = 0; i < GST_LIVEKIT_MAX_KEY_RING_SIZE; i++) {
    CachedKey *k = &c->keys[i];
    g_clear_pointer (&k->key_set, gst_livekit_key_set_unref);
    g_clear_pointer (&k->aead, gst_livekit_aead_free);
    g_clear_pointer (&k->previous, gst_livekit_key_set_unref);
    g_clear_pointer (&k->previous_aead, gst_livekit_aead_free);
    k->previous_looked_up = FALSE;
  }
}

void
gst_livekit_cryptor_free (GstLiveKitCryptor * c)
{
  if (!c)
    return;
  drop_cached_keys (c);
  gst_object_unref (c->keyring);
  g_free (c->identity);
  g_free (c->sif_trailer);
  g_mutex_clear (&c->stats_lock);
  g_free (c);
}

const gchar *
gst_livekit_cryptor_get_identity (GstLiveKitCryptor * c)
{
  return c->identity;
}

GstLiveKitKeyring *
gst_livekit_cryptor_get_keyring (GstLiveKitCryptor * c)
{
  return c->keyring;
}

void
gst_livekit_cryptor_set_ssrc (GstLiveKitCryptor * c, guint32 ssrc)
{
  c->ssrc = ssrc ? ssrc : randombytes_random ();
}

void
gst_livekit_cryptor_set_sif_trailer (GstLiveKitCryptor * c,
    const guint8 * trailer, gsize len)
{
  g_free (c->sif_trailer);
  c->sif_trailer = len ? g_memdup2 (trailer, len) : NULL;
  c->sif_trailer_len = len;
}

/* Re-reads the keyring when its epoch moved; once per frame. */
static void
sync_keyring (GstLiveKitCryptor * c)
{
  GstLiveKitKeyringSnapshot snap;

  if (G_LIKELY (gst_livekit_keyring_get_epoch (c->keyring) == c->epoch))
    return;
  gst_livekit_keyring_snapshot (c->keyring, c->identity, &snap);
  drop_cached_keys (c);
  c->epoch = snap.epoch;
  c->ring_size = snap.ring_size;
  c->window = snap.window;
  c->failure_tolerance = snap.failure_tolerance;
  c->current_index = snap.current_index;
  for (guint i = 0; i < GST_LIVEKIT_MAX_KEY_RING_SIZE; i++)
    c->keys[i].key_set = snap.key_sets[i];
}

/* The key at @index with a ready cipher context, or NULL. */
static CachedKey *
cached_key (GstLiveKitCryptor * c, guint index)
{
  CachedKey *k;

  if (index >= GST_LIVEKIT_MAX_KEY_RING_SIZE)
    return NULL;
  k = &c->keys[index];
  if (!k->key_set)
    return NULL;
  if (!k->aead) {
    k->aead = gst_livekit_aead_new (k->key_set->aes_key, c->encrypt);
    if (!k->aead)
      return NULL;
  }
  return k;
}

static void
set_state (GstLiveKitCryptor * c, GstLiveKitCryptResult * r,
    GstLiveKitEncryptionState state)
{
  if (state == c->stats.state)
    return;
  g_mutex_lock (&c->stats_lock);
  c->stats.state = state;
  g_mutex_unlock (&c->stats_lock);
  if (r->n_states < G_N_ELEMENTS (r->states))
    r->states[r->n_states++] = state;
}

static gboolean
is_failing (GstLiveKitCryptor * c)
{
  return c->stats.state == GST_LIVEKIT_ENCRYPTION_STATE_MISSING_KEY
      || c->stats.state == GST_LIVEKIT_ENCRYPTION_STATE_DECRYPTION_FAILED;
}

static void
finish (GstLiveKitCryptor * c, GstLiveKitCryptResult * r, gsize in_len,
    gsize out_len)
{
  g_mutex_lock (&c->stats_lock);
  c->stats.frames_in++;
  c->stats.bytes_in += in_len;
  if (r->outcome == GST_LIVEKIT_FRAME_OUTCOME_DROPPED) {
    c->stats.drops[r->reason]++;
  } else {
    c->stats.frames_out++;
    c->stats.bytes_out += out_len;
    if (r->outcome == GST_LIVEKIT_FRAME_OUTCOME_PASSTHROUGH)
      c->stats.passthrough++;
    else
      c->stats.key_index = r->key_index;
  }
  if (r->ratcheted)
    c->stats.ratchets++;
  g_mutex_unlock (&c->stats_lock);
}

static void
drop (GstLiveKitCryptor * c, GstLiveKitCryptResult * r,
    GstLiveKitDropReason reason, GstLiveKitEncryptionState state)
{
  r->outcome = GST_LIVEKIT_FRAME_OUTCOME_DROPPED;
  r->reason = reason;
  set_state (c, r, state);
}

void
gst_livekit_cryptor_encrypt (GstLiveKitCryptor * c, GstLiveKitCodec codec,
    const guint8 * in, gsize len, gboolean key_frame, guint32 rtp_timestamp,
    guint key_index, guint8 * out, gsize out_cap, gsize * out_len,
    GstLiveKitCryptResult * r)
{
  guint8 iv[GST_LIVEKIT_IV_SIZE];
  CachedKey *k;

  memset (r, 0, sizeof *r);
  r->key_index = key_index;
  *out_len = 0;
  sync_keyring (c);

  if (len == 0) {
    /* Empty frames (Opus DTX) pass unencrypted (spec §8). */
    r->outcome = GST_LIVEKIT_FRAME_OUTCOME_PASSTHROUGH;
  } else if (key_index >= c->ring_size || !(k = cached_key (c, key_index))) {
    drop (c, r, GST_LIVEKIT_DROP_REASON_MISSING_KEY,
        GST_LIVEKIT_ENCRYPTION_STATE_MISSING_KEY);
  } else if (c->ivs_used >= MAX_IVS) {
    drop (c, r, GST_LIVEKIT_DROP_REASON_IV_EXHAUSTED,
        GST_LIVEKIT_ENCRYPTION_STATE_ENCRYPTION_FAILED);
  } else {
    GstLiveKitFrameError err = GST_LIVEKIT_FRAME_ERROR_LAYOUT_UNSTABLE;
    /* A layout-unstable frame depends on its IV only by bad luck: a fresh
     * IV almost always cures it; frames that never can be are dropped. */
    for (guint attempt = 0; attempt < MAX_ENCRYPT_ATTEMPTS
        && err == GST_LIVEKIT_FRAME_ERROR_LAYOUT_UNSTABLE
        && c->ivs_used < MAX_IVS; attempt++) {
      gst_livekit_frame_make_iv (c->ssrc, rtp_timestamp, c->counter, iv);
      c->counter++;
      c->ivs_used++;
      err = gst_livekit_frame_encrypt (k->aead, codec, in, len, key_frame, iv,
          (uint8_t) key_index, out, out_cap, out_len);
    }
    if (err != GST_LIVEKIT_FRAME_OK) {
      GstLiveKitFrameLayout layout;

      /* Said apart for the user: a frame that is all clear prefix (shorter
       * than its codec's header) can never be sent. */
      gst_livekit_frame_layout (codec, in, len, key_frame, &layout);
      if (err == GST_LIVEKIT_FRAME_ERROR_LAYOUT_UNSTABLE
          && layout.clear_len == len)
        err = GST_LIVEKIT_FRAME_ERROR_TOO_SHORT;
      *out_len = 0;
      r->frame_error = err;
      drop (c, r, GST_LIVEKIT_DROP_REASON_ENCRYPT_FAILED,
          GST_LIVEKIT_ENCRYPTION_STATE_ENCRYPTION_FAILED);
    } else {
      r->outcome = GST_LIVEKIT_FRAME_OUTCOME_ENCRYPTED;
      set_state (c, r, GST_LIVEKIT_ENCRYPTION_STATE_OK);
    }
  }
  finish (c, r, len, *out_len);
}

/* Copies @in to @out and parses it there (unescaping in place). */
static GstLiveKitFrameError
copy_and_parse (GstLiveKitCodec codec, const guint8 * in, gsize len,
    gboolean key_frame, guint ring_size, guint8 * out,
    GstLiveKitEncryptedFrame * parsed)
{
  memcpy (out, in, len);
  return gst_livekit_frame_parse (codec, out, len, key_frame, ring_size,
      parsed);
}

/* Tries ratchet candidates [@from, @to) of @k's key set (ready ones).
 * Returns the step that decrypted the frame, or -1. */
static gint
try_ratchet_candidates (GstLiveKitCryptor * c, CachedKey * k, guint from,
    guint to, GstLiveKitCodec codec, const guint8 * in, gsize len,
    gboolean key_frame, guint ring_size, guint8 * out, gsize * out_len)
{
  for (guint step = from; step < to; step++) {
    GstLiveKitEncryptedFrame parsed;
    GstLiveKitAead *aead;
    GstLiveKitFrameError err;

    if (copy_and_parse (codec, in, len, key_frame, ring_size, out,
            &parsed) != GST_LIVEKIT_FRAME_OK)
      return -1;
    aead = gst_livekit_aead_new (k->key_set->candidates[step].next, FALSE);
    if (!aead)
      return -1;
    err = gst_livekit_frame_decrypt (aead, out, &parsed, out_len);
    gst_livekit_aead_free (aead);
    if (err == GST_LIVEKIT_FRAME_OK)
      return (gint) step;
  }
  return -1;
}

/* The key ratcheted away at @index while its grace lasts, with a cipher
 * context; NULL otherwise. Looked up once per keyring epoch. */
static GstLiveKitAead *
previous_key (GstLiveKitCryptor * c, guint index, CachedKey * k)
{
  if (!k->previous_looked_up) {
    k->previous_looked_up = TRUE;
    k->previous = gst_livekit_keyring_lookup_previous (c->keyring,
        c->identity, index, &k->previous_until);
    if (k->previous)
      k->previous_aead = gst_livekit_aead_new (k->previous->aes_key, FALSE);
  }
  if (!k->previous_aead || g_get_monotonic_time () >= k->previous_until)
    return NULL;
  return k->previous_aead;
}

static gboolean
try_previous_key (GstLiveKitCryptor * c, guint index, CachedKey * k,
    GstLiveKitCodec codec, const guint8 * in, gsize len, gboolean key_frame,
    guint ring_size, guint8 * out, gsize * out_len)
{
  GstLiveKitAead *aead = previous_key (c, index, k);
  GstLiveKitEncryptedFrame parsed;

  return aead && copy_and_parse (codec, in, len, key_frame, ring_size, out,
      &parsed) == GST_LIVEKIT_FRAME_OK
      && gst_livekit_frame_decrypt (aead, out, &parsed, out_len) ==
      GST_LIVEKIT_FRAME_OK;
}

static gboolean
key_index_given_up (GstLiveKitCryptor * c, guint index, CachedKey * k)
{
  gint tolerance = c->failure_tolerance;

  if (c->failures_key_set[index] != k->key_set->id) {
    c->failures_key_set[index] = k->key_set->id;
    c->failures[index] = 0;
  }
  return tolerance >= 0 && c->failures[index] > (guint) tolerance;
}

void
gst_livekit_cryptor_decrypt (GstLiveKitCryptor * c, GstLiveKitCodec codec,
    const guint8 * in, gsize len, gboolean key_frame, guint8 * out,
    gsize * out_len, GstLiveKitCryptResult * r)
{
  gst_livekit_cryptor_decrypt_full (c, codec, in, len, key_frame, FALSE, out,
      out_len, r);
}

void
gst_livekit_cryptor_decrypt_full (GstLiveKitCryptor * c,
    GstLiveKitCodec codec, const guint8 * in, gsize len, gboolean key_frame,
    gboolean may_hold, guint8 * out, gsize * out_len, GstLiveKitCryptResult * r)
{
  GstLiveKitEncryptedFrame parsed;
  GstLiveKitFrameError err;
  CachedKey *k;
  guint ring_size;
  gint step;
  guint window, ready, tried;

  memset (r, 0, sizeof *r);
  *out_len = 0;
  sync_keyring (c);
  ring_size = c->ring_size;

  if (len == 0) {
    r->outcome = GST_LIVEKIT_FRAME_OUTCOME_PASSTHROUGH;
    goto done;
  }

  /* Checked before the key index is read, as every SDK does (spec §9.1). */
  if (gst_livekit_sif_has_trailer (in, len, c->sif_trailer, c->sif_trailer_len)) {
    gsize payload_len = len - c->sif_trailer_len;
    if (gst_livekit_sif_is_known_payload (in, payload_len)) {
      memcpy (out, in, payload_len);
      *out_len = payload_len;
      r->outcome = GST_LIVEKIT_FRAME_OUTCOME_PASSTHROUGH;
    } else {
      drop (c, r, GST_LIVEKIT_DROP_REASON_UNKNOWN_SIF,
          GST_LIVEKIT_ENCRYPTION_STATE_DECRYPTION_FAILED);
    }
    goto done;
  }

  /* No whole-frame copy: the plaintext goes straight from @in to @out. */
  err = gst_livekit_frame_parse_copy (codec, in, len, key_frame, ring_size,
      out, &parsed);
  switch (err) {
    case GST_LIVEKIT_FRAME_OK:
      break;
    case GST_LIVEKIT_FRAME_ERROR_KEY_INDEX_OUT_OF_RANGE:
      r->key_index = in[len - 1];
      drop (c, r, GST_LIVEKIT_DROP_REASON_MISSING_KEY,
          GST_LIVEKIT_ENCRYPTION_STATE_MISSING_KEY);
      goto done;
    case GST_LIVEKIT_FRAME_ERROR_BAD_IV_LENGTH:
      drop (c, r, GST_LIVEKIT_DROP_REASON_BAD_IV_LENGTH,
          GST_LIVEKIT_ENCRYPTION_STATE_DECRYPTION_FAILED);
      goto done;
    default:
      drop (c, r, GST_LIVEKIT_DROP_REASON_TOO_SHORT,
          GST_LIVEKIT_ENCRYPTION_STATE_DECRYPTION_FAILED);
      goto done;
  }

  r->key_index = parsed.key_index;
  k = cached_key (c, parsed.key_index);
  if (!k) {
    drop (c, r, GST_LIVEKIT_DROP_REASON_MISSING_KEY,
        GST_LIVEKIT_ENCRYPTION_STATE_MISSING_KEY);
    goto done;
  }
  if (key_index_given_up (c, parsed.key_index, k)) {
    /* Silent, as in JS: the state was reported when it was given up. */
    r->outcome = GST_LIVEKIT_FRAME_OUTCOME_DROPPED;
    r->reason = GST_LIVEKIT_DROP_REASON_KEY_INVALID;
    goto done;
  }

  if (gst_livekit_frame_decrypt (k->aead, out, &parsed, out_len) ==
      GST_LIVEKIT_FRAME_OK) {
    c->failures[parsed.key_index] = 0;
    r->outcome = GST_LIVEKIT_FRAME_OUTCOME_DECRYPTED;
    r->recovered = is_failing (c);
    set_state (c, r, GST_LIVEKIT_ENCRYPTION_STATE_OK);
    goto done;
  }

  window = c->window;
  tried = 0;
  for (;;) {
    ready = MIN (window, gst_livekit_key_set_ready_candidates (k->key_set));
    step = try_ratchet_candidates (c, k, tried, ready, codec, in, len,
        key_frame, ring_size, out, out_len);
    if (step >= 0 || ready == tried)
      break;
    tried = ready;
  }
  if (step >= 0) {
    /* Commit only now that a frame proved the ratcheted key. */
    gst_livekit_keyring_commit_ratchet (c->keyring, c->identity,
        parsed.key_index, k->key_set, (guint) step);
    c->failures[parsed.key_index] = 0;
    r->outcome = GST_LIVEKIT_FRAME_OUTCOME_DECRYPTED;
    r->ratcheted = TRUE;
    r->recovered = is_failing (c);
    set_state (c, r, GST_LIVEKIT_ENCRYPTION_STATE_KEY_RATCHETED);
    set_state (c, r, GST_LIVEKIT_ENCRYPTION_STATE_OK);
    goto done;
  }

  if (try_previous_key (c, parsed.key_index, k, codec, in, len, key_frame,
          ring_size, out, out_len)) {
    c->failures[parsed.key_index] = 0;
    r->outcome = GST_LIVEKIT_FRAME_OUTCOME_DECRYPTED;
    r->recovered = is_failing (c);
    set_state (c, r, GST_LIVEKIT_ENCRYPTION_STATE_OK);
    goto done;
  }

  *out_len = 0;
  /* Steps not derived yet may open it: the worker derives them (never this
   * thread), and a caller that can wait holds the frame meanwhile (steps
   * that became ready since they were tried count as not tried yet). */
  if (tried < window && gst_livekit_keyring_request_ratchet (c->keyring,
          k->key_set, tried, codec, in, len, key_frame, ring_size)
      && may_hold) {
    r->outcome = GST_LIVEKIT_FRAME_OUTCOME_HELD;
    return;
  }
  /* Only authentication failures count against a key, as in LiveKit:
   * malformed frames returned above never reach here. */
  c->failures[parsed.key_index]++;
  /* The failure that gives the index up is said once (from then on its
   * frames are dropped untried). */
  r->key_given_up = c->failure_tolerance >= 0
      && c->failures[parsed.key_index] == (guint) c->failure_tolerance + 1;
  drop (c, r, GST_LIVEKIT_DROP_REASON_DECRYPT_FAILED,
      GST_LIVEKIT_ENCRYPTION_STATE_DECRYPTION_FAILED);

done:
  finish (c, r, len, *out_len);
}

/**
 * gst_livekit_cryptor_get_current_key_index:
 * @c: a #GstLiveKitCryptor
 *
 * The index last set or ratcheted in the ring this cryptor uses, as
 * gst_livekit_keyring_get_current_key_index(), without the keyring's lock
 * while nothing changed there. Streaming thread only, like the cryptor.
 *
 * Returns: the current key index
 */
guint
gst_livekit_cryptor_get_current_key_index (GstLiveKitCryptor * c)
{
  sync_keyring (c);
  return c->current_index;
}

gboolean
gst_livekit_cryptor_opens_now (GstLiveKitCryptor * c, GstLiveKitCodec codec,
    const guint8 * in, gsize len, gboolean key_frame)
{
  GstLiveKitEncryptedFrame parsed;
  guint8 *scratch;
  gsize out_len;
  CachedKey *k;
  gboolean opens = FALSE;

  if (len == 0)
    return FALSE;
  sync_keyring (c);
  scratch = g_malloc (len);
  if (gst_livekit_frame_parse_copy (codec, in, len, key_frame, c->ring_size,
          scratch, &parsed) == GST_LIVEKIT_FRAME_OK
      && (k = cached_key (c, parsed.key_index)))
    opens = gst_livekit_frame_decrypt (k->aead, scratch, &parsed, &out_len)
        == GST_LIVEKIT_FRAME_OK;
  g_free (scratch);
  return opens;
}

void
gst_livekit_cryptor_get_stats (GstLiveKitCryptor * c,
    GstLiveKitCryptorStats * stats)
{
  g_mutex_lock (&c->stats_lock);
  *stats = c->stats;
  g_mutex_unlock (&c->stats_lock);
}
