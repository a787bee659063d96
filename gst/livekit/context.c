/* GstContext helpers for "livekit.e2ee.keyring" (spec gstreamer-notes.md §2;
 * modelled on gst-libs/gst/va/gstvautils.c). */
#include "context.h"

#define KEYRING_FIELD "keyring"

/**
 * gst_livekit_context_new_keyring:
 * @keyring: a #GstLiveKitKeyring
 *
 * Returns: (transfer full): a persistent "livekit.e2ee.keyring" context
 */
GstContext *
gst_livekit_context_new_keyring (GstLiveKitKeyring * keyring)
{
  GstContext *context;

  g_return_val_if_fail (GST_IS_LIVEKIT_KEYRING (keyring), NULL);
  /* Persistent: survives the element going to NULL and is not replaced by a
   * non-persistent one. */
  context = gst_context_new (GST_LIVEKIT_KEYRING_CONTEXT_TYPE, TRUE);
  gst_structure_set (gst_context_writable_structure (context), KEYRING_FIELD,
      GST_TYPE_LIVEKIT_KEYRING, keyring, NULL);
  return context;
}

/**
 * gst_livekit_context_get_keyring:
 * @context: a #GstContext
 *
 * Returns: (transfer full) (nullable): the keyring it carries
 */
GstLiveKitKeyring *
gst_livekit_context_get_keyring (GstContext * context)
{
  GstLiveKitKeyring *keyring = NULL;

  if (!gst_context_has_context_type (context,
          GST_LIVEKIT_KEYRING_CONTEXT_TYPE))
    return NULL;
  gst_structure_get (gst_context_get_structure (context), KEYRING_FIELD,
      GST_TYPE_LIVEKIT_KEYRING, &keyring, NULL);
  return keyring;
}

gboolean
gst_livekit_keyring_handle_set_context (GstElement * element,
    GstContext * context, GstLiveKitKeyring ** keyring)
{
  GstLiveKitKeyring *found = gst_livekit_context_get_keyring (context);

  if (!found)
    return FALSE;
  GST_OBJECT_LOCK (element);
  gst_object_replace ((GstObject **) keyring, GST_OBJECT (found));
  GST_OBJECT_UNLOCK (element);
  gst_object_unref (found);
  return TRUE;
}

gboolean
gst_livekit_keyring_handle_context_query (GstElement * element,
    GstQuery * query, GstLiveKitKeyring * keyring)
{
  const gchar *type;
  GstContext *context;

  if (!keyring || !gst_query_parse_context_type (query, &type)
      || g_strcmp0 (type, GST_LIVEKIT_KEYRING_CONTEXT_TYPE) != 0)
    return FALSE;
  context = gst_livekit_context_new_keyring (keyring);
  gst_query_set_context (query, context);
  gst_context_unref (context);
  return TRUE;
}

static gboolean
query_peers (GstElement * element, GstIterator * pads, GstQuery * query)
{
  GValue item = G_VALUE_INIT;
  gboolean found = FALSE, done = FALSE;

  while (!done && !found) {
    switch (gst_iterator_next (pads, &item)) {
      case GST_ITERATOR_OK:
        found = gst_pad_peer_query (g_value_get_object (&item), query);
        g_value_reset (&item);
        break;
      case GST_ITERATOR_RESYNC:
        gst_iterator_resync (pads);
        break;
      default:
        done = TRUE;
        break;
    }
  }
  g_value_unset (&item);
  gst_iterator_free (pads);
  return found;
}

gboolean
gst_livekit_keyring_find_shared (GstElement * element,
    GstLiveKitKeyring ** keyring)
{
  GstQuery *query;
  GstContext *context = NULL;
  gboolean found;

  if (*keyring)
    return TRUE;

  query = gst_query_new_context (GST_LIVEKIT_KEYRING_CONTEXT_TYPE);
  if (query_peers (element, gst_element_iterate_src_pads (element), query)
      || query_peers (element, gst_element_iterate_sink_pads (element),
          query)) {
    gst_query_parse_context (query, &context);
    if (context)
      gst_element_set_context (element, context);
  }
  gst_query_unref (query);

  if (!*keyring) {
    /* The application or a parent bin may answer synchronously by setting
     * the context on us. */
    gst_element_post_message (element,
        gst_message_new_need_context (GST_OBJECT (element),
            GST_LIVEKIT_KEYRING_CONTEXT_TYPE));
  }
  GST_OBJECT_LOCK (element);
  found = *keyring != NULL;
  GST_OBJECT_UNLOCK (element);
  return found;
}
