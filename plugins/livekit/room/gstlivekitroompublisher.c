/* Publishing (spec livekit-signalling.md §3.2-§3.3): each request pad feeds
 * livekitencrypt -> an E2EE-safe payloader -> the publisher webrtcbin. Once
 * the codec is known (first caps) the track is linked; once joined, every
 * ready track is announced with AddTrack (encryption GCM, RED off) and,
 * when the server has acknowledged them all, the client offers. The
 * publications outlive the webrtcbin: a rejoin moves them to a new one. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstlivekitroompublisher.h"
#include "gstlivekitflowguard.h"

#include <gst/webrtc/webrtc.h>
#include <string.h>
#include <sodium.h>

#define GST_CAT_DEFAULT gst_livekit_room_bin_debug

typedef struct
{
  const gchar *media;
  const gchar *payloader;
  const gchar *encoding_name;
  gint clock_rate;
  guint pt;
} PayloaderChoice;

/* The server's preferred payload types (spec §7); one per codec. */
static const PayloaderChoice payloaders[] = {
  {"audio/x-opus", "rtpopuspay", "OPUS", 48000, 111},
  {"video/x-vp8", "livekitrtpvp8pay", "VP8", 90000, 96},
  {"video/x-vp9", "livekitrtpvp9pay", "VP9", 90000, 98},
  {"video/x-h264", "livekitrtph264pay", "H264", 90000, 125},
  {"video/x-h265", "livekitrtph265pay", "H265", 90000, 116},
};

/* A local track: request pad -> livekitencrypt -> payloader -> flow guard
 * -> webrtcbin. */
typedef struct
{
  GstLiveKitRoomPublisher *owner;       /* not owned */
  GstPad *ghost;                /* the request pad */
  GstElement *encrypt;
  GstElement *payloader;
  const PayloaderChoice *codec;
  GstElement *guard;            /* survives the webrtcbin under it */
  GstPad *webrtc_pad;
  gchar *cid;                   /* webrtcbin's transceiver name */
  gchar *sid;                   /* from TrackPublished */
  GstLiveKitTrackType type;
  guint width, height;
  gboolean ready;               /* linked to webrtcbin, codec known */
  gboolean announced;           /* AddTrack sent */
  gboolean caps_sent;           /* webrtcbin has taken its pad's caps */
  gboolean eos;                 /* its input ended */
  gboolean refused;             /* by the server: never linked again */
} Publication;

struct _GstLiveKitRoomPublisher
{
  const GstLiveKitRoomHost *host;
  void (*negotiate_later) (gpointer);
  gpointer user_data;

  GMutex lock;
  GPtrArray *publications;      /* Publication */
  GstElement *webrtc;           /* the publisher webrtcbin */

  /* Signalling thread only. */
  GstLiveKitSignalClient *signal;
  gboolean negotiating;         /* an offer is in flight */
  gboolean renegotiate;         /* another one is needed after it */
};

static void on_webrtc_pad_caps (GstPad * pad, GParamSpec * spec,
    gpointer data);

/* Lock held (or @p not shared any more). */
static void
drop_webrtc_pad (Publication * p)
{
  if (!p->webrtc_pad)
    return;
  g_signal_handlers_disconnect_by_func (p->webrtc_pad, on_webrtc_pad_caps, p);
  gst_clear_object (&p->webrtc_pad);
}

static void
publication_free (Publication * p)
{
  g_free (p->cid);
  g_free (p->sid);
  drop_webrtc_pad (p);
  gst_clear_object (&p->encrypt);
  gst_clear_object (&p->payloader);
  gst_clear_object (&p->guard);
  g_free (p);
}

GstLiveKitRoomPublisher *
gst_livekit_room_publisher_new (const GstLiveKitRoomHost * host,
    void (*negotiate_later) (gpointer), gpointer user_data)
{
  GstLiveKitRoomPublisher *pub = g_new0 (GstLiveKitRoomPublisher, 1);

  pub->host = host;
  pub->negotiate_later = negotiate_later;
  pub->user_data = user_data;
  g_mutex_init (&pub->lock);
  pub->publications = g_ptr_array_new_with_free_func ((GDestroyNotify)
      publication_free);
  return pub;
}

