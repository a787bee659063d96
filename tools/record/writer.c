#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "writer.h"

/* A video track's way into the muxer: what came last, for the gaps. */
typedef struct
{
  GstPad *muxpad;
  GMutex lock;
  GstSegment segment;           /* the last one that came */
  gboolean have_segment;
  GstClockTime end;             /* running time where its last frame ended */
  gint64 arrived;               /* monotonic, us: when that frame came */
  GstClockTime gap_end;         /* running time of the last gap */
  gboolean ended;
  GstBuffer *gap;               /* for the gap thread to push */
} Input;

struct _RecWriter
{
  GstBin *pipeline;
  gchar *path;
  GstElement *mux, *sink;
  GPtrArray *elements;          /* the parsers */
  GPtrArray *inputs;            /* Input, video tracks */
  GThreadPool *gaps;            /* one thread: pushes the gaps */
  RecWriterDoneFunc done;
  gpointer user_data;
  gint is_done;
  guint64 bytes;                /* atomic */
};

static GstPadProbeReturn
on_sink_data (GstPad * pad, GstPadProbeInfo * info, gpointer user_data)
{
  RecWriter *w = user_data;

  if (info->type & GST_PAD_PROBE_TYPE_BUFFER) {
    GstBuffer *buf = GST_PAD_PROBE_INFO_BUFFER (info);
    guint64 size = gst_buffer_get_size (buf);
    /* Header rewrites at the end seek back: count only growth. */
    guint64 end = GST_BUFFER_OFFSET_IS_VALID (buf) ?
        GST_BUFFER_OFFSET (buf) + size : w->bytes + size;
    if (end > w->bytes)
      w->bytes = end;
  } else if (GST_EVENT_TYPE (GST_PAD_PROBE_INFO_EVENT (info)) == GST_EVENT_EOS) {
    g_atomic_int_set (&w->is_done, 1);
    if (w->done)
      w->done (w, w->user_data);
  }
  return GST_PAD_PROBE_OK;
}

static void
input_free (Input * in)
{
  gst_clear_buffer (&in->gap);
  gst_object_unref (in->muxpad);
  g_mutex_clear (&in->lock);
  g_free (in);
}

static GstPadProbeReturn
on_input_data (GstPad * pad, GstPadProbeInfo * info, gpointer user_data)
{
  Input *in = user_data;

  g_mutex_lock (&in->lock);
  if (info->type & GST_PAD_PROBE_TYPE_BUFFER) {
    GstBuffer *buf = GST_PAD_PROBE_INFO_BUFFER (info);
    GstClockTime ts = GST_BUFFER_PTS_IS_VALID (buf) ? GST_BUFFER_PTS (buf) :
        GST_BUFFER_DTS (buf);

    if (GST_BUFFER_FLAG_IS_SET (buf, GST_BUFFER_FLAG_GAP)) {
      /* ours */
    } else if (in->have_segment && GST_CLOCK_TIME_IS_VALID (ts)) {
      in->arrived = g_get_monotonic_time ();
      GstClockTime rt = gst_segment_to_running_time (&in->segment,
          GST_FORMAT_TIME, ts + (GST_BUFFER_DURATION_IS_VALID (buf) ?
              GST_BUFFER_DURATION (buf) : 0));
      if (GST_CLOCK_TIME_IS_VALID (rt) && (!GST_CLOCK_TIME_IS_VALID (in->end)
              || rt > in->end))
        in->end = rt;
    }
  } else {
    GstEvent *ev = GST_PAD_PROBE_INFO_EVENT (info);
    if (GST_EVENT_TYPE (ev) == GST_EVENT_SEGMENT) {
      const GstSegment *seg;
      gst_event_parse_segment (ev, &seg);
      gst_segment_copy_into (seg, &in->segment);
      in->have_segment = TRUE;
    } else if (GST_EVENT_TYPE (ev) == GST_EVENT_EOS) {
      in->ended = TRUE;
    }
  }
  g_mutex_unlock (&in->lock);
  return GST_PAD_PROBE_OK;
}

/* The gap thread. The muxer's pad holds a buffer until every other pad has
 * one too, so the push can wait (for audio that is late as well): never on
 * the main loop. */
