/* Subscribed tracks. For each RTP pad of the subscriber webrtcbin the room
 * model names the track (msid, else mid) and its sender; every packet is
 * stamped with a GstLiveKitFrameMeta naming the sender, depayloaded, and
 * GCM tracks are decrypted with that sender's keys. The frames go to a
 * GstLiveKitTrackOutput behind the source pad the model names for the
 * participant's source (`alice_microphone`). When the track ends (a
 * rejoin, an unpublish) the pad stays, idle, for the grace period; the
 * same participant's source coming back continues on it, else it ends
 * with EOS and is removed. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstlivekitroomsubscriber.h"
#include "gstlivekittrackoutput.h"
#include "gstlivekitroompad.h"
#include "gstlivekitsdpcodecs.h"

#include <gst/livekit/livekit.h>
#include <gst/webrtc/webrtc.h>
#include <string.h>

#define GST_CAT_DEFAULT gst_livekit_room_bin_debug

/* A source pad of the bin. */
typedef struct
{
  GstLiveKitRoomSubscriber *owner;
  gchar *name;
  GstElement *output;           /* GstLiveKitTrackOutput, in the bin */
  GstPad *ghost;                /* the bin's pad */
  guint n_tracks;               /* tracks feeding it now */
  GSource *grace;               /* its end, while idle */
} Output;

/* A track received on one webrtcbin pad. */
typedef struct
{
  GstLiveKitRoomSubscriber *owner;
  /* Interned: every packet's meta points at them, nothing is copied. */
  const gchar *identity;
  const gchar *track_sid;
  GPtrArray *elements;          /* in the bin; refs held here */
  Output *output;               /* NULL once it stopped feeding it */
  GstPad *input;                /* its sink pad on the output */
  GstPad *webrtc_pad;           /* where it comes from */
  gulong stamp_probe;
} Track;

struct _GstLiveKitRoomSubscriber
{
  const GstLiveKitRoomHost *host;
  GstLiveKitRoomModel *model;
  GMutex lock;
  GMainContext *context;        /* not owned */
  GHashTable *outputs;          /* name -> Output */
  GPtrArray *tracks;            /* Track, not owned (the pads' qdata is) */
  GstClockTime grace_period;
  gboolean grace_suspended;     /* between sessions */
  gchar *sif_trailer;
  GCond learned;                /* the model learned a track */
  guint epoch;                  /* bumped when the tracks are dropped */
  gulong published_id;
};

/* How long a track's chain waits for the announcement of a track whose
 * media came first (the server sends participant updates and the
 * subscriber offer on separate paths; LiveKit's clients wait too). */
#define ANNOUNCEMENT_WAIT_MS 3000

static GQuark track_quark;

typedef struct
{
  const gchar *encoding;
  const gchar *depayloader;
  const gchar *caps;            /* what the decryptor needs, if not plain */
} DepayChoice;

static const DepayChoice depayloaders[] = {
  {"OPUS", "rtpopusdepay", NULL},
  {"VP8", "rtpvp8depay", NULL},
  {"VP9", "rtpvp9depay", NULL},
  /* The decryptor needs whole access units in byte-stream form, which is
   * what libwebrtc reassembles too (spec livekit-e2ee.md §14.7). */
  {"H264", "rtph264depay",
      "video/x-h264,stream-format=byte-stream,alignment=au"},
  {"H265", "rtph265depay",
      "video/x-h265,stream-format=byte-stream,alignment=au"},
};

/* ---------------------------------------------------------------- outputs */

static void
output_free (Output * o)
{
  if (o->grace) {
    g_source_destroy (o->grace);
    g_source_unref (o->grace);
  }
  g_free (o->name);
  gst_clear_object (&o->output);
  gst_clear_object (&o->ghost);
  g_free (o);
}

/* A new source pad for @track's participant and source (not yet added to
 * the bin). Lock held. */