void
gst_livekit_room_publisher_free (GstLiveKitRoomPublisher * pub)
{
  g_ptr_array_unref (pub->publications);
  gst_clear_object (&pub->webrtc);
  g_clear_object (&pub->signal);
  g_mutex_clear (&pub->lock);
  g_free (pub);
}

/* A send-only transceiver that knows its kind from birth and its codec
 * right after. webrtcbin 1.22 associates the m-lines of a first answer
 * with transceivers by kind and creation order: a transceiver of unknown
 * kind that is not in the offer yet (its pad has no caps) could be taken
 * for an offered one and abort webrtcbin in _connect_input_stream. (Not
 * "add-transceiver" first: 1.22's request_new_pad only reuses transceivers
 * whose codec does NOT match, so that one would be left over as an
 * empty m-line.) */
static GstPad *
request_webrtc_pad (GstElement * webrtc, const PayloaderChoice * choice)
{
  gboolean audio = g_str_has_prefix (choice->media, "audio/");
  GstWebRTCRTPTransceiver *trans = NULL;
  GstPadTemplate *templ;
  GstPad *pad;
  GstCaps *codec = gst_caps_new_simple ("application/x-rtp",
      "media", G_TYPE_STRING, audio ? "audio" : "video",
      "encoding-name", G_TYPE_STRING, choice->encoding_name,
      "payload", G_TYPE_INT, choice->pt,
      "clock-rate", G_TYPE_INT, choice->clock_rate, NULL);

  templ = gst_element_class_get_pad_template (GST_ELEMENT_GET_CLASS (webrtc),
      "sink_%u");
  pad = gst_element_request_pad (webrtc, templ, NULL, codec);
  if (pad) {
    g_object_get (pad, "transceiver", &trans, NULL);
    g_object_set (trans, "direction",
        GST_WEBRTC_RTP_TRANSCEIVER_DIRECTION_SENDONLY, "codec-preferences",
        codec, NULL);
    gst_object_unref (trans);
  }
  gst_caps_unref (codec);
  return pad;
}

/* Links @p's guard to a new pad of @webrtc. Lock held. */
static gboolean
link_to_webrtc (Publication * p, GstElement * webrtc)
{
  GstWebRTCRTPTransceiver *trans = NULL;
  GstPad *src;

  p->webrtc_pad = request_webrtc_pad (webrtc, p->codec);
  if (!p->webrtc_pad)
    return FALSE;
  g_signal_connect (p->webrtc_pad, "notify::caps",
      G_CALLBACK (on_webrtc_pad_caps), p);
  g_object_get (p->webrtc_pad, "transceiver", &trans, NULL);
  g_free (p->cid);
  p->cid = gst_object_get_name (GST_OBJECT (trans));
  gst_object_unref (trans);
  src = gst_element_get_static_pad (p->guard, "src");
  gst_pad_link (src, p->webrtc_pad);
  gst_object_unref (src);
  return TRUE;
}

/* webrtcbin writes a track's a=ssrc msid lines (what the server matches
 * the RTP and the AddTrack cid by) into an offer only from caps it has
 * taken on the track's pad; without them livekit-server files the track
 * under a transceiver of its own with no mid ("could not get mid for
 * track") and never publishes it. A pad's caps notify comes after its
 * event function (webrtcbin's) accepted them; a probe upstream would come
 * before, and an offer made in between lacks the lines. The offer waits
 * for this, after a rejoin too. */
static void
on_webrtc_pad_caps (GstPad * pad, GParamSpec * spec, gpointer data)
{
  Publication *p = data;
  GstLiveKitRoomPublisher *pub = p->owner;
  gboolean first;

  g_mutex_lock (&pub->lock);
  first = pad == p->webrtc_pad && !p->caps_sent;
  if (first)
    p->caps_sent = TRUE;
  g_mutex_unlock (&pub->lock);
  if (first)
    pub->negotiate_later (pub->user_data);
}

/* Links encrypt -> payloader -> guard -> webrtcbin for the codec of @caps.
 * Runs on the streaming thread, inside the caps event probe. */
