/* The subscriber's answer lists every video codec the bin receives
 * (plugins/livekit/room/gstlivekitsdpcodecs.c), on a real offer of
 * livekit-server v1.13.5 (ICE, DTLS and SSRC lines left out) and the
 * answer webrtcbin 1.22 made for it. */
#include <gst/check/gstcheck.h>
#include "room/gstlivekitsdpcodecs.h"

#include <string.h>

static const gchar *const encodings[] = { "OPUS", "VP8", "VP9", "H264",
  "H265", NULL
};

#define HEAD "v=0\r\no=- 1 2 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n" \
  "a=group:BUNDLE 0 1 2\r\n" \
  "m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\n" \
  "c=IN IP4 0.0.0.0\r\na=mid:0\r\na=sctp-port:5000\r\n"

/* The m-line of a VP9 track, after the bin put VP9 first. */
#define VIDEO_OFFER \
  "m=video 9 UDP/TLS/RTP/SAVPF 98 100 96 97 99 101 125 126 108 109 104 105 " \
  "102 103 35 36 116 117\r\n" \
  "c=IN IP4 0.0.0.0\r\na=setup:actpass\r\na=mid:2\r\na=rtcp-mux\r\n" \
  "a=rtpmap:96 VP8/90000\r\n" \
  "a=rtcp-fb:96 ccm fir\r\na=rtcp-fb:96 nack\r\na=rtcp-fb:96 nack pli\r\n" \
  "a=rtcp-fb:96 goog-remb\r\n" \
  "a=rtpmap:97 rtx/90000\r\na=fmtp:97 apt=96\r\n" \
  "a=rtpmap:98 VP9/90000\r\na=fmtp:98 profile-id=0\r\n" \
  "a=rtcp-fb:98 ccm fir\r\na=rtcp-fb:98 nack\r\na=rtcp-fb:98 nack pli\r\n" \
  "a=rtcp-fb:98 goog-remb\r\n" \
  "a=rtpmap:99 rtx/90000\r\na=fmtp:99 apt=98\r\n" \
  "a=rtpmap:100 VP9/90000\r\na=fmtp:100 profile-id=1\r\n" \
  "a=rtcp-fb:100 ccm fir\r\na=rtcp-fb:100 nack pli\r\n" \
  "a=rtpmap:101 rtx/90000\r\na=fmtp:101 apt=100\r\n" \
  "a=rtpmap:125 H264/90000\r\na=fmtp:125 level-asymmetry-allowed=1;" \
  "packetization-mode=0;profile-level-id=42e01f\r\n" \
  "a=rtcp-fb:125 ccm fir\r\na=rtcp-fb:125 nack pli\r\n" \
  "a=rtpmap:126 rtx/90000\r\na=fmtp:126 apt=125\r\n" \
  "a=rtpmap:108 H264/90000\r\na=fmtp:108 level-asymmetry-allowed=1;" \
  "packetization-mode=1;profile-level-id=42e01f\r\n" \
  "a=rtcp-fb:108 ccm fir\r\na=rtcp-fb:108 nack pli\r\n" \
  "a=rtpmap:109 rtx/90000\r\na=fmtp:109 apt=108\r\n" \
  "a=rtpmap:104 H264/90000\r\na=fmtp:104 level-asymmetry-allowed=1;" \
  "packetization-mode=0;profile-level-id=42001f\r\n" \
  "a=rtcp-fb:104 ccm fir\r\na=rtcp-fb:104 nack pli\r\n" \
  "a=rtpmap:105 rtx/90000\r\na=fmtp:105 apt=104\r\n" \
  "a=rtpmap:102 H264/90000\r\na=fmtp:102 level-asymmetry-allowed=1;" \
  "packetization-mode=1;profile-level-id=42001f\r\n" \
  "a=rtcp-fb:102 ccm fir\r\na=rtcp-fb:102 nack pli\r\n" \
  "a=rtpmap:103 rtx/90000\r\na=fmtp:103 apt=102\r\n" \
  "a=rtpmap:35 AV1/90000\r\n" \
  "a=rtcp-fb:35 ccm fir\r\na=rtcp-fb:35 nack pli\r\n" \
  "a=rtpmap:36 rtx/90000\r\na=fmtp:36 apt=35\r\n" \
  "a=rtpmap:116 H265/90000\r\n" \
  "a=rtcp-fb:116 ccm fir\r\na=rtcp-fb:116 nack\r\na=rtcp-fb:116 nack pli\r\n" \
  "a=rtpmap:117 rtx/90000\r\na=fmtp:117 apt=116\r\n" \
  "a=extmap:3 http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time\r\n" \
  "a=msid:PA_x|TR_VCytb TR_VCytb\r\na=sendrecv\r\n"