static Output *
output_new (GstLiveKitRoomSubscriber * self, const gchar * name,
    const GstLiveKitRoomTrack * track)
{
  GstBin *bin = self->host->bin;
  GstPadTemplate *templ =
      gst_element_class_get_pad_template (GST_ELEMENT_GET_CLASS (bin), "%s");
  Output *o = g_new0 (Output, 1);
  GstPad *src;

  o->owner = self;
  o->name = g_strdup (name);
  o->output = gst_object_ref (gst_livekit_track_output_new ());
  gst_bin_add (bin, o->output);
  gst_element_sync_state_with_parent (o->output);
  src = gst_element_get_static_pad (o->output, "src");
  o->ghost = gst_object_ref (gst_livekit_room_pad_new (name, templ, src,
          track->identity, gst_livekit_track_source_to_string (track->source),
          track->type == GST_LIVEKIT_TRACK_TYPE_AUDIO ? "audio" : "video"));
  gst_object_unref (src);
  g_hash_table_insert (self->outputs, o->name, o);
  return o;
}

/* The pad ends: EOS, then it goes. Signalling thread, no lock held. */
static void
end_output (GstLiveKitRoomSubscriber * self, Output * o)
{
  GstBin *bin = self->host->bin;

  GST_INFO_OBJECT (bin, "%s ended", o->name);
  gst_livekit_track_output_end (GST_LIVEKIT_TRACK_OUTPUT (o->output));
  gst_element_remove_pad (GST_ELEMENT (bin), o->ghost);
  gst_element_set_state (o->output, GST_STATE_NULL);
  gst_bin_remove (bin, o->output);
  gst_livekit_room_model_forget_pad (self->model, o->name);
  output_free (o);
}

static gboolean
grace_over (gpointer data)
{
  Output *o = data;
  GstLiveKitRoomSubscriber *self = o->owner;
  gboolean still_idle;

  g_mutex_lock (&self->lock);
  still_idle = o->n_tracks == 0;
  g_source_unref (o->grace);
  o->grace = NULL;
  if (still_idle)
    g_hash_table_steal (self->outputs, o->name);
  g_mutex_unlock (&self->lock);
  if (still_idle)
    end_output (self, o);
  return G_SOURCE_REMOVE;
}

/* An idle pad starts waiting for its source to come back. Lock held;
 * returns TRUE when it must end right away (the caller ends it, unlocked). */
static gboolean
schedule_end (GstLiveKitRoomSubscriber * self, Output * o)
{
  if (o->n_tracks > 0 || o->grace || self->grace_suspended || !self->context)
    return FALSE;
  if (self->grace_period == 0) {
    g_hash_table_steal (self->outputs, o->name);
    return TRUE;
  }
  o->grace = g_timeout_source_new (self->grace_period / GST_MSECOND);
  g_source_set_callback (o->grace, grace_over, o, NULL);
  g_source_attach (o->grace, self->context);
  return FALSE;
}

/* ------------------------------------------------------------------ tracks */

static void
track_free (Track * t)
{
  g_ptr_array_unref (t->elements);
  gst_clear_object (&t->input);
  gst_clear_object (&t->webrtc_pad);
  g_free (t);
}

static void
stamp_buffer (GstBuffer * buf, Track * t)
{
  GstLiveKitFrameMeta *meta = gst_buffer_get_livekit_frame_meta (buf);
  if (meta)
    gst_livekit_frame_meta_set_identity (meta, t->identity, t->track_sid);
  else
    gst_buffer_add_livekit_frame_meta (buf, t->identity, t->track_sid);
}

static gboolean
stamp_list_item (GstBuffer ** buf, guint idx, gpointer data)
{
  *buf = gst_buffer_make_writable (*buf);
  stamp_buffer (*buf, data);
  return TRUE;
}

/* The sender's identity rides on each packet; depayloaders carry the meta
 * over to the frames, where livekitdecrypt reads it. */
static GstPadProbeReturn
stamp_sender (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  if (info->type & GST_PAD_PROBE_TYPE_BUFFER) {
    GstBuffer *buf = gst_buffer_make_writable (GST_PAD_PROBE_INFO_BUFFER
        (info));
    stamp_buffer (buf, data);
    info->data = buf;
  } else if (info->type & GST_PAD_PROBE_TYPE_BUFFER_LIST) {
    GstBufferList *list =
        gst_buffer_list_make_writable (GST_PAD_PROBE_INFO_BUFFER_LIST (info));
    gst_buffer_list_foreach (list, stamp_list_item, data);
    info->data = list;
  }
  return GST_PAD_PROBE_OK;
}

/* In byte-stream mode rtph264depay/rtph265depay prepend the parameter sets
 * of their caps to the first access unit, which changes what was
 * authenticated: that frame would not decrypt. The sets are in the clear
 * prefix of every key frame anyway. */
