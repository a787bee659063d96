#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "composite.h"

#include <math.h>

/* How far behind the room's clock inputs may be (the network's jitter
 * buffer sits before them). */
#define INPUT_LATENCY (300 * GST_MSECOND)

typedef struct
{
  RecComposite *comp;
  GstPad *mixer_pad;            /* compositor sink pad */
  GPtrArray *elements;
  gchar *identity;
  gint untimed;                 /* decoded frames without a timestamp */
} Tile;

struct _RecComposite
{
  GstBin *pipeline;
  gchar *path;
  gint width, height;
  GstElement *video_bg, *audio_bg, *compositor, *mixer, *sink;
  GMutex lock;
  GPtrArray *tiles;             /* Tile: the video inputs, in grid order */
  GPtrArray *parts;             /* every element it added to the pipeline */
  gint stopping, done, failed;
};

const gchar *
rec_decoder_for (const gchar * caps_name)
{
  static const struct
  {
    const gchar *caps, *decoder;
  } map[] = {
    {"audio/x-opus", "opusdec"}, {"video/x-vp8", "vp8dec"},
    {"video/x-vp9", "vp9dec"}, {"video/x-h264", "avdec_h264"},
    {"video/x-h265", "avdec_h265"}, {"video/x-av1", "av1dec"},
  };

  for (guint i = 0; i < G_N_ELEMENTS (map); i++)
    if (g_str_equal (caps_name, map[i].caps))
      return map[i].decoder;
  return NULL;
}

static void
add_part (RecComposite * c, GstElement * e)
{
  g_mutex_lock (&c->lock);
  g_ptr_array_add (c->parts, gst_object_ref (e));
  g_mutex_unlock (&c->lock);
}

static GstElement *
make (RecComposite * c, const gchar * factory, GError ** error)
{
  GstElement *e = gst_element_factory_make (factory, NULL);

  if (!e)
    g_set_error (error, GST_CORE_ERROR, GST_CORE_ERROR_MISSING_PLUGIN,
        "the element %s is missing", factory);
  else
    add_part (c, e);
  return e;
}

/* Builds "a ! b ! c" inside the pipeline from a description; NULL when an
 * element is missing. */
static GstElement *
chain (RecComposite * c, const gchar * desc, GError ** error)
{
  GstElement *bin = gst_parse_bin_from_description (desc, TRUE, error);

  if (bin) {
    add_part (c, bin);
    gst_bin_add (c->pipeline, bin);
  }
  return bin;
}

static void
layout (RecComposite * c)
{
  guint n = c->tiles->len, cols, rows;

  if (n == 0)
    return;
  cols = (guint) ceil (sqrt (n));
  rows = (n + cols - 1) / cols;
  for (guint i = 0; i < n; i++) {
    Tile *t = g_ptr_array_index (c->tiles, i);
    gint w = c->width / cols, h = c->height / rows;

    g_object_set (t->mixer_pad, "xpos", (gint) (i % cols) * w, "ypos",
        (gint) (i / cols) * h, "width", w, "height", h, NULL);
  }
}

/* gst_element_send_event (EOS) on a live source waits for its live lock,
 * which its streaming thread may hold while it pushes; when the output
 * stalled (a disk that hangs, a muxer waiting for a stream that errored)
 * the caller waited for ever (issue 11); sent from another thread, it held
 * the source's state lock and kept the pipeline from going to NULL (seen
 * in test-record-composite). Here the source's own
 * thread learns of the end from its push and sends the EOS itself;
 * nothing waits: a stalled push is flushed by the NULL state. */
static GstPadProbeReturn
on_background (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  RecComposite *c = data;

  if (!g_atomic_int_get (&c->stopping))
    return GST_PAD_PROBE_OK;
  gst_mini_object_unref (GST_PAD_PROBE_INFO_DATA (info));
  GST_PAD_PROBE_INFO_FLOW_RETURN (info) = GST_FLOW_EOS;
  return GST_PAD_PROBE_HANDLED;
}