static gboolean
link_publication (Publication * p, GstCaps * caps)
{
  GstLiveKitRoomPublisher *pub = p->owner;
  GstBin *bin = pub->host->bin;
  const GstStructure *s = gst_caps_get_structure (caps, 0);
  const gchar *media = gst_structure_get_name (s);
  const PayloaderChoice *choice = NULL;
  guint32 ssrc = randombytes_random ();
  gint width = 0, height = 0;
  gboolean linked;

  for (guint i = 0; i < G_N_ELEMENTS (payloaders); i++)
    if (g_str_equal (media, payloaders[i].media))
      choice = &payloaders[i];
  if (!choice)
    return FALSE;

  p->payloader = gst_element_factory_make (choice->payloader, NULL);
  if (!p->payloader) {
    GST_ELEMENT_ERROR (bin, CORE, MISSING_PLUGIN,
        ("%s is missing", choice->payloader), (NULL));
    return FALSE;
  }
  /* The SSRC in the payloader's caps is what makes webrtcbin write the
   * a=ssrc msid lines the server matches AddTrack cids against. */
  g_object_set (p->payloader, "pt", choice->pt, "ssrc", ssrc, NULL);
  g_object_set (p->encrypt, "ssrc", ssrc, NULL);
  gst_bin_add (bin, gst_object_ref (p->payloader));
  p->codec = choice;

  p->guard = gst_object_ref (gst_livekit_flow_guard_new ());
  gst_bin_add (bin, p->guard);

  g_mutex_lock (&pub->lock);
  linked = link_to_webrtc (p, pub->webrtc);
  g_mutex_unlock (&pub->lock);
  if (!linked) {
    GST_ELEMENT_ERROR (bin, CORE, PAD, ("webrtcbin refused a send pad"),
        (NULL));
    return FALSE;
  }
  gst_element_link_many (p->encrypt, p->payloader, p->guard, NULL);
  gst_element_sync_state_with_parent (p->guard);
  gst_element_sync_state_with_parent (p->payloader);

  gst_structure_get_int (s, "width", &width);
  gst_structure_get_int (s, "height", &height);
  g_mutex_lock (&pub->lock);
  p->width = width;
  p->height = height;
  p->ready = TRUE;
  g_mutex_unlock (&pub->lock);
  GST_INFO_OBJECT (bin, "%s linked as %s (%s)", GST_PAD_NAME (p->ghost),
      p->cid, choice->payloader);
  pub->negotiate_later (pub->user_data);
  return TRUE;
}

/* When every published input has ended, the host hears of it: a
 * publishing pipeline has no sink of its own to post EOS. */
static GstPadProbeReturn
on_input_eos (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  Publication *p = data;
  GstLiveKitRoomPublisher *pub = p->owner;
  gboolean all = TRUE;

  if (GST_EVENT_TYPE (GST_PAD_PROBE_INFO_EVENT (info)) != GST_EVENT_EOS)
    return GST_PAD_PROBE_OK;
  g_mutex_lock (&pub->lock);
  p->eos = TRUE;
  for (guint i = 0; i < pub->publications->len; i++)
    all &= ((Publication *) g_ptr_array_index (pub->publications, i))->eos;
  g_mutex_unlock (&pub->lock);
  if (all) {
    GST_INFO_OBJECT (pub->host->bin, "every published stream ended");
    pub->host->inputs_ended (pub->host->bin);
  }
  return GST_PAD_PROBE_OK;
}

static GstPadProbeReturn
on_encrypt_caps (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  Publication *p = data;
  GstEvent *event = GST_PAD_PROBE_INFO_EVENT (info);
  GstCaps *caps;

  if (GST_EVENT_TYPE (event) != GST_EVENT_CAPS)
    return GST_PAD_PROBE_OK;
  gst_event_parse_caps (event, &caps);
  if (!link_publication (p, caps))
    GST_ELEMENT_ERROR (p->owner->host->bin, STREAM, FORMAT,
        ("cannot publish %" GST_PTR_FORMAT, caps), (NULL));
  return GST_PAD_PROBE_REMOVE;
}