static const gchar offer_text[] = HEAD
    "m=audio 9 UDP/TLS/RTP/SAVPF 111 63\r\n"
    "c=IN IP4 0.0.0.0\r\na=mid:1\r\na=rtcp-mux\r\n"
    "a=rtpmap:111 opus/48000/2\r\na=fmtp:111 minptime=10;useinbandfec=1\r\n"
    "a=rtpmap:63 red/48000/2\r\na=fmtp:63 111/111\r\na=sendrecv\r\n"
    VIDEO_OFFER;

/* What webrtcbin answered: VP9 alone, without nack (no retransmission). */
#define ANSWER_AUDIO \
  "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\n" \
  "c=IN IP4 0.0.0.0\r\na=mid:1\r\na=rtcp-mux\r\na=setup:active\r\n" \
  "a=rtpmap:111 OPUS/48000/2\r\na=fmtp:111 minptime=10;useinbandfec=1\r\n" \
  "a=recvonly\r\n"
#define ANSWER_VIDEO_HEAD \
  "c=IN IP4 0.0.0.0\r\na=mid:2\r\na=rtcp-mux\r\na=setup:active\r\n" \
  "a=rtpmap:98 VP9/90000\r\na=rtcp-fb:98 nack pli\r\na=rtcp-fb:98 ccm fir\r\n" \
  "a=fmtp:98 profile-id=0\r\n"

static const gchar answer_text[] = HEAD ANSWER_AUDIO
    "m=video 9 UDP/TLS/RTP/SAVPF 98\r\n" ANSWER_VIDEO_HEAD "a=recvonly\r\n";

static GstSDPMessage *
parse (const gchar * text)
{
  GstSDPMessage *msg;

  fail_unless_equals_int (gst_sdp_message_new_from_text (text, &msg),
      GST_SDP_OK);
  return msg;
}

static gchar *
formats (const GstSDPMedia * media)
{
  GString *s = g_string_new (NULL);

  for (guint i = 0; i < gst_sdp_media_formats_len (media); i++)
    g_string_append_printf (s, "%s%s", i ? " " : "",
        gst_sdp_media_get_format (media, i));
  return g_string_free (s, FALSE);
}

/* Every a=KEY:VALUE line of @media, "KEY:VALUE\n" each, in order. */
static gchar *
attributes (const GstSDPMedia * media, const gchar * key)
{
  GString *s = g_string_new (NULL);

  for (guint i = 0; i < gst_sdp_media_attributes_len (media); i++) {
    const GstSDPAttribute *a = gst_sdp_media_get_attribute (media, i);
    if (g_str_equal (a->key, key))
      g_string_append_printf (s, "%s\n", a->value);
  }
  return g_string_free (s, FALSE);
}

/* The rest of the first a=KEY:PT line of @media. */
static const gchar *
pt_attribute (const GstSDPMedia * media, const gchar * key, const gchar * pt)
{
  for (guint i = 0; i < gst_sdp_media_attributes_len (media); i++) {
    const GstSDPAttribute *a = gst_sdp_media_get_attribute (media, i);
    if (g_str_equal (a->key, key) && g_str_has_prefix (a->value, pt)
        && a->value[strlen (pt)] == ' ')
      return a->value + strlen (pt) + 1;
  }
  return NULL;
}

#define assert_formats(media, want) G_STMT_START { \
  gchar *got_ = formats (media); \
  fail_unless_equals_string (got_, want); \
  g_free (got_); \
} G_STMT_END

#define assert_attributes(media, key, want) G_STMT_START { \
  gchar *got_ = attributes (media, key); \
  fail_unless_equals_string (got_, want); \
  g_free (got_); \
} G_STMT_END

