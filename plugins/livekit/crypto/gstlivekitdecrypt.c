/**
 * SECTION:element-livekitdecrypt
 * @title: livekitdecrypt
 *
 * Decrypts frames encrypted by LiveKit's SDKs (or livekitencrypt). It sits
 * between the RTP depayloader and the decoder. Frames that do not decrypt
 * are dropped and counted, never passed on. The sender's key ring is chosen
 * by the frame's #GstLiveKitFrameMeta identity, else by
 * #GstLiveKitCryptoBase:participant-identity, else the shared ring. When a
 * key becomes usable after a failure, an upstream force-key-unit event asks
 * for a new key frame.
 *
 * A frame that fails while the keyring derives ratchet steps for its key
 * (the sender ratcheted; the steps are derived when a frame asks) is held,
 * not dropped, and the frames behind it wait, so order is kept. When a step
 * opens it, the held frames follow in order, timestamps untouched. A frame
 * held longer than #GstLiveKitDecrypt:max-hold-time, beyond
 * #GstLiveKitDecrypt:max-held-frames frames of its sender, or whose window
 * is exhausted, is dropped as any undecryptable frame; so is a held frame
 * when a frame behind it opens with the current key (it was damaged, not
 * ratcheted). A helper thread sends held frames on as soon as the keyring's
 * worker opens them (or drops them when their time is up); EOS and other
 * serialized events wait for them (bounded by max-hold-time); a flush or a
 * stop discards them.
 *
 * ## Example pipeline
 * |[
 * gst-launch-1.0 udpsrc port=5004 caps="application/x-rtp,media=video,encoding-name=VP8,clock-rate=90000" ! \
 *     rtpvp8depay ! livekitdecrypt shared-key-file=key.txt ! vp8dec ! autovideosink
 * ]|
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstlivekitdecrypt.h"
#include "gstlivekitoutputpool.h"

#include <gst/video/video.h>
#include <string.h>

GST_DEBUG_CATEGORY_STATIC (gst_livekit_decrypt_debug);
#define GST_CAT_DEFAULT gst_livekit_decrypt_debug

#define DEFAULT_MAX_HOLD_TIME (500 * GST_MSECOND)
#define DEFAULT_MAX_HELD_FRAMES 64
/* The releaser checks for a stop this often while it waits. */
#define RELEASER_SLICE_US (10 * 1000)

/* A frame waiting in line: the head may be held for ratchet steps. */
typedef struct
{
  GstBuffer *buf;
  GstLiveKitCryptor *cryptor;   /* owned by the base class's table */
  gint64 arrived;               /* monotonic µs: the hold time counts from here */
  gboolean held;                /* waited for ratchet steps at least once */
  guint seen;                   /* ratchet progress before the last try */
  gboolean peeked;              /* tried as the evidence of a damaged head */
} Pending;

struct _GstLiveKitDecrypt
{
  GstLiveKitCryptoBase parent;

  /* Object lock. */
  GBytes *sif_trailer;
  GstClockTime max_hold_time;
  guint max_held_frames;
  gint hold_enabled;            /* atomic: neither bound is 0 */

  /* Under the sink pad's stream lock. */
  GQueue pending;
  gboolean releaser_running;
  GThread *releaser_thread;     /* joined by stop and by the next start */
  guint generation;             /* bumped by stop: old releasers quit */
  GstFlowReturn release_flow;   /* the releaser's last push */

  /* Under the stream lock: the ciphertext of a frame decrypted in place.
   * The cryptor reads it (ratchet retries need the original bytes), and a
   * held frame gets its bytes back from it. */
  guint8 *scratch;
  gsize scratch_size;
  GstLiveKitOutputPool pool;    /* under the stream lock */
};

/* In place only up to an 8 KB frame and its trailer: from 16 KB up,
 * copying the ciphertext aside costs more thread CPU time than a new output
 * buffer (measured in docs/benchmarks.md). */
#define IN_PLACE_MAX (8 * 1024 + GST_LIVEKIT_FRAME_OVERHEAD)

enum
{
  PROP_0,
  PROP_SIF_TRAILER,
  PROP_MAX_HOLD_TIME,
  PROP_MAX_HELD_FRAMES,
};

