/* Client requests -> packed SignalRequest (spec livekit-signalling.md §2.1).
 * The structs live on the stack and point at the caller's strings: packing
 * copies, so nothing here is allocated but the output. protobuf-c's
 * generated structs use char * for strings it never writes through, hence
 * the casts. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "signal-private.h"

static GBytes *
pack (const Livekit__SignalRequest * req)
{
  gsize size = livekit__signal_request__get_packed_size (req);
  guint8 *buf = g_malloc (size ? size : 1);

  livekit__signal_request__pack (req, buf);
  return g_bytes_new_take (buf, size);
}

GBytes *
gst_livekit_signal_request_sdp (gboolean answer, const gchar * sdp, guint32 id)
{
  Livekit__SignalRequest req = LIVEKIT__SIGNAL_REQUEST__INIT;
  Livekit__SessionDescription desc = LIVEKIT__SESSION_DESCRIPTION__INIT;

  g_return_val_if_fail (sdp != NULL, NULL);

  desc.type = (char *) (answer ? "answer" : "offer");
  desc.sdp = (char *) sdp;
  desc.id = id;
  if (answer) {
    req.message_case = LIVEKIT__SIGNAL_REQUEST__MESSAGE_ANSWER;
    req.answer = &desc;
  } else {
    req.message_case = LIVEKIT__SIGNAL_REQUEST__MESSAGE_OFFER;
    req.offer = &desc;
  }
  return pack (&req);
}

GBytes *
gst_livekit_signal_request_trickle (const gchar * candidate_json,
    GstLiveKitSignalTarget target, gboolean final)
{
  Livekit__SignalRequest req = LIVEKIT__SIGNAL_REQUEST__INIT;
  Livekit__TrickleRequest trickle = LIVEKIT__TRICKLE_REQUEST__INIT;

  g_return_val_if_fail (candidate_json != NULL, NULL);

  trickle.candidateinit = (char *) candidate_json;
  trickle.target = (Livekit__SignalTarget) target;
  trickle.final = final;
  req.message_case = LIVEKIT__SIGNAL_REQUEST__MESSAGE_TRICKLE;
  req.trickle = &trickle;
  return pack (&req);
}

GBytes *
gst_livekit_signal_request_add_track (const gchar * cid, const gchar * name,
    GstLiveKitTrackType type, GstLiveKitTrackSource source, guint width,
    guint height, GstLiveKitEncryptionType encryption, gboolean disable_red)
{
  Livekit__SignalRequest req = LIVEKIT__SIGNAL_REQUEST__INIT;
  Livekit__AddTrackRequest add = LIVEKIT__ADD_TRACK_REQUEST__INIT;
  Livekit__VideoLayer layer = LIVEKIT__VIDEO_LAYER__INIT;
  Livekit__VideoLayer *layers[1] = { &layer };

  g_return_val_if_fail (cid != NULL, NULL);

  add.cid = (char *) cid;
  add.name = (char *) (name ? name : "");
  add.type = (Livekit__TrackType) type;
  add.source = (Livekit__TrackSource) source;
  add.width = width;
  add.height = height;
  /* encryption=GCM is what makes SDK receivers attach a decryptor, and
   * RED must be off for encrypted audio (spec §4). */
  add.encryption = (Livekit__Encryption__Type) encryption;
  add.disable_red = disable_red;
  /* One HIGH layer = a single spatial layer without simulcast (spec §7). */
  if (type == GST_LIVEKIT_TRACK_TYPE_VIDEO && width && height) {
    layer.quality = LIVEKIT__VIDEO_QUALITY__HIGH;
    layer.width = width;
    layer.height = height;
    add.n_layers = 1;
    add.layers = layers;
  }
  req.message_case = LIVEKIT__SIGNAL_REQUEST__MESSAGE_ADD_TRACK;
  req.add_track = &add;
  return pack (&req);
}

GBytes *
gst_livekit_signal_request_mute (const gchar * track_sid, gboolean muted)
{
  Livekit__SignalRequest req = LIVEKIT__SIGNAL_REQUEST__INIT;
  Livekit__MuteTrackRequest mute = LIVEKIT__MUTE_TRACK_REQUEST__INIT;

  g_return_val_if_fail (track_sid != NULL, NULL);

  mute.sid = (char *) track_sid;
  mute.muted = muted;
  req.message_case = LIVEKIT__SIGNAL_REQUEST__MESSAGE_MUTE;
  req.mute = &mute;
  return pack (&req);
}

GBytes *
gst_livekit_signal_request_subscription (const gchar * participant_sid,
    const gchar * const *track_sids, gboolean subscribe)
{
  Livekit__SignalRequest req = LIVEKIT__SIGNAL_REQUEST__INIT;
  Livekit__UpdateSubscription sub = LIVEKIT__UPDATE_SUBSCRIPTION__INIT;
  Livekit__ParticipantTracks pt = LIVEKIT__PARTICIPANT_TRACKS__INIT;
  Livekit__ParticipantTracks *pts[1] = { &pt };
  gsize n = track_sids ? g_strv_length ((gchar **) track_sids) : 0;

  sub.n_track_sids = n;
  sub.track_sids = (char **) track_sids;
  sub.subscribe = subscribe;
  /* What gst-plugins-rs sends: the participant form lets the server find
   * tracks it has not announced to us yet (spec §3.4). */
  if (participant_sid) {
    pt.participant_sid = (char *) participant_sid;
    pt.n_track_sids = n;
    pt.track_sids = (char **) track_sids;
    sub.n_participant_tracks = 1;
    sub.participant_tracks = pts;
  }
  req.message_case = LIVEKIT__SIGNAL_REQUEST__MESSAGE_SUBSCRIPTION;
  req.subscription = &sub;
  return pack (&req);
}

GBytes *
gst_livekit_signal_request_leave (GstLiveKitDisconnectReason reason)
{
  Livekit__SignalRequest req = LIVEKIT__SIGNAL_REQUEST__INIT;
  Livekit__LeaveRequest leave = LIVEKIT__LEAVE_REQUEST__INIT;

  leave.reason = (Livekit__DisconnectReason) reason;
  leave.action = LIVEKIT__LEAVE_REQUEST__ACTION__DISCONNECT;
  req.message_case = LIVEKIT__SIGNAL_REQUEST__MESSAGE_LEAVE;
  req.leave = &leave;
  return pack (&req);
}

GBytes *
gst_livekit_signal_request_ping (gint64 timestamp_ms, gint64 rtt_ms)
{
  Livekit__SignalRequest req = LIVEKIT__SIGNAL_REQUEST__INIT;
  Livekit__Ping ping = LIVEKIT__PING__INIT;

  ping.timestamp = timestamp_ms;
  ping.rtt = rtt_ms;
  req.message_case = LIVEKIT__SIGNAL_REQUEST__MESSAGE_PING_REQ;
  req.ping_req = &ping;
  return pack (&req);
}