static void
push_gap (gpointer data, gpointer user_data)
{
  Input *in = data;
  GstBuffer *gap;

  g_mutex_lock (&in->lock);
  gap = g_steal_pointer (&in->gap);
  g_mutex_unlock (&in->lock);
  if (gap)
    gst_pad_chain (in->muxpad, gap);
}

RecWriter *
rec_writer_new (GstBin * pipeline, const gchar * path,
    RecWriterDoneFunc done, gpointer user_data)
{
  RecWriter *w = g_new0 (RecWriter, 1);
  GstPad *pad;

  w->pipeline = pipeline;
  w->path = g_strdup (path);
  w->done = done;
  w->user_data = user_data;
  w->elements = g_ptr_array_new ();
  w->inputs = g_ptr_array_new_with_free_func ((GDestroyNotify) input_free);
  w->gaps = g_thread_pool_new (push_gap, w, 1, FALSE, NULL);
  w->mux = gst_element_factory_make ("matroskamux", NULL);
  w->sink = gst_element_factory_make ("filesink", NULL);
  /* The sink joins a running pipeline: no preroll, no clock (the frames are
   * written as they come; their timestamps are the room's timeline). */
  g_object_set (w->sink, "location", path, "sync", FALSE, "async", FALSE, NULL);
  gst_bin_add_many (pipeline, w->mux, w->sink, NULL);
  gst_element_link (w->mux, w->sink);
  pad = gst_element_get_static_pad (w->sink, "sink");
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER |
      GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM, on_sink_data, w, NULL);
  gst_object_unref (pad);
  return w;
}

/* Matroska wants H.264/H.265 in avc/hvc1 form with codec data, Opus with
 * its channel count and rate, VP8/VP9 with the picture size: the parsers
 * say all of that without touching the frames' content. */
static const gchar *
parser_for (const gchar * caps_name, const gchar ** filter)
{
  *filter = NULL;
  if (g_str_equal (caps_name, "audio/x-opus"))
    return "opusparse";
  if (g_str_equal (caps_name, "video/x-h264")) {
    *filter = "video/x-h264,stream-format=avc,alignment=au";
    return "h264parse";
  }
  if (g_str_equal (caps_name, "video/x-h265")) {
    *filter = "video/x-h265,stream-format=hvc1,alignment=au";
    return "h265parse";
  }
  if (g_str_equal (caps_name, "video/x-vp9"))
    return "vp9parse";
  if (g_str_equal (caps_name, "video/x-vp8"))
    return "identity";
  return NULL;
}

gboolean
rec_writer_add_track (RecWriter * w, GstPad * src, const gchar * caps_name,
    GError ** error)
{
  const gchar *filter_str, *factory = parser_for (caps_name, &filter_str);
  GstElement *parser, *last;
  GstPad *sink, *muxpad;
  gboolean audio = g_str_has_prefix (caps_name, "audio/");

  if (!factory) {
    g_set_error (error, GST_STREAM_ERROR, GST_STREAM_ERROR_CODEC_NOT_FOUND,
        "%s cannot be recorded", caps_name);
    return FALSE;
  }
  parser = gst_element_factory_make (factory, NULL);
  if (!parser) {
    g_set_error (error, GST_CORE_ERROR, GST_CORE_ERROR_MISSING_PLUGIN,
        "the element %s is missing", factory);
    return FALSE;
  }
  gst_bin_add (w->pipeline, parser);
  g_ptr_array_add (w->elements, parser);
  last = parser;
  if (filter_str) {
    GstElement *filter = gst_element_factory_make ("capsfilter", NULL);
    GstCaps *caps = gst_caps_from_string (filter_str);

    g_object_set (filter, "caps", caps, NULL);
    gst_caps_unref (caps);
    gst_bin_add (w->pipeline, filter);
    g_ptr_array_add (w->elements, filter);
    gst_element_link (parser, filter);
    last = filter;
  }
  muxpad = gst_element_request_pad_simple (w->mux, audio ? "audio_%u" :
      "video_%u");
  if (!muxpad) {
    g_set_error (error, GST_CORE_ERROR, GST_CORE_ERROR_PAD,
        "the muxer of %s takes no more tracks", w->path);
    return FALSE;
  }
  gst_element_link_pads (last, "src", w->mux, GST_PAD_NAME (muxpad));
  if (!audio) {
    Input *in = g_new0 (Input, 1);

    in->muxpad = gst_object_ref (muxpad);
    g_mutex_init (&in->lock);
    in->end = in->gap_end = GST_CLOCK_TIME_NONE;
    gst_segment_init (&in->segment, GST_FORMAT_TIME);
    g_ptr_array_add (w->inputs, in);
    gst_pad_add_probe (muxpad, GST_PAD_PROBE_TYPE_BUFFER |
        GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM, on_input_data, in, NULL);
  }
  gst_object_unref (muxpad);
  sink = gst_element_get_static_pad (parser, "sink");
  gst_pad_link (src, sink);
  gst_object_unref (sink);
  return TRUE;
}

