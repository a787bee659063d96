/* The key options shared by livekitencrypt, livekitdecrypt and
 * livekitroombin: the same five properties, applied to whichever keyring
 * the element ends up using, and reading a key file. */
#ifndef __GST_LIVEKIT_KEY_OPTIONS_H__
#define __GST_LIVEKIT_KEY_OPTIONS_H__

#include <gst/gst.h>
#include <gst/livekit/livekit.h>

G_BEGIN_DECLS

/* Property ids, relative to the first id the element reserves for them. */
enum
{
  GST_LIVEKIT_KEY_OPTION_KEY_DERIVATION,
  GST_LIVEKIT_KEY_OPTION_RATCHET_SALT,
  GST_LIVEKIT_KEY_OPTION_RATCHET_WINDOW_SIZE,
  GST_LIVEKIT_KEY_OPTION_FAILURE_TOLERANCE,
  GST_LIVEKIT_KEY_OPTION_KEY_RING_SIZE,
  GST_LIVEKIT_N_KEY_OPTIONS,
};

typedef struct
{
  guint set;                    /* bit per option the user set */
  GstLiveKitKeyDerivation key_derivation;
  gchar *ratchet_salt;
  guint ratchet_window_size;
  gint failure_tolerance;
  guint key_ring_size;
} GstLiveKitKeyOptions;

void gst_livekit_key_options_init (GstLiveKitKeyOptions * opts);
void gst_livekit_key_options_clear (GstLiveKitKeyOptions * opts);
void gst_livekit_key_options_install (GObjectClass * klass, guint first_id);
/* TRUE if @prop_id is one of the options (then handled). */
gboolean gst_livekit_key_options_set_property (GstLiveKitKeyOptions * opts,
    guint first_id, guint prop_id, const GValue * value);
gboolean gst_livekit_key_options_get_property (const GstLiveKitKeyOptions *
    opts, guint first_id, guint prop_id, GValue * value);
/* Sets the options the user set on @keyring. */
void gst_livekit_key_options_apply (const GstLiveKitKeyOptions * opts,
    GstLiveKitKeyring * keyring);

/* gst_livekit_key_file_read() for the shared-key-file property: posts an
 * element error naming the property and returns NULL on failure. */
guint8 *gst_livekit_read_key_file (GstElement * element, const gchar * path,
    gsize * len);

G_END_DECLS
#endif
