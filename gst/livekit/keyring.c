/**
 * SECTION:gstlivekitkeyring
 * @title: GstLiveKitKeyring
 * @short_description: LiveKit E2EE key provider shared by elements
 *
 * Holds the shared key ring and one key ring per participant identity, with
 * LiveKit's KeyProvider options (spec livekit-e2ee.md §3-§5). A participant
 * that has keys of its own uses only its own ring; everybody else uses the
 * shared ring.
 *
 * A key costs one key derivation, run when it is set, on the caller's
 * thread (PBKDF2 takes tens of milliseconds). Ratchet steps are derived
 * only when a frame fails to decrypt: the keyring's worker thread derives
 * them one at a time, trying each on that frame, and stops at the first
 * that decrypts it or after #GstLiveKitKeyring:ratchet-window-size steps.
 * Decryption on a streaming thread only ever tries keys that are ready;
 * livekitdecrypt holds the frames that wait for a step. A key ratcheted
 * away (by a ratchet or an auto-ratchet) still decrypts for one second
 * beside its successor, for the frames that were in flight.
 *
 * Key bytes live in libsodium guarded memory and are zeroed on release. No
 * property, signal or log line carries key bytes except the explicit export
 * and ratchet calls, which return them to the caller.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "keyring-private.h"
#include "exit-guard.h"
#include "livekit-init.h"
#include "ratchet-probe.h"
#include "livekit-enumtypes.h"

#include <string.h>
#include <sodium.h>
#include <openssl/crypto.h>

GST_DEBUG_CATEGORY_STATIC (gst_livekit_keyring_debug);
#define GST_CAT_DEFAULT gst_livekit_keyring_debug

/* How long a key ratcheted away keeps decrypting beside its successor:
 * frames in flight under it (another track of the same sender, say) still
 * arrive after the first frame under the new key. */
#define RATCHET_GRACE_US G_USEC_PER_SEC

typedef struct
{
  GstLiveKitKeySet *slots[GST_LIVEKIT_MAX_KEY_RING_SIZE];
  /* The key a ratchet replaced, usable until previous_until. */
  GstLiveKitKeySet *previous[GST_LIVEKIT_MAX_KEY_RING_SIZE];
  gint64 previous_until[GST_LIVEKIT_MAX_KEY_RING_SIZE];
  guint current;
} KeyRing;

struct _GstLiveKitKeyring
{
  GstObject parent;

  /* Serialises writers, which may run a KDF; the object lock is only held
   * for table reads and swaps, so streaming threads never wait on a KDF. */
  GMutex write_lock;

  /* Protected by the object lock. */
  KeyRing shared;
  GHashTable *rings;            /* identity -> KeyRing */
  gchar *salt;
  GstLiveKitKeyDerivation kdf;
  guint window;
  gint failure_tolerance;
  guint ring_size;

  guint epoch;                  /* atomic */

  GThreadPool *worker;
  GMutex pending_lock;
  GCond pending_cond;
  guint pending;                /* catch-up jobs queued or running */
  gint progress;                /* bumped on every derived step and job end */

  guint64 kdf_runs;             /* atomic */
  guint64 ratchet_steps;        /* atomic */
};

enum
{
  PROP_0,
  PROP_RATCHET_SALT,
  PROP_RATCHET_WINDOW_SIZE,
  PROP_FAILURE_TOLERANCE,
  PROP_KEY_RING_SIZE,
  PROP_KEY_DERIVATION,
  PROP_STATS,
};

enum
{
  SIGNAL_KEY_SET,
  SIGNAL_KEY_RATCHETED,
  SIGNAL_SET_SHARED_KEY,
  SIGNAL_SET_KEY,
  SIGNAL_EXPORT_SHARED_KEY,
  SIGNAL_EXPORT_KEY,
  SIGNAL_RATCHET_SHARED_KEY,
  SIGNAL_RATCHET_KEY,
  LAST_SIGNAL
};

static guint signals[LAST_SIGNAL];

G_DEFINE_TYPE_WITH_CODE (GstLiveKitKeyring, gst_livekit_keyring,
    GST_TYPE_OBJECT, GST_DEBUG_CATEGORY_INIT (gst_livekit_keyring_debug,
        "livekitkeyring", 0, "LiveKit E2EE keyring"));

G_DEFINE_QUARK (gst - livekit - keyring - error - quark,
    gst_livekit_keyring_error);

typedef struct
{
  GstLiveKitKeyring *keyring;
  GstLiveKitKeySet *key_set;
  gchar *salt;
  GstLiveKitRatchetProbe *probe;
} CatchUpJob;

static void
count_kdf_run (GstLiveKitKeyring * self)
{
  __atomic_fetch_add (&self->kdf_runs, 1, __ATOMIC_RELAXED);
}

static void
notify_progress (GstLiveKitKeyring * self)
{
  g_mutex_lock (&self->pending_lock);
  g_atomic_int_inc (&self->progress);
  g_cond_broadcast (&self->pending_cond);
  g_mutex_unlock (&self->pending_lock);
}

/* The worker: one step at a time, each tried on the frame that asked, until
 * one opens it, the window is full or the key set is replaced. */