typedef enum
{
  DECIDED_OUTPUT,
  DECIDED_DROPPED,
  UNDECIDED,
} Decision;

G_DEFINE_TYPE_WITH_CODE (GstLiveKitDecrypt, gst_livekit_decrypt,
    GST_TYPE_LIVEKIT_CRYPTO_BASE,
    GST_DEBUG_CATEGORY_INIT (gst_livekit_decrypt_debug, "livekitdecrypt", 0,
        "LiveKit E2EE frame decryptor"));
GST_ELEMENT_REGISTER_DEFINE (livekitdecrypt, "livekitdecrypt", GST_RANK_NONE,
    GST_TYPE_LIVEKIT_DECRYPT);

static void
gst_livekit_decrypt_setup_cryptor (GstLiveKitCryptoBase * base,
    GstLiveKitCryptor * cryptor)
{
  GstLiveKitDecrypt *self = GST_LIVEKIT_DECRYPT (base);
  GBytes *trailer = NULL;

  GST_OBJECT_LOCK (self);
  if (self->sif_trailer)
    trailer = g_bytes_ref (self->sif_trailer);
  GST_OBJECT_UNLOCK (self);
  if (trailer) {
    gsize len;
    const guint8 *data = g_bytes_get_data (trailer, &len);
    gst_livekit_cryptor_set_sif_trailer (cryptor, data, len);
    g_bytes_unref (trailer);
  }
}

/* Only a buffer no one else sees: one writable, unshared memory. */
static gboolean
can_decrypt_in_place (GstBuffer * in)
{
  return gst_buffer_get_size (in) <= IN_PLACE_MAX
      && gst_buffer_n_memory (in) == 1 && gst_buffer_is_writable (in)
      && gst_buffer_is_all_memory_writable (in);
}

static GstFlowReturn
gst_livekit_decrypt_prepare_output_buffer (GstBaseTransform * trans,
    GstBuffer * in, GstBuffer ** out)
{
  if (gst_base_transform_is_passthrough (trans)) {
    *out = in;
    return GST_FLOW_OK;
  }
  /* Plaintext is never longer than what arrived. */
  *out = gst_livekit_output_pool_alloc (&GST_LIVEKIT_DECRYPT (trans)->pool,
      gst_buffer_get_size (in));
  if (!*out)
    return GST_FLOW_ERROR;
  gst_buffer_copy_into (*out, in, GST_BUFFER_COPY_METADATA, 0, -1);
  return GST_FLOW_OK;
}

static void
request_key_frame (GstLiveKitDecrypt * self)
{
  GstLiveKitCodec codec =
      gst_livekit_crypto_base_get_codec (GST_LIVEKIT_CRYPTO_BASE (self));

  if (codec == GST_LIVEKIT_CODEC_AUDIO)
    return;
  GST_INFO_OBJECT (self, "key usable again: requesting a key frame");
  gst_pad_push_event (GST_BASE_TRANSFORM_SINK_PAD (self),
      gst_video_event_new_upstream_force_key_unit (GST_CLOCK_TIME_NONE, TRUE,
          0));
}

/* Decrypts @in into @out, or in place when they are the same buffer.
 * GST_BASE_TRANSFORM_FLOW_DROPPED when the frame is dropped; with
 * @may_hold, *@held says the frame waits for ratchet steps (nothing
 * reported, @out unused, @in unchanged). */
