/* Key sets and their ratchet chains (spec livekit-e2ee.md §3.2).
 *
 * R(m) = KDF(m, salt, 32). The AES key of material m is R(m)[0..16] and the
 * next material of the chain is R(m), so each step costs one KDF run. */
#include "keyset.h"

#include <string.h>
#include <sodium.h>

static guint64 next_key_set_id = 1;

static GstLiveKitKeySet *
key_set_alloc (GstLiveKitKeyDerivation kdf, gsize material_len, guint window)
{
  GstLiveKitKeySet *ks = g_new0 (GstLiveKitKeySet, 1);

  ks->refcount = 1;
  ks->id = __atomic_fetch_add (&next_key_set_id, 1, __ATOMIC_RELAXED);
  ks->kdf = kdf;
  ks->material_len = material_len;
  ks->material = sodium_malloc (material_len);
  ks->aes_key = sodium_malloc (GST_LIVEKIT_AES_KEY_SIZE);
  ks->next_material = sodium_malloc (GST_LIVEKIT_RATCHET_SIZE);
  ks->n_candidates = window;
  if (window)
    ks->candidates = sodium_allocarray (window, sizeof (GstLiveKitRatchetStep));
  if (!ks->material || !ks->aes_key || !ks->next_material
      || (window && !ks->candidates)) {
    gst_livekit_key_set_unref (ks);
    return NULL;
  }
  return ks;
}

GstLiveKitKeySet *
gst_livekit_key_set_new (GstLiveKitKeyDerivation kdf, const guint8 * material,
    gsize material_len, const guint8 * salt, gsize salt_len, guint window,
    guint ratchet_count)
{
  GstLiveKitKeySet *ks;

  if (material_len == 0)
    return NULL;
  ks = key_set_alloc (kdf, material_len, window);
  if (!ks)
    return NULL;
  memcpy (ks->material, material, material_len);
  if (!gst_livekit_kdf_ratchet (kdf, material, material_len, salt, salt_len,
          ks->next_material)) {
    gst_livekit_key_set_unref (ks);
    return NULL;
  }
  memcpy (ks->aes_key, ks->next_material, GST_LIVEKIT_AES_KEY_SIZE);
  ks->ratchet_count = ratchet_count;
  return ks;
}

GstLiveKitKeySet *
gst_livekit_key_set_new_from_candidate (GstLiveKitKeySet * parent, guint step,
    guint window)
{
  guint ready = gst_livekit_key_set_ready_candidates (parent);
  GstLiveKitKeySet *ks;
  guint shared;

  g_return_val_if_fail (step < ready, NULL);
  ks = key_set_alloc (parent->kdf, GST_LIVEKIT_RATCHET_SIZE, window);
  if (!ks)
    return NULL;
  memcpy (ks->material, parent->candidates[step].material,
      GST_LIVEKIT_RATCHET_SIZE);
  memcpy (ks->next_material, parent->candidates[step].next,
      GST_LIVEKIT_RATCHET_SIZE);
  memcpy (ks->aes_key, ks->next_material, GST_LIVEKIT_AES_KEY_SIZE);
  /* The steps the parent already derived beyond @step are ours too. */
  shared = MIN (window, ready - step - 1);
  for (guint i = 0; i < shared; i++)
    ks->candidates[i] = parent->candidates[step + 1 + i];
  ks->n_ready = (gint) shared;
  ks->ratchet_count = parent->ratchet_count + step + 1;
  return ks;
}

GstLiveKitKeySet *
gst_livekit_key_set_ref (GstLiveKitKeySet * ks)
{
  g_atomic_int_inc (&ks->refcount);
  return ks;
}

void
gst_livekit_key_set_unref (GstLiveKitKeySet * ks)
{
  if (!ks || !g_atomic_int_dec_and_test (&ks->refcount))
    return;
  /* sodium_free zeroes before unmapping. */
  sodium_free (ks->material);
  sodium_free (ks->aes_key);
  sodium_free (ks->next_material);
  sodium_free (ks->candidates);
  g_free (ks);
}

guint
gst_livekit_key_set_ready_candidates (GstLiveKitKeySet * ks)
{
  gint n = __atomic_load_n (&ks->n_ready, __ATOMIC_ACQUIRE);
  return n < 0 ? 0 : (guint) n;
}

gboolean
gst_livekit_key_set_derive_step (GstLiveKitKeySet * ks, const guint8 * salt,
    gsize salt_len)
{
  guint i = gst_livekit_key_set_ready_candidates (ks);
  GstLiveKitRatchetStep *step;

  if (i >= ks->n_candidates || __atomic_load_n (&ks->cancelled,
          __ATOMIC_RELAXED))
    return FALSE;
  /* Candidate i has material R^(i+1)(m) and next R^(i+2)(m). */
  step = &ks->candidates[i];
  memcpy (step->material, i == 0 ? ks->next_material :
      ks->candidates[i - 1].next, GST_LIVEKIT_RATCHET_SIZE);
  if (!gst_livekit_kdf_ratchet (ks->kdf, step->material,
          GST_LIVEKIT_RATCHET_SIZE, salt, salt_len, step->next))
    return FALSE;
  __atomic_store_n (&ks->n_ready, (gint) i + 1, __ATOMIC_RELEASE);
  return TRUE;
}