GST_START_TEST (test_video_lists_every_receivable_codec)
{
  GstSDPMessage *offer = parse (offer_text), *answer = parse (answer_text);
  const GstSDPMedia *video;
  gchar *before, *after;

  /* VP9 profile 1, VP8, H.264 (4), H.265; not AV1: no depayloader. */
  fail_unless_equals_int (gst_livekit_sdp_answer_add_codecs (offer, answer,
          encodings), 7);
  video = gst_sdp_message_get_media (answer, 2);
  /* The offer's order, the track's own codec first; no rtx formats, as
   * webrtcbin answered none. */
  assert_formats (video, "98 100 96 125 108 104 102 116");
  assert_attributes (video, "rtpmap", "98 VP9/90000\n100 VP9/90000\n"
      "96 VP8/90000\n125 H264/90000\n108 H264/90000\n104 H264/90000\n"
      "102 H264/90000\n116 H265/90000\n");
  /* The offer's fmtp, so profile-level-id and packetization-mode match. */
  assert_attributes (video, "fmtp", "98 profile-id=0\n100 profile-id=1\n"
      "125 level-asymmetry-allowed=1;packetization-mode=0;"
      "profile-level-id=42e01f\n"
      "108 level-asymmetry-allowed=1;packetization-mode=1;"
      "profile-level-id=42e01f\n"
      "104 level-asymmetry-allowed=1;packetization-mode=0;"
      "profile-level-id=42001f\n"
      "102 level-asymmetry-allowed=1;packetization-mode=1;"
      "profile-level-id=42001f\n");
  /* Only the feedback webrtcbin gave VP9: no plain nack, no goog-remb. */
  assert_attributes (video, "rtcp-fb", "98 nack pli\n98 ccm fir\n"
      "100 ccm fir\n100 nack pli\n96 ccm fir\n96 nack pli\n"
      "125 ccm fir\n125 nack pli\n108 ccm fir\n108 nack pli\n"
      "104 ccm fir\n104 nack pli\n102 ccm fir\n102 nack pli\n"
      "116 ccm fir\n116 nack pli\n");
  /* The codec lines go with the others, before the direction. */
  fail_unless_equals_string (gst_sdp_media_get_attribute (video,
          gst_sdp_media_attributes_len (video) - 1)->key, "recvonly");
  fail_unless_equals_string (gst_sdp_media_get_attribute_val (video, "mid"),
      "2");

  /* The audio m-line is as webrtcbin made it. */
  assert_formats (gst_sdp_message_get_media (answer, 1), "111");

  /* Idempotent: a second pass over the same answer changes nothing. */
  before = gst_sdp_message_as_text (answer);
  fail_unless_equals_int (gst_livekit_sdp_answer_add_codecs (offer, answer,
          encodings), 0);
  after = gst_sdp_message_as_text (answer);
  fail_unless_equals_string (after, before);
  g_free (before);
  g_free (after);
  gst_sdp_message_free (offer);
  gst_sdp_message_free (answer);
}

GST_END_TEST;

GST_START_TEST (test_rtx_follows_the_answer)
{
  /* An answer with retransmission for its codec gets it for the others. */
  GstSDPMessage *offer = parse (offer_text), *answer = parse (HEAD ANSWER_AUDIO
      "m=video 9 UDP/TLS/RTP/SAVPF 98 99\r\n" ANSWER_VIDEO_HEAD
      "a=rtcp-fb:98 nack\r\n"
      "a=rtpmap:99 rtx/90000\r\na=fmtp:99 apt=98\r\na=recvonly\r\n");
  const GstSDPMedia *video;

  fail_unless_equals_int (gst_livekit_sdp_answer_add_codecs (offer, answer,
          encodings), 14);
  video = gst_sdp_message_get_media (answer, 2);
  /* Not 36: it repairs AV1, which is not there. */
  assert_formats (video,
      "98 100 96 97 99 101 125 126 108 109 104 105 102 103 116 117");
  fail_unless_equals_string (pt_attribute (video, "rtpmap", "97"),
      "rtx/90000");
  fail_unless_equals_string (pt_attribute (video, "fmtp", "97"), "apt=96");
  fail_unless_equals_string (pt_attribute (video, "fmtp", "117"), "apt=116");
  /* Plain nack now too, where the offer has it. */
  assert_attributes (video, "rtcp-fb", "98 nack pli\n98 ccm fir\n98 nack\n"
      "100 ccm fir\n100 nack pli\n96 ccm fir\n96 nack\n96 nack pli\n"
      "125 ccm fir\n125 nack pli\n108 ccm fir\n108 nack pli\n"
      "104 ccm fir\n104 nack pli\n102 ccm fir\n102 nack pli\n"
      "116 ccm fir\n116 nack\n116 nack pli\n");
  gst_sdp_message_free (offer);
  gst_sdp_message_free (answer);
}

