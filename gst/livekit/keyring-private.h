/* What the cryptor needs from the keyring; not installed. */
#ifndef __GST_LIVEKIT_KEYRING_PRIVATE_H__
#define __GST_LIVEKIT_KEYRING_PRIVATE_H__

#include "keyring.h"
#include "keyset.h"
#include "frame.h"

G_BEGIN_DECLS

/* Changes with every key set, ratchet, clear or option change, so users can
 * cache lookups and re-check with one atomic load per frame. */
guint gst_livekit_keyring_get_epoch (GstLiveKitKeyring * keyring);

/* A reference to the key set at @key_index for @identity (its own ring if it
 * has one, else the shared ring), or NULL. */
GstLiveKitKeySet *gst_livekit_keyring_lookup (GstLiveKitKeyring * keyring,
    const gchar * identity, guint key_index);

/* The key a ratchet replaced at @key_index, while its grace period lasts
 * (until *@until, monotonic time), or NULL. */
GstLiveKitKeySet *gst_livekit_keyring_lookup_previous (GstLiveKitKeyring *
    keyring, const gchar * identity, guint key_index, gint64 * until);

/* A frame failed with the first @tried steps of @ks: has the worker derive
 * the next steps, one at a time, until one opens this frame (a copy is
 * kept) or the window is full. TRUE while that goes on (a job was queued or
 * one is running), or when more than @tried steps are ready already (try
 * again); FALSE when @ks has no steps left to derive. */
gboolean gst_livekit_keyring_request_ratchet (GstLiveKitKeyring * keyring,
    GstLiveKitKeySet * ks, guint tried, GstLiveKitCodec codec,
    const guint8 * frame, gsize len, gboolean key_frame, guint ring_size);

/* Test hook: KDF runs on the calling thread so far. */
guint64 gst_livekit_kdf_runs_on_this_thread (void);

/* Auto-ratchet commit: replaces @expected in its slot by candidate @step of
 * it, only if the slot still holds @expected; @expected stays usable for
 * the grace period. Emits key-ratcheted. */
gboolean gst_livekit_keyring_commit_ratchet (GstLiveKitKeyring * keyring,
    const gchar * identity, guint key_index, GstLiveKitKeySet * expected,
    guint step);

/* What a cryptor caches until the epoch changes, read under one lock. */
typedef struct
{
  guint epoch;
  guint ring_size;
  guint window;
  gint failure_tolerance;
  guint current_index;          /* of the ring the identity uses */
  /* References; NULL beyond ring_size and where no key is set. */
  GstLiveKitKeySet *key_sets[GST_LIVEKIT_MAX_KEY_RING_SIZE];
} GstLiveKitKeyringSnapshot;

/* Fills @snap for @identity (its own ring if it has one, else the shared
 * ring). The caller unrefs the key sets. */
void gst_livekit_keyring_snapshot (GstLiveKitKeyring * keyring,
    const gchar * identity, GstLiveKitKeyringSnapshot * snap);

G_END_DECLS
#endif
