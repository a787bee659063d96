#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "writer.h"

struct _RecWriter
{
  GstBin *pipeline;
  gchar *path;
  GstElement *mux, *sink;
  GPtrArray *elements;          /* the parsers */
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
  gst_object_unref (muxpad);
  sink = gst_element_get_static_pad (parser, "sink");
  gst_pad_link (src, sink);
  gst_object_unref (sink);
  return TRUE;
}

void
rec_writer_start (RecWriter * w)
{
  gst_element_sync_state_with_parent (w->sink);
  gst_element_sync_state_with_parent (w->mux);
  for (guint i = 0; i < w->elements->len; i++)
    gst_element_sync_state_with_parent (g_ptr_array_index (w->elements, i));
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
  g_free (w);
}
