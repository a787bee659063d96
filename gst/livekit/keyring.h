/* GstLiveKitKeyring: the GStreamer face of LiveKit's KeyProvider. */
#ifndef __GST_LIVEKIT_KEYRING_H__
#define __GST_LIVEKIT_KEYRING_H__

#include <gst/gst.h>
#include <gst/livekit/kdf.h>

G_BEGIN_DECLS

#define GST_TYPE_LIVEKIT_KEYRING (gst_livekit_keyring_get_type ())
G_DECLARE_FINAL_TYPE (GstLiveKitKeyring, gst_livekit_keyring, GST,
    LIVEKIT_KEYRING, GstObject)

#define GST_LIVEKIT_DEFAULT_RATCHET_WINDOW_SIZE 16
#define GST_LIVEKIT_DEFAULT_FAILURE_TOLERANCE (-1)
#define GST_LIVEKIT_DEFAULT_KEY_RING_SIZE 16
#define GST_LIVEKIT_MAX_KEY_RING_SIZE 256
#define GST_LIVEKIT_MAX_RATCHET_WINDOW_SIZE 256

#define GST_LIVEKIT_KEYRING_ERROR (gst_livekit_keyring_error_quark ())
typedef enum
{
  GST_LIVEKIT_KEYRING_ERROR_EMPTY_KEY,
  GST_LIVEKIT_KEYRING_ERROR_NO_KEY,
  GST_LIVEKIT_KEYRING_ERROR_DERIVATION,
} GstLiveKitKeyringError;

GQuark gst_livekit_keyring_error_quark (void);

GstLiveKitKeyring *gst_livekit_keyring_new (void);

/* identity NULL = the shared key ring. */
gboolean gst_livekit_keyring_set_key (GstLiveKitKeyring * keyring,
    const gchar * identity, const guint8 * material, gsize material_len,
    guint key_index, GError ** error);
gboolean gst_livekit_keyring_set_shared_key (GstLiveKitKeyring * keyring,
    const guint8 * material, gsize material_len, guint key_index,
    GError ** error);
GBytes *gst_livekit_keyring_export_key (GstLiveKitKeyring * keyring,
    const gchar * identity, guint key_index);
GBytes *gst_livekit_keyring_export_shared_key (GstLiveKitKeyring * keyring,
    guint key_index);
GBytes *gst_livekit_keyring_ratchet_key (GstLiveKitKeyring * keyring,
    const gchar * identity, guint key_index, GError ** error);
GBytes *gst_livekit_keyring_ratchet_shared_key (GstLiveKitKeyring * keyring,
    guint key_index, GError ** error);
gint gst_livekit_keyring_get_current_key_index (GstLiveKitKeyring * keyring,
    const gchar * identity);
gboolean gst_livekit_keyring_has_key (GstLiveKitKeyring * keyring,
    const gchar * identity, guint key_index);
void gst_livekit_keyring_clear (GstLiveKitKeyring * keyring);

/* Data packets (spec livekit-e2ee.md §12): AES-GCM with the key at
 * @key_index of @identity's ring (else the shared ring), empty AAD.
 * Returns the plaintext, or NULL when there is no key or it does not
 * authenticate. */
GBytes *gst_livekit_keyring_decrypt_data (GstLiveKitKeyring * keyring,
    const gchar * identity, guint key_index, GBytes * iv,
    GBytes * ciphertext);
/* Encrypts with the current key of @identity's ring (else the shared
 * ring) under a fresh random IV. Returns ciphertext || tag, or NULL when
 * that ring has no key at its current index. */
GBytes *gst_livekit_keyring_encrypt_data (GstLiveKitKeyring * keyring,
    const gchar * identity, GBytes * plaintext, guint * key_index,
    GBytes ** iv);

guint gst_livekit_keyring_get_key_ring_size (GstLiveKitKeyring * keyring);
guint gst_livekit_keyring_get_ratchet_window_size (GstLiveKitKeyring * keyring);
gint gst_livekit_keyring_get_failure_tolerance (GstLiveKitKeyring * keyring);

/* For callers that hold frames while ratchet steps are derived: a counter
 * that moves whenever the keyring's worker derived a step or finished a
 * job. wait_ratchet_progress() blocks until it differs from @seen or until
 * @end_time (monotonic time) and says whether it moved. Read the counter
 * before decrypting, wait after. */
guint gst_livekit_keyring_get_ratchet_progress (GstLiveKitKeyring * keyring);
gboolean gst_livekit_keyring_wait_ratchet_progress (GstLiveKitKeyring *
    keyring, guint seen, gint64 end_time);

/* Blocks until every queued ratchet derivation is done (tests, tools). */
void gst_livekit_keyring_wait_precomputed (GstLiveKitKeyring * keyring);

G_END_DECLS
#endif /* __GST_LIVEKIT_KEYRING_H__ */