static GstPadProbeReturn
strip_sprop (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  GstEvent *event = GST_PAD_PROBE_INFO_EVENT (info);
  GstCaps *caps;
  GstStructure *s;

  if (GST_EVENT_TYPE (event) != GST_EVENT_CAPS)
    return GST_PAD_PROBE_OK;
  gst_event_parse_caps (event, &caps);
  caps = gst_caps_copy (caps);
  s = gst_caps_get_structure (caps, 0);
  gst_structure_remove_fields (s, "sprop-parameter-sets", "sprop-vps",
      "sprop-sps", "sprop-pps", NULL);
  gst_event_unref (event);
  info->data = gst_event_new_caps (caps);
  gst_caps_unref (caps);
  return GST_PAD_PROBE_OK;
}

/* What the room model knows of the track on @pad; a made-up unknown one
 * when nothing. */
static GstLiveKitRoomTrack *
track_for_pad (GstLiveKitRoomSubscriber * self, GstPad * pad,
    GstLiveKitTrackType type)
{
  GstWebRTCRTPTransceiver *trans = NULL;
  GstLiveKitRoomTrack *track;
  gchar *mid = NULL, *msid = NULL, *sid;

  g_object_get (pad, "transceiver", &trans, NULL);
  if (trans) {
    g_object_get (trans, "mid", &mid, NULL);
    /* No mid: webrtcbin failed to apply an answer before this m-line (see
     * gst_livekit_room_model_set_mline_mids); its index still names it. */
    if (!mid) {
      guint mline = G_MAXUINT;
      g_object_get (trans, "mlineindex", &mline, NULL);
      mid = gst_livekit_room_model_dup_mline_mid (self->model, mline);
    }
    gst_object_unref (trans);
  }
  if (g_object_class_find_property (G_OBJECT_GET_CLASS (pad), "msid"))
    g_object_get (pad, "msid", &msid, NULL);
  sid = gst_livekit_room_model_resolve_track (self->model, msid, mid);
  track = gst_livekit_room_model_lookup_track (self->model, sid);
  if (!track) {
    track = g_new0 (GstLiveKitRoomTrack, 1);
    track->sid = g_strdup (sid ? sid : GST_PAD_NAME (pad));
    track->type = type;
    track->source = GST_LIVEKIT_TRACK_SOURCE_UNKNOWN;
    /* Fail closed: an unknown track is decrypted (with the shared ring),
     * never handed on as it came. */
    track->encryption = GST_LIVEKIT_ENCRYPTION_TYPE_GCM;
  }
  g_free (sid);
  g_free (mid);
  g_free (msid);
  return track;
}

/* Streaming thread: what the model knows of the track on @pad, waiting a
 * bounded time for its announcement when it knows nothing yet (its sender
 * would be unknown for the pad's whole life). Ends early when the tracks
 * are dropped (a rejoin, a stop). */
static GstLiveKitRoomTrack *
wait_for_track (GstLiveKitRoomSubscriber * self, GstPad * pad,
    GstLiveKitTrackType type)
{
  gint64 deadline = g_get_monotonic_time () +
      ANNOUNCEMENT_WAIT_MS * G_TIME_SPAN_MILLISECOND;
  GstLiveKitRoomTrack *track = track_for_pad (self, pad, type);
  guint epoch;

  if (track->identity)
    return track;
  GST_INFO_OBJECT (self->host->bin, "media of track %s came before its "
      "announcement: waiting for it", track->sid);
  g_mutex_lock (&self->lock);
  epoch = self->epoch;
  while (!track->identity && epoch == self->epoch) {
    gboolean timed_out = !g_cond_wait_until (&self->learned, &self->lock,
        deadline);
    g_mutex_unlock (&self->lock);
    gst_livekit_room_track_free (track);
    track = track_for_pad (self, pad, type);
    g_mutex_lock (&self->lock);
    if (timed_out)
      break;
  }
  g_mutex_unlock (&self->lock);
  return track;
}

/* Signalling thread: wakes the chains waiting for an announcement. */
static void
on_model_track_published (GstLiveKitRoomModel * model, const gchar * identity,
    GstLiveKitTrackInfo * track, GstLiveKitRoomSubscriber * self)
{
  g_mutex_lock (&self->lock);
  g_cond_broadcast (&self->learned);
  g_mutex_unlock (&self->lock);
}

