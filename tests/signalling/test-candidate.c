/* ICE candidate JSON (TrickleRequest.candidateInit, spec
 * livekit-signalling.md §2.3) and the /rtc URL builder (§1.1). */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif
#include <gst/check/gstcheck.h>
#include <gst/livekit/signalling/candidate.h>
#include <gst/livekit/signalling/signalclient.h>
#include "../../gst/livekit/signalling/signal-url.h"
#include <json-glib/json-glib.h>

#define CAND "candidate:1 1 UDP 2015363327 127.0.0.1 50123 typ host"

GST_START_TEST (test_to_json)
{
  gchar *json = gst_livekit_candidate_to_json (CAND, "0", 1);
  JsonParser *p = json_parser_new ();
  JsonObject *o;

  fail_unless (json_parser_load_from_data (p, json, -1, NULL));
  o = json_node_get_object (json_parser_get_root (p));
  fail_unless_equals_string (json_object_get_string_member (o, "candidate"),
      CAND);
  fail_unless_equals_string (json_object_get_string_member (o, "sdpMid"), "0");
  fail_unless_equals_int (json_object_get_int_member (o, "sdpMLineIndex"), 1);
  fail_unless_equals_int (json_object_get_size (o), 3);
  g_object_unref (p);
  g_free (json);

  /* No mid: member left out, as pion's *string would be nil */
  json = gst_livekit_candidate_to_json (CAND, NULL, 0);
  fail_if (strstr (json, "sdpMid"));
  g_free (json);
}

GST_END_TEST;

GST_START_TEST (test_round_trip_and_quoting)
{
  const gchar *odd = "candidate:\"quoted\" \\ back\nslash";
  gchar *json = gst_livekit_candidate_to_json (odd, "a b", 7);
  gchar *cand = NULL, *mid = NULL;
  guint idx = 99;

  fail_unless (gst_livekit_candidate_from_json (json, &cand, &mid, &idx, NULL));
  fail_unless_equals_string (cand, odd);
  fail_unless_equals_string (mid, "a b");
  fail_unless_equals_int (idx, 7);
  g_free (cand);
  g_free (mid);
  g_free (json);
}

GST_END_TEST;

GST_START_TEST (test_from_server_json)
{
  /* What pion's ICECandidateInit marshals to */
  const gchar *pion = "{\"candidate\":\"" CAND "\",\"sdpMid\":\"0\","
      "\"sdpMLineIndex\":0,\"usernameFragment\":null}";
  gchar *cand = NULL, *mid = NULL;
  guint idx = 99;

  fail_unless (gst_livekit_candidate_from_json (pion, &cand, &mid, &idx, NULL));
  fail_unless_equals_string (cand, CAND);
  fail_unless_equals_string (mid, "0");
  fail_unless_equals_int (idx, 0);
  g_free (cand);
  g_free (mid);

  /* null / absent mid and index; end-of-candidates */
  fail_unless (gst_livekit_candidate_from_json
      ("{\"candidate\":\"\",\"sdpMid\":null}", &cand, &mid, &idx, NULL));
  fail_unless_equals_string (cand, "");
  fail_unless (mid == NULL);
  fail_unless_equals_int (idx, 0);
  g_free (cand);

  /* optional outputs */
  fail_unless (gst_livekit_candidate_from_json (pion, NULL, NULL, NULL, NULL));
}

GST_END_TEST;