void
rec_writer_set_date (RecWriter * w, GDateTime * zero)
{
  g_object_set (w->mux, "creation-time", zero, NULL);
}

void
rec_writer_start (RecWriter * w)
{
  gst_element_sync_state_with_parent (w->sink);
  gst_element_sync_state_with_parent (w->mux);
  for (guint i = 0; i < w->elements->len; i++)
    gst_element_sync_state_with_parent (g_ptr_array_index (w->elements, i));
}

void
rec_writer_fill_gaps (RecWriter * w, gint64 now)
{
  for (guint i = 0; i < w->inputs->len; i++) {
    Input *in = g_ptr_array_index (w->inputs, i);
    gboolean push = FALSE;

    g_mutex_lock (&in->lock);
    /* Only a track that had data: before its first frame the muxer has
     * not written its header, and nothing of the file waits yet. Idle is
     * by arrival, not timestamps: frames held in the recorder's queue
     * while a file starts are old but still coming. */
    if (!in->ended && !in->gap && in->have_segment
        && GST_CLOCK_TIME_IS_VALID (in->end)
        && now - in->arrived >= REC_WRITER_GAP_AFTER / GST_USECOND) {
      /* Where the track's timeline is now, less a margin: a frame that
       * comes after this (same latency as the last one) is later. */
      GstClockTime until = in->end + (now - in->arrived) * GST_USECOND -
          REC_WRITER_GAP_AFTER / 2;
      /* GstCollectPads hands over the earliest buffer first, by its start:
       * the gap is stamped where it ends, so everything before goes. */
      GstClockTime pos = gst_segment_position_from_running_time (&in->segment,
          GST_FORMAT_TIME, until);

      if (GST_CLOCK_TIME_IS_VALID (pos) && (!GST_CLOCK_TIME_IS_VALID
              (in->gap_end) || until > in->gap_end)) {
        GstBuffer *gap = in->gap = gst_buffer_new ();
        GST_BUFFER_PTS (gap) = GST_BUFFER_DTS (gap) = pos;
        GST_BUFFER_FLAG_SET (gap, GST_BUFFER_FLAG_GAP |
            GST_BUFFER_FLAG_DROPPABLE | GST_BUFFER_FLAG_DELTA_UNIT);
        in->gap_end = until;
        push = TRUE;
      }
    }
    g_mutex_unlock (&in->lock);
    /* matroskamux (GstCollectPads in 1.22) waits for data on every pad and
     * ignores GAP events: an empty GAP buffer is what lets the other
     * tracks' data through (it writes an empty block, which demuxers and
     * decoders skip). */
    if (push)
      g_thread_pool_push (w->gaps, in, NULL);
  }
}

const gchar *
rec_writer_get_path (RecWriter * w)
{
  return w->path;
}

gboolean
rec_writer_is_done (RecWriter * w)
{
  return g_atomic_int_get (&w->is_done);
}

guint64
rec_writer_get_bytes (RecWriter * w)
{
  return w->bytes;
}

void
rec_writer_free (RecWriter * w)
{
  g_free (w->path);
  g_ptr_array_unref (w->elements);
  /* After the pipeline went to NULL: a waiting push returned FLUSHING. */
  g_thread_pool_free (w->gaps, TRUE, TRUE);
  g_ptr_array_unref (w->inputs);
  g_free (w);
}
