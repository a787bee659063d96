/* What the cryptor needs from the keyring; not installed. */
#ifndef __GST_LIVEKIT_KEYRING_PRIVATE_H__
#define __GST_LIVEKIT_KEYRING_PRIVATE_H__

#include "keyring.h"
#include "keyset.h"

G_BEGIN_DECLS

/* Changes with every key set, ratchet, clear or option change, so users can
 * cache lookups and re-check with one atomic load per frame. */
guint gst_livekit_keyring_get_epoch (GstLiveKitKeyring * keyring);

/* A reference to the key set at @key_index for @identity (its own ring if it
 * has one, else the shared ring), or NULL. */
GstLiveKitKeySet *gst_livekit_keyring_lookup (GstLiveKitKeyring * keyring,
    const gchar * identity, guint key_index);

/* Auto-ratchet commit: replaces @expected in its slot by candidate @step of
 * it, only if the slot still holds @expected. Emits key-ratcheted. */
gboolean gst_livekit_keyring_commit_ratchet (GstLiveKitKeyring * keyring,
    const gchar * identity, guint key_index, GstLiveKitKeySet * expected,
    guint step);

G_END_DECLS
#endif