static void
end_on_stop (RecComposite * c, GstElement * bg)
{
  GstPad *pad = gst_element_get_static_pad (bg, "src");

  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER |
      GST_PAD_PROBE_TYPE_BUFFER_LIST, on_background, c, NULL);
  gst_object_unref (pad);
}

static GstPadProbeReturn
on_sink_event (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  RecComposite *c = data;

  if (GST_EVENT_TYPE (GST_PAD_PROBE_INFO_EVENT (info)) == GST_EVENT_EOS)
    g_atomic_int_set (&c->done, 1);
  return GST_PAD_PROBE_OK;
}

RecComposite *
rec_composite_new (GstBin * pipeline, const gchar * path, gint width,
    gint height, gint fps, GError ** error)
{
  RecComposite *c = g_new0 (RecComposite, 1);
  GstElement *venc, *aenc;
  gchar *desc;
  GstPad *pad;

  c->pipeline = pipeline;
  c->path = g_strdup (path);
  c->width = width;
  c->height = height;
  g_mutex_init (&c->lock);
  c->tiles = g_ptr_array_new ();
  c->parts = g_ptr_array_new_with_free_func (gst_object_unref);

  /* The background sets the picture's size and rate and keeps both
   * aggregators producing when no participant sends. */
  desc = g_strdup_printf ("videotestsrc is-live=true pattern=black ! "
      "capsfilter caps=video/x-raw,format=I420,width=%d,height=%d,framerate=%d/1",
      width,
      height, fps);
  c->video_bg = chain (c, desc, error);
  g_free (desc);
  if (!c->video_bg)
    goto fail;
  c->audio_bg = chain (c, "audiotestsrc is-live=true wave=silence "
      "samplesperbuffer=960 ! "
      "capsfilter caps=audio/x-raw,format=S16LE,rate=48000,channels=2",
      error);
  if (!c->audio_bg)
    goto fail;
  if (!(c->compositor = make (c, "compositor", error)) ||
      !(c->mixer = make (c, "audiomixer", error)))
    goto fail;
  g_object_set (c->compositor, "latency", (guint64) INPUT_LATENCY,
      "background", 1 /* black */ , NULL);
  g_object_set (c->mixer, "latency", (guint64) INPUT_LATENCY, NULL);
  gst_bin_add_many (pipeline, c->compositor, c->mixer, NULL);
  /* The rate is fixed too: the compositor would take the fastest input's
   * (avdec_h264 says 25/1) and webmmux refuses the caps change. */
  desc = g_strdup_printf ("videoconvert ! capsfilter caps=video/x-raw,format=I420,"
      "width=%d,height=%d,framerate=%d/1 ! vp8enc deadline=1 cpu-used=8 threads=1 "
      "keyframe-max-dist=%d target-bitrate=800000 end-usage=cbr", width, height,
      fps, fps * 2);
  venc = chain (c, desc, error);
  g_free (desc);
  aenc = chain (c, "audioconvert ! audioresample ! opusenc", error);
  if (!venc || !aenc)
    goto fail;
  {
    GstElement *mux = make (c, "webmmux", error);
    if (!mux || !(c->sink = make (c, "filesink", error)))
      goto fail;
    g_object_set (c->sink, "location", path, "sync", FALSE, "async", FALSE,
        NULL);
    gst_bin_add_many (pipeline, mux, c->sink, NULL);
    gst_element_link_many (c->video_bg, c->compositor, venc, mux, c->sink,
        NULL);
    gst_element_link_many (c->audio_bg, c->mixer, aenc, mux, NULL);
  }
  end_on_stop (c, c->video_bg);
  end_on_stop (c, c->audio_bg);
  pad = gst_element_get_static_pad (c->sink, "sink");
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM, on_sink_event,
      c, NULL);
  gst_object_unref (pad);
  /* The background sits under every tile. */
  pad = gst_element_get_static_pad (c->compositor, "sink_0");
  if (pad) {
    g_object_set (pad, "zorder", 0, NULL);
    gst_object_unref (pad);
  }
  return c;

