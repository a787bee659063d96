/* The subscriber's answers to the server's re-offers, through a real
 * webrtcbin 1.22, as the room bin's session makes them:
 * - they stay on the bundle's transport (room/gstlivekitsdpbundle.c) when
 *   webrtcbin rejects a re-offered m-line: the server moved an H.264 track
 *   from payload type 108 to 102, as livekit-server did after webrtcbin
 *   had answered 108 without its profile-level-id;
 * - webrtcbin takes them when the server reuses an m-line for a new track
 *   (room/gstlivekitsdpdirection.c): sendrecv, recvonly once the track
 *   ended, sendrecv again.
 * The offers are shaped like livekit-server v1.13.5's (pion): the
 * fingerprint at session level. */
#include <gst/check/gstcheck.h>
#include <gst/webrtc/webrtc.h>
#include "room/gstlivekitsdpbundle.h"
#include "room/gstlivekitsdpdirection.h"

#define SERVER_UFRAG "CCtGrzKRatzfCABl"

/* The video m-line: its payload types, direction and SSRC (0: none). */
typedef struct
{
  const gchar *pts;
  const gchar *direction;
  guint ssrc;
} Video;

static gchar *
offer_text (guint version, const Video * video)
{
  GString *s = g_string_new (NULL);
  gchar **pts = g_strsplit (video->pts, " ", -1);

  g_string_append_printf (s, "v=0\r\no=- 1 %u IN IP4 127.0.0.1\r\ns=-\r\n"
      "t=0 0\r\na=fingerprint:sha-256 B4:02:87:CD:97:CE:0F:7E:94:04:42:FC:"
      "1F:24:8C:32:15:B4:77:DB:74:17:A5:71:34:75:38:4B:B0:A8:55:21\r\n"
      "a=group:BUNDLE 0 1\r\n", version);
  g_string_append (s, "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 0.0.0.0\r\n"
      "a=setup:actpass\r\na=mid:0\r\na=ice-ufrag:" SERVER_UFRAG "\r\n"
      "a=ice-pwd:0123456789abcdef0123456789abcdef\r\na=rtcp-mux\r\n"
      "a=sendrecv\r\na=rtpmap:111 opus/48000/2\r\na=ssrc:2 cname:s\r\n");
  g_string_append_printf (s, "m=video 9 UDP/TLS/RTP/SAVPF %s\r\n"
      "c=IN IP4 0.0.0.0\r\na=setup:actpass\r\na=mid:1\r\n"
      "a=ice-ufrag:" SERVER_UFRAG "\r\n"
      "a=ice-pwd:0123456789abcdef0123456789abcdef\r\na=rtcp-mux\r\n"
      "a=%s\r\n", video->pts, video->direction);
  for (guint i = 0; pts[i]; i++)
    g_string_append_printf (s, "a=rtpmap:%s H264/90000\r\na=fmtp:%s "
        "level-asymmetry-allowed=1;packetization-mode=1;"
        "profile-level-id=42e01f\r\n", pts[i], pts[i]);
  if (video->ssrc)
    g_string_append_printf (s, "a=ssrc:%u cname:s\r\n", video->ssrc);
  g_strfreev (pts);
  return g_string_free (s, FALSE);
}

/* Emits @signal with @arg (a description, or NULL) and a promise; returns
 * the promise once replied. */
static GstPromise *
run (GstElement * webrtc, const gchar * signal, gpointer arg)
{
  GstPromise *promise = gst_promise_new ();

  g_signal_emit_by_name (webrtc, signal, arg, promise);
  fail_unless_equals_int (gst_promise_wait (promise), GST_PROMISE_RESULT_REPLIED);
  return promise;
}

static gchar *
error_of (GstPromise * promise)
{
  const GstStructure *reply = gst_promise_get_reply (promise);
  GError *err = NULL;
  gchar *message = NULL;

  if (reply && gst_structure_get (reply, "error", G_TYPE_ERROR, &err, NULL)) {
    message = g_strdup (err->message);
    g_clear_error (&err);
  }
  return message;
}

/* One offer/answer round, as the session does it; returns how many m-lines
 * were mended. */