static GstElement *
add_element (GstLiveKitRoomSubscriber * self, Track * t, const gchar * factory)
{
  GstElement *e = gst_element_factory_make (factory, NULL);
  if (!e)
    return NULL;
  gst_bin_add (self->host->bin, e);
  g_ptr_array_add (t->elements, gst_object_ref (e));
  return e;
}

/* Unsupported media still needs a peer: an unlinked webrtcbin pad returns
 * not-linked, which takes the whole receive transport down. */
static void
discard_pad (GstLiveKitRoomSubscriber * self, GstPad * pad)
{
  GstElement *sink = gst_element_factory_make ("fakesink", NULL);
  GstPad *sinkpad;

  g_object_set (sink, "sync", FALSE, "async", FALSE, NULL);
  gst_bin_add (self->host->bin, sink);
  sinkpad = gst_element_get_static_pad (sink, "sink");
  gst_pad_link (pad, sinkpad);
  gst_object_unref (sinkpad);
  gst_element_sync_state_with_parent (sink);
}

/* depayloader [-> capsfilter] [-> livekitdecrypt]; returns the last. */
static GstElement *
build_chain (GstLiveKitRoomSubscriber * self, Track * t,
    const DepayChoice * choice, gboolean decrypt)
{
  GstElement *last = add_element (self, t, choice->depayloader), *e;

  if (choice->caps) {
    GstPad *depay_sink = gst_element_get_static_pad (last, "sink");
    GstCaps *filter = gst_caps_from_string (choice->caps);
    gst_pad_add_probe (depay_sink, GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM,
        strip_sprop, NULL, NULL);
    gst_object_unref (depay_sink);
    e = add_element (self, t, "capsfilter");
    g_object_set (e, "caps", filter, NULL);
    gst_caps_unref (filter);
    gst_element_link (last, e);
    last = e;
  }
  if (decrypt) {
    e = add_element (self, t, "livekitdecrypt");
    self->host->watch_cryptor (self->host->bin, e);
    g_mutex_lock (&self->lock);
    g_object_set (e, "participant-identity", t->identity, "sif-trailer",
        self->sif_trailer, NULL);
    g_mutex_unlock (&self->lock);
    gst_element_link (last, e);
    last = e;
  }
  return last;
}