fail:
  rec_composite_free (c);
  return NULL;
}

static void
tile_free (Tile * t)
{
  gst_object_unref (t->mixer_pad);
  g_ptr_array_unref (t->elements);
  g_free (t->identity);
  g_free (t);
}

static gboolean
remove_tile (gpointer data)
{
  Tile *t = data;
  RecComposite *c = t->comp;
  GstPad *peer;

  g_mutex_lock (&c->lock);
  g_ptr_array_remove (c->tiles, t);
  layout (c);
  g_mutex_unlock (&c->lock);
  peer = gst_pad_get_peer (t->mixer_pad);
  if (peer) {
    gst_pad_unlink (peer, t->mixer_pad);
    gst_object_unref (peer);
  }
  gst_element_release_request_pad (c->compositor, t->mixer_pad);
  for (guint i = 0; i < t->elements->len; i++) {
    GstElement *e = g_ptr_array_index (t->elements, i);
    gst_element_set_state (e, GST_STATE_NULL);
    gst_bin_remove (c->pipeline, e);
  }
  tile_free (t);
  return G_SOURCE_REMOVE;
}

/* Once the composite failed its inputs take nothing: the tee before them
 * would otherwise return its error to the participant's own file. */
static GstPadProbeReturn
on_input (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  RecComposite *c = data;

  return g_atomic_int_get (&c->failed) ? GST_PAD_PROBE_DROP :
      GST_PAD_PROBE_OK;
}

/* compositor fails the whole picture on a frame without a timestamp
 * ("Need timestamped buffers!"): a bin publisher's VP9 came without
 * timestamps from the room bin after a rejoin (run-record.sh with
 * PY_VIDEO=h264 GST_VIDEO=vp9, 2 of 5 runs; matroskamux dropped the same
 * frames from the participant's file). Such a frame has no place in the
 * picture: it is dropped, which costs that tile the frame. */
static GstPadProbeReturn
on_tile_frame (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  Tile *t = data;

  if (GST_BUFFER_PTS_IS_VALID (GST_PAD_PROBE_INFO_BUFFER (info)))
    return GST_PAD_PROBE_OK;
  if (g_atomic_int_add (&t->untimed, 1) == 0)
    g_printerr ("gst-livekit-record: the composite drops %s's decoded video "
        "frames that have no timestamp\n", t->identity);
  return GST_PAD_PROBE_DROP;
}

/* A participant's video ended (left the room): its tile goes and the grid
 * re-flows. At the end of the recording the EOS goes on to the file. */
static GstPadProbeReturn
on_tile_eos (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  Tile *t = data;

  if (GST_EVENT_TYPE (GST_PAD_PROBE_INFO_EVENT (info)) != GST_EVENT_EOS)
    return GST_PAD_PROBE_OK;
  if (g_atomic_int_get (&t->comp->stopping))
    return GST_PAD_PROBE_OK;
  g_idle_add (remove_tile, t);
  return GST_PAD_PROBE_DROP;
}