GstPad *
gst_livekit_room_publisher_request_pad (GstLiveKitRoomPublisher * pub,
    GstPadTemplate * templ, const gchar * name, const gchar * identity,
    gboolean encrypt)
{
  GstBin *bin = pub->host->bin;
  gboolean audio = g_str_has_prefix (templ->name_template, "audio");
  Publication *p;
  GstPad *sink, *src;
  gchar *pad_name;
  guint n;

  p = g_new0 (Publication, 1);
  p->owner = pub;
  p->type = audio ? GST_LIVEKIT_TRACK_TYPE_AUDIO :
      GST_LIVEKIT_TRACK_TYPE_VIDEO;
  p->encrypt = gst_element_factory_make ("livekitencrypt", NULL);
  /* Its keyring comes from the bin's context; keys from the local
   * identity's ring when it has one, else the shared ring. */
  g_object_set (p->encrypt, "participant-identity", identity,
      "key-index", -1, "enabled", encrypt, NULL);
  /* Our own references: the bin drops its children before it releases
   * request pads on dispose. */
  gst_bin_add (bin, gst_object_ref (p->encrypt));
  pub->host->watch_cryptor (bin, p->encrypt);

  g_mutex_lock (&pub->lock);
  n = pub->publications->len;
  g_ptr_array_add (pub->publications, p);
  g_mutex_unlock (&pub->lock);

  pad_name = name ? g_strdup (name) : g_strdup_printf (audio ? "audio_%u" :
      "video_%u", n);
  sink = gst_element_get_static_pad (p->encrypt, "sink");
  p->ghost = gst_ghost_pad_new_from_template (pad_name, sink, templ);
  gst_pad_add_probe (sink, GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM, on_input_eos,
      p, NULL);
  gst_object_unref (sink);
  g_free (pad_name);

  src = gst_element_get_static_pad (p->encrypt, "src");
  gst_pad_add_probe (src, GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM,
      on_encrypt_caps, p, NULL);
  gst_object_unref (src);

  gst_element_sync_state_with_parent (p->encrypt);
  gst_pad_set_active (p->ghost, TRUE);
  gst_element_add_pad (GST_ELEMENT (bin), p->ghost);
  return p->ghost;
}

static void
remove_child (GstBin * bin, GstElement * child)
{
  if (!child || GST_OBJECT_PARENT (child) != GST_OBJECT (bin))
    return;
  gst_element_set_state (child, GST_STATE_NULL);
  gst_bin_remove (bin, child);
}

gboolean
gst_livekit_room_publisher_release_pad (GstLiveKitRoomPublisher * pub,
    GstPad * pad)
{
  GstBin *bin = pub->host->bin;
  Publication *p = NULL;

  g_mutex_lock (&pub->lock);
  for (guint i = 0; i < pub->publications->len && !p; i++)
    if (((Publication *) g_ptr_array_index (pub->publications,
                i))->ghost == pad)
      p = g_ptr_array_steal_index (pub->publications, i);
  g_mutex_unlock (&pub->lock);
  if (!p)
    return FALSE;
  gst_element_remove_pad (GST_ELEMENT (bin), pad);
  remove_child (bin, p->encrypt);
  remove_child (bin, p->payloader);
  remove_child (bin, p->guard);
  if (p->webrtc_pad && GST_OBJECT_PARENT (p->webrtc_pad))
    gst_element_release_request_pad (GST_ELEMENT (GST_OBJECT_PARENT
            (p->webrtc_pad)), p->webrtc_pad);
  publication_free (p);
  return TRUE;
}

gboolean
gst_livekit_room_publisher_has_tracks (GstLiveKitRoomPublisher * pub)
{
  gboolean any;

  g_mutex_lock (&pub->lock);
  any = pub->publications->len > 0;
  g_mutex_unlock (&pub->lock);
  return any;
}

/* A rejoin replaces the publisher webrtcbin: every linked track leaves the
 * old one (the flow guard drops its packets meanwhile) and joins the new
 * one, to be announced again. */