static GstFlowReturn
decrypt_buffer (GstLiveKitDecrypt * self, GstLiveKitCryptor * cryptor,
    GstBuffer * in, GstBuffer * out, gboolean may_hold, gboolean * held)
{
  GstLiveKitCryptoBase *base = GST_LIVEKIT_CRYPTO_BASE (self);
  GstLiveKitFrameMeta *meta = gst_buffer_get_livekit_frame_meta (out);
  GstLiveKitCryptResult result;
  GstMapInfo in_map, out_map;
  gsize out_len = 0;

  *held = FALSE;
  if (in == out) {
    if (!gst_buffer_map (out, &out_map, GST_MAP_READWRITE))
      return GST_FLOW_ERROR;
    if (out_map.size > self->scratch_size) {
      g_free (self->scratch);
      self->scratch = g_malloc (out_map.size);
      self->scratch_size = out_map.size;
    }
    memcpy (self->scratch, out_map.data, out_map.size);
    gst_livekit_cryptor_decrypt_full (cryptor,
        gst_livekit_crypto_base_get_codec (base), self->scratch, out_map.size,
        !GST_BUFFER_FLAG_IS_SET (in, GST_BUFFER_FLAG_DELTA_UNIT), may_hold,
        out_map.data, &out_len, &result);
    /* A held frame is tried again later, from its own bytes. */
    if (result.outcome == GST_LIVEKIT_FRAME_OUTCOME_HELD)
      memcpy (out_map.data, self->scratch, out_map.size);
    gst_buffer_unmap (out, &out_map);
  } else {
    if (!gst_buffer_map (in, &in_map, GST_MAP_READ))
      return GST_FLOW_ERROR;
    if (!gst_buffer_map (out, &out_map, GST_MAP_WRITE)) {
      gst_buffer_unmap (in, &in_map);
      return GST_FLOW_ERROR;
    }
    gst_livekit_cryptor_decrypt_full (cryptor,
        gst_livekit_crypto_base_get_codec (base), in_map.data, in_map.size,
        !GST_BUFFER_FLAG_IS_SET (in, GST_BUFFER_FLAG_DELTA_UNIT), may_hold,
        out_map.data, &out_len, &result);
    gst_buffer_unmap (out, &out_map);
    gst_buffer_unmap (in, &in_map);
  }
  if (result.outcome == GST_LIVEKIT_FRAME_OUTCOME_HELD) {
    *held = TRUE;
    return GST_FLOW_OK;
  }

  gst_livekit_crypto_base_report (base, cryptor, meta ? meta->track_sid : NULL,
      &result);
  if (result.recovered)
    request_key_frame (self);
  /* Fail closed: nothing undecrypted goes downstream, only the news that
   * nothing comes for this frame's time. */
  if (result.outcome == GST_LIVEKIT_FRAME_OUTCOME_DROPPED) {
    gst_livekit_crypto_base_announce_drop (base, in);
    return GST_BASE_TRANSFORM_FLOW_DROPPED;
  }
  gst_livekit_crypto_base_frame_passed (base);

  gst_buffer_set_size (out, out_len);
  if (!meta)
    meta = gst_buffer_add_livekit_frame_meta (out,
        gst_livekit_cryptor_get_identity (cryptor), NULL);
  meta->key_index = result.outcome == GST_LIVEKIT_FRAME_OUTCOME_DECRYPTED ?
      (gint) result.key_index : -1;
  meta->outcome = result.outcome;
  meta->drop_reason = GST_LIVEKIT_DROP_REASON_NONE;
  return GST_FLOW_OK;
}

static GstLiveKitCryptor *
cryptor_for (GstLiveKitDecrypt * self, GstBuffer * buf)
{
  GstLiveKitFrameMeta *meta = gst_buffer_get_livekit_frame_meta (buf);

  return gst_livekit_crypto_base_get_cryptor (GST_LIVEKIT_CRYPTO_BASE (self),
      meta ? meta->participant_identity : NULL);
}

/* generate_output() does the work; a transform function must exist all the
 * same, or GstBaseTransform takes the element for a passthrough one. */
static GstFlowReturn
gst_livekit_decrypt_transform (GstBaseTransform * trans, GstBuffer * in,
    GstBuffer * out)
{
  GstLiveKitDecrypt *self = GST_LIVEKIT_DECRYPT (trans);
  GstLiveKitCryptor *cryptor = cryptor_for (self, in);
  gboolean held;

  if (!cryptor)
    return GST_FLOW_NOT_NEGOTIATED;
  return decrypt_buffer (self, cryptor, in, out, FALSE, &held);
}

static void
pending_free (Pending * p)
{
  gst_buffer_unref (p->buf);
  g_free (p);
}

static void
discard_pending (GstLiveKitDecrypt * self)
{
  if (self->pending.length)
    GST_DEBUG_OBJECT (self, "discarding %u waiting frame(s)",
        self->pending.length);
  g_queue_clear_full (&self->pending, (GDestroyNotify) pending_free);
}

