/* A key set: one slot's material, its AES key and the ratchet steps that
 * follow it, derived on demand. Internal to libgstlivekit. */
#ifndef __GST_LIVEKIT_KEY_SET_H__
#define __GST_LIVEKIT_KEY_SET_H__

#include <glib.h>
#include "kdf.h"
#include "aead.h"

G_BEGIN_DECLS

/* One step of a ratchet chain: its material and R(material), whose first
 * GST_LIVEKIT_AES_KEY_SIZE bytes are the step's AES key and which is the
 * material of the step after it. */
typedef struct
{
  guint8 material[GST_LIVEKIT_RATCHET_SIZE];
  guint8 next[GST_LIVEKIT_RATCHET_SIZE];
} GstLiveKitRatchetStep;

/* Immutable once published, except that candidates only ever get appended:
 * n_ready is written (release) after candidate n_ready - 1 is complete, so a
 * reader that loads n_ready (acquire) may read candidates below it without a
 * lock. Only the keyring's worker appends. All key bytes live in libsodium
 * guarded memory. */
typedef struct
{
  gint refcount;
  guint64 id;                   /* unique per key set, never reused */
  GstLiveKitKeyDerivation kdf;
  guint8 *material;             /* guarded */
  gsize material_len;
  guint8 *aes_key;              /* guarded, GST_LIVEKIT_AES_KEY_SIZE */
  guint8 *next_material;        /* guarded, R(material): chain input */
  guint n_candidates;           /* ratchet window when created */
  GstLiveKitRatchetStep *candidates;    /* guarded, n_candidates steps */
  gint n_ready;
  gint cancelled;               /* replaced in its slot: stop deriving */
  gint deriving;                /* a catch-up job is queued or running */
  guint ratchet_count;          /* steps from the key the app set */
} GstLiveKitKeySet;

/* Derives the AES key on the calling thread (one KDF run). */
GstLiveKitKeySet *gst_livekit_key_set_new (GstLiveKitKeyDerivation kdf,
    const guint8 * material, gsize material_len, const guint8 * salt,
    gsize salt_len, guint window, guint ratchet_count);
/* The key set of candidate @step (0-based) of @parent, with the candidates
 * it already shares with @parent's chain. No KDF. */
GstLiveKitKeySet *gst_livekit_key_set_new_from_candidate (GstLiveKitKeySet *
    parent, guint step, guint window);
GstLiveKitKeySet *gst_livekit_key_set_ref (GstLiveKitKeySet * ks);
void gst_livekit_key_set_unref (GstLiveKitKeySet * ks);

guint gst_livekit_key_set_ready_candidates (GstLiveKitKeySet * ks);
/* Derives the next candidate (one KDF run). FALSE when the window is full,
 * the set was cancelled or the KDF failed. Only one thread may call it. */
gboolean gst_livekit_key_set_derive_step (GstLiveKitKeySet * ks,
    const guint8 * salt, gsize salt_len);

G_END_DECLS
#endif /* __GST_LIVEKIT_KEY_SET_H__ */