static void
build_track (GstLiveKitRoomSubscriber * self, GstPad * pad, GstCaps * caps)
{
  GstBin *bin = self->host->bin;
  const GstStructure *structure = gst_caps_get_structure (caps, 0);
  const gchar *encoding = gst_structure_get_string (structure,
      "encoding-name");
  const gchar *media = gst_structure_get_string (structure, "media");
  const DepayChoice *choice = NULL;
  GstLiveKitRoomTrack *info;
  gboolean encrypted, is_new;
  Track *t;
  Output *o;
  GstElement *last;
  GstPad *sink, *src;
  gchar *name;

  for (guint i = 0; encoding && i < G_N_ELEMENTS (depayloaders); i++)
    if (g_ascii_strcasecmp (encoding, depayloaders[i].encoding) == 0)
      choice = &depayloaders[i];
  if (!choice) {
    GST_ELEMENT_WARNING (bin, STREAM, CODEC_NOT_FOUND,
        ("cannot receive %s: unsupported codec", encoding), ("%"
            GST_PTR_FORMAT, caps));
    discard_pad (self, pad);
    return;
  }

  info = wait_for_track (self, pad, media && g_str_has_prefix (media, "audio")
      ? GST_LIVEKIT_TRACK_TYPE_AUDIO : GST_LIVEKIT_TRACK_TYPE_VIDEO);
  if (!info->identity)
    GST_ELEMENT_WARNING (bin, STREAM, DECRYPT,
        ("track %s of an unknown participant: decrypting with the shared "
            "key", info->sid), (NULL));
  encrypted = info->encryption != GST_LIVEKIT_ENCRYPTION_TYPE_NONE;

  t = g_new0 (Track, 1);
  t->owner = self;
  t->elements = g_ptr_array_new_with_free_func (gst_object_unref);
  t->identity = g_intern_string (info->identity);
  t->track_sid = g_intern_string (info->sid);
  t->webrtc_pad = gst_object_ref (pad);
  last = build_chain (self, t, choice, encrypted);

  name = gst_livekit_room_model_claim_pad (self->model, info, NULL);
  g_mutex_lock (&self->lock);
  o = g_hash_table_lookup (self->outputs, name);
  is_new = o == NULL;
  if (!o)
    o = output_new (self, name, info);
  gst_livekit_room_pad_set_track_sid (GST_LIVEKIT_ROOM_PAD (o->ghost),
      info->sid);
  if (o->grace) {
    g_source_destroy (o->grace);
    g_clear_pointer (&o->grace, g_source_unref);
  }
  o->n_tracks++;
  t->output = o;
  t->input = gst_object_ref (gst_livekit_track_output_attach
      (GST_LIVEKIT_TRACK_OUTPUT (o->output)));
  g_ptr_array_add (self->tracks, t);
  g_mutex_unlock (&self->lock);

  src = gst_element_get_static_pad (last, "src");
  gst_pad_link (src, t->input);
  gst_object_unref (src);
  t->stamp_probe = gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER |
      GST_PAD_PROBE_TYPE_BUFFER_LIST, stamp_sender, t, NULL);
  g_object_set_qdata_full (G_OBJECT (pad), track_quark, t,
      (GDestroyNotify) track_free);
  for (guint i = 0; i < t->elements->len; i++)
    gst_element_sync_state_with_parent (g_ptr_array_index (t->elements, i));

  /* The pad is there before the first frame, so an application links it
   * in time; a track that comes back continues on it. */
  if (is_new) {
    gst_pad_set_active (o->ghost, TRUE);
    gst_element_add_pad (GST_ELEMENT (bin), o->ghost);
  }
  sink = gst_element_get_static_pad (g_ptr_array_index (t->elements, 0),
      "sink");
  gst_pad_link (pad, sink);
  gst_object_unref (sink);

  self->host->post (bin, gst_structure_new ("livekit-track-subscribed",
          "identity", G_TYPE_STRING, info->identity,
          "track-sid", G_TYPE_STRING, info->sid,
          "pad", G_TYPE_STRING, name,
          "kind", G_TYPE_STRING,
          info->type == GST_LIVEKIT_TRACK_TYPE_AUDIO ? "audio" : "video",
          "source", G_TYPE_STRING,
          gst_livekit_track_source_to_string (info->source),
          "mime-type", G_TYPE_STRING, info->mime_type,
          "encryption", G_TYPE_STRING, encrypted ? "gcm" : "none",
          "new-pad", G_TYPE_BOOLEAN, is_new, NULL));
  if (!encrypted)
    GST_INFO_OBJECT (bin, "track %s of %s is not encrypted: passed through",
        info->sid, info->identity);
  g_free (name);
  gst_livekit_room_track_free (info);
}

static GstPadProbeReturn
on_track_caps (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  GstEvent *event = GST_PAD_PROBE_INFO_EVENT (info);
  GstCaps *caps;

  if (GST_EVENT_TYPE (event) != GST_EVENT_CAPS)
    return GST_PAD_PROBE_OK;
  gst_event_parse_caps (event, &caps);
  build_track (data, pad, caps);
  return GST_PAD_PROBE_REMOVE;
}

static void
on_pad_added (GstElement * webrtc, GstPad * pad,
    GstLiveKitRoomSubscriber * self)
{
  GstCaps *caps;

  if (GST_PAD_DIRECTION (pad) != GST_PAD_SRC)
    return;
  caps = gst_pad_get_current_caps (pad);
  if (caps && gst_caps_is_fixed (caps)) {
    build_track (self, pad, caps);
  } else {
    /* The caps come with the first data: build the chain then. */
    gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM,
        on_track_caps, self, NULL);
  }
  gst_clear_caps (&caps);
}

/* What a track that stopped feeding its pad leaves to do once unlocked. */
typedef struct
{
  GstStructure *event;          /* livekit-track-unsubscribed */
  Output *ended;                /* to end now */
} Detached;

/* @t stops feeding its pad, which goes idle. Lock held. */
static void
detach_track_locked (GstLiveKitRoomSubscriber * self, Track * t, Detached * out)
{
  Output *o = t->output;

  if (!o)
    return;
  t->output = NULL;
  gst_livekit_track_output_detach (GST_LIVEKIT_TRACK_OUTPUT (o->output),
      t->input);
  gst_livekit_room_model_release_pad (self->model, o->name);
  if (--o->n_tracks == 0)
    gst_livekit_room_pad_set_track_sid (GST_LIVEKIT_ROOM_PAD (o->ghost), NULL);
  out->event = gst_structure_new ("livekit-track-unsubscribed", "identity",
      G_TYPE_STRING, t->identity, "track-sid", G_TYPE_STRING, t->track_sid,
      "pad", G_TYPE_STRING, o->name, NULL);
  if (schedule_end (self, o))
    out->ended = o;
}

