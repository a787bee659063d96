/* Keys that come later: --participant-key files that do not exist yet and
 * IDENTITY.key files in --key-dir are loaded into the keyring when they
 * appear, and again when they change (a new key). Polled from the main loop,
 * so no key derivation runs on a streaming thread. */
#ifndef __REC_KEYWATCH_H__
#define __REC_KEYWATCH_H__

#include <gst/livekit/keyring.h>

G_BEGIN_DECLS typedef struct _RecKeyWatch RecKeyWatch;

RecKeyWatch *rec_key_watch_new (GstLiveKitKeyring * keyring,
    const gchar * key_dir);
/* Loads @path for @identity now if it exists. FALSE with @error when it
 * exists but cannot be used; a missing file is watched. */
gboolean rec_key_watch_add (RecKeyWatch * watch, const gchar * identity,
    const gchar * path, GError ** error);
/* Checks every watched file and the directory; run every 500 ms. */
void rec_key_watch_poll (RecKeyWatch * watch);
void rec_key_watch_free (RecKeyWatch * watch);

G_END_DECLS
#endif
