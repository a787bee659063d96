#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstlivekitkeyoptions.h"

#include <string.h>

void
gst_livekit_key_options_init (GstLiveKitKeyOptions * opts)
{
  memset (opts, 0, sizeof *opts);
  opts->key_derivation = GST_LIVEKIT_KEY_DERIVATION_PBKDF2;
  opts->ratchet_salt = g_strdup (GST_LIVEKIT_DEFAULT_RATCHET_SALT);
  opts->ratchet_window_size = GST_LIVEKIT_DEFAULT_RATCHET_WINDOW_SIZE;
  opts->failure_tolerance = GST_LIVEKIT_DEFAULT_FAILURE_TOLERANCE;
  opts->key_ring_size = GST_LIVEKIT_DEFAULT_KEY_RING_SIZE;
}

void
gst_livekit_key_options_clear (GstLiveKitKeyOptions * opts)
{
  g_clear_pointer (&opts->ratchet_salt, g_free);
}

void
gst_livekit_key_options_install (GObjectClass * klass, guint first_id)
{
  GParamFlags flags = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
      GST_PARAM_MUTABLE_READY;

  g_object_class_install_property (klass,
      first_id + GST_LIVEKIT_KEY_OPTION_KEY_DERIVATION,
      g_param_spec_enum ("key-derivation", "Key derivation",
          "Key derivation function (applied to the keyring in use)",
          GST_TYPE_LIVEKIT_KEY_DERIVATION, GST_LIVEKIT_KEY_DERIVATION_PBKDF2,
          flags));
  g_object_class_install_property (klass,
      first_id + GST_LIVEKIT_KEY_OPTION_RATCHET_SALT,
      g_param_spec_string ("ratchet-salt", "Ratchet salt",
          "Salt of key derivation and ratcheting (applied to the keyring in "
          "use)", GST_LIVEKIT_DEFAULT_RATCHET_SALT, flags));
  g_object_class_install_property (klass,
      first_id + GST_LIVEKIT_KEY_OPTION_RATCHET_WINDOW_SIZE,
      g_param_spec_uint ("ratchet-window-size", "Ratchet window size",
          "Ratchet steps tried when a frame fails to decrypt; 0 disables "
          "auto-ratchet (applied to the keyring in use)", 0,
          GST_LIVEKIT_MAX_RATCHET_WINDOW_SIZE,
          GST_LIVEKIT_DEFAULT_RATCHET_WINDOW_SIZE, flags));
  g_object_class_install_property (klass,
      first_id + GST_LIVEKIT_KEY_OPTION_FAILURE_TOLERANCE,
      g_param_spec_int ("failure-tolerance", "Failure tolerance",
          "Consecutive failures before a key index is given up; -1 never "
          "(applied to the keyring in use)", -1, G_MAXINT,
          GST_LIVEKIT_DEFAULT_FAILURE_TOLERANCE, flags));
  g_object_class_install_property (klass,
      first_id + GST_LIVEKIT_KEY_OPTION_KEY_RING_SIZE,
      g_param_spec_uint ("key-ring-size", "Key ring size",
          "Slots per key ring (applied to the keyring in use)", 1,
          GST_LIVEKIT_MAX_KEY_RING_SIZE, GST_LIVEKIT_DEFAULT_KEY_RING_SIZE,
          flags));
}

gboolean
gst_livekit_key_options_set_property (GstLiveKitKeyOptions * opts,
    guint first_id, guint prop_id, const GValue * value)
{
  guint option = prop_id - first_id;

  if (prop_id < first_id || option >= GST_LIVEKIT_N_KEY_OPTIONS)
    return FALSE;
  switch (option) {
    case GST_LIVEKIT_KEY_OPTION_KEY_DERIVATION:
      opts->key_derivation = g_value_get_enum (value);
      break;
    case GST_LIVEKIT_KEY_OPTION_RATCHET_SALT:
      g_free (opts->ratchet_salt);
      opts->ratchet_salt = g_value_dup_string (value);
      break;
    case GST_LIVEKIT_KEY_OPTION_RATCHET_WINDOW_SIZE:
      opts->ratchet_window_size = g_value_get_uint (value);
      break;
    case GST_LIVEKIT_KEY_OPTION_FAILURE_TOLERANCE:
      opts->failure_tolerance = g_value_get_int (value);
      break;
    case GST_LIVEKIT_KEY_OPTION_KEY_RING_SIZE:
      opts->key_ring_size = g_value_get_uint (value);
      break;
  }
  opts->set |= 1u << option;
  return TRUE;
}

gboolean
gst_livekit_key_options_get_property (const GstLiveKitKeyOptions * opts,
    guint first_id, guint prop_id, GValue * value)
{
  guint option = prop_id - first_id;

  if (prop_id < first_id || option >= GST_LIVEKIT_N_KEY_OPTIONS)
    return FALSE;
  switch (option) {
    case GST_LIVEKIT_KEY_OPTION_KEY_DERIVATION:
      g_value_set_enum (value, opts->key_derivation);
      break;
    case GST_LIVEKIT_KEY_OPTION_RATCHET_SALT:
      g_value_set_string (value, opts->ratchet_salt);
      break;
    case GST_LIVEKIT_KEY_OPTION_RATCHET_WINDOW_SIZE:
      g_value_set_uint (value, opts->ratchet_window_size);
      break;
    case GST_LIVEKIT_KEY_OPTION_FAILURE_TOLERANCE:
      g_value_set_int (value, opts->failure_tolerance);
      break;
    case GST_LIVEKIT_KEY_OPTION_KEY_RING_SIZE:
      g_value_set_uint (value, opts->key_ring_size);
      break;
  }
  return TRUE;
}

void
gst_livekit_key_options_apply (const GstLiveKitKeyOptions * opts,
    GstLiveKitKeyring * keyring)
{
#define IS_SET(o) (opts->set & (1u << GST_LIVEKIT_KEY_OPTION_##o))
  if (IS_SET (KEY_DERIVATION))
    g_object_set (keyring, "key-derivation", opts->key_derivation, NULL);
  if (IS_SET (RATCHET_SALT))
    g_object_set (keyring, "ratchet-salt", opts->ratchet_salt, NULL);
  if (IS_SET (RATCHET_WINDOW_SIZE))
    g_object_set (keyring, "ratchet-window-size", opts->ratchet_window_size,
        NULL);
  if (IS_SET (FAILURE_TOLERANCE))
    g_object_set (keyring, "failure-tolerance", opts->failure_tolerance, NULL);
  if (IS_SET (KEY_RING_SIZE))
    g_object_set (keyring, "key-ring-size", opts->key_ring_size, NULL);
#undef IS_SET
}

guint8 *
gst_livekit_read_key_file (GstElement * element, const gchar * path,
    gsize * len)
{
  GError *err = NULL;
  guint8 *key = gst_livekit_key_file_read (path, len, &err);

  if (!key) {
    GST_ELEMENT_ERROR (element, RESOURCE, OPEN_READ,
        ("shared-key-file: %s", err->message), (NULL));
    g_clear_error (&err);
  }
  return key;
}