void
gst_livekit_room_publisher_set_webrtcbin (GstLiveKitRoomPublisher * pub,
    GstElement * webrtc)
{
  g_mutex_lock (&pub->lock);
  for (guint i = 0; i < pub->publications->len; i++) {
    Publication *p = g_ptr_array_index (pub->publications, i);
    GstPad *src;

    if (!p->guard || !p->webrtc_pad)
      continue;
    src = gst_element_get_static_pad (p->guard, "src");
    gst_pad_unlink (src, p->webrtc_pad);
    gst_object_unref (src);
    drop_webrtc_pad (p);
    g_clear_pointer (&p->sid, g_free);
    p->announced = FALSE;
    p->ready = FALSE;
    p->caps_sent = FALSE;
  }
  gst_object_replace ((GstObject **) & pub->webrtc, GST_OBJECT (webrtc));
  for (guint i = 0; webrtc && i < pub->publications->len; i++) {
    Publication *p = g_ptr_array_index (pub->publications, i);

    if (!p->guard || p->webrtc_pad || p->refused)
      continue;
    if (!link_to_webrtc (p, webrtc)) {
      GST_WARNING_OBJECT (pub->host->bin, "%s could not be linked again",
          GST_PAD_NAME (p->ghost));
      continue;
    }
    p->ready = TRUE;
  }
  pub->negotiating = pub->renegotiate = FALSE;
  g_mutex_unlock (&pub->lock);
}

void
gst_livekit_room_publisher_set_signal (GstLiveKitRoomPublisher * pub,
    GstLiveKitSignalClient * signal)
{
  g_set_object (&pub->signal, signal);
}

static void
on_offer_created (GstPromise * promise, gpointer data)
{
  GstElement *webrtc = data;
  const GstStructure *reply = gst_promise_get_reply (promise);
  GstWebRTCSessionDescription *offer = NULL;
  GstLiveKitSignalClient *signal;
  gchar *text;

  if (reply)
    gst_structure_get (reply, "offer", GST_TYPE_WEBRTC_SESSION_DESCRIPTION,
        &offer, NULL);
  gst_promise_unref (promise);
  signal = g_object_steal_data (G_OBJECT (webrtc), "livekit-offer-signal");
  if (!offer) {
    GST_ELEMENT_ERROR (GST_ELEMENT_PARENT (webrtc), STREAM, FAILED,
        ("could not create the publisher offer"), (NULL));
    goto out;
  }
  g_signal_emit_by_name (webrtc, "set-local-description", offer, NULL);
  text = gst_sdp_message_as_text (offer->sdp);
  GST_DEBUG_OBJECT (webrtc, "publisher offer:\n%s", text);
  if (signal)
    gst_livekit_signal_client_send_offer (signal, text, 0);
  g_free (text);
  gst_webrtc_session_description_free (offer);
out:
  g_clear_object (&signal);
  gst_object_unref (webrtc);
}

void
gst_livekit_room_publisher_negotiate (GstLiveKitRoomPublisher * pub,
    GstLiveKitEncryptionType encryption, gboolean for_data)
{
  GPtrArray *announce = g_ptr_array_new ();
  gboolean all_published = TRUE, any = for_data;
  GstElement *webrtc = NULL;

  if (!pub->signal || !gst_livekit_signal_client_is_connected (pub->signal))
    goto out;

  g_mutex_lock (&pub->lock);
  for (guint i = 0; i < pub->publications->len; i++) {
    Publication *p = g_ptr_array_index (pub->publications, i);
    if (!p->ready)
      continue;
    any = TRUE;
    if (!p->announced) {
      p->announced = TRUE;
      g_ptr_array_add (announce, p);
    }
    all_published &= p->sid != NULL && p->caps_sent;
  }
  if (pub->webrtc)
    webrtc = gst_object_ref (pub->webrtc);
  g_mutex_unlock (&pub->lock);

  for (guint i = 0; i < announce->len; i++) {
    Publication *p = g_ptr_array_index (announce, i);
    gboolean audio = p->type == GST_LIVEKIT_TRACK_TYPE_AUDIO;
    /* With E2EE the SDKs turn RED off: the SFU cannot add or strip RED on
     * an encrypted track (spec livekit-e2ee.md §11). */
    gst_livekit_signal_client_send_add_track (pub->signal, p->cid,
        GST_PAD_NAME (p->ghost), p->type, audio ?
        GST_LIVEKIT_TRACK_SOURCE_MICROPHONE : GST_LIVEKIT_TRACK_SOURCE_CAMERA,
        p->width, p->height, encryption,
        encryption != GST_LIVEKIT_ENCRYPTION_TYPE_NONE);
    GST_INFO_OBJECT (pub->host->bin, "announced %s (%s)", p->cid,
        GST_PAD_NAME (p->ghost));
  }

  /* Offer once the server knows every track in it. */
  if (!webrtc || !any || !all_published || announce->len > 0)
    goto out;
  if (pub->negotiating) {
    pub->renegotiate = TRUE;
    goto out;
  }
  pub->negotiating = TRUE;
  /* The offer goes to the client that asked for it, not a later one. */
  g_object_set_data_full (G_OBJECT (webrtc), "livekit-offer-signal",
      g_object_ref (pub->signal), g_object_unref);
  g_signal_emit_by_name (webrtc, "create-offer", NULL,
      gst_promise_new_with_change_func (on_offer_created,
          gst_object_ref (webrtc), NULL));
out:
  gst_clear_object (&webrtc);
  g_ptr_array_unref (announce);
}