GST_END_TEST;

GST_START_TEST (test_left_alone)
{
  /* A rejected video m-line, and one whose mid is not the offer's. */
  const gchar *const rejected = HEAD ANSWER_AUDIO
      "m=video 0 UDP/TLS/RTP/SAVPF 98\r\n" ANSWER_VIDEO_HEAD
      "a=inactive\r\n";
  const gchar *const other_mid = HEAD ANSWER_AUDIO
      "m=video 9 UDP/TLS/RTP/SAVPF 98\r\n"
      "c=IN IP4 0.0.0.0\r\na=mid:7\r\na=rtpmap:98 VP9/90000\r\n";
  const gchar *const cases[] = { rejected, other_mid };
  GstSDPMessage *offer = parse (offer_text);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    GstSDPMessage *answer = parse (cases[i]);
    gchar *before = gst_sdp_message_as_text (answer), *after;

    fail_unless_equals_int (gst_livekit_sdp_answer_add_codecs (offer, answer,
            encodings), 0);
    after = gst_sdp_message_as_text (answer);
    fail_unless_equals_string (after, before);
    g_free (before);
    g_free (after);
    gst_sdp_message_free (answer);
  }
  gst_sdp_message_free (offer);
}

GST_END_TEST;

GST_START_TEST (test_answered_format_keeps_the_offers_fmtp)
{
  /* webrtcbin 1.22's answer to an H.264 track: no profile-level-id, which
   * pion needs to match the codec (gstlivekitsdpcodecs.c). */
  GstSDPMessage *offer = parse (offer_text), *answer = parse (HEAD ANSWER_AUDIO
      "m=video 9 UDP/TLS/RTP/SAVPF 108 98\r\n"
      "c=IN IP4 0.0.0.0\r\na=mid:2\r\na=rtcp-mux\r\na=setup:active\r\n"
      "a=rtpmap:108 H264/90000\r\na=rtcp-fb:108 nack pli\r\n"
      "a=fmtp:108 packetization-mode=1;level-asymmetry-allowed=1\r\n"
      "a=rtpmap:98 VP9/90000\r\na=recvonly\r\n");
  const GstSDPMedia *video;

  gst_livekit_sdp_answer_add_codecs (offer, answer, encodings);
  video = gst_sdp_message_get_media (answer, 2);
  /* Replaced in place, and added where webrtcbin wrote none. */
  fail_unless_equals_string (pt_attribute (video, "fmtp", "108"),
      "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f");
  fail_unless_equals_string (pt_attribute (video, "fmtp", "98"),
      "profile-id=0");
  assert_attributes (video, "fmtp", "108 level-asymmetry-allowed=1;"
      "packetization-mode=1;profile-level-id=42e01f\n"
      "98 profile-id=0\n100 profile-id=1\n"
      "125 level-asymmetry-allowed=1;packetization-mode=0;"
      "profile-level-id=42e01f\n"
      "104 level-asymmetry-allowed=1;packetization-mode=0;"
      "profile-level-id=42001f\n"
      "102 level-asymmetry-allowed=1;packetization-mode=1;"
      "profile-level-id=42001f\n");
  gst_sdp_message_free (offer);
  gst_sdp_message_free (answer);
}

GST_END_TEST;

GST_START_TEST (test_only_the_encodings_given)
{
  const gchar *const vp_only[] = { "VP8", "VP9", NULL };
  GstSDPMessage *offer = parse (offer_text), *answer = parse (answer_text);

  fail_unless_equals_int (gst_livekit_sdp_answer_add_codecs (offer, answer,
          vp_only), 2);
  assert_formats (gst_sdp_message_get_media (answer, 2), "98 100 96");
  gst_sdp_message_free (offer);
  gst_sdp_message_free (answer);
}

GST_END_TEST;

static Suite *
sdp_codecs_suite (void)
{
  Suite *s = suite_create ("livekit-sdp-codecs");
  TCase *tc = tcase_create ("answer");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_video_lists_every_receivable_codec);
  tcase_add_test (tc, test_rtx_follows_the_answer);
  tcase_add_test (tc, test_left_alone);
  tcase_add_test (tc, test_answered_format_keeps_the_offers_fmtp);
  tcase_add_test (tc, test_only_the_encodings_given);
  return s;
}

GST_CHECK_MAIN (sdp_codecs);
