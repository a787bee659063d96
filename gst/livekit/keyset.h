/* A key set: one slot's material, its AES key and the precomputed ratchet
 * candidates that follow it. Internal to libgstlivekit. */
#ifndef __GST_LIVEKIT_KEY_SET_H__
#define __GST_LIVEKIT_KEY_SET_H__

#include <glib.h>
#include "kdf.h"
#include "aead.h"

G_BEGIN_DECLS

/* Material and key of one step of a ratchet chain. */
typedef struct
{
  guint8 material[GST_LIVEKIT_RATCHET_SIZE];
  guint8 aes_key[GST_LIVEKIT_AES_KEY_SIZE];
} GstLiveKitRatchetStep;

/* Immutable once published, except that candidates only ever get appended:
 * n_ready is written (release) after candidate n_ready - 1 is complete, so a
 * reader that loads n_ready (acquire) may read candidates below it without a
 * lock. All key bytes live in libsodium guarded memory. */
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
  gint cancelled;               /* replaced in its slot: stop precomputing */
  guint ratchet_count;          /* steps from the key the app set */
} GstLiveKitKeySet;

/* Derives the AES key on the calling thread (one KDF run). */
GstLiveKitKeySet *gst_livekit_key_set_new (GstLiveKitKeyDerivation kdf,
    const guint8 * material, gsize material_len, const guint8 * salt,
    gsize salt_len, guint window, guint ratchet_count);
/* The key set of candidate @step (0-based) of @parent, with the candidates
 * it already shares with @parent's chain. */
GstLiveKitKeySet *gst_livekit_key_set_new_from_candidate (GstLiveKitKeySet *
    parent, guint step, guint window);
GstLiveKitKeySet *gst_livekit_key_set_ref (GstLiveKitKeySet * ks);
void gst_livekit_key_set_unref (GstLiveKitKeySet * ks);

guint gst_livekit_key_set_ready_candidates (GstLiveKitKeySet * ks);
/* Computes the missing candidates; stops early once cancelled. */
void gst_livekit_key_set_fill_candidates (GstLiveKitKeySet * ks,
    const guint8 * salt, gsize salt_len);

G_END_DECLS
#endif /* __GST_LIVEKIT_KEY_SET_H__ */