static guint
waiting_of (GstLiveKitDecrypt * self, GstLiveKitCryptor * cryptor)
{
  guint n = 0;

  for (GList * l = self->pending.head; l; l = l->next)
    n += ((Pending *) l->data)->cryptor == cryptor;
  return n;
}

/* Whether the head has waited long enough: its time or its sender's count
 * is up, or a frame behind it of the same sender opens with the current key
 * (then the sender did not ratchet: the head is damaged). */
static gboolean
head_must_decide (GstLiveKitDecrypt * self, Pending * head, gint64 now)
{
  GstLiveKitCryptoBase *base = GST_LIVEKIT_CRYPTO_BASE (self);
  GstClockTime max_time;
  guint max_frames;

  GST_OBJECT_LOCK (self);
  max_time = self->max_hold_time;
  max_frames = self->max_held_frames;
  GST_OBJECT_UNLOCK (self);
  if (max_time == 0 || max_frames == 0)
    return TRUE;
  if (!head->held)
    return FALSE;
  if ((guint64) (now - head->arrived) * GST_USECOND >= max_time
      || waiting_of (self, head->cryptor) > max_frames)
    return TRUE;
  for (GList * l = self->pending.head->next; l; l = l->next) {
    Pending *p = l->data;
    GstMapInfo map;
    gboolean opens;

    if (p->peeked || p->cryptor != head->cryptor)
      continue;
    p->peeked = TRUE;
    if (!gst_buffer_map (p->buf, &map, GST_MAP_READ))
      continue;
    opens = gst_livekit_cryptor_opens_now (p->cryptor,
        gst_livekit_crypto_base_get_codec (base), map.data, map.size,
        !GST_BUFFER_FLAG_IS_SET (p->buf, GST_BUFFER_FLAG_DELTA_UNIT));
    gst_buffer_unmap (p->buf, &map);
    if (opens) {
      GST_DEBUG_OBJECT (self, "a frame behind the held one opens at once");
      return TRUE;
    }
  }
  return FALSE;
}

/* Tries the head of the line once (again only if the keyring's worker
 * moved, or the head must be decided now). */
static Decision
try_head (GstLiveKitDecrypt * self, GstBuffer ** outbuf, GstFlowReturn * ret)
{
  GstBaseTransform *trans = GST_BASE_TRANSFORM (self);
  Pending *head = g_queue_peek_head (&self->pending);
  gint64 now = g_get_monotonic_time ();
  gboolean decide = head_must_decide (self, head, now), held;
  guint progress = gst_livekit_keyring_get_ratchet_progress
      (gst_livekit_cryptor_get_keyring (head->cryptor));
  GstBuffer *out = NULL;

  if (head->held && !decide && progress == head->seen)
    return UNDECIDED;
  head->seen = progress;
  *ret = GST_BASE_TRANSFORM_GET_CLASS (trans)->prepare_output_buffer (trans,
      head->buf, &out);
  if (*ret == GST_FLOW_OK)
    *ret = decrypt_buffer (self, head->cryptor, head->buf, out, !decide, &held);
  if (*ret == GST_FLOW_OK && held) {
    gst_buffer_unref (out);
    if (!head->held) {
      head->held = TRUE;
      GST_DEBUG_OBJECT (self, "holding a frame for ratchet steps");
    }
    return UNDECIDED;
  }
  g_queue_pop_head (&self->pending);
  if (*ret == GST_FLOW_OK) {
    *outbuf = out;
    pending_free (head);
    return DECIDED_OUTPUT;
  }
  if (out)
    gst_buffer_unref (out);
  if (*ret == GST_BASE_TRANSFORM_FLOW_DROPPED)
    *ret = GST_FLOW_OK;
  pending_free (head);
  return DECIDED_DROPPED;
}

/* Next frame in line that is decided, or NULL while the head waits. */
static GstFlowReturn
next_output (GstLiveKitDecrypt * self, GstBuffer ** outbuf)
{
  GstFlowReturn ret = GST_FLOW_OK;

  *outbuf = NULL;
  while (self->pending.head) {
    Decision d = try_head (self, outbuf, &ret);
    if (d != DECIDED_DROPPED || ret != GST_FLOW_OK)
      break;
  }
  return ret;
}