static void
finish_detach (GstLiveKitRoomSubscriber * self, Detached * d)
{
  if (d->event)
    self->host->post (self->host->bin, d->event);
  if (d->ended)
    end_output (self, d->ended);
}

/* The chain of @pad goes (webrtcbin removed the pad, or a rejoin). */
static void
remove_track (GstLiveKitRoomSubscriber * self, GstPad * pad)
{
  Track *t;
  Detached d = { NULL, NULL };
  GstElement *first;
  GstPad *sink;

  g_mutex_lock (&self->lock);
  t = g_object_get_qdata (G_OBJECT (pad), track_quark);
  if (t) {
    g_ptr_array_remove (self->tracks, t);
    detach_track_locked (self, t, &d);
  }
  g_mutex_unlock (&self->lock);
  if (!t)
    return;
  finish_detach (self, &d);

  gst_pad_remove_probe (pad, t->stamp_probe);
  first = g_ptr_array_index (t->elements, 0);
  sink = gst_element_get_static_pad (first, "sink");
  gst_pad_unlink (pad, sink);
  gst_object_unref (sink);
  for (guint i = 0; i < t->elements->len; i++) {
    GstElement *e = g_ptr_array_index (t->elements, i);
    gst_element_set_state (e, GST_STATE_NULL);
    gst_bin_remove (self->host->bin, e);
  }
  if (GST_OBJECT_PARENT (t->input))
    gst_livekit_track_output_release (GST_LIVEKIT_TRACK_OUTPUT
        (GST_OBJECT_PARENT (t->input)), t->input);
  g_object_set_qdata (G_OBJECT (pad), track_quark, NULL);
}

static void
on_pad_removed (GstElement * webrtc, GstPad * pad,
    GstLiveKitRoomSubscriber * self)
{
  remove_track (self, pad);
}

/* ----------------------------------------------------------------- public */

GstLiveKitRoomSubscriber *
gst_livekit_room_subscriber_new (const GstLiveKitRoomHost * host,
    GstLiveKitRoomModel * model)
{
  GstLiveKitRoomSubscriber *self = g_new0 (GstLiveKitRoomSubscriber, 1);

  if (!track_quark)
    track_quark = g_quark_from_static_string ("livekit-subscribed-track");
  self->host = host;
  self->model = g_object_ref (model);
  g_mutex_init (&self->lock);
  g_cond_init (&self->learned);
  self->published_id = g_signal_connect (model, "track-published",
      G_CALLBACK (on_model_track_published), self);
  self->outputs = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
      (GDestroyNotify) output_free);
  self->tracks = g_ptr_array_new ();
  return self;
}

void
gst_livekit_room_subscriber_free (GstLiveKitRoomSubscriber * self)
{
  gst_livekit_room_subscriber_clear (self);
  g_signal_handler_disconnect (self->model, self->published_id);
  g_hash_table_unref (self->outputs);
  g_ptr_array_unref (self->tracks);
  g_object_unref (self->model);
  g_free (self->sif_trailer);
  g_cond_clear (&self->learned);
  g_mutex_clear (&self->lock);
  g_free (self);
}

void
gst_livekit_room_subscriber_set_context (GstLiveKitRoomSubscriber * self,
    GMainContext * context)
{
  g_mutex_lock (&self->lock);
  self->context = context;
  g_mutex_unlock (&self->lock);
}

void
gst_livekit_room_subscriber_set_grace (GstLiveKitRoomSubscriber * self,
    GstClockTime grace)
{
  g_mutex_lock (&self->lock);
  self->grace_period = grace;
  g_mutex_unlock (&self->lock);
}

void
gst_livekit_room_subscriber_set_sif_trailer (GstLiveKitRoomSubscriber * self,
    const gchar * hex)
{
  g_mutex_lock (&self->lock);
  g_free (self->sif_trailer);
  self->sif_trailer = g_strdup (hex);
  g_mutex_unlock (&self->lock);
}