static guint
negotiate (GstElement * webrtc, guint version, Video video)
{
  gchar *text = offer_text (version, &video), *err;
  GstSDPMessage *sdp, *server_offer, *sent;
  GstWebRTCSessionDescription *offer, *answer = NULL;
  GstPromise *promise;
  guint mended;
  const gchar *ufrag;

  fail_unless_equals_int (gst_sdp_message_new_from_text (text, &sdp),
      GST_SDP_OK);
  g_free (text);
  gst_sdp_message_copy (sdp, &server_offer);
  gst_livekit_sdp_offer_keep_receiving (sdp);
  offer = gst_webrtc_session_description_new (GST_WEBRTC_SDP_TYPE_OFFER, sdp);
  promise = run (webrtc, "set-remote-description", offer);
  err = error_of (promise);
  fail_unless (err == NULL, "offer %u refused: %s", version, err);
  gst_promise_unref (promise);
  gst_webrtc_session_description_free (offer);

  promise = run (webrtc, "create-answer", NULL);
  gst_structure_get (gst_promise_get_reply (promise), "answer",
      GST_TYPE_WEBRTC_SESSION_DESCRIPTION, &answer, NULL);
  gst_promise_unref (promise);
  fail_unless (answer != NULL);

  mended = gst_livekit_sdp_answer_mend_bundle (answer->sdp);
  /* Every m-line on our credentials, not the server's. */
  ufrag = gst_sdp_media_get_attribute_val (gst_sdp_message_get_media
      (answer->sdp, 0), "ice-ufrag");
  fail_if (g_strcmp0 (ufrag, SERVER_UFRAG) == 0);
  for (guint i = 0; i < gst_sdp_message_medias_len (answer->sdp); i++) {
    const gchar *own = gst_sdp_media_get_attribute_val
        (gst_sdp_message_get_media (answer->sdp, i), "ice-ufrag");
    fail_unless (g_strcmp0 (own, ufrag) == 0, "answer %u m-line %u: ufrag %s,"
        " bundle's %s", version, i, own, ufrag);
  }

  /* What the server gets is inactive where its offer sends nothing (a
   * rejected m-line is inactive anyway). */
  gst_sdp_message_copy (answer->sdp, &sent);
  gst_livekit_sdp_answer_restore_inactive (sent, server_offer);
  if (gst_sdp_media_get_port (gst_sdp_message_get_media (sent, 1)) != 0)
    fail_unless_equals_string (gst_sdp_media_get_attribute_val
        (gst_sdp_message_get_media (sent, 1), "inactive"),
        g_str_equal (video.direction, "sendrecv") ? NULL : "");
  gst_sdp_message_free (sent);
  gst_sdp_message_free (server_offer);

  text = gst_sdp_message_as_text (answer->sdp);
  GST_INFO ("answer %u:\n%s", version, text);
  g_free (text);
  promise = run (webrtc, "set-local-description", answer);
  err = error_of (promise);
  fail_unless (err == NULL, "answer %u refused: %s", version, err);
  gst_promise_unref (promise);
  gst_webrtc_session_description_free (answer);
  return mended;
}

/* A playing webrtcbin as the room bin's subscriber (gstlivekitroomsession.c),
 * in *pipeline. */