static void
catch_up_run (gpointer data, gpointer user_data)
{
  CatchUpJob *job = data;
  GstLiveKitKeyring *self = job->keyring;
  GstLiveKitKeySet *ks = job->key_set;
  gsize salt_len = strlen (job->salt);

  while (gst_livekit_key_set_derive_step (ks, (const guint8 *) job->salt,
          salt_len)) {
    guint ready = gst_livekit_key_set_ready_candidates (ks);
    gboolean opens = FALSE;

    count_kdf_run (self);
    __atomic_fetch_add (&self->ratchet_steps, 1, __ATOMIC_RELAXED);
    notify_progress (self);
    /* AES is OpenSSL too: not during the process's exit either. */
    if (gst_livekit_exit_guard_enter ()) {
      opens = gst_livekit_ratchet_probe_opens (job->probe,
          ks->candidates[ready - 1].next);
      gst_livekit_exit_guard_leave ();
    }
    if (opens)
      break;
  }
  GST_DEBUG_OBJECT (self, "catch-up of key set %" G_GUINT64_FORMAT " done at "
      "%u step(s)", ks->id, gst_livekit_key_set_ready_candidates (ks));
  __atomic_store_n (&ks->deriving, 0, __ATOMIC_RELEASE);
  gst_livekit_key_set_unref (ks);
  gst_livekit_ratchet_probe_free (job->probe);
  g_free (job->salt);
  g_free (job);
  /* The thread is GLib's (a shared pool): it idles, or exits without
   * OpenSSL knowing. Give OpenSSL's per-thread state (error queue, ...)
   * back now rather than leave it to a thread nobody stops. */
  if (gst_livekit_exit_guard_enter ()) {
    OPENSSL_thread_stop ();
    gst_livekit_exit_guard_leave ();
  }

  g_mutex_lock (&self->pending_lock);
  g_atomic_int_inc (&self->progress);
  self->pending--;
  g_cond_broadcast (&self->pending_cond);
  g_mutex_unlock (&self->pending_lock);
}