void
gst_livekit_room_subscriber_watch (GstLiveKitRoomSubscriber * self,
    GstElement * webrtc)
{
  g_signal_connect (webrtc, "pad-added", G_CALLBACK (on_pad_added), self);
  g_signal_connect (webrtc, "pad-removed", G_CALLBACK (on_pad_removed), self);
}

void
gst_livekit_room_subscriber_drop_all (GstLiveKitRoomSubscriber * self,
    GstElement * webrtc)
{
  GList *pads = NULL;
  GstIterator *it;
  GValue item = G_VALUE_INIT;

  g_mutex_lock (&self->lock);
  self->grace_suspended = TRUE;
  self->epoch++;
  g_cond_broadcast (&self->learned);
  g_mutex_unlock (&self->lock);
  g_signal_handlers_disconnect_by_data (webrtc, self);
  it = gst_element_iterate_src_pads (webrtc);
  while (gst_iterator_next (it, &item) == GST_ITERATOR_OK) {
    pads = g_list_prepend (pads, g_value_dup_object (&item));
    g_value_reset (&item);
  }
  g_value_unset (&item);
  gst_iterator_free (it);
  for (GList * l = pads; l; l = l->next)
    remove_track (self, l->data);
  g_list_free_full (pads, gst_object_unref);
}

void
gst_livekit_room_subscriber_resume (GstLiveKitRoomSubscriber * self)
{
  GPtrArray *now = g_ptr_array_new ();
  GHashTableIter iter;
  gpointer value;

  g_mutex_lock (&self->lock);
  self->grace_suspended = FALSE;
  g_hash_table_iter_init (&iter, self->outputs);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    if (((Output *) value)->n_tracks == 0)
      g_ptr_array_add (now, value);
  for (guint i = 0; i < now->len; i++)
    if (!schedule_end (self, g_ptr_array_index (now, i)))
      g_ptr_array_remove_index (now, i--);
  g_mutex_unlock (&self->lock);
  for (guint i = 0; i < now->len; i++)
    end_output (self, g_ptr_array_index (now, i));
  g_ptr_array_unref (now);
}

void
gst_livekit_room_subscriber_track_unpublished (GstLiveKitRoomSubscriber *
    self, const gchar * track_sid)
{
  Detached d = { NULL, NULL };

  g_mutex_lock (&self->lock);
  for (guint i = 0; i < self->tracks->len; i++) {
    Track *t = g_ptr_array_index (self->tracks, i);
    if (t->output && g_strcmp0 (t->track_sid, track_sid) == 0) {
      detach_track_locked (self, t, &d);
      break;
    }
  }
  g_mutex_unlock (&self->lock);
  finish_detach (self, &d);
}

void
gst_livekit_room_subscriber_end_all (GstLiveKitRoomSubscriber * self)
{
  GPtrArray *outputs = g_ptr_array_new_with_free_func (gst_object_unref);
  GHashTableIter iter;
  gpointer value;

  g_mutex_lock (&self->lock);
  g_hash_table_iter_init (&iter, self->outputs);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    g_ptr_array_add (outputs, gst_object_ref (((Output *) value)->output));
  g_mutex_unlock (&self->lock);
  for (guint i = 0; i < outputs->len; i++)
    gst_livekit_track_output_end (g_ptr_array_index (outputs, i));
  g_ptr_array_unref (outputs);
}

void
gst_livekit_room_subscriber_clear (GstLiveKitRoomSubscriber * self)
{
  GPtrArray *pads = g_ptr_array_new_with_free_func (gst_object_unref);
  GList *outputs;

  /* The tracks first: they point at the outputs. */
  g_mutex_lock (&self->lock);
  self->grace_suspended = TRUE;
  self->epoch++;
  g_cond_broadcast (&self->learned);
  for (guint i = 0; i < self->tracks->len; i++)
    g_ptr_array_add (pads, gst_object_ref (((Track *)
                g_ptr_array_index (self->tracks, i))->webrtc_pad));
  g_mutex_unlock (&self->lock);
  for (guint i = 0; i < pads->len; i++)
    remove_track (self, g_ptr_array_index (pads, i));
  g_ptr_array_unref (pads);

  g_mutex_lock (&self->lock);
  self->grace_suspended = FALSE;
  outputs = g_hash_table_get_values (self->outputs);
  g_hash_table_steal_all (self->outputs);
  g_mutex_unlock (&self->lock);
  for (GList * l = outputs; l; l = l->next) {
    Output *o = l->data;
    gst_element_remove_pad (GST_ELEMENT (self->host->bin), o->ghost);
    gst_element_set_state (o->output, GST_STATE_NULL);
    gst_bin_remove (self->host->bin, o->output);
    gst_livekit_room_model_forget_pad (self->model, o->name);
    output_free (o);
  }
  g_list_free (outputs);
}

