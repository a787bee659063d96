/* Publishing (spec livekit-signalling.md §3.2-§3.3): each request pad feeds
 * livekitencrypt -> an E2EE-safe payloader -> the publisher webrtcbin. Once
 * the codec is known (first caps) the track is linked; once joined, every
 * ready track is announced with AddTrack (encryption GCM, RED off) and,
 * when the server has acknowledged them all, the client offers. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstlivekitroomprivate.h"
#include "gstlivekitflowguard.h"

#include <string.h>
#include <sodium.h>

#define GST_CAT_DEFAULT gst_livekit_room_bin_debug

void
gst_livekit_room_publication_free (RoomPublication * pub)
{
  g_free (pub->cid);
  g_free (pub->sid);
  gst_clear_object (&pub->webrtc_pad);
  gst_clear_object (&pub->encrypt);
  gst_clear_object (&pub->payloader);
  gst_clear_object (&pub->guard);
  g_free (pub);
}

struct _PayloaderChoice
{
  const gchar *media;
  const gchar *payloader;
  const gchar *encoding_name;
  gint clock_rate;
  guint pt;
};

/* The server's preferred payload types (spec §7); one per codec. */
static const PayloaderChoice payloaders[] = {
  {"audio/x-opus", "rtpopuspay", "OPUS", 48000, 111},
  {"video/x-vp8", "livekitrtpvp8pay", "VP8", 90000, 96},
  {"video/x-vp9", "livekitrtpvp9pay", "VP9", 90000, 98},
  {"video/x-h264", "livekitrtph264pay", "H264", 90000, 125},
  {"video/x-h265", "livekitrtph265pay", "H265", 90000, 116},
};

static gboolean
negotiate_idle (gpointer data)
{
  gst_livekit_room_negotiate_publisher (GST_LIVEKIT_ROOM_BIN (data));
  return G_SOURCE_REMOVE;
}