static GstElement *
subscriber_webrtcbin (GstElement ** pipeline)
{
  GstElement *webrtc = gst_element_factory_make ("webrtcbin", NULL);

  fail_unless (webrtc != NULL, "webrtcbin (gst-plugins-bad) is missing");
  g_object_set (webrtc, "bundle-policy", GST_WEBRTC_BUNDLE_POLICY_MAX_BUNDLE,
      NULL);
  *pipeline = gst_pipeline_new (NULL);
  gst_bin_add (GST_BIN (*pipeline), webrtc);
  fail_if (gst_element_set_state (*pipeline, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE);
  return webrtc;
}

static void
stop (GstElement * pipeline)
{
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (pipeline);
}

GST_START_TEST (test_answers_after_a_rejected_mline)
{
  GstElement *pipeline, *webrtc = subscriber_webrtcbin (&pipeline);

  /* webrtcbin answers 108; nothing to mend. */
  fail_unless_equals_int (negotiate (webrtc, 2, (Video) {
          "108 102", "sendrecv", 1}), 0);
  /* 108 is gone: webrtcbin rejects m-line 1 with the offer's copy. */
  fail_unless_equals_int (negotiate (webrtc, 3, (Video) {
          "102", "sendrecv", 1}), 1);
  /* Built on that answer: m-line 1 has the server's credentials again. */
  fail_unless_equals_int (negotiate (webrtc, 4, (Video) {
          "102", "sendrecv", 1}), 1);
  stop (pipeline);
}

GST_END_TEST;

/* Track A ends, the m-line waits, track B comes on it, as livekit-server
 * offers it: webrtcbin takes every answer (given the recvonly offer as it
 * was, it answered inactive and refused answer 4). */
GST_START_TEST (test_reused_mline)
{
  GstElement *pipeline, *webrtc = subscriber_webrtcbin (&pipeline);

  fail_unless_equals_int (negotiate (webrtc, 2, (Video) {
          "102", "sendrecv", 1}), 0);
  fail_unless_equals_int (negotiate (webrtc, 3, (Video) {
          "102", "recvonly", 0}), 0);
  fail_unless_equals_int (negotiate (webrtc, 4, (Video) {
          "102", "sendrecv", 3}), 0);
  /* Neither does an inactive one. */
  fail_unless_equals_int (negotiate (webrtc, 5, (Video) {
          "102", "inactive", 0}), 0);
  fail_unless_equals_int (negotiate (webrtc, 6, (Video) {
          "102", "sendrecv", 5}), 0);
  stop (pipeline);
}

GST_END_TEST;

GST_START_TEST (test_rejected_mline_is_inactive)
{
  gchar *text = offer_text (2, &(Video) {
      "102", "sendrecv", 1});
  GstSDPMessage *answer;
  const GstSDPMedia *video;

  /* An answer shaped like webrtcbin's rejection: the offer's m-line at port
   * 0, and a first m-line of ours. */
  fail_unless_equals_int (gst_sdp_message_new_from_text (text, &answer),
      GST_SDP_OK);
  g_free (text);
  gst_sdp_message_remove_attribute (answer, 0);
  gst_sdp_media_replace_attribute ((GstSDPMedia *)
      gst_sdp_message_get_media (answer, 0), 2, &(GstSDPAttribute) {
      g_strdup ("ice-ufrag"), g_strdup ("ours")});
  gst_sdp_media_add_attribute ((GstSDPMedia *)
      gst_sdp_message_get_media (answer, 0), "fingerprint", "sha-256 AA");
  gst_sdp_media_set_port_info ((GstSDPMedia *)
      gst_sdp_message_get_media (answer, 1), 0, 0);

  fail_unless_equals_int (gst_livekit_sdp_answer_mend_bundle (answer), 1);
  video = gst_sdp_message_get_media (answer, 1);
  fail_unless_equals_string (gst_sdp_media_get_attribute_val (video,
          "ice-ufrag"), "ours");
  fail_unless_equals_string (gst_sdp_media_get_attribute_val (video,
          "fingerprint"), "sha-256 AA");
  fail_unless (gst_sdp_media_get_attribute_val (video, "sendrecv") == NULL);
  fail_unless (gst_sdp_media_get_attribute_val (video, "ssrc") == NULL);
  /* As the parser gives it: GstSDP's caps code reads every value. */
  fail_unless_equals_string (gst_sdp_media_get_attribute_val (video,
          "inactive"), "");
  /* Mended once is mended. */
  fail_unless_equals_int (gst_livekit_sdp_answer_mend_bundle (answer), 0);
  gst_sdp_message_free (answer);
}

GST_END_TEST;

static Suite *
sdp_bundle_suite (void)
{
  Suite *s = suite_create ("livekit-sdp-bundle");
  TCase *tc = tcase_create ("answer");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_answers_after_a_rejected_mline);
  tcase_add_test (tc, test_reused_mline);
  tcase_add_test (tc, test_rejected_mline_is_inactive);
  return s;
}

GST_CHECK_MAIN (sdp_bundle);