/* Call with the stream lock: when the head may be looked at again (its
 * time is up), and the keyring to wait on. */
static GstLiveKitKeyring *
head_wait (GstLiveKitDecrypt * self, guint * seen, gint64 * end_time)
{
  Pending *head = g_queue_peek_head (&self->pending);
  GstClockTime max_time;

  GST_OBJECT_LOCK (self);
  max_time = self->max_hold_time;
  GST_OBJECT_UNLOCK (self);
  *seen = head->seen;
  *end_time = head->arrived + (gint64) (max_time / GST_USECOND) + 1;
  return gst_livekit_crypto_base_get_keyring (GST_LIVEKIT_CRYPTO_BASE (self));
}

/* Call with the stream lock: sends on what is decided. */
static GstFlowReturn
push_decided (GstLiveKitDecrypt * self)
{
  GstFlowReturn ret = GST_FLOW_OK;
  GstBuffer *out;

  do {
    ret = next_output (self, &out);
    if (out)
      ret = gst_pad_push (GST_BASE_TRANSFORM_SRC_PAD (self), out);
  } while (out && ret == GST_FLOW_OK);
  if (ret != GST_FLOW_OK)
    discard_pending (self);
  return ret;
}

/* The releaser: held frames go on when the worker opens them, without
 * waiting for the next frame to arrive. It works under the stream lock,
 * as the streaming thread does, and waits without it. */
typedef struct
{
  GstLiveKitDecrypt *self;
  guint generation;
} Releaser;

static gpointer
releaser (gpointer data)
{
  Releaser *r = data;
  GstLiveKitDecrypt *self = r->self;
  GstPad *sinkpad = GST_BASE_TRANSFORM_SINK_PAD (self);
  guint generation = r->generation;

  g_free (r);
  GST_PAD_STREAM_LOCK (sinkpad);
  for (;;) {
    GstLiveKitKeyring *keyring;
    GstFlowReturn ret;
    guint seen;
    gint64 end_time;

    if (self->generation != generation)
      break;
    ret = push_decided (self);
    if (ret != GST_FLOW_OK)
      self->release_flow = ret;
    if (!self->pending.head) {
      self->releaser_running = FALSE;
      break;
    }
    keyring = head_wait (self, &seen, &end_time);
    GST_PAD_STREAM_UNLOCK (sinkpad);
    /* In short slices: a stop waits for this thread to see it. */
    if (keyring) {
      gst_livekit_keyring_wait_ratchet_progress (keyring, seen,
          MIN (end_time, g_get_monotonic_time () + RELEASER_SLICE_US));
      gst_object_unref (keyring);
    }
    GST_PAD_STREAM_LOCK (sinkpad);
  }
  GST_PAD_STREAM_UNLOCK (sinkpad);
  gst_object_unref (self);
  return NULL;
}

/* Call with the stream lock. */
static void
ensure_releaser (GstLiveKitDecrypt * self)
{
  Releaser *r;

  if (self->releaser_running || !self->pending.head)
    return;
  /* A releaser that ran out of frames has let go of the lock for good. */
  if (self->releaser_thread)
    g_thread_join (self->releaser_thread);
  r = g_new (Releaser, 1);
  r->self = gst_object_ref (self);
  r->generation = self->generation;
  self->releaser_running = TRUE;
  self->releaser_thread = g_thread_new ("livekitdecrypt-hold", releaser, r);
}

/* The common case, nothing waiting: no allocation, no lock; in place when
 * the frame is ours alone. */
