#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstlivekitoutputpool.h"

/* Smaller outputs come from malloc: within 3 % of a pool's cost there
 * (callgrind, docs/benchmarks.md), without holding large pool buffers. */
#define POOL_MIN_SIZE (16 * 1024)

void
gst_livekit_output_pool_clear (GstLiveKitOutputPool * p)
{
  if (!p->pool)
    return;
  gst_buffer_pool_set_active (p->pool, FALSE);
  gst_clear_object (&p->pool);
  p->size = 0;
}

GstBuffer *
gst_livekit_output_pool_alloc (GstLiveKitOutputPool * p, gsize size)
{
  GstBuffer *buf = NULL;

  if (size < POOL_MIN_SIZE)
    return gst_buffer_new_allocate (NULL, size, NULL);

  /* Sized for the largest frame so far, rounded up to a power of two. */
  if (!p->pool || p->size < size) {
    gsize pool_size = (gsize) 1 << g_bit_storage (size - 1);
    GstStructure *config;

    gst_livekit_output_pool_clear (p);
    p->pool = gst_buffer_pool_new ();
    config = gst_buffer_pool_get_config (p->pool);
    gst_buffer_pool_config_set_params (config, NULL, pool_size, 0, 0);
    if (!gst_buffer_pool_set_config (p->pool, config)
        || !gst_buffer_pool_set_active (p->pool, TRUE)) {
      gst_clear_object (&p->pool);
      return NULL;
    }
    p->size = pool_size;
  }
  if (gst_buffer_pool_acquire_buffer (p->pool, &buf, NULL) != GST_FLOW_OK)
    return NULL;
  return buf;
}