gboolean
rec_composite_add (RecComposite * c, GstPad * src, const gchar * caps_name,
    const gchar * identity, GError ** error)
{
  const gchar *decoder = rec_decoder_for (caps_name);
  gboolean video = g_str_has_prefix (caps_name, "video/");
  GstElement *branch;
  GstPad *sink, *out, *mixer_pad;
  gchar *desc;

  if (!decoder) {
    g_set_error (error, GST_STREAM_ERROR, GST_STREAM_ERROR_CODEC_NOT_FOUND,
        "no decoder for %s", caps_name);
    return FALSE;
  }
  /* The decoders may fall behind for a moment: the queue keeps the
   * recording's own branch from waiting for them. */
  desc = video ?
      g_strdup_printf ("queue max-size-time=2000000000 max-size-buffers=0 "
      "max-size-bytes=0 leaky=downstream ! %s ! videoconvert ! "
      "capsfilter caps=video/x-raw,format=I420", decoder) :
      g_strdup_printf ("queue max-size-time=2000000000 max-size-buffers=0 "
      "max-size-bytes=0 leaky=downstream ! %s ! audioconvert ! audioresample ! "
      "capsfilter caps=audio/x-raw,format=S16LE,rate=48000,channels=2", decoder);
  branch = chain (c, desc, error);
  g_free (desc);
  if (!branch)
    return FALSE;
  mixer_pad = gst_element_request_pad_simple (video ? c->compositor :
      c->mixer, "sink_%u");
  out = gst_element_get_static_pad (branch, "src");
  gst_pad_link (out, mixer_pad);
  if (video) {
    Tile *t = g_new0 (Tile, 1);

    t->comp = c;
    t->mixer_pad = gst_object_ref (mixer_pad);
    t->elements = g_ptr_array_new ();
    g_ptr_array_add (t->elements, branch);
    t->identity = g_strdup (identity);
    g_object_set (mixer_pad, "zorder", 1, NULL);
    gst_pad_add_probe (out, GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM, on_tile_eos,
        t, NULL);
    gst_pad_add_probe (out, GST_PAD_PROBE_TYPE_BUFFER, on_tile_frame, t, NULL);
    g_mutex_lock (&c->lock);
    g_ptr_array_add (c->tiles, t);
    layout (c);
    g_mutex_unlock (&c->lock);
  }
  gst_object_unref (out);
  gst_object_unref (mixer_pad);
  sink = gst_element_get_static_pad (branch, "sink");
  gst_pad_add_probe (sink, GST_PAD_PROBE_TYPE_DATA_DOWNSTREAM, on_input, c,
      NULL);
  gst_pad_link (src, sink);
  gst_object_unref (sink);
  gst_element_sync_state_with_parent (branch);
  return TRUE;
}

void
rec_composite_stop (RecComposite * c)
{
  /* The background sources end themselves (on_background): the next push
   * of each answers EOS. Nothing here waits for a streaming thread. */
  g_atomic_int_set (&c->stopping, 1);
}

gboolean
rec_composite_owns (RecComposite * c, GstObject * obj)
{
  gboolean owns = FALSE;

  g_mutex_lock (&c->lock);
  for (guint i = 0; !owns && i < c->parts->len; i++) {
    GstObject *part = g_ptr_array_index (c->parts, i);
    owns = obj == part || gst_object_has_as_ancestor (obj, part);
  }
  g_mutex_unlock (&c->lock);
  return owns;
}

void
rec_composite_fail (RecComposite * c)
{
  g_atomic_int_set (&c->failed, 1);
  g_atomic_int_set (&c->done, 1);       /* its file will not get better */
}

gboolean
rec_composite_has_failed (RecComposite * c)
{
  return g_atomic_int_get (&c->failed);
}

gboolean
rec_composite_is_done (RecComposite * c)
{
  return g_atomic_int_get (&c->done);
}

guint
rec_composite_get_tiles (RecComposite * c)
{
  guint n;

  g_mutex_lock (&c->lock);
  n = c->tiles->len;
  g_mutex_unlock (&c->lock);
  return n;
}

const gchar *
rec_composite_get_path (RecComposite * c)
{
  return c->path;
}

void
rec_composite_free (RecComposite * c)
{
  g_free (c->path);
  /* The tiles still there at the end (participants who did not leave). */
  for (guint i = 0; i < c->tiles->len; i++)
    tile_free (g_ptr_array_index (c->tiles, i));
  g_ptr_array_unref (c->tiles);
  g_ptr_array_unref (c->parts);
  g_mutex_clear (&c->lock);
  g_free (c);
}