gboolean
gst_livekit_keyring_request_ratchet (GstLiveKitKeyring * self,
    GstLiveKitKeySet * ks, guint tried, GstLiveKitCodec codec,
    const guint8 * frame, gsize len, gboolean key_frame, guint ring_size)
{
  guint ready = gst_livekit_key_set_ready_candidates (ks);
  CatchUpJob *job;
  gint idle = 0;

  /* A step published since the caller looked: worth another try. */
  if (ready > tried)
    return TRUE;
  if (ready >= ks->n_candidates
      || __atomic_load_n (&ks->cancelled, __ATOMIC_RELAXED))
    return FALSE;
  /* One job per key set: a running one goes on until its frame opens. */
  if (!__atomic_compare_exchange_n (&ks->deriving, &idle, 1, FALSE,
          __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
    return TRUE;
  job = g_new0 (CatchUpJob, 1);
  /* No reference: finalize cancels every key set and waits for the pool. */
  job->keyring = self;
  job->key_set = gst_livekit_key_set_ref (ks);
  GST_OBJECT_LOCK (self);
  job->salt = g_strdup (self->salt);
  GST_OBJECT_UNLOCK (self);
  job->probe = gst_livekit_ratchet_probe_new (codec, frame, len, key_frame,
      ring_size);
  g_mutex_lock (&self->pending_lock);
  self->pending++;
  g_mutex_unlock (&self->pending_lock);
  g_thread_pool_push (self->worker, job, NULL);
  return TRUE;
}

guint
gst_livekit_keyring_get_ratchet_progress (GstLiveKitKeyring * self)
{
  /* Written under pending_lock, read without it: one load per frame. */
  return (guint) g_atomic_int_get (&self->progress);
}

gboolean
gst_livekit_keyring_wait_ratchet_progress (GstLiveKitKeyring * self,
    guint seen, gint64 end_time)
{
  gboolean moved;

  g_mutex_lock (&self->pending_lock);
  while ((guint) self->progress == seen
      && g_cond_wait_until (&self->pending_cond, &self->pending_lock,
          end_time));
  moved = (guint) self->progress != seen;
  g_mutex_unlock (&self->pending_lock);
  return moved;
}

static void
release_slot (GstLiveKitKeySet ** slot)
{
  if (*slot) {
    __atomic_store_n (&(*slot)->cancelled, 1, __ATOMIC_RELAXED);
    gst_livekit_key_set_unref (*slot);
    *slot = NULL;
  }
}

static void
release_previous (KeyRing * ring, guint slot)
{
  release_slot (&ring->previous[slot]);
  ring->previous_until[slot] = 0;
}

static void
release_ring_slot (KeyRing * ring, guint slot)
{
  release_slot (&ring->slots[slot]);
  release_previous (ring, slot);
}

static void
key_ring_free (gpointer data)
{
  KeyRing *ring = data;
  for (guint i = 0; i < GST_LIVEKIT_MAX_KEY_RING_SIZE; i++)
    release_ring_slot (ring, i);
  g_free (ring);
}

/* Call with the object lock held. A ratchet keeps the key it replaces for
 * the grace period; anything else (a key the application sets) ends it. */
static void
replace_slot (KeyRing * ring, guint slot, GstLiveKitKeySet * ks,
    gboolean ratchet)
{
  release_previous (ring, slot);
  if (ratchet && ring->slots[slot]) {
    __atomic_store_n (&ring->slots[slot]->cancelled, 1, __ATOMIC_RELAXED);
    ring->previous[slot] = ring->slots[slot];
    ring->previous_until[slot] = g_get_monotonic_time () + RATCHET_GRACE_US;
  } else {
    release_slot (&ring->slots[slot]);
  }
  ring->slots[slot] = ks;
}

static void
bump_epoch (GstLiveKitKeyring * self)
{
  g_atomic_int_inc (&self->epoch);
}

/* Call with the object lock held. */
static KeyRing *
find_ring (GstLiveKitKeyring * self, const gchar * identity, gboolean create)
{
  KeyRing *ring;

  if (!identity)
    return &self->shared;
  ring = g_hash_table_lookup (self->rings, identity);
  if (!ring && create) {
    ring = g_new0 (KeyRing, 1);
    g_hash_table_insert (self->rings, g_strdup (identity), ring);
  }
  return ring;
}

/* Call with the object lock held. Identities with a ring of their own use
 * only it (fail closed: no fallback to the shared ring). */
static KeyRing *
ring_for (GstLiveKitKeyring * self, const gchar * identity)
{
  KeyRing *ring = identity ? find_ring (self, identity, FALSE) : NULL;
  return ring ? ring : &self->shared;
}

static void
install_key_set (GstLiveKitKeyring * self, const gchar * identity,
    guint slot, GstLiveKitKeySet * ks, gboolean ratchet)
{
  KeyRing *ring;

  GST_OBJECT_LOCK (self);
  ring = find_ring (self, identity, TRUE);
  replace_slot (ring, slot, ks, ratchet);
  ring->current = slot;
  bump_epoch (self);
  GST_OBJECT_UNLOCK (self);
}

/**
 * gst_livekit_keyring_set_key:
 * @keyring: a #GstLiveKitKeyring
 * @identity: (nullable): participant identity; %NULL for the shared ring
 * @material: (array length=material_len): key material (e.g. UTF-8 of a
 *   passphrase, like a JS string key)
 * @material_len: length of @material
 * @key_index: key index; stored in slot @key_index mod key-ring-size, which
 *   becomes the ring's current index
 * @error: return location for a #GError
 *
 * Derives the key on the calling thread (PBKDF2: tens of milliseconds), and
 * nothing more: ratchet steps are derived when a frame needs them. Ends the
 * grace period of a key ratcheted away at this index.
 *
 * Returns: %TRUE on success
 */
gboolean
gst_livekit_keyring_set_key (GstLiveKitKeyring * keyring,
    const gchar * identity, const guint8 * material, gsize material_len,
    guint key_index, GError ** error)
{
  GstLiveKitKeySet *ks;
  gchar *salt;
  GstLiveKitKeyDerivation kdf;
  guint window, slot;

  g_return_val_if_fail (GST_IS_LIVEKIT_KEYRING (keyring), FALSE);

  if (!material || material_len == 0) {
    g_set_error (error, GST_LIVEKIT_KEYRING_ERROR,
        GST_LIVEKIT_KEYRING_ERROR_EMPTY_KEY, "key material is empty");
    return FALSE;
  }

  g_mutex_lock (&keyring->write_lock);
  GST_OBJECT_LOCK (keyring);
  salt = g_strdup (keyring->salt);
  kdf = keyring->kdf;
  window = keyring->window;
  /* Like JS and native: index i lands in slot i mod ring size. */
  slot = key_index % keyring->ring_size;
  GST_OBJECT_UNLOCK (keyring);

  ks = gst_livekit_key_set_new (kdf, material, material_len,
      (const guint8 *) salt, strlen (salt), window, 0);
  g_free (salt);
  count_kdf_run (keyring);
  if (!ks) {
    g_mutex_unlock (&keyring->write_lock);
    g_set_error (error, GST_LIVEKIT_KEYRING_ERROR,
        GST_LIVEKIT_KEYRING_ERROR_DERIVATION, "key derivation failed");
    return FALSE;
  }
  install_key_set (keyring, identity, slot, ks, FALSE);
  g_mutex_unlock (&keyring->write_lock);

  GST_INFO_OBJECT (keyring, "key set for %s at index %u",
      identity ? identity : "(shared)", slot);
  g_signal_emit (keyring, signals[SIGNAL_KEY_SET], 0, identity, slot);
  return TRUE;
}

/**
 * gst_livekit_keyring_set_shared_key:
 * @keyring: a #GstLiveKitKeyring
 * @material: (array length=material_len): key material
 * @material_len: length of @material
 * @key_index: key index
 * @error: return location for a #GError
 *
 * Like gst_livekit_keyring_set_key() for the shared ring.
 *
 * Returns: %TRUE on success
 */
gboolean
gst_livekit_keyring_set_shared_key (GstLiveKitKeyring * keyring,
    const guint8 * material, gsize material_len, guint key_index,
    GError ** error)
{
  return gst_livekit_keyring_set_key (keyring, NULL, material, material_len,
      key_index, error);
}

typedef struct
{
  guint8 *data;
  gsize len;
} Secret;

static void
secret_free (gpointer data)
{
  Secret *secret = data;
  sodium_memzero (secret->data, secret->len);
  g_free (secret->data);
  g_free (secret);
}

/* GBytes whose memory is zeroed when the last reference goes. */
static GBytes *
secret_bytes_new (const guint8 * data, gsize len)
{
  Secret *secret = g_new (Secret, 1);
  secret->data = g_memdup2 (data, len);
  secret->len = len;
  return g_bytes_new_with_free_func (secret->data, len, secret_free, secret);
}

/**
 * gst_livekit_keyring_export_key:
 * @keyring: a #GstLiveKitKeyring
 * @identity: (nullable): participant identity; %NULL for the shared ring
 * @key_index: key index
 *
 * Returns: (transfer full) (nullable): the key material of the slot (as set,
 *   or the chain key after ratchets), never the derived AES key
 */
GBytes *
gst_livekit_keyring_export_key (GstLiveKitKeyring * keyring,
    const gchar * identity, guint key_index)
{
  GBytes *bytes = NULL;
  KeyRing *ring;
  GstLiveKitKeySet *ks;

  g_return_val_if_fail (GST_IS_LIVEKIT_KEYRING (keyring), NULL);

  GST_OBJECT_LOCK (keyring);
  ring = find_ring (keyring, identity, FALSE);
  ks = ring ? ring->slots[key_index % keyring->ring_size] : NULL;
  /* The material (as set, or the chain key after ratchets), never the AES
   * key: spec §3.2. */
  if (ks)
    bytes = secret_bytes_new (ks->material, ks->material_len);
  GST_OBJECT_UNLOCK (keyring);
  return bytes;
}

/**
 * gst_livekit_keyring_export_shared_key:
 * @keyring: a #GstLiveKitKeyring
 * @key_index: key index
 *
 * Returns: (transfer full) (nullable): the shared ring's key material
 */
GBytes *
gst_livekit_keyring_export_shared_key (GstLiveKitKeyring * keyring,
    guint key_index)
{
  return gst_livekit_keyring_export_key (keyring, NULL, key_index);
}

/**
 * gst_livekit_keyring_ratchet_key:
 * @keyring: a #GstLiveKitKeyring
 * @identity: (nullable): participant identity; %NULL for the shared ring
 * @key_index: key index
 * @error: return location for a #GError
 *
 * Ratchets the slot one step and makes it the ring's current index.
 *
 * Returns: (transfer full) (nullable): the new key material (32 bytes)
 */
GBytes *
gst_livekit_keyring_ratchet_key (GstLiveKitKeyring * keyring,
    const gchar * identity, guint key_index, GError ** error)
{
  GstLiveKitKeySet *old = NULL, *ks;
  KeyRing *ring;
  gchar *salt;
  guint slot, window;
  GBytes *material;

  g_return_val_if_fail (GST_IS_LIVEKIT_KEYRING (keyring), NULL);

  g_mutex_lock (&keyring->write_lock);
  GST_OBJECT_LOCK (keyring);
  slot = key_index % keyring->ring_size;
  ring = find_ring (keyring, identity, FALSE);
  if (ring && ring->slots[slot])
    old = gst_livekit_key_set_ref (ring->slots[slot]);
  salt = g_strdup (keyring->salt);
  window = keyring->window;
  GST_OBJECT_UNLOCK (keyring);

  if (!old) {
    g_mutex_unlock (&keyring->write_lock);
    g_free (salt);
    g_set_error (error, GST_LIVEKIT_KEYRING_ERROR,
        GST_LIVEKIT_KEYRING_ERROR_NO_KEY, "no key for %s at index %u",
        identity ? identity : "the shared ring", slot);
    return NULL;
  }

  /* Reuse the step when the worker has derived it. */
  if (gst_livekit_key_set_ready_candidates (old) > 0) {
    ks = gst_livekit_key_set_new_from_candidate (old, 0, window);
  } else {
    ks = gst_livekit_key_set_new (old->kdf, old->next_material,
        GST_LIVEKIT_RATCHET_SIZE, (const guint8 *) salt, strlen (salt), window,
        old->ratchet_count + 1);
    count_kdf_run (keyring);
  }
  g_free (salt);
  gst_livekit_key_set_unref (old);
  if (!ks) {
    g_mutex_unlock (&keyring->write_lock);
    g_set_error (error, GST_LIVEKIT_KEYRING_ERROR,
        GST_LIVEKIT_KEYRING_ERROR_DERIVATION, "key derivation failed");
    return NULL;
  }
  material = secret_bytes_new (ks->material, ks->material_len);
  install_key_set (keyring, identity, slot, ks, TRUE);
  g_mutex_unlock (&keyring->write_lock);

  GST_INFO_OBJECT (keyring, "ratcheted %s at index %u",
      identity ? identity : "(shared)", slot);
  g_signal_emit (keyring, signals[SIGNAL_KEY_RATCHETED], 0, identity, slot);
  return material;
}

/**
 * gst_livekit_keyring_ratchet_shared_key:
 * @keyring: a #GstLiveKitKeyring
 * @key_index: key index
 * @error: return location for a #GError
 *
 * Returns: (transfer full) (nullable): the new key material (32 bytes)
 */
GBytes *
gst_livekit_keyring_ratchet_shared_key (GstLiveKitKeyring * keyring,
    guint key_index, GError ** error)
{
  return gst_livekit_keyring_ratchet_key (keyring, NULL, key_index, error);
}

/**
 * gst_livekit_keyring_get_current_key_index:
 * @keyring: a #GstLiveKitKeyring
 * @identity: (nullable): participant identity; %NULL for the shared ring
 *
 * Returns: the index last set or ratcheted in the ring @identity uses
 */
gint
gst_livekit_keyring_get_current_key_index (GstLiveKitKeyring * keyring,
    const gchar * identity)
{
  gint index;

  g_return_val_if_fail (GST_IS_LIVEKIT_KEYRING (keyring), 0);
  GST_OBJECT_LOCK (keyring);
  index = (gint) ring_for (keyring, identity)->current;
  GST_OBJECT_UNLOCK (keyring);
  return index;
}

/**
 * gst_livekit_keyring_has_key:
 * @keyring: a #GstLiveKitKeyring
 * @identity: (nullable): participant identity; %NULL for the shared ring
 * @key_index: key index
 *
 * Returns: whether a key is set where @identity's frames would look
 */
gboolean
gst_livekit_keyring_has_key (GstLiveKitKeyring * keyring,
    const gchar * identity, guint key_index)
{
  GstLiveKitKeySet *ks = gst_livekit_keyring_lookup (keyring, identity,
      key_index);
  gst_livekit_key_set_unref (ks);
  return ks != NULL;
}

/**
 * gst_livekit_keyring_decrypt_data:
 * @keyring: a #GstLiveKitKeyring
 * @identity: (nullable): the sender; %NULL for the shared ring
 * @key_index: key index from the EncryptedPacket
 * @iv: the packet's 12-byte IV
 * @ciphertext: ciphertext || tag
 *
 * Returns: (transfer full) (nullable): the plaintext
 */
GBytes *
gst_livekit_keyring_decrypt_data (GstLiveKitKeyring * keyring,
    const gchar * identity, guint key_index, GBytes * iv, GBytes * ciphertext)
{
  GstLiveKitKeySet *ks;
  GstLiveKitAead *aead;
  gsize iv_len, len;
  const guint8 *iv_data = g_bytes_get_data (iv, &iv_len);
  const guint8 *data = g_bytes_get_data (ciphertext, &len);
  guint8 *plain;
  GBytes *out = NULL;

  g_return_val_if_fail (GST_IS_LIVEKIT_KEYRING (keyring), NULL);
  if (iv_len != 12 || len < 16)
    return NULL;
  ks = gst_livekit_keyring_lookup (keyring, identity, key_index);
  if (!ks)
    return NULL;
  aead = gst_livekit_aead_new (ks->aes_key, FALSE);
  plain = g_malloc (len - 16 + 1);
  if (aead && gst_livekit_aead_open (aead, iv_data, NULL, 0, data, len, plain))
    out = g_bytes_new_take (plain, len - 16);
  else
    g_free (plain);
  gst_livekit_aead_free (aead);
  gst_livekit_key_set_unref (ks);
  return out;
}

/**
 * gst_livekit_keyring_encrypt_data:
 * @keyring: a #GstLiveKitKeyring
 * @identity: (nullable): the local participant; %NULL for the shared ring
 * @plaintext: a serialized EncryptedPacketPayload
 * @key_index: (out): the key index used
 * @iv: (out) (transfer full): the 12-byte IV used
 *
 * The IV is 12 random bytes (libsodium's CSPRNG) rather than LiveKit's
 * random | time | time - counter: receivers take the IV from the packet
 * and never check its structure, and 96 random bits cannot repeat under
 * one key in practice even when every participant shares that key.
 *
 * Returns: (transfer full) (nullable): ciphertext || tag
 */
GBytes *
gst_livekit_keyring_encrypt_data (GstLiveKitKeyring * keyring,
    const gchar * identity, GBytes * plaintext, guint * key_index, GBytes ** iv)
{
  GstLiveKitKeySet *ks;
  GstLiveKitAead *aead;
  gsize len;
  const guint8 *data = g_bytes_get_data (plaintext, &len);
  guint8 nonce[12], *sealed;
  GBytes *out = NULL;
  guint index;

  g_return_val_if_fail (GST_IS_LIVEKIT_KEYRING (keyring), NULL);
  index = (guint) gst_livekit_keyring_get_current_key_index (keyring, identity);
  ks = gst_livekit_keyring_lookup (keyring, identity, index);
  if (!ks)
    return NULL;
  randombytes_buf (nonce, sizeof nonce);
  aead = gst_livekit_aead_new (ks->aes_key, TRUE);
  sealed = g_malloc (len + 16);
  if (aead && gst_livekit_aead_seal (aead, nonce, NULL, 0, data, len, sealed)) {
    out = g_bytes_new_take (sealed, len + 16);
    *key_index = index;
    *iv = g_bytes_new (nonce, sizeof nonce);
  } else {
    g_free (sealed);
  }
  gst_livekit_aead_free (aead);
  gst_livekit_key_set_unref (ks);
  return out;
}

void
gst_livekit_keyring_clear (GstLiveKitKeyring * keyring)
{
  g_return_if_fail (GST_IS_LIVEKIT_KEYRING (keyring));
  g_mutex_lock (&keyring->write_lock);
  GST_OBJECT_LOCK (keyring);
  for (guint i = 0; i < GST_LIVEKIT_MAX_KEY_RING_SIZE; i++)
    release_ring_slot (&keyring->shared, i);
  keyring->shared.current = 0;
  g_hash_table_remove_all (keyring->rings);
  bump_epoch (keyring);
  GST_OBJECT_UNLOCK (keyring);
  g_mutex_unlock (&keyring->write_lock);
}

guint
gst_livekit_keyring_get_epoch (GstLiveKitKeyring * keyring)
{
  return (guint) g_atomic_int_get (&keyring->epoch);
}

GstLiveKitKeySet *
gst_livekit_keyring_lookup (GstLiveKitKeyring * keyring,
    const gchar * identity, guint key_index)
{
  GstLiveKitKeySet *ks = NULL;

  GST_OBJECT_LOCK (keyring);
  if (key_index < keyring->ring_size) {
    ks = ring_for (keyring, identity)->slots[key_index];
    if (ks)
      gst_livekit_key_set_ref (ks);
  }
  GST_OBJECT_UNLOCK (keyring);
  return ks;
}

void
gst_livekit_keyring_snapshot (GstLiveKitKeyring * keyring,
    const gchar * identity, GstLiveKitKeyringSnapshot * snap)
{
  KeyRing *ring;

  GST_OBJECT_LOCK (keyring);
  /* Read under the lock, which every bump holds (but rederive_all's, which
   * comes after its slots changed): the state read is never older. */
  snap->epoch = gst_livekit_keyring_get_epoch (keyring);
  snap->ring_size = keyring->ring_size;
  snap->window = keyring->window;
  snap->failure_tolerance = keyring->failure_tolerance;
  ring = ring_for (keyring, identity);
  snap->current_index = ring->current;
  for (guint i = 0; i < GST_LIVEKIT_MAX_KEY_RING_SIZE; i++)
    snap->key_sets[i] = i < keyring->ring_size && ring->slots[i] ?
        gst_livekit_key_set_ref (ring->slots[i]) : NULL;
  GST_OBJECT_UNLOCK (keyring);
}

GstLiveKitKeySet *
gst_livekit_keyring_lookup_previous (GstLiveKitKeyring * keyring,
    const gchar * identity, guint key_index, gint64 * until)
{
  GstLiveKitKeySet *ks = NULL;
  KeyRing *ring;

  GST_OBJECT_LOCK (keyring);
  ring = ring_for (keyring, identity);
  if (key_index < keyring->ring_size && ring->previous[key_index]) {
    if (ring->previous_until[key_index] > g_get_monotonic_time ()) {
      ks = gst_livekit_key_set_ref (ring->previous[key_index]);
      *until = ring->previous_until[key_index];
    } else {
      release_previous (ring, key_index);
    }
  }
  GST_OBJECT_UNLOCK (keyring);
  return ks;
}

gboolean
gst_livekit_keyring_commit_ratchet (GstLiveKitKeyring * keyring,
    const gchar * identity, guint key_index, GstLiveKitKeySet * expected,
    guint step)
{
  GstLiveKitKeySet *ks;
  KeyRing *ring;
  gboolean committed = FALSE;
  gchar *ring_identity = NULL;

  ks = gst_livekit_key_set_new_from_candidate (expected, step,
      expected->n_candidates);
  if (!ks)
    return FALSE;

  GST_OBJECT_LOCK (keyring);
  ring = ring_for (keyring, identity);
  if (key_index < keyring->ring_size && ring->slots[key_index] == expected) {
    replace_slot (ring, key_index, ks, TRUE);
    ring->current = key_index;
    bump_epoch (keyring);
    committed = TRUE;
    if (ring != &keyring->shared)
      ring_identity = g_strdup (identity);
  }
  GST_OBJECT_UNLOCK (keyring);

  if (!committed) {
    /* Someone set or ratcheted the slot meanwhile: theirs wins. */
    gst_livekit_key_set_unref (ks);
    return FALSE;
  }
  GST_INFO_OBJECT (keyring, "auto-ratcheted %s at index %u by %u step(s)",
      ring_identity ? ring_identity : "(shared)", key_index, step + 1);
  g_signal_emit (keyring, signals[SIGNAL_KEY_RATCHETED], 0, ring_identity,
      key_index);
  g_free (ring_identity);
  return TRUE;
}

void
gst_livekit_keyring_wait_precomputed (GstLiveKitKeyring * keyring)
{
  g_mutex_lock (&keyring->pending_lock);
  while (keyring->pending > 0)
    g_cond_wait (&keyring->pending_cond, &keyring->pending_lock);
  g_mutex_unlock (&keyring->pending_lock);
}

guint
gst_livekit_keyring_get_key_ring_size (GstLiveKitKeyring * keyring)
{
  guint v;
  GST_OBJECT_LOCK (keyring);
  v = keyring->ring_size;
  GST_OBJECT_UNLOCK (keyring);
  return v;
}

guint
gst_livekit_keyring_get_ratchet_window_size (GstLiveKitKeyring * keyring)
{
  guint v;
  GST_OBJECT_LOCK (keyring);
  v = keyring->window;
  GST_OBJECT_UNLOCK (keyring);
  return v;
}

gint
gst_livekit_keyring_get_failure_tolerance (GstLiveKitKeyring * keyring)
{
  gint v;
  GST_OBJECT_LOCK (keyring);
  v = keyring->failure_tolerance;
  GST_OBJECT_UNLOCK (keyring);
  return v;
}

/* Salt, KDF and window change every derived key: re-derive every slot from
 * its material on the caller's thread, then swap. Call with write_lock. */
static void
rederive_all (GstLiveKitKeyring * self)
{
  GPtrArray *rings = g_ptr_array_new ();
  GHashTableIter iter;
  gpointer value;
  gchar *salt;
  GstLiveKitKeyDerivation kdf;
  guint window;

  GST_OBJECT_LOCK (self);
  g_ptr_array_add (rings, &self->shared);
  g_hash_table_iter_init (&iter, self->rings);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    g_ptr_array_add (rings, value);
  salt = g_strdup (self->salt);
  kdf = self->kdf;
  window = self->window;
  GST_OBJECT_UNLOCK (self);

  /* Rings are only freed by writers, and we are the writer. */
  for (guint r = 0; r < rings->len; r++) {
    KeyRing *ring = g_ptr_array_index (rings, r);
    for (guint i = 0; i < GST_LIVEKIT_MAX_KEY_RING_SIZE; i++) {
      GstLiveKitKeySet *old = ring->slots[i], *ks;
      if (!old)
        continue;
      ks = gst_livekit_key_set_new (kdf, old->material, old->material_len,
          (const guint8 *) salt, strlen (salt), window, old->ratchet_count);
      count_kdf_run (self);
      GST_OBJECT_LOCK (self);
      release_ring_slot (ring, i);
      ring->slots[i] = ks;
      GST_OBJECT_UNLOCK (self);
    }
  }
  bump_epoch (self);
  g_free (salt);
  g_ptr_array_unref (rings);
}

static void
gst_livekit_keyring_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstLiveKitKeyring *self = GST_LIVEKIT_KEYRING (object);
  gboolean rederive = FALSE;

  g_mutex_lock (&self->write_lock);
  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_RATCHET_SALT:{
      const gchar *salt = g_value_get_string (value);
      if (!salt)
        salt = GST_LIVEKIT_DEFAULT_RATCHET_SALT;
      rederive = g_strcmp0 (salt, self->salt) != 0;
      g_free (self->salt);
      self->salt = g_strdup (salt);
      break;
    }
    case PROP_RATCHET_WINDOW_SIZE:
      rederive = self->window != g_value_get_uint (value);
      self->window = g_value_get_uint (value);
      break;
    case PROP_FAILURE_TOLERANCE:
      self->failure_tolerance = g_value_get_int (value);
      bump_epoch (self);
      break;
    case PROP_KEY_RING_SIZE:{
      guint size = g_value_get_uint (value);
      GHashTableIter iter;
      gpointer ring;
      /* Slots beyond the new size go; frames using them become MISSING_KEY. */
      for (guint i = size; i < GST_LIVEKIT_MAX_KEY_RING_SIZE; i++)
        release_ring_slot (&self->shared, i);
      g_hash_table_iter_init (&iter, self->rings);
      while (g_hash_table_iter_next (&iter, NULL, &ring))
        for (guint i = size; i < GST_LIVEKIT_MAX_KEY_RING_SIZE; i++)
          release_ring_slot (ring, i);
      self->ring_size = size;
      bump_epoch (self);
      break;
    }
    case PROP_KEY_DERIVATION:
      rederive =
          self->kdf != (GstLiveKitKeyDerivation) g_value_get_enum (value);
      self->kdf = g_value_get_enum (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
  if (rederive)
    rederive_all (self);
  g_mutex_unlock (&self->write_lock);
}

static void
gst_livekit_keyring_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec)
{
  GstLiveKitKeyring *self = GST_LIVEKIT_KEYRING (object);

  if (prop_id == PROP_STATS) {
    g_value_take_boxed (value,
        gst_structure_new ("application/x-livekit-keyring-stats", "kdf-runs",
            G_TYPE_UINT64, __atomic_load_n (&self->kdf_runs, __ATOMIC_RELAXED),
            "ratchet-steps-derived", G_TYPE_UINT64,
            __atomic_load_n (&self->ratchet_steps, __ATOMIC_RELAXED), NULL));
    return;
  }
  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_RATCHET_SALT:
      g_value_set_string (value, self->salt);
      break;
    case PROP_RATCHET_WINDOW_SIZE:
      g_value_set_uint (value, self->window);
      break;
    case PROP_FAILURE_TOLERANCE:
      g_value_set_int (value, self->failure_tolerance);
      break;
    case PROP_KEY_RING_SIZE:
      g_value_set_uint (value, self->ring_size);
      break;
    case PROP_KEY_DERIVATION:
      g_value_set_enum (value, self->kdf);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static gboolean
action_set_key (GstLiveKitKeyring * self, const gchar * identity,
    GBytes * material, guint key_index)
{
  gsize len = 0;
  const guint8 *data = material ? g_bytes_get_data (material, &len) : NULL;
  GError *error = NULL;
  gboolean ok = gst_livekit_keyring_set_key (self, identity, data, len,
      key_index, &error);
  if (!ok) {
    GST_WARNING_OBJECT (self, "set-key: %s", error->message);
    g_clear_error (&error);
  }
  return ok;
}

static gboolean
action_set_shared_key (GstLiveKitKeyring * self, GBytes * material,
    guint key_index)
{
  return action_set_key (self, NULL, material, key_index);
}

static GBytes *
action_ratchet_key (GstLiveKitKeyring * self, const gchar * identity,
    guint key_index)
{
  GError *error = NULL;
  GBytes *material = gst_livekit_keyring_ratchet_key (self, identity,
      key_index, &error);
  if (!material) {
    GST_WARNING_OBJECT (self, "ratchet-key: %s", error->message);
    g_clear_error (&error);
  }
  return material;
}

static GBytes *
action_ratchet_shared_key (GstLiveKitKeyring * self, guint key_index)
{
  return action_ratchet_key (self, NULL, key_index);
}

static void
gst_livekit_keyring_finalize (GObject * object)
{
  GstLiveKitKeyring *self = GST_LIVEKIT_KEYRING (object);

  /* Cancel first so queued jobs return at once, then wait for them. */
  for (guint i = 0; i < GST_LIVEKIT_MAX_KEY_RING_SIZE; i++)
    release_ring_slot (&self->shared, i);
  g_hash_table_unref (self->rings);
  g_thread_pool_free (self->worker, FALSE, TRUE);
  g_free (self->salt);
  g_mutex_clear (&self->write_lock);
  g_mutex_clear (&self->pending_lock);
  g_cond_clear (&self->pending_cond);
  G_OBJECT_CLASS (gst_livekit_keyring_parent_class)->finalize (object);
}

static void
gst_livekit_keyring_init (GstLiveKitKeyring * self)
{
  g_mutex_init (&self->write_lock);
  g_mutex_init (&self->pending_lock);
  g_cond_init (&self->pending_cond);
  self->rings = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
      key_ring_free);
  self->salt = g_strdup (GST_LIVEKIT_DEFAULT_RATCHET_SALT);
  self->kdf = GST_LIVEKIT_KEY_DERIVATION_PBKDF2;
  self->window = GST_LIVEKIT_DEFAULT_RATCHET_WINDOW_SIZE;
  self->failure_tolerance = GST_LIVEKIT_DEFAULT_FAILURE_TOLERANCE;
  self->ring_size = GST_LIVEKIT_DEFAULT_KEY_RING_SIZE;
  /* One thread: ratchet catch-up is background work, not a race. */
  self->worker = g_thread_pool_new (catch_up_run, NULL, 1, FALSE, NULL);
}

static void
gst_livekit_keyring_class_init (GstLiveKitKeyringClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GParamFlags rw = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
      GST_PARAM_MUTABLE_PLAYING;

  gst_livekit_init ();

  gobject_class->set_property = gst_livekit_keyring_set_property;
  gobject_class->get_property = gst_livekit_keyring_get_property;
  gobject_class->finalize = gst_livekit_keyring_finalize;

  g_object_class_install_property (gobject_class, PROP_RATCHET_SALT,
      g_param_spec_string ("ratchet-salt", "Ratchet salt",
          "Salt of key derivation and ratcheting (UTF-8); changing it "
          "re-derives every key", GST_LIVEKIT_DEFAULT_RATCHET_SALT, rw));
  g_object_class_install_property (gobject_class, PROP_RATCHET_WINDOW_SIZE,
      g_param_spec_uint ("ratchet-window-size", "Ratchet window size",
          "Ratchet steps tried (derived in the background, one at a time, "
          "when a frame fails to decrypt); 0 disables auto-ratchet", 0,
          GST_LIVEKIT_MAX_RATCHET_WINDOW_SIZE,
          GST_LIVEKIT_DEFAULT_RATCHET_WINDOW_SIZE, rw));
  g_object_class_install_property (gobject_class, PROP_FAILURE_TOLERANCE,
      g_param_spec_int ("failure-tolerance", "Failure tolerance",
          "Consecutive failures of a key index before it is marked invalid "
          "and its frames are dropped untried; -1 never marks keys invalid", -1,
          G_MAXINT, GST_LIVEKIT_DEFAULT_FAILURE_TOLERANCE, rw));
  g_object_class_install_property (gobject_class, PROP_KEY_RING_SIZE,
      g_param_spec_uint ("key-ring-size", "Key ring size",
          "Slots per key ring; key index i is stored in slot i mod size", 1,
          GST_LIVEKIT_MAX_KEY_RING_SIZE, GST_LIVEKIT_DEFAULT_KEY_RING_SIZE,
          rw));
  g_object_class_install_property (gobject_class, PROP_KEY_DERIVATION,
      g_param_spec_enum ("key-derivation", "Key derivation",
          "Key derivation function (PBKDF2 for every SDK; HKDF for JS "
          "ArrayBuffer keys and 2026 native SDKs)",
          GST_TYPE_LIVEKIT_KEY_DERIVATION, GST_LIVEKIT_KEY_DERIVATION_PBKDF2,
          rw));
  g_object_class_install_property (gobject_class, PROP_STATS,
      g_param_spec_boxed ("stats", "Statistics",
          "Key derivations run for this keyring (kdf-runs) and how many of "
          "them were ratchet steps derived in the background "
          "(ratchet-steps-derived)", GST_TYPE_STRUCTURE,
          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

  /**
   * GstLiveKitKeyring::key-set:
   * @identity: (nullable): participant identity, NULL for the shared ring
   * @key_index: the slot that changed
   */
  signals[SIGNAL_KEY_SET] = g_signal_new ("key-set",
      G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
      G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_UINT);
  /**
   * GstLiveKitKeyring::key-ratcheted:
   * @identity: (nullable): participant identity, NULL for the shared ring
   * @key_index: the slot that was ratcheted (manually or automatically)
   */
  signals[SIGNAL_KEY_RATCHETED] = g_signal_new ("key-ratcheted",
      G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
      G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_UINT);

  /* Action signals: the C API for any language binding. */
  signals[SIGNAL_SET_SHARED_KEY] = g_signal_new_class_handler ("set-shared-key",
      G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST | G_SIGNAL_ACTION,
      G_CALLBACK (action_set_shared_key), NULL, NULL, NULL, G_TYPE_BOOLEAN, 2,
      G_TYPE_BYTES, G_TYPE_UINT);
  signals[SIGNAL_SET_KEY] = g_signal_new_class_handler ("set-key",
      G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST | G_SIGNAL_ACTION,
      G_CALLBACK (action_set_key), NULL, NULL, NULL, G_TYPE_BOOLEAN, 3,
      G_TYPE_STRING, G_TYPE_BYTES, G_TYPE_UINT);
  signals[SIGNAL_EXPORT_SHARED_KEY] =
      g_signal_new_class_handler ("export-shared-key",
      G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST | G_SIGNAL_ACTION,
      G_CALLBACK (gst_livekit_keyring_export_shared_key), NULL, NULL, NULL,
      G_TYPE_BYTES, 1, G_TYPE_UINT);
  signals[SIGNAL_EXPORT_KEY] = g_signal_new_class_handler ("export-key",
      G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST | G_SIGNAL_ACTION,
      G_CALLBACK (gst_livekit_keyring_export_key), NULL, NULL, NULL,
      G_TYPE_BYTES, 2, G_TYPE_STRING, G_TYPE_UINT);
  signals[SIGNAL_RATCHET_SHARED_KEY] =
      g_signal_new_class_handler ("ratchet-shared-key",
      G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST | G_SIGNAL_ACTION,
      G_CALLBACK (action_ratchet_shared_key), NULL, NULL, NULL, G_TYPE_BYTES,
      1, G_TYPE_UINT);
  signals[SIGNAL_RATCHET_KEY] = g_signal_new_class_handler ("ratchet-key",
      G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST | G_SIGNAL_ACTION,
      G_CALLBACK (action_ratchet_key), NULL, NULL, NULL, G_TYPE_BYTES, 2,
      G_TYPE_STRING, G_TYPE_UINT);
}

/**
 * gst_livekit_keyring_new:
 *
 * Returns: (transfer full): a keyring with LiveKit's default options
 */
GstLiveKitKeyring *
gst_livekit_keyring_new (void)
{
  return gst_object_ref_sink (g_object_new (GST_TYPE_LIVEKIT_KEYRING, NULL));
}