static GstFlowReturn
decide_alone (GstLiveKitDecrypt * self, GstBuffer * in, GstBuffer ** outbuf)
{
  GstBaseTransform *trans = GST_BASE_TRANSFORM (self);
  GstLiveKitCryptor *cryptor = cryptor_for (self, in);
  GstBuffer *out = NULL;
  GstFlowReturn ret = GST_FLOW_OK;
  gboolean held = FALSE, in_place;
  guint seen;

  if (!cryptor) {
    gst_buffer_unref (in);
    return GST_FLOW_NOT_NEGOTIATED;
  }
  seen = gst_livekit_keyring_get_ratchet_progress
      (gst_livekit_cryptor_get_keyring (cryptor));
  in_place = can_decrypt_in_place (in);
  if (in_place)
    out = in;
  else
    ret = GST_BASE_TRANSFORM_GET_CLASS (trans)->prepare_output_buffer (trans,
        in, &out);
  if (ret == GST_FLOW_OK)
    ret = decrypt_buffer (self, cryptor, in, out,
        g_atomic_int_get (&self->hold_enabled), &held);
  /* In place, @out is @in: one reference. */
  if (in_place)
    out = NULL;
  if (ret == GST_FLOW_OK && held) {
    Pending *p = g_new0 (Pending, 1);

    gst_clear_buffer (&out);
    p->buf = in;
    p->cryptor = cryptor;
    p->arrived = g_get_monotonic_time ();
    p->held = TRUE;
    p->seen = seen;
    g_queue_push_tail (&self->pending, p);
    GST_DEBUG_OBJECT (self, "holding a frame for ratchet steps");
    ensure_releaser (self);
    return GST_FLOW_OK;
  }
  if (ret == GST_FLOW_OK) {
    if (in_place) {
      *outbuf = in;
    } else {
      gst_buffer_unref (in);
      *outbuf = out;
    }
    return GST_FLOW_OK;
  }
  gst_buffer_unref (in);
  gst_clear_buffer (&out);
  return ret == GST_BASE_TRANSFORM_FLOW_DROPPED ? GST_FLOW_OK : ret;
}

static GstFlowReturn
gst_livekit_decrypt_generate_output (GstBaseTransform * trans,
    GstBuffer ** outbuf)
{
  GstLiveKitDecrypt *self = GST_LIVEKIT_DECRYPT (trans);
  GstBuffer *in = trans->queued_buf;
  gboolean passthrough = gst_base_transform_is_passthrough (trans);
  GstFlowReturn ret;

  if (!self->pending.head && passthrough)
    return
        GST_BASE_TRANSFORM_CLASS
        (gst_livekit_decrypt_parent_class)->generate_output (trans, outbuf);

  trans->queued_buf = NULL;
  if (in && !self->pending.head && !passthrough
      && self->release_flow == GST_FLOW_OK)
    return decide_alone (self, in, outbuf);
  if (in) {
    Pending *p = g_new0 (Pending, 1);

    p->cryptor = cryptor_for (self, in);
    if (!p->cryptor) {
      g_free (p);
      gst_buffer_unref (in);
      return GST_FLOW_NOT_NEGOTIATED;
    }
    p->buf = in;
    p->arrived = g_get_monotonic_time ();
    g_queue_push_tail (&self->pending, p);
  }
  if (self->release_flow != GST_FLOW_OK) {
    GstFlowReturn ret = self->release_flow;

    self->release_flow = GST_FLOW_OK;
    discard_pending (self);
    return ret;
  }
  /* Disabled: frames pass unchanged, those that were waiting first. */
  if (passthrough) {
    Pending *head = g_queue_pop_head (&self->pending);

    *outbuf = gst_buffer_ref (head->buf);
    pending_free (head);
    return GST_FLOW_OK;
  }
  ret = next_output (self, outbuf);
  if (ret == GST_FLOW_OK && !*outbuf)
    ensure_releaser (self);
  return ret;
}

/* Before a serialized event goes on: the frames in line go first, waiting
 * for the worker at most until each head's time is up. */
static void
drain (GstLiveKitDecrypt * self)
{
  while (push_decided (self) == GST_FLOW_OK && self->pending.head) {
    guint seen;
    gint64 end_time;
    GstLiveKitKeyring *keyring = head_wait (self, &seen, &end_time);

    if (!keyring) {
      discard_pending (self);
      break;
    }
    gst_livekit_keyring_wait_ratchet_progress (keyring, seen, end_time);
    gst_object_unref (keyring);
  }
}