/* Rank of payload type @pt of @media for a track of @codec: 0 best. */
static guint
format_rank (const GstSDPMedia * media, const gchar * pt, const gchar * codec)
{
  gchar *rtpmap = g_strconcat (pt, " ", NULL);
  gboolean same_codec = FALSE, single_nal = FALSE;

  for (guint i = 0; i < gst_sdp_media_attributes_len (media); i++) {
    const GstSDPAttribute *a = gst_sdp_media_get_attribute (media, i);
    if (!a->value || !g_str_has_prefix (a->value, rtpmap))
      continue;
    if (g_str_equal (a->key, "rtpmap"))
      same_codec = g_ascii_strncasecmp (a->value + strlen (rtpmap), codec,
          strlen (codec)) == 0 && a->value[strlen (rtpmap) + strlen (codec)]
          == '/';
    else if (g_str_equal (a->key, "fmtp"))
      single_nal = strstr (a->value, "packetization-mode=1") == NULL
          && g_ascii_strcasecmp (codec, "H264") == 0;
  }
  g_free (rtpmap);
  return same_codec ? (single_nal ? 1 : 0) : 2;
}

/* webrtcbin 1.22 answers a new m-line with the first codec of the offer
 * only (gst_sdp_media_set_media_from_caps), and the server lists VP8
 * first. The codec of the track each m-line carries (from its TrackInfo)
 * goes first, H.264 in non-interleaved mode first of all, so that the
 * answer's first codec is the track's; complete_answer adds the others. */
void
gst_livekit_room_subscriber_prefer_track_codecs (GstLiveKitRoomSubscriber *
    self, GstSDPMessage * offer)
{
  for (guint m = 0; m < gst_sdp_message_medias_len (offer); m++) {
    GstSDPMedia *media = (GstSDPMedia *) gst_sdp_message_get_media (offer, m);
    const gchar *mid = gst_sdp_media_get_attribute_val (media, "mid");
    gchar *sid = gst_livekit_room_model_resolve_track (self->model, NULL, mid);
    GstLiveKitRoomTrack *t = gst_livekit_room_model_lookup_track (self->model,
        sid);
    const gchar *slash = t && t->mime_type ? strchr (t->mime_type, '/') : NULL;
    GPtrArray *formats;

    g_free (sid);
    if (!slash) {
      gst_livekit_room_track_free (t);
      continue;
    }
    formats = g_ptr_array_new_with_free_func (g_free);
    for (guint rank = 0; rank <= 2; rank++)
      for (guint f = 0; f < gst_sdp_media_formats_len (media); f++) {
        const gchar *pt = gst_sdp_media_get_format (media, f);
        if (format_rank (media, pt, slash + 1) == rank)
          g_ptr_array_add (formats, g_strdup (pt));
      }
    while (gst_sdp_media_formats_len (media) > 0)
      gst_sdp_media_remove_format (media, 0);
    for (guint f = 0; f < formats->len; f++)
      gst_sdp_media_add_format (media, g_ptr_array_index (formats, f));
    GST_DEBUG_OBJECT (self->host->bin, "m-line %u (%s): %s first", m, mid,
        t->mime_type);
    g_ptr_array_unref (formats);
    gst_livekit_room_track_free (t);
  }
}

void
gst_livekit_room_subscriber_complete_answer (const GstSDPMessage * offer,
    GstSDPMessage * answer)
{
  const gchar *encodings[G_N_ELEMENTS (depayloaders) + 1];
  guint added;

  for (guint i = 0; i < G_N_ELEMENTS (depayloaders); i++)
    encodings[i] = depayloaders[i].encoding;
  encodings[G_N_ELEMENTS (depayloaders)] = NULL;
  added = gst_livekit_sdp_answer_add_codecs (offer, answer, encodings);
  GST_DEBUG ("%u formats added to the answer", added);
}
