/* Set-up shared by the element tests (see check-harness.h). */
#include "check-harness.h"

#include <string.h>

GstLiveKitKeyring *
lk_test_keyring_new (GstLiveKitKeyDerivation kdf, guint window,
    const gchar * shared_key)
{
  GstLiveKitKeyring *kr = gst_livekit_keyring_new ();

  g_object_set (kr, "key-derivation", kdf, "ratchet-window-size", window,
      NULL);
  if (shared_key)
    lk_test_keyring_set_key (kr, shared_key);
  return kr;
}

void
lk_test_keyring_set_key (GstLiveKitKeyring * kr, const gchar * shared_key)
{
  fail_unless (gst_livekit_keyring_set_shared_key (kr,
          (const guint8 *) shared_key, strlen (shared_key), 0, NULL));
}

GstHarness *
lk_test_harness_new (const gchar * factory, const gchar * props,
    GstLiveKitKeyring * keyring)
{
  gchar *desc = g_strdup_printf ("%s %s", factory, props ? props : "");
  GstElement *e = gst_parse_launch (desc, NULL);
  GstHarness *h;

  fail_unless (e != NULL, "could not make \"%s\"", desc);
  if (keyring)
    g_object_set (e, "keyring", keyring, NULL);
  h = gst_harness_new_with_element (e, "sink", "src");
  gst_object_unref (e);
  g_free (desc);
  gst_harness_set_caps_str (h, LK_TEST_VP8_CAPS, LK_TEST_VP8_CAPS);
  return h;
}

GstBuffer *
lk_test_vp8_frame (gboolean key, guint8 fill, gsize size)
{
  GstBuffer *buf = gst_buffer_new_allocate (NULL, size, NULL);

  gst_buffer_memset (buf, 0, fill, size);
  gst_buffer_memset (buf, 0, key ? 0x10 : 0x31, 1);
  if (!key)
    GST_BUFFER_FLAG_SET (buf, GST_BUFFER_FLAG_DELTA_UNIT);
  GST_BUFFER_PTS (buf) = 0;
  return buf;
}

gboolean
lk_test_same_bytes (GstBuffer * a, GstBuffer * b)
{
  GstMapInfo ma, mb;
  gboolean eq;

  gst_buffer_map (a, &ma, GST_MAP_READ);
  gst_buffer_map (b, &mb, GST_MAP_READ);
  eq = ma.size == mb.size && memcmp (ma.data, mb.data, ma.size) == 0;
  gst_buffer_unmap (a, &ma);
  gst_buffer_unmap (b, &mb);
  return eq;
}