static gboolean
gst_livekit_decrypt_sink_event (GstBaseTransform * trans, GstEvent * event)
{
  GstLiveKitDecrypt *self = GST_LIVEKIT_DECRYPT (trans);

  if (GST_EVENT_TYPE (event) == GST_EVENT_FLUSH_STOP)
    discard_pending (self);
  else if (GST_EVENT_IS_SERIALIZED (event))
    drain (self);
  return
      GST_BASE_TRANSFORM_CLASS (gst_livekit_decrypt_parent_class)->sink_event
      (trans, event);
}

static gboolean
gst_livekit_decrypt_stop (GstBaseTransform * trans)
{
  GstLiveKitDecrypt *self = GST_LIVEKIT_DECRYPT (trans);
  GThread *thread;

  /* GstBaseTransform calls this after streaming stopped, without the
   * stream lock: take it, as the releaser may be at work. Before the base
   * class frees the cryptors the frames point to; a releaser waiting for
   * the lock then sees the new generation and quits. */
  GST_PAD_STREAM_LOCK (GST_BASE_TRANSFORM_SINK_PAD (self));
  discard_pending (self);
  self->generation++;
  self->releaser_running = FALSE;
  self->release_flow = GST_FLOW_OK;
  gst_livekit_output_pool_clear (&self->pool);
  thread = self->releaser_thread;
  self->releaser_thread = NULL;
  GST_PAD_STREAM_UNLOCK (GST_BASE_TRANSFORM_SINK_PAD (self));
  /* It quits within a slice and drops its reference to us. */
  if (thread && thread != g_thread_self ())
    g_thread_join (thread);
  else if (thread)
    g_thread_unref (thread);
  return GST_BASE_TRANSFORM_CLASS (gst_livekit_decrypt_parent_class)->stop
      (trans);
}

static void
gst_livekit_decrypt_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstLiveKitDecrypt *self = GST_LIVEKIT_DECRYPT (object);

  switch (prop_id) {
    case PROP_SIF_TRAILER:{
      const gchar *hex = g_value_get_string (value);
      gsize cap = hex ? strlen (hex) / 2 : 0, len = 0;
      guint8 *raw;
      GBytes *trailer = NULL;

      if (!gst_livekit_crypto_base_check_setting (GST_LIVEKIT_CRYPTO_BASE
              (self), "sif-trailer", hex ? gst_livekit_hex_problem (hex) :
              NULL))
        break;
      raw = g_malloc (cap + 1);
      if (hex && *hex && gst_livekit_hex_decode (hex, raw, cap, &len))
        trailer = g_bytes_new (raw, len);
      g_free (raw);
      GST_OBJECT_LOCK (self);
      g_clear_pointer (&self->sif_trailer, g_bytes_unref);
      self->sif_trailer = trailer;
      GST_OBJECT_UNLOCK (self);
      break;
    }
    case PROP_MAX_HOLD_TIME:
      GST_OBJECT_LOCK (self);
      self->max_hold_time = g_value_get_uint64 (value);
      g_atomic_int_set (&self->hold_enabled, self->max_hold_time > 0
          && self->max_held_frames > 0);
      GST_OBJECT_UNLOCK (self);
      break;
    case PROP_MAX_HELD_FRAMES:
      GST_OBJECT_LOCK (self);
      self->max_held_frames = g_value_get_uint (value);
      g_atomic_int_set (&self->hold_enabled, self->max_hold_time > 0
          && self->max_held_frames > 0);
      GST_OBJECT_UNLOCK (self);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
}