void
gst_livekit_room_publisher_on_track_published (GstLiveKitRoomPublisher * pub,
    const gchar * cid, const gchar * sid)
{
  gchar *pad_name = NULL;

  g_mutex_lock (&pub->lock);
  for (guint i = 0; i < pub->publications->len; i++) {
    Publication *p = g_ptr_array_index (pub->publications, i);
    if (g_strcmp0 (p->cid, cid) == 0) {
      g_free (p->sid);
      p->sid = g_strdup (sid);
      pad_name = g_strdup (GST_PAD_NAME (p->ghost));
    }
  }
  g_mutex_unlock (&pub->lock);
  if (!pad_name)
    return;
  pub->host->post (pub->host->bin,
      gst_structure_new ("livekit-local-track-published", "pad",
          G_TYPE_STRING, pad_name, "track-sid", G_TYPE_STRING, sid, NULL));
  g_free (pad_name);
}

/* webrtcbin blocks a sink pad until it is negotiated, which a refused
 * track never is: its source's thread would wait there for good. The
 * pad is deactivated (that wakes the blocked push, which the flow guard
 * turns into a dropped packet) and unlinked, so the track's data is
 * dropped in the guard from then on. Not released: releasing a sink pad
 * before negotiation can deadlock webrtcbin 1.22.0 (fixed in 1.22.3). */
gchar *
gst_livekit_room_publisher_on_track_refused (GstLiveKitRoomPublisher * pub,
    const gchar * cid)
{
  GstPad *webrtc_pad = NULL, *src = NULL;
  gchar *pad_name = NULL;

  g_mutex_lock (&pub->lock);
  for (guint i = 0; i < pub->publications->len && !pad_name; i++) {
    Publication *p = g_ptr_array_index (pub->publications, i);

    if (!cid || g_strcmp0 (p->cid, cid) != 0)
      continue;
    p->refused = TRUE;
    p->ready = FALSE;
    pad_name = g_strdup (GST_PAD_NAME (p->ghost));
    if (p->webrtc_pad) {
      g_signal_handlers_disconnect_by_func (p->webrtc_pad, on_webrtc_pad_caps,
          p);
      webrtc_pad = g_steal_pointer (&p->webrtc_pad);
    }
    if (p->guard)
      src = gst_element_get_static_pad (p->guard, "src");
  }
  g_mutex_unlock (&pub->lock);
  if (webrtc_pad) {
    gst_pad_set_active (webrtc_pad, FALSE);
    if (src)
      gst_pad_unlink (src, webrtc_pad);
    gst_object_unref (webrtc_pad);
  }
  gst_clear_object (&src);
  return pad_name;
}

gboolean
gst_livekit_room_publisher_on_answer (GstLiveKitRoomPublisher * pub)
{
  gboolean again = pub->renegotiate;

  pub->negotiating = FALSE;
  pub->renegotiate = FALSE;
  return again;
}