GST_START_TEST (test_invalid_json)
{
  const gchar *bad[] = {
    "", "not json", "[1,2]", "\"candidate\"", "{}", "{\"candidate\":5}",
    "{\"candidate\":\"c\",\"sdpMid\":3}",
    "{\"candidate\":\"c\",\"sdpMLineIndex\":-1}",
    "{\"candidate\":\"c\",\"sdpMLineIndex\":70000}",
    "{\"candidate\":\"c\",\"sdpMLineIndex\":\"0\"}",
    "{\"candidate\":\"c\",\"sdpMLineIndex\":1.5}",
    "{\"candidate\":\"c\"",
    /* A lone high surrogate followed by a plain character (issue 9 item
     * 6): json-glib 1.6 decodes it to bytes that are not UTF-8 */
    "{\"candidate\":\"candidate:\\ud8001 1 udp 1 127.0.0.1 9 typ host\"}",
    "{\"candidate\":\"c\\udbffx\",\"sdpMLineIndex\":0}",
    "{\"candidate\":\"c\",\"sdpMid\":\"\\ud800x\"}",
    /* Raw bytes that are not UTF-8 */
    "{\"candidate\":\"c\xff\"}",
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++) {
    GError *err = NULL;
    gchar *cand = (gchar *) "untouched";
    fail_if (gst_livekit_candidate_from_json (bad[i], &cand, NULL, NULL,
            &err), "accepted %s", bad[i]);
    fail_unless (g_error_matches (err, GST_LIVEKIT_CANDIDATE_ERROR,
            GST_LIVEKIT_CANDIDATE_ERROR_INVALID));
    fail_unless_equals_string (cand, "untouched");
    g_error_free (err);
  }
}

GST_END_TEST;

static void
check_url (const gchar * in, GstLiveKitSignalUrlKind kind, const gchar * prefix)
{
  GError *err = NULL;
  gchar *url = gst_livekit_signal_url_build (in, "a.b-c_d", TRUE, kind, &err);
  gchar *expected = g_strconcat (prefix, "?access_token=a.b-c_d&protocol=17"
      "&sdk=cpp&version=" VERSION "&auto_subscribe=1&adaptive_stream=0", NULL);

  g_assert_no_error (err);
  fail_unless_equals_string (url, expected);
  g_free (url);
  g_free (expected);
}

GST_START_TEST (test_urls)
{
  const GstLiveKitSignalUrlKind RTC = GST_LIVEKIT_SIGNAL_URL_RTC;
  const GstLiveKitSignalUrlKind VAL = GST_LIVEKIT_SIGNAL_URL_VALIDATE;
  const gchar *bad[] = { "", "not a url", "ftp://host/", "ws://", "ws:///rtc",
    "/rtc"
  };
  gchar *url;

  check_url ("ws://127.0.0.1:7880", RTC, "ws://127.0.0.1:7880/rtc");
  check_url ("ws://127.0.0.1:7880/", VAL, "http://127.0.0.1:7880/rtc/validate");
  check_url ("http://h:1/rtc", RTC, "ws://h:1/rtc");
  check_url ("wss://x.livekit.cloud", RTC, "wss://x.livekit.cloud/rtc");
  check_url ("wss://x.livekit.cloud", VAL,
      "https://x.livekit.cloud/rtc/validate");
  check_url ("HTTPS://h/prefix/rtc/validate/", RTC, "wss://h/prefix/rtc");
  check_url ("ws://[::1]:7880", RTC, "ws://[::1]:7880/rtc");

  url = gst_livekit_signal_url_build ("ws://h", "t", FALSE,
      GST_LIVEKIT_SIGNAL_URL_RTC, NULL);
  fail_unless (strstr (url, "&auto_subscribe=0&"));
  g_free (url);
  /* A token is URL-escaped (JWTs never need it, but be safe) */
  url = gst_livekit_signal_url_build ("ws://h", "a+b&c=d", FALSE,
      GST_LIVEKIT_SIGNAL_URL_RTC, NULL);
  fail_unless (strstr (url, "access_token=a%2Bb%26c%3Dd&"), "%s", url);
  g_free (url);

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++) {
    GError *err = NULL;
    fail_if (gst_livekit_signal_url_build (bad[i], "t", TRUE,
            GST_LIVEKIT_SIGNAL_URL_RTC, &err), "accepted '%s'", bad[i]);
    fail_unless (g_error_matches (err, GST_LIVEKIT_SIGNAL_ERROR,
            GST_LIVEKIT_SIGNAL_ERROR_INVALID_URL));
    g_error_free (err);
  }
}

GST_END_TEST;

static Suite *
candidate_suite (void)
{
  Suite *s = suite_create ("livekit-candidate");
  TCase *tc = tcase_create ("candidate");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_to_json);
  tcase_add_test (tc, test_round_trip_and_quoting);
  tcase_add_test (tc, test_from_server_json);
  tcase_add_test (tc, test_invalid_json);
  tcase_add_test (tc, test_urls);
  return s;
}

GST_CHECK_MAIN (candidate);
