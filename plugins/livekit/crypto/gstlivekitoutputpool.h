/* Output buffers of the crypto elements: large ones from a buffer pool.
 * Allocated and freed each frame, large buffers make glibc trim and regrow
 * its heap (page faults every frame); pooled, their pages stay mapped. */
#ifndef __GST_LIVEKIT_OUTPUT_POOL_H__
#define __GST_LIVEKIT_OUTPUT_POOL_H__

#include <gst/gst.h>

G_BEGIN_DECLS typedef struct
{
  GstBufferPool *pool;
  gsize size;                   /* of its buffers */
} GstLiveKitOutputPool;

/* A buffer of at least @size bytes (exactly @size below the pool's
 * threshold). Not thread-safe: one streaming thread (or the stream lock). */
GstBuffer *gst_livekit_output_pool_alloc (GstLiveKitOutputPool * pool,
    gsize size);
/* Buffers still downstream are freed when they come back. */
void gst_livekit_output_pool_clear (GstLiveKitOutputPool * pool);

G_END_DECLS
#endif
