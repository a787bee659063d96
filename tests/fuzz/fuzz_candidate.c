/* libFuzzer harness for ICE candidate JSON (TrickleRequest.candidateInit,
 * gst/livekit/signalling/candidate.c).
 *
 *   1. the input as the server's JSON: from_json either fails with an
 *      error, or gives UTF-8 strings (they go to webrtcbin) that survive a
 *      to_json/from_json round trip unchanged;
 *   2. the input as webrtcbin's candidate line (when it is UTF-8, as
 *      webrtcbin's are): to_json/from_json gives it back, with and without
 *      an sdpMid.
 * Seeds: candidates a real livekit-server trickled (capture-seeds.sh).
 */
#include <glib.h>
#include "gst/livekit/signalling/candidate.h"

#include "fuzz-common.h"

int LLVMFuzzerTestOneInput (const uint8_t * data, size_t size);

static void
round_trip (const gchar * cand, const gchar * mid, guint mline)
{
  gchar *json = gst_livekit_candidate_to_json (cand, mid, mline);
  gchar *c2 = NULL, *m2 = NULL;
  guint i2 = G_MAXUINT;
  GError *err = NULL;

  FUZZ_CHECK (json != NULL, "to_json gave NULL");
  FUZZ_CHECK (gst_livekit_candidate_from_json (json, &c2, &m2, &i2, &err),
      "own JSON refused: %s (%s)", err ? err->message : "?", json);
  FUZZ_CHECK (strcmp (c2, cand) == 0, "candidate changed: %s", json);
  FUZZ_CHECK ((!mid && !m2) || (mid && m2 && strcmp (mid, m2) == 0),
      "sdpMid changed: %s", json);
  FUZZ_CHECK (i2 == mline, "sdpMLineIndex %u != %u", i2, mline);
  g_free (c2);
  g_free (m2);
  g_free (json);
}

int
LLVMFuzzerTestOneInput (const uint8_t * data, size_t size)
{
  gchar *text = g_strndup ((const gchar *) data, size);
  gchar *cand = NULL, *mid = NULL;
  guint mline = G_MAXUINT;
  GError *err = NULL;

  if (gst_livekit_candidate_from_json (text, &cand, &mid, &mline, &err)) {
    FUZZ_CHECK (err == NULL, "error set on success");
    FUZZ_CHECK (cand != NULL, "no candidate");
    FUZZ_CHECK (g_utf8_validate (cand, -1, NULL), "candidate not UTF-8");
    FUZZ_CHECK (!mid || g_utf8_validate (mid, -1, NULL), "sdpMid not UTF-8");
    FUZZ_CHECK (mline <= G_MAXUINT16, "sdpMLineIndex %u", mline);
    round_trip (cand, mid, mline);
    g_free (cand);
    g_free (mid);
  } else {
    FUZZ_CHECK (err && err->domain == GST_LIVEKIT_CANDIDATE_ERROR
        && err->message, "failure without an error");
    FUZZ_CHECK (cand == NULL && mid == NULL && mline == G_MAXUINT,
        "outputs touched on failure");
    g_clear_error (&err);
  }

  if (g_utf8_validate (text, -1, NULL)) {
    round_trip (text, NULL, size % 3);
    round_trip (text, "0", 0);
  }
  g_free (text);
  return 0;
}