static void
gst_livekit_decrypt_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec)
{
  GstLiveKitDecrypt *self = GST_LIVEKIT_DECRYPT (object);

  switch (prop_id) {
    case PROP_SIF_TRAILER:{
      gchar *hex = NULL;
      GST_OBJECT_LOCK (self);
      if (self->sif_trailer) {
        gsize len;
        const guint8 *d = g_bytes_get_data (self->sif_trailer, &len);
        GString *s = g_string_sized_new (len * 2);
        for (gsize i = 0; i < len; i++)
          g_string_append_printf (s, "%02x", d[i]);
        hex = g_string_free (s, FALSE);
      }
      GST_OBJECT_UNLOCK (self);
      g_value_take_string (value, hex);
      break;
    }
    case PROP_MAX_HOLD_TIME:
      GST_OBJECT_LOCK (self);
      g_value_set_uint64 (value, self->max_hold_time);
      GST_OBJECT_UNLOCK (self);
      break;
    case PROP_MAX_HELD_FRAMES:
      GST_OBJECT_LOCK (self);
      g_value_set_uint (value, self->max_held_frames);
      GST_OBJECT_UNLOCK (self);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
}

static void
gst_livekit_decrypt_finalize (GObject * object)
{
  GstLiveKitDecrypt *self = GST_LIVEKIT_DECRYPT (object);

  g_clear_pointer (&self->sif_trailer, g_bytes_unref);
  discard_pending (self);
  /* Only the releaser itself can drop the last reference while it runs. */
  g_clear_pointer (&self->releaser_thread, g_thread_unref);
  g_free (self->scratch);
  gst_livekit_output_pool_clear (&self->pool);
  G_OBJECT_CLASS (gst_livekit_decrypt_parent_class)->finalize (object);
}

static void
gst_livekit_decrypt_init (GstLiveKitDecrypt * self)
{
  self->max_hold_time = DEFAULT_MAX_HOLD_TIME;
  self->max_held_frames = DEFAULT_MAX_HELD_FRAMES;
  self->hold_enabled = TRUE;
  g_queue_init (&self->pending);
}

static void
gst_livekit_decrypt_class_init (GstLiveKitDecryptClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstBaseTransformClass *trans_class = GST_BASE_TRANSFORM_CLASS (klass);
  GstLiveKitCryptoBaseClass *base_class = GST_LIVEKIT_CRYPTO_BASE_CLASS (klass);

  gobject_class->set_property = gst_livekit_decrypt_set_property;
  gobject_class->get_property = gst_livekit_decrypt_get_property;
  gobject_class->finalize = gst_livekit_decrypt_finalize;
  trans_class->prepare_output_buffer =
      GST_DEBUG_FUNCPTR (gst_livekit_decrypt_prepare_output_buffer);
  trans_class->transform = GST_DEBUG_FUNCPTR (gst_livekit_decrypt_transform);
  trans_class->generate_output =
      GST_DEBUG_FUNCPTR (gst_livekit_decrypt_generate_output);
  trans_class->sink_event = GST_DEBUG_FUNCPTR (gst_livekit_decrypt_sink_event);
  trans_class->stop = GST_DEBUG_FUNCPTR (gst_livekit_decrypt_stop);
  base_class->encrypt = FALSE;
  base_class->setup_cryptor = gst_livekit_decrypt_setup_cryptor;

  g_object_class_install_property (gobject_class, PROP_SIF_TRAILER,
      g_param_spec_string ("sif-trailer", "SIF trailer",
          "Hex of the room's server-injected-frame trailer (JoinResponse "
          "sif_trailer): frames ending with it pass only if they are one of "
          "LiveKit's blank frames", NULL, G_PARAM_READWRITE |
          G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY));
  g_object_class_install_property (gobject_class, PROP_MAX_HOLD_TIME,
      g_param_spec_uint64 ("max-hold-time", "Max hold time",
          "Longest a frame is held (ns) while the keyring derives the "
          "ratchet steps it may need; then it is dropped. 0 never holds",
          0, G_MAXUINT64, DEFAULT_MAX_HOLD_TIME, G_PARAM_READWRITE |
          G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_PLAYING));
  g_object_class_install_property (gobject_class, PROP_MAX_HELD_FRAMES,
      g_param_spec_uint ("max-held-frames", "Max held frames",
          "Most frames of one sender waiting behind a held frame; one more "
          "and the held frame is dropped. 0 never holds", 0, G_MAXUINT,
          DEFAULT_MAX_HELD_FRAMES, G_PARAM_READWRITE |
          G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_PLAYING));

  gst_element_class_set_static_metadata (element_class,
      "LiveKit E2EE decryptor", "Filter/Decoder/Crypto",
      "Decrypts frames in LiveKit's end-to-end encryption format",
      "gst-livekit-e2ee developers");
}