void
gst_livekit_room_negotiate_later (GstLiveKitRoomBin * self)
{
  gst_livekit_room_invoke (self, negotiate_idle);
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
request_webrtc_pad (GstLiveKitRoomBin * self, const PayloaderChoice * choice)
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

  templ = gst_element_class_get_pad_template (GST_ELEMENT_GET_CLASS
      (self->publisher), "sink_%u");
  pad = gst_element_request_pad (self->publisher, templ, NULL, codec);
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

/* webrtcbin writes a track's SSRC (what the server matches AddTrack
 * against) into an offer only once its pad has caps: the offer waits for
 * them, after a rejoin too. */
static GstPadProbeReturn
on_caps_to_webrtc (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  RoomPublication *pub = data;
  GstLiveKitRoomBin *self = pub->room;
  gboolean first;

  if (GST_EVENT_TYPE (GST_PAD_PROBE_INFO_EVENT (info)) != GST_EVENT_CAPS)
    return GST_PAD_PROBE_OK;
  g_mutex_lock (&self->lock);
  first = !pub->caps_sent;
  pub->caps_sent = TRUE;
  g_mutex_unlock (&self->lock);
  if (first)
    gst_livekit_room_negotiate_later (self);
  return GST_PAD_PROBE_OK;
}

/* Links encrypt -> payloader -> guard -> webrtcbin for the codec of @caps.
 * Runs on the streaming thread, inside the caps event probe. */
static gboolean
link_publication (RoomPublication * pub, GstCaps * caps)
{
  GstLiveKitRoomBin *self = pub->room;
  const GstStructure *s = gst_caps_get_structure (caps, 0);
  const gchar *media = gst_structure_get_name (s);
  const PayloaderChoice *choice = NULL;
  GstWebRTCRTPTransceiver *trans = NULL;
  GstPad *src;
  guint32 ssrc = randombytes_random ();
  gint width = 0, height = 0;

  for (guint i = 0; i < G_N_ELEMENTS (payloaders); i++)
    if (g_str_equal (media, payloaders[i].media))
      choice = &payloaders[i];
  if (!choice)
    return FALSE;

  pub->payloader = gst_element_factory_make (choice->payloader, NULL);
  if (!pub->payloader) {
    GST_ELEMENT_ERROR (self, CORE, MISSING_PLUGIN,
        ("%s is missing", choice->payloader), (NULL));
    return FALSE;
  }
  /* The SSRC in the payloader's caps is what makes webrtcbin write the
   * a=ssrc msid lines the server matches AddTrack cids against. */
  g_object_set (pub->payloader, "pt", choice->pt, "ssrc", ssrc, NULL);
  g_object_set (pub->encrypt, "ssrc", ssrc, NULL);
  gst_bin_add (GST_BIN (self), gst_object_ref (pub->payloader));

  pub->codec = choice;
  pub->webrtc_pad = request_webrtc_pad (self, choice);
  if (!pub->webrtc_pad) {
    GST_ELEMENT_ERROR (self, CORE, PAD, ("webrtcbin refused a send pad"),
        (NULL));
    return FALSE;
  }
  g_object_get (pub->webrtc_pad, "transceiver", &trans, NULL);
  pub->cid = gst_object_get_name (GST_OBJECT (trans));
  gst_object_unref (trans);

  pub->guard = gst_object_ref (gst_livekit_flow_guard_new ());
  gst_bin_add (GST_BIN (self), pub->guard);
  src = gst_element_get_static_pad (pub->guard, "src");
  gst_pad_add_probe (src, GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM,
      on_caps_to_webrtc, pub, NULL);
  gst_pad_link (src, pub->webrtc_pad);
  gst_object_unref (src);
  gst_element_link_many (pub->encrypt, pub->payloader, pub->guard, NULL);
  gst_element_sync_state_with_parent (pub->guard);
  gst_element_sync_state_with_parent (pub->payloader);

  gst_structure_get_int (s, "width", &width);
  gst_structure_get_int (s, "height", &height);
  g_mutex_lock (&self->lock);
  pub->width = width;
  pub->height = height;
  pub->ready = TRUE;
  g_mutex_unlock (&self->lock);
  GST_INFO_OBJECT (self, "%s linked as %s (%s)", GST_PAD_NAME (pub->ghost),
      pub->cid, choice->payloader);
  gst_livekit_room_negotiate_later (self);
  return TRUE;
}

/* When every published input has ended, the session's output ends too: the
 * subscribed streams get EOS and the bin posts EOS, so a publishing
 * pipeline (which has no sink of its own to post it) finishes. */
static GstPadProbeReturn
on_input_eos (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  RoomPublication *pub = data;
  GstLiveKitRoomBin *self = pub->room;
  gboolean all = TRUE;

  if (GST_EVENT_TYPE (GST_PAD_PROBE_INFO_EVENT (info)) != GST_EVENT_EOS)
    return GST_PAD_PROBE_OK;
  g_mutex_lock (&self->lock);
  pub->eos = TRUE;
  for (guint i = 0; i < self->publications->len; i++)
    all &= ((RoomPublication *) g_ptr_array_index (self->publications,
            i))->eos;
  g_mutex_unlock (&self->lock);
  if (all) {
    GST_INFO_OBJECT (self, "every published stream ended");
    gst_livekit_room_end_streams (self);
    gst_element_post_message (GST_ELEMENT (self),
        gst_message_new_eos (GST_OBJECT (self)));
  }
  return GST_PAD_PROBE_OK;
}

static GstPadProbeReturn
on_encrypt_caps (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  RoomPublication *pub = data;
  GstEvent *event = GST_PAD_PROBE_INFO_EVENT (info);
  GstCaps *caps;

  if (GST_EVENT_TYPE (event) != GST_EVENT_CAPS)
    return GST_PAD_PROBE_OK;
  gst_event_parse_caps (event, &caps);
  if (!link_publication (pub, caps))
    GST_ELEMENT_ERROR (pub->room, STREAM, FORMAT,
        ("cannot publish %" GST_PTR_FORMAT, caps), (NULL));
  return GST_PAD_PROBE_REMOVE;
}

GstPad *
gst_livekit_room_request_new_pad (GstElement * element,
    GstPadTemplate * templ, const gchar * name, const GstCaps * caps)
{
  GstLiveKitRoomBin *self = GST_LIVEKIT_ROOM_BIN (element);
  gboolean audio = g_str_has_prefix (templ->name_template, "audio");
  RoomPublication *pub;
  GstPad *sink, *src;
  gchar *pad_name;
  guint n;

  if (!self->publisher) {
    GST_ERROR_OBJECT (self, "request pads once the bin is READY");
    return NULL;
  }

  pub = g_new0 (RoomPublication, 1);
  pub->room = self;
  pub->type = audio ? GST_LIVEKIT_TRACK_TYPE_AUDIO :
      GST_LIVEKIT_TRACK_TYPE_VIDEO;
  pub->encrypt = gst_element_factory_make ("livekitencrypt", NULL);
  /* Its keyring comes from the bin's context; keys from the local
   * identity's ring when it has one, else the shared ring. */
  GST_OBJECT_LOCK (self);
  g_object_set (pub->encrypt, "participant-identity", self->identity,
      "key-index", -1, "enabled",
      self->encryption != GST_LIVEKIT_ENCRYPTION_TYPE_NONE, NULL);
  GST_OBJECT_UNLOCK (self);
  /* Our own references: the bin drops its children before it releases
   * request pads on dispose. */
  gst_bin_add (GST_BIN (self), gst_object_ref (pub->encrypt));
  gst_livekit_room_watch_cryptor (self, pub->encrypt);

  g_mutex_lock (&self->lock);
  n = self->publications->len;
  g_ptr_array_add (self->publications, pub);
  g_mutex_unlock (&self->lock);

  pad_name = name ? g_strdup (name) : g_strdup_printf (audio ? "audio_%u" :
      "video_%u", n);
  sink = gst_element_get_static_pad (pub->encrypt, "sink");
  pub->ghost = gst_ghost_pad_new_from_template (pad_name, sink, templ);
  gst_object_unref (sink);
  g_free (pad_name);

  src = gst_element_get_static_pad (pub->encrypt, "src");
  gst_pad_add_probe (src, GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM,
      on_encrypt_caps, pub, NULL);
  gst_object_unref (src);
  sink = gst_element_get_static_pad (pub->encrypt, "sink");
  gst_pad_add_probe (sink, GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM, on_input_eos,
      pub, NULL);
  gst_object_unref (sink);

  /* A publishing bin is a sink: it posts EOS once its inputs end. */
  GST_OBJECT_FLAG_SET (self, GST_ELEMENT_FLAG_SINK);
  gst_element_sync_state_with_parent (pub->encrypt);
  gst_pad_set_active (pub->ghost, TRUE);
  gst_element_add_pad (element, pub->ghost);
  return pub->ghost;
}

/* A rejoin replaces the publisher webrtcbin: every linked track leaves
 * the old one (the flow guard drops its packets meanwhile) ... */
void
gst_livekit_room_unlink_publications (GstLiveKitRoomBin * self)
{
  g_mutex_lock (&self->lock);
  for (guint i = 0; i < self->publications->len; i++) {
    RoomPublication *p = g_ptr_array_index (self->publications, i);
    GstPad *src;

    if (!p->guard || !p->webrtc_pad)
      continue;
    src = gst_element_get_static_pad (p->guard, "src");
    gst_pad_unlink (src, p->webrtc_pad);
    gst_object_unref (src);
    gst_clear_object (&p->webrtc_pad);
    g_clear_pointer (&p->sid, g_free);
    p->announced = FALSE;
    p->ready = FALSE;
    p->caps_sent = FALSE;
  }
  g_mutex_unlock (&self->lock);
}

/* ... and joins the new one, to be announced again. */
void
gst_livekit_room_relink_publications (GstLiveKitRoomBin * self)
{
  g_mutex_lock (&self->lock);
  for (guint i = 0; i < self->publications->len; i++) {
    RoomPublication *p = g_ptr_array_index (self->publications, i);
    GstWebRTCRTPTransceiver *trans = NULL;
    GstPad *src;

    if (!p->guard || p->webrtc_pad)
      continue;
    p->webrtc_pad = request_webrtc_pad (self, p->codec);
    if (!p->webrtc_pad) {
      GST_WARNING_OBJECT (self, "%s could not be linked again",
          GST_PAD_NAME (p->ghost));
      continue;
    }
    g_object_get (p->webrtc_pad, "transceiver", &trans, NULL);
    g_free (p->cid);
    p->cid = gst_object_get_name (GST_OBJECT (trans));
    gst_object_unref (trans);
    src = gst_element_get_static_pad (p->guard, "src");
    gst_pad_link (src, p->webrtc_pad);
    gst_object_unref (src);
    p->ready = TRUE;
  }
  g_mutex_unlock (&self->lock);
}

static void
remove_child (GstLiveKitRoomBin * self, GstElement * child)
{
  if (!child || GST_OBJECT_PARENT (child) != GST_OBJECT (self))
    return;
  gst_element_set_state (child, GST_STATE_NULL);
  gst_bin_remove (GST_BIN (self), child);
}

void
gst_livekit_room_release_pad (GstElement * element, GstPad * pad)
{
  GstLiveKitRoomBin *self = GST_LIVEKIT_ROOM_BIN (element);
  RoomPublication *pub = NULL;

  g_mutex_lock (&self->lock);
  for (guint i = 0; i < self->publications->len; i++) {
    RoomPublication *p = g_ptr_array_index (self->publications, i);
    if (p->ghost == pad) {
      pub = g_ptr_array_steal_index (self->publications, i);
      break;
    }
  }
  g_mutex_unlock (&self->lock);
  if (!pub)
    return;
  gst_element_remove_pad (element, pad);
  g_mutex_lock (&self->lock);
  if (self->publications->len == 0)
    GST_OBJECT_FLAG_UNSET (self, GST_ELEMENT_FLAG_SINK);
  g_mutex_unlock (&self->lock);
  remove_child (self, pub->encrypt);
  remove_child (self, pub->payloader);
  remove_child (self, pub->guard);
  if (pub->webrtc_pad && GST_OBJECT_PARENT (pub->webrtc_pad))
    gst_element_release_request_pad (self->publisher, pub->webrtc_pad);
  gst_livekit_room_publication_free (pub);
}

static void
on_offer_created (GstPromise * promise, gpointer data)
{
  GstLiveKitRoomBin *self = data;
  const GstStructure *reply = gst_promise_get_reply (promise);
  GstWebRTCSessionDescription *offer = NULL;
  gchar *text;

  if (reply)
    gst_structure_get (reply, "offer", GST_TYPE_WEBRTC_SESSION_DESCRIPTION,
        &offer, NULL);
  gst_promise_unref (promise);
  if (!offer) {
    GST_ELEMENT_ERROR (self, STREAM, FAILED,
        ("could not create the publisher offer"), (NULL));
    gst_object_unref (self);
    return;
  }
  g_signal_emit_by_name (self->publisher, "set-local-description", offer,
      NULL);
  text = gst_sdp_message_as_text (offer->sdp);
  GST_DEBUG_OBJECT (self, "publisher offer:\n%s", text);
  if (self->signal)
    gst_livekit_signal_client_send_offer (self->signal, text, 0);
  g_free (text);
  gst_webrtc_session_description_free (offer);
  gst_object_unref (self);
}

/* Signalling thread. */
void
gst_livekit_room_negotiate_publisher (GstLiveKitRoomBin * self)
{
  GPtrArray *announce = g_ptr_array_new ();
  gboolean all_published = TRUE, any = FALSE;
  GstLiveKitEncryptionType encryption;
  gchar *identity;

  if (!self->signal || !gst_livekit_signal_client_is_connected (self->signal))
    goto out;

  GST_OBJECT_LOCK (self);
  encryption = self->encryption;
  identity = g_strdup (self->identity);
  GST_OBJECT_UNLOCK (self);

  g_mutex_lock (&self->lock);
  for (guint i = 0; i < self->publications->len; i++) {
    RoomPublication *p = g_ptr_array_index (self->publications, i);
    if (!p->ready)
      continue;
    any = TRUE;
    if (!p->announced) {
      p->announced = TRUE;
      g_ptr_array_add (announce, p);
    }
    all_published &= p->sid != NULL && p->caps_sent;
  }
  g_mutex_unlock (&self->lock);
  any |= gst_livekit_room_wants_data (self);

  for (guint i = 0; i < announce->len; i++) {
    RoomPublication *p = g_ptr_array_index (announce, i);
    gboolean audio = p->type == GST_LIVEKIT_TRACK_TYPE_AUDIO;
    /* With E2EE the SDKs turn RED off: the SFU cannot add or strip RED on
     * an encrypted track (spec livekit-e2ee.md §11). */
    gst_livekit_signal_client_send_add_track (self->signal, p->cid,
        GST_PAD_NAME (p->ghost), p->type, audio ?
        GST_LIVEKIT_TRACK_SOURCE_MICROPHONE : GST_LIVEKIT_TRACK_SOURCE_CAMERA,
        p->width, p->height, encryption,
        encryption != GST_LIVEKIT_ENCRYPTION_TYPE_NONE);
    GST_INFO_OBJECT (self, "announced %s (%s) for %s", p->cid,
        GST_PAD_NAME (p->ghost), identity);
  }
  g_free (identity);

  /* Offer once the server knows every track in it. */
  if (!any || !all_published || announce->len > 0)
    goto out;
  if (self->negotiating) {
    self->renegotiate = TRUE;
    goto out;
  }
  self->negotiating = TRUE;
  g_signal_emit_by_name (self->publisher, "create-offer", NULL,
      gst_promise_new_with_change_func (on_offer_created,
          gst_object_ref (self), NULL));
out:
  g_ptr_array_unref (announce);
}

void
gst_livekit_room_on_track_published (GstLiveKitRoomBin * self,
    const gchar * cid, const gchar * sid)
{
  RoomPublication *found = NULL;

  g_mutex_lock (&self->lock);
  for (guint i = 0; i < self->publications->len; i++) {
    RoomPublication *p = g_ptr_array_index (self->publications, i);
    if (g_strcmp0 (p->cid, cid) == 0) {
      g_free (p->sid);
      p->sid = g_strdup (sid);
      found = p;
    }
  }
  g_mutex_unlock (&self->lock);
  if (!found)
    return;
  gst_livekit_room_post (self, gst_structure_new ("livekit-local-track-published",
          "pad", G_TYPE_STRING, GST_PAD_NAME (found->ghost),
          "track-sid", G_TYPE_STRING, sid, NULL));
  gst_livekit_room_negotiate_publisher (self);
}
